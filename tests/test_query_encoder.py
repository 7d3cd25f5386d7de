"""The ONNX copy of the model that encodes questions: same vectors, same answers, safe fallbacks."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from assistant.api import Assistant
from assistant.query_encoder import OnnxQueryEncoder, load_query_encoder
from assistant.snapshot import read_manifest

from .conftest import ROOT

QUESTIONS = ["How many staff were interviewed in the CFT study?", "同伴志愿者参加了几个焦点小组？",
             "Balint groups for GP trainees 巴林特小组 " * 30, "?"]


@pytest.fixture(scope="module")
def copy(assistant) -> OnnxQueryEncoder:
    encoder = load_query_encoder(assistant.settings.index_dir, read_manifest(assistant.settings.index_dir))
    assert encoder is not None, "the index build should have exported the model"
    return encoder


def test_the_copy_gives_the_models_vectors_and_token_counts(copy, embedder):
    expected = embedder.encode(QUESTIONS)
    got = copy.encode(QUESTIONS, batch_size=2)
    assert got.shape == expected.shape and got.dtype == np.float32
    assert np.abs(got - expected).max() < 1e-4
    assert copy.count_tokens(QUESTIONS) == embedder.count_tokens(QUESTIONS)
    assert copy.encode([]).shape == (0, embedder.dimension)


def test_an_assistant_without_a_given_model_answers_the_same_through_the_copy(assistant):
    fast = Assistant(assistant.settings)
    assert isinstance(fast.embedder, OnnxQueryEncoder)
    for question in QUESTIONS[:2]:
        assert fast.answer(question).text == assistant.answer(question).text
        assert [p.chunk_id for p in fast.retrieve(question)] == [p.chunk_id for p in assistant.retrieve(question)]


def test_answering_through_the_copy_never_imports_torch(assistant):
    script = (
        "import sys; from assistant.api import Assistant; "
        f"bot = Assistant({{'index_dir': {str(assistant.settings.index_dir)!r}}}); "
        "print(bot.answer('How many staff were interviewed in the CFT study?').citations[0].source); "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    source, heavy = out.stdout.strip().splitlines()[-2:]
    assert source.startswith("000_") and heavy == "[]"


def test_a_damaged_copy_falls_back_to_the_model(assistant, tmp_path, caplog):
    import shutil

    index = tmp_path / "store"
    shutil.copytree(assistant.settings.index_dir, index)
    manifest = read_manifest(index)
    (index / manifest["query_encoder"] / "model.onnx").write_bytes(b"not a model")
    bot = Assistant(assistant.settings.model_copy(update={"index_dir": index}))
    assert not isinstance(bot.embedder, OnnxQueryEncoder)
    assert "query encoder unusable" in caplog.text
    assert bot.answer(QUESTIONS[0]).citations


def test_switched_off_or_failed_export_leaves_no_copy_and_the_build_succeeds(tmp_path, embedder, monkeypatch):
    from assistant import query_encoder

    from .conftest import SOURCES

    off = Assistant({"index_dir": tmp_path / "off", "sources_dir": SOURCES, "fast_queries": False,
                     "document_encoder": "sentence-transformers"}, embedder=embedder)
    off.index()
    assert read_manifest(tmp_path / "off")["query_encoder"] is None and not (tmp_path / "off" / "encoders").exists()
    assert read_manifest(tmp_path / "off")["document_encoder"] == "sentence-transformers"

    def broken(*args, **kwargs):
        raise RuntimeError("exporter missing")

    monkeypatch.setattr(query_encoder, "_export", broken)
    failed = _index_afresh(monkeypatch, embedder, tmp_path / "failed", cache=None)
    assert read_manifest(tmp_path / "failed")["query_encoder"] is None
    assert read_manifest(tmp_path / "failed")["document_encoder"] == "sentence-transformers"  # the fallback
    assert not any((tmp_path / "failed" / "encoders").glob("*"))
    assert Assistant(failed.settings).answer(QUESTIONS[0]).citations


def test_the_copy_records_what_it_was_made_from(copy, assistant):
    manifest = read_manifest(assistant.settings.index_dir)
    meta = json.loads((assistant.settings.index_dir / manifest["query_encoder"] / "encoder.json").read_text())
    assert meta["model"] == manifest["model"] and meta["dimension"] == copy.dimension == 384


# ---- documents ------------------------------------------------------------------------------------

DOCUMENTS = ["short", "A sentence of moderate length about compassion circles for NHS staff.",
             "同伴志愿者参加了几个焦点小组？", "Balint groups for GP trainees " * 60, "x y z " * 5] * 7


def test_the_index_embeds_documents_with_the_int8_copy_by_default_and_records_it(assistant):
    from assistant.query_encoder import INT8_MODEL

    manifest = read_manifest(assistant.settings.index_dir)
    assert manifest["document_encoder"] == "onnx-int8"
    assert (assistant.settings.index_dir / manifest["query_encoder"] / INT8_MODEL).exists()


def test_documents_through_the_copy_get_the_models_vectors_in_any_batching(copy, embedder):
    from assistant.query_encoder import DOCUMENT_TOKEN_BUDGET

    expected = embedder.encode(DOCUMENTS)
    for budget in (16, 512, DOCUMENT_TOKEN_BUDGET):  # one row per batch, some, all at once
        got = copy.encode_documents(DOCUMENTS, budget)
        assert got.shape == expected.shape and got.dtype == np.float32
        assert np.abs(got - expected).max() < 1e-4
    assert copy.encode_documents([]).shape == (0, copy.dimension)


def test_the_int8_copy_is_checked_close_to_the_model_and_kept_apart(assistant, embedder, tmp_path):
    import shutil

    from assistant.query_encoder import INT8_MODEL, document_encoder

    manifest = read_manifest(assistant.settings.index_dir)
    index = tmp_path / "index"
    shutil.copytree(assistant.settings.index_dir / manifest["query_encoder"], index / manifest["query_encoder"])
    int8 = document_encoder(embedder, index, manifest["query_encoder"], "onnx-int8")
    assert int8.kind == "onnx-int8" and (index / manifest["query_encoder"] / INT8_MODEL).exists()
    got, expected = int8.encode(DOCUMENTS), embedder.encode(DOCUMENTS)
    assert float((got * expected).sum(axis=1).min()) > 0.97 and np.abs(got - expected).max() > 1e-4
    assert document_encoder(embedder, index, None, "onnx") is embedder  # no copy: the model itself


def test_the_document_encoder_is_part_of_the_index_fingerprint(monkeypatch):
    from assistant import indexing
    from assistant.settings import Settings

    prints = {indexing.index_fingerprint(Settings(document_encoder=kind)) for kind in ("onnx", "onnx-int8", "sentence-transformers")}
    assert len(prints) == 3
    before = {kind: indexing.index_fingerprint(Settings(document_encoder=kind)) for kind in ("onnx-int8", "sentence-transformers")}
    monkeypatch.setattr(indexing, "EXPORT_VERSION", "next")
    assert indexing.index_fingerprint(Settings(document_encoder="onnx-int8")) != before["onnx-int8"]
    assert indexing.index_fingerprint(Settings(document_encoder="sentence-transformers")) == before["sentence-transformers"]


def test_the_copy_is_traced_with_eager_attention_and_the_model_keeps_its_own(assistant, embedder):
    import onnx

    folder = assistant.settings.index_dir / read_manifest(assistant.settings.index_dir)["query_encoder"]
    operators = [node.op_type for node in onnx.load(str(folder / "model.onnx")).graph.node]
    assert "Softmax" in operators and "IsNaN" not in operators  # fused attention would guard each softmax
    assert embedder.sentence_transformer[0].auto_model.config._attn_implementation == "sdpa"


# ---- the machine-wide copy -------------------------------------------------------------------------

def test_a_later_index_starts_from_the_machine_wide_copy_without_exporting(tmp_path, embedder, monkeypatch):
    from assistant import query_encoder
    from assistant.query_encoder import INT8_MODEL, cached_encoder_dir, ensure_query_encoder

    from .conftest import SOURCES

    real_export = query_encoder._export
    cache = tmp_path / "cache"
    _index_afresh(monkeypatch, embedder, tmp_path / "one", cache)
    kept = cached_encoder_dir(embedder, cache)
    assert {p.name for p in kept.iterdir()} == {"encoder.json", "model.onnx", "tokenizer.json", INT8_MODEL}

    exports: list = []
    monkeypatch.setattr(query_encoder, "_export", lambda e, folder: exports.append(folder))
    second = _index_afresh(monkeypatch, embedder, tmp_path / "two", cache)
    manifest = read_manifest(tmp_path / "two")
    assert not exports and manifest["query_encoder"] and manifest["document_encoder"] == "onnx-int8"
    assert second.answer(QUESTIONS[0]).citations

    # a damaged cached int8 file is quantised again, here and in the cache
    (kept / INT8_MODEL).write_bytes(b"not a model")
    third = _index_afresh(monkeypatch, embedder, tmp_path / "int8", cache)
    assert not exports and read_manifest(tmp_path / "int8")["document_encoder"] == "onnx-int8"
    assert (kept / INT8_MODEL).stat().st_size > 1000 and third.answer(QUESTIONS[0]).citations

    # a damaged cached copy fails the parity check: it is made afresh, never used
    (kept / "model.onnx").write_bytes(b"not a model")
    monkeypatch.setattr(query_encoder, "_exported", {})
    monkeypatch.setattr(query_encoder, "_export", lambda e, folder: exports.append(folder) or real_export(e, folder))
    assert ensure_query_encoder(embedder, tmp_path / "three", cache) is not None
    assert exports and (kept / "encoder.json").exists()
    assert query_encoder.OnnxQueryEncoder(kept).encode(["x"]).shape == (1, 384)


def _index_afresh(monkeypatch, embedder, folder, cache) -> Assistant:
    """The bundled studies indexed in `folder` as if by a new process (no copy from an earlier index of this one)."""
    from assistant import query_encoder

    from .conftest import SOURCES

    monkeypatch.setattr(query_encoder, "_exported", {})
    bot = Assistant({"index_dir": folder, "sources_dir": SOURCES, "encoder_cache_dir": cache}, embedder=embedder)
    assert bot.index().chunks > 0
    return bot


def test_an_empty_cache_setting_keeps_copies_under_each_index_only(monkeypatch):
    from assistant.settings import Settings

    monkeypatch.setenv("STUDYQA_ENCODER_CACHE_DIR", "")
    assert Settings().encoder_cache_dir is None
    monkeypatch.delenv("STUDYQA_ENCODER_CACHE_DIR")
    assert Settings().encoder_cache_dir.name == "encoders"


def test_an_int8_file_joins_the_cache_only_beside_the_copy_it_was_made_from(tmp_path):
    from types import SimpleNamespace

    from assistant.query_encoder import INT8_MODEL, cached_encoder_dir, remember_encoder

    model = SimpleNamespace(ref="some/model", path=str(tmp_path / "no-such-dir"))
    cache = tmp_path / "cache"
    target = cached_encoder_dir(model, cache)
    target.mkdir(parents=True)
    (target / "encoder.json").write_text("{}")
    (target / "model.onnx").write_bytes(b"copy made by one export")
    index = tmp_path / "index"
    index.mkdir()
    (index / "model.onnx").write_bytes(b"copy made by another one")
    (index / INT8_MODEL).write_bytes(b"int8 of the other one")
    remember_encoder(model, index, cache)
    assert not (target / INT8_MODEL).exists()
    (index / "model.onnx").write_bytes(b"copy made by one export")
    remember_encoder(model, index, cache)
    assert (target / INT8_MODEL).read_bytes() == b"int8 of the other one"
    assert not [p.name for p in target.iterdir() if p.name.startswith(".")]
