"""Incremental, content-hashed indexing: reuse, re-embed only what changed, delete what is gone."""

from __future__ import annotations

import pytest

from assistant.errors import IndexBusyError, StudyQAError
from assistant.indexing import build_index, index_lock
from assistant.settings import Settings
from assistant.snapshot import load_snapshot, read_manifest
from assistant.store import VectorStore, open_client

from .conftest import BSW, PEER, copy_sources


@pytest.fixture
def workspace(tmp_path, embedder):
    sources = copy_sources(tmp_path / "sources")
    return Settings(index_dir=tmp_path / "store", sources_dir=sources)


def chunk_ids(settings: Settings) -> list[str]:
    return [c.chunk_id for c in load_snapshot(settings.index_dir).chunks]


def stored_ids(settings: Settings) -> set[str]:
    manifest = read_manifest(settings.index_dir)
    return VectorStore(open_client(settings.index_dir, None), manifest["collection"]).all_ids()


def test_second_run_computes_no_embeddings_and_keeps_ids(workspace):
    first = build_index(settings=workspace)
    ids = chunk_ids(workspace)
    assert first.documents == 5 and first.new_embeddings == first.chunks == len(ids) > 0
    second = build_index(settings=workspace)
    assert second.new_embeddings == 0 and second.changed_documents == 0
    assert chunk_ids(workspace) == ids
    assert stored_ids(workspace) == set(ids)
    assert "0 new embeddings" in second.summary()


def test_editing_one_source_reembeds_only_that_document(workspace):
    build_index(settings=workspace)
    before = load_snapshot(workspace.index_dir)
    edited = workspace.sources_dir / BSW
    edited.write_text(edited.read_text("utf-8") + "\nA new closing sentence about homework completion rates.\n", "utf-8")
    report = build_index(settings=workspace)
    after = load_snapshot(workspace.index_dir)
    changed_doc = next(d.doc_id for d in after.documents.values() if d.source == BSW)
    new_ids = {c.chunk_id for c in after.chunks} - {c.chunk_id for c in before.chunks}
    assert report.changed_documents == 1
    assert 0 < report.new_embeddings == len(new_ids)
    assert all(i.startswith(changed_doc) for i in new_ids)
    assert stored_ids(workspace) == {c.chunk_id for c in after.chunks}  # old vectors of BSW removed


def test_deleting_a_source_removes_its_chunks(workspace):
    build_index(settings=workspace)
    peer_id = next(d.doc_id for d in load_snapshot(workspace.index_dir).documents.values() if d.source == PEER)
    (workspace.sources_dir / PEER).unlink()
    report = build_index(settings=workspace)
    snapshot = load_snapshot(workspace.index_dir)
    assert report.removed_documents == 1 and report.new_embeddings == 0
    assert PEER not in {d.source for d in snapshot.documents.values()}
    assert not any(c.doc_id == peer_id for c in snapshot.chunks)
    assert not any(i.startswith(peer_id) for i in stored_ids(workspace))


def test_unreadable_files_are_skipped_with_reasons_and_the_rest_indexed(workspace):
    (workspace.sources_dir / "empty.txt").write_bytes(b"")
    (workspace.sources_dir / "broken.pdf").write_bytes(b"%PDF-1.7 nonsense")
    report = build_index(settings=workspace)
    reasons = {path.rsplit("/", 1)[-1]: reason for path, reason in report.skipped}
    assert reasons["empty.txt"] == "file is empty"
    assert "corrupt PDF" in reasons["broken.pdf"]
    assert report.documents == 5


def test_any_failure_inside_one_document_skips_it_with_class_and_message(workspace, monkeypatch):
    import assistant.indexing as indexing

    real = indexing.read_document

    def reader_with_a_bug(path, root=None):
        if path.name == PEER:
            raise StopIteration  # the kind of bug no one anticipated: it must not stop the build
        if path.name == BSW:
            raise KeyError("page 3")
        return real(path, root)

    monkeypatch.setattr(indexing, "read_document", reader_with_a_bug)
    report = build_index(settings=workspace)
    reasons = {path.rsplit("/", 1)[-1]: reason for path, reason in report.skipped}
    assert reasons == {PEER: "StopIteration", BSW: "KeyError: 'page 3'"}
    assert report.documents == 3
    assert {d.source for d in load_snapshot(workspace.index_dir).documents.values()}.isdisjoint({PEER, BSW})


def test_an_empty_folder_never_replaces_a_good_index(workspace, tmp_path):
    build_index(settings=workspace)
    ids = chunk_ids(workspace)
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    with pytest.raises(StudyQAError, match="index left as it was"):
        build_index([empty], settings=workspace)
    assert chunk_ids(workspace) == ids


def test_a_second_indexer_is_refused_while_one_runs(workspace):
    with index_lock(workspace.index_dir):
        with pytest.raises(IndexBusyError, match="another indexer"):
            build_index(settings=workspace)


def test_new_file_in_another_encoding_is_indexed(workspace):
    build_index(settings=workspace)
    extra = workspace.sources_dir / "gb.txt"
    extra.write_bytes(("团体督导为病房护士提供了安全空间。十名护士参加了访谈，并描述了减少孤立感。" * 3).encode("gb18030"))
    report = build_index(settings=workspace)
    assert report.documents == 6 and report.changed_documents == 1
    assert any("十名护士参加了访谈" in c.text for c in load_snapshot(workspace.index_dir).chunks)


def test_unchanged_index_is_checked_without_loading_the_model(workspace, monkeypatch):
    build_index(settings=workspace)

    def no_model(*args, **kwargs):
        raise AssertionError("the model must not load when nothing changed")

    monkeypatch.setattr("assistant.indexing.get_embedder", no_model)
    assert build_index(settings=workspace).new_embeddings == 0


def test_a_snapshot_makes_chunks_and_reads_cards_only_when_used(assistant, tmp_path):
    import shutil

    from assistant.snapshot import StoredChunks, load_snapshot

    snapshot = load_snapshot(assistant.settings.index_dir)
    assert isinstance(snapshot.chunks, StoredChunks) and snapshot.stored_cards is None
    chunks = list(snapshot.chunks)
    assert [c.chunk_id for c in chunks] == snapshot.chunks.ids() and snapshot.chunks[-1] is chunks[-1]
    assert snapshot.chunks[1:3] == chunks[1:3] and snapshot.positions[chunks[2].chunk_id] == 2
    cards = snapshot.cards
    assert set(cards) == set(snapshot.documents)

    copy = tmp_path / "store"
    shutil.copytree(assistant.settings.index_dir, copy)
    (copy / snapshot.manifest["generation"] / "cards.json").write_text("{not json", "utf-8")
    damaged = load_snapshot(copy)
    assert damaged is not None and {k: c.to_dict() for k, c in damaged.cards.items()} == \
        {k: c.to_dict() for k, c in cards.items()}  # made again from the documents


def test_work_beside_the_encoder_hands_back_its_value_and_its_error():
    from assistant.indexing import _Beside

    assert _Beside(lambda: ("cards", "bm25")).result() == ("cards", "bm25")

    def fails():
        raise ValueError("unreadable card")

    with pytest.raises(ValueError, match="unreadable card"):
        _Beside(fails).result()
