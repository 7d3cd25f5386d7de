"""The index on disk: a manifest pointing at one complete generation of documents, chunks and BM25.

Layout under the index folder:
    manifest.json      {"fingerprint", "generation", "model", ...}; replaced atomically, last
    gen-NNNNNN/        documents.json, chunks.json, cards.json, bm25/ (one complete, immutable generation)
    chroma/            embedded Chroma (absent in server mode)
    .lock              held by the indexer

A reader follows the manifest, so it always sees a whole generation; the dense store may hold
extra vectors from an interrupted run, which readers ignore because their ids are not in it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .cards.model import StudyCard
from .faults import checkpoint
from .lexical import LexicalIndex
from .types import Chunk, Document

MANIFEST = "manifest.json"


@dataclass
class Snapshot:
    """One generation of the index, loaded for reading."""

    manifest: dict[str, Any]
    documents: dict[str, Document]
    chunks: list[Chunk]
    lexical: LexicalIndex
    stored_cards: dict[str, StudyCard] | None = None
    positions: dict[str, int] = field(init=False)
    _by_doc: dict[str, list[int]] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.positions = {c.chunk_id: i for i, c in enumerate(self.chunks)}

    @property
    def cards(self) -> dict[str, StudyCard]:
        """The study card of each document (read on first use for an index written before cards existed)."""
        if self.stored_cards is None:
            from .cards.extract import extract_card

            self.stored_cards = {doc_id: extract_card(doc) for doc_id, doc in self.documents.items()}
        return self.stored_cards

    def study_cards(self, sources: Sequence[str] | None = None) -> list[StudyCard]:
        """The study card of every document (or of `sources`), in file-name order."""
        wanted = set(sources or [])
        return sorted((c for c in self.cards.values() if not wanted or c.source in wanted), key=lambda c: c.source)

    def chunk_covering(self, doc_id: str, start: int, end: int) -> int | None:
        """Position of the document's chunk that holds text[start:end] (the most of it, if none holds all)."""
        if self._by_doc is None:
            by_doc: dict[str, list[int]] = {}
            for i, chunk in enumerate(self.chunks):
                by_doc.setdefault(chunk.doc_id, []).append(i)
            self._by_doc = by_doc
        overlap = {i: min(end, self.chunks[i].end) - max(start, self.chunks[i].start) for i in self._by_doc.get(doc_id, [])}
        best = max(overlap, key=overlap.__getitem__, default=None)
        return best if best is not None and overlap[best] > 0 else None

    def source_mask(self, sources: set[str] | None) -> np.ndarray | None:
        """Boolean mask over chunks whose document's file name is in `sources`."""
        if not sources:
            return None
        return np.array([self.documents[c.doc_id].source in sources for c in self.chunks], dtype=bool)


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The current manifest, or None when no complete index exists."""
    try:
        return json.loads((Path(index_dir) / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def manifest_signature(index_dir: Path) -> tuple[int, int, int] | None:
    """A cheap fingerprint of the manifest file (it is replaced atomically on every switch), or None."""
    try:
        stat = (Path(index_dir) / MANIFEST).stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def load_snapshot(index_dir: Path) -> Snapshot | None:
    """The generation the manifest points at, or None when there is none."""
    manifest = read_manifest(index_dir)
    if not manifest:
        return None
    folder = Path(index_dir) / manifest["generation"]
    try:
        docs = json.loads((folder / "documents.json").read_text("utf-8"))
        chunks = json.loads((folder / "chunks.json").read_text("utf-8"))
        lexical = LexicalIndex.load(folder / "bm25")
        cards = _read_cards(folder / "cards.json")
    except (OSError, ValueError, KeyError):
        return None
    documents = {d["doc_id"]: Document(**d) for d in docs}
    return Snapshot(manifest, documents, [Chunk(**c) for c in chunks], lexical, cards)


def _read_cards(path: Path) -> dict[str, StudyCard] | None:
    if not path.exists():
        return None
    return {c["doc_id"]: StudyCard.from_dict(c) for c in json.loads(path.read_text("utf-8"))}


def write_generation(index_dir: Path, manifest: dict[str, Any], documents: list[Document], chunks: list[Chunk],
                     lexical: LexicalIndex, cards: list[StudyCard]) -> str:
    """Write a new generation, then switch the manifest to it atomically; returns its name."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    name = _next_generation(index_dir)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=index_dir))
    (tmp / "documents.json").write_text(json.dumps([asdict(d) for d in documents], ensure_ascii=False), "utf-8")
    checkpoint("documents-written")
    (tmp / "chunks.json").write_text(json.dumps([asdict(c) for c in chunks], ensure_ascii=False), "utf-8")
    (tmp / "cards.json").write_text(json.dumps([c.to_dict() for c in cards], ensure_ascii=False), "utf-8")
    (tmp / "bm25").mkdir()
    lexical.save(tmp / "bm25")
    checkpoint("bm25-written")
    _fsync_tree(tmp)
    tmp.chmod(0o755)
    os.replace(tmp, index_dir / name)
    checkpoint("generation-in-place")
    write_json_atomic(index_dir / MANIFEST, {**manifest, "generation": name})
    return name


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to a temporary file and rename it over `path`."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def remove_stale(index_dir: Path, keep: str) -> None:
    """Delete generations other than `keep` and leftovers of interrupted writes."""
    for entry in Path(index_dir).iterdir():
        if entry.is_dir() and (entry.name.startswith("gen-") or entry.name.startswith(".tmp-")) and entry.name != keep:
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file() and entry.name.startswith(".tmp-"):
            entry.unlink(missing_ok=True)


def _next_generation(index_dir: Path) -> str:
    numbers = [int(p.name[4:]) for p in index_dir.glob("gen-*") if p.name[4:].isdigit()]
    return f"gen-{max(numbers, default=0) + 1:06d}"


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
