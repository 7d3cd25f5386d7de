"""`studyqa index` killed with SIGKILL at many points: the previous index still answers, the next run heals.

Each kill uses a named checkpoint (`STUDYQA_TEST_KILL_AT`, see assistant/faults.py) inside a real
`studyqa index` process that is updating an index after sources were added, edited and removed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.indexing import build_index
from assistant.settings import Settings
from assistant.snapshot import load_snapshot, read_manifest
from assistant.store import VectorStore, open_client

from .conftest import BALINT, CFT, PEER, ROOT, copy_sources

STUDYQA = [sys.executable, "-m", "assistant.cli"]
QUESTION = "How many staff were interviewed in the CFT study?"
# Points across reading, embedding (several batches), exporting the query encoder and writing.
KILL_POINTS = ["locked", "read:2", "model-loaded", "embedded-batch:1", "embedded-batch:3", "embedded",
               "onnx-written", "encoder-ready", "documents-written", "bm25-written", "generation-in-place",
               "switched", "old-vectors-deleted"]
NEW_STUDY = "Peer support for night-shift nurses: a qualitative study\n\nAbstract\n" + "".join(
    f"Nurse {i} of the night-shift group described week {i} of the monthly peer support meetings, "
    f"valuing protected time number {i}, shared humour about rota {i} and practical advice on fatigue. "
    f"Barrier {i} was a change of ward {i + 3} and the loss of colleagues from unit {i * 7}.\n"
    for i in range(1, 160))  # long enough for several embedding batches


def env_for(base: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "STUDYQA_INDEX_DIR": str(base / "store"), "STUDYQA_SOURCES_DIR": str(base / "sources"),
            "STUDYQA_EMBED_BATCH_SIZE": "4", "HF_HUB_OFFLINE": "1", **extra}


def change_sources(sources: Path) -> None:
    """Add a study, edit one, delete one: real work for the next build."""
    (sources / "900_new_study.txt").write_text(NEW_STUDY, "utf-8")
    with open(sources / PEER, "a", encoding="utf-8") as handle:
        handle.write("\nAddendum: volunteers asked for refresher training every six months.\n")
    (sources / BALINT).unlink()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, embedder):
    """An index of the bundled studies (built in its own process), and the ids a build of the changed sources gives."""
    base = tmp_path_factory.mktemp("crash-baseline")
    copy_sources(base / "sources")
    built = subprocess.run(STUDYQA + ["index", "--quiet"], env=env_for(base), cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert built.returncode == 0, built.stderr
    reference = tmp_path_factory.mktemp("crash-reference")
    change_sources(copy_sources(reference / "sources"))
    settings = Settings(index_dir=reference / "store", sources_dir=reference / "sources", embed_batch_size=4)
    build_index(settings=settings)
    expected = [c.chunk_id for c in load_snapshot(settings.index_dir).chunks]
    return base, expected


def settings_of(base: Path) -> Settings:
    return Settings(index_dir=base / "store", sources_dir=base / "sources", embed_batch_size=4)


def assert_whole_and_answering(settings: Settings, embedder) -> list[str]:
    """The current generation is complete: every chunk has its vector, and questions get cited answers."""
    snapshot = load_snapshot(settings.index_dir)
    assert snapshot is not None
    ids = [c.chunk_id for c in snapshot.chunks]
    store = VectorStore(open_client(settings.index_dir, None), snapshot.manifest["collection"])
    assert store.existing(ids) == set(ids)
    answer = Assistant(settings, embedder=embedder).answer(QUESTION)
    assert answer.citations and answer.citations[0].source == CFT
    return ids


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_killed_build_leaves_the_old_index_answering_and_the_next_run_heals(point, baseline, tmp_path, embedder):
    source, expected = baseline
    shutil.copytree(source, tmp_path, dirs_exist_ok=True)
    before = [c.chunk_id for c in load_snapshot(tmp_path / "store").chunks]
    change_sources(tmp_path / "sources")
    if point == "onnx-written":  # an index whose query encoder went missing: the build makes a new one
        shutil.rmtree(tmp_path / "store" / "encoders")

    # no machine-wide copy either, so that this build exports
    no_cache = {"STUDYQA_ENCODER_CACHE_DIR": ""} if point == "onnx-written" else {}
    killed = subprocess.run(STUDYQA + ["index", "--quiet"], env=env_for(tmp_path, STUDYQA_TEST_KILL_AT=point, **no_cache),
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, f"never reached {point}: {killed.stderr[-500:]}"

    settings = settings_of(tmp_path)
    now = assert_whole_and_answering(settings, embedder)
    switched = point in ("switched", "old-vectors-deleted")
    assert now == (expected if switched else before)

    report = build_index(settings=settings)
    ids = assert_whole_and_answering(settings, embedder)
    assert ids == expected and len(set(ids)) == len(ids)
    manifest = read_manifest(settings.index_dir)
    assert VectorStore(open_client(settings.index_dir, None), manifest["collection"]).all_ids() == set(expected)
    assert report.chunks == len(expected)
    leftovers = [p.name for p in (tmp_path / "store").iterdir() if p.name.startswith((".tmp-", "gen-"))]
    assert leftovers == [manifest["generation"]]
    assert manifest["query_encoder"] and not list((tmp_path / "store" / "encoders").glob(".export-*"))


def test_two_indexers_at_once_the_second_exits_with_a_clear_message(baseline, tmp_path, embedder):
    source, expected = baseline
    shutil.copytree(source, tmp_path, dirs_exist_ok=True)
    change_sources(tmp_path / "sources")
    first = subprocess.Popen(STUDYQA + ["index", "--quiet"], env=env_for(tmp_path), cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = tmp_path / "store" / ".lock"
    deadline = time.time() + 120
    while not _held(lock):
        assert first.poll() is None and time.time() < deadline, "the first indexer never took the lock"
        time.sleep(0.05)
    second = subprocess.run(STUDYQA + ["index", "--quiet"], env=env_for(tmp_path), cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    assert second.returncode == 1
    lines = [line for line in second.stderr.splitlines() if line.strip()]
    assert lines == [f"studyqa: error: another indexer is updating {tmp_path / 'store'}; try again when it has finished"]
    assert assert_whole_and_answering(settings_of(tmp_path), embedder) == expected


def _held(lock: Path) -> bool:
    """Whether some process holds a lock on the index's lock file (read from /proc/locks, so never racing it)."""
    if not lock.exists():
        return False
    inode = lock.stat().st_ino
    entries = Path("/proc/locks").read_text().splitlines()
    return any(len(f) > 5 and f[5].rsplit(":", 1)[-1] == str(inode) for f in (e.split() for e in entries))
