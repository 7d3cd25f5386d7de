"""The index on disk: a manifest pointing at one complete generation of documents, chunks and BM25.

Layout under the index folder:
    manifest.json      {"fingerprint", "generation", "model", ...}; replaced atomically, last
    gen-NNNNNN/        documents.json, chunks.json, cards.json, bm25/ (one complete, immutable generation),
                       and sentences-{rows,spans,vectors}.npy: each chunk's sentences embedded at index time
                       (float16; absent when STUDYQA_STORED_SENTENCE_VECTORS is off)
    chroma/            embedded Chroma (absent in server mode)
    .lock              held by the indexer

A reader follows the manifest, so it always sees a whole generation; the dense store may hold
extra vectors from an interrupted run, which readers ignore because their ids are not in it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .abbreviations import NO_ABBREVIATIONS, Abbreviations, defined_abbreviations
from .cards.model import StudyCard
from .faults import checkpoint
from .lexical import LexicalIndex
from .types import Chunk, Document

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"
SENTENCE_FILES = ("sentences-rows.npy", "sentences-spans.npy", "sentences-vectors.npy")


@dataclass(frozen=True)
class SentenceVectors:
    """One chunk's sentences: their spans in the chunk text and their vectors (float16, row per span)."""

    spans: np.ndarray
    vectors: np.ndarray

    def lookup(self, start: int, end: int) -> np.ndarray | None:
        """The float32 vector of the sentence at chunk-text span (start, end), or None."""
        hits = np.flatnonzero((self.spans[:, 0] == start) & (self.spans[:, 1] == end)) if len(self.spans) else []
        if not len(hits) or not self.vectors[hits[0]].any():
            return None
        return self.vectors[hits[0]].astype(np.float32)


class StoredChunks(Sequence[Chunk]):
    """A generation's chunks as read from disk, each made a `Chunk` on first use: an answer touches a few
    dozen of them, and building all 100,000 of a large index would cost a third of a second at start."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self._records = records
        self._made: list[Chunk | None] = [None] * len(records)

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        made = self._made[index]
        if made is None:
            made = self._made[index] = Chunk(**self._records[index])
        return made

    def ids(self) -> list[str]:
        """Every chunk's id, in order, without making the chunks."""
        return [record["chunk_id"] for record in self._records]


@dataclass
class Snapshot:
    """One generation of the index, loaded for reading."""

    manifest: dict[str, Any]
    documents: dict[str, Document]
    chunks: Sequence[Chunk]
    lexical: LexicalIndex
    stored_cards: dict[str, StudyCard] | None = None
    positions: dict[str, int] = field(init=False)
    _by_doc: dict[str, list[int]] | None = field(init=False, default=None)

    folder: Path | None = None
    _sentences: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(init=False, default=None)
    _cards_lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)
    _english: frozenset[str] | None = field(init=False, default=None, repr=False)
    _without_chinese: frozenset[str] | None = field(init=False, default=None, repr=False)
    _abbreviations: dict[str, Abbreviations] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        ids = self.chunks.ids() if isinstance(self.chunks, StoredChunks) else [c.chunk_id for c in self.chunks]
        self.positions = {chunk_id: i for i, chunk_id in enumerate(ids)}

    def english_documents(self) -> frozenset[str]:
        """The ids of documents with English text (a Chinese question may name in Chinese what they say in English)."""
        if self._english is None:
            self._english = frozenset(d for d, doc in self.documents.items() if "en" in (doc.langs or ()))
        return self._english

    def abbreviations(self, doc_id: str) -> Abbreviations:
        """The abbreviations the document defines (read from its text when first asked for)."""
        found = self._abbreviations.get(doc_id)
        if found is None:
            doc = self.documents.get(doc_id)
            found = self._abbreviations[doc_id] = defined_abbreviations(doc.text) if doc else NO_ABBREVIATIONS
        return found

    def sources_without_chinese(self) -> frozenset[str]:
        """The sources of documents with no Chinese text, which a Chinese question finds only through its gloss."""
        if self._without_chinese is None:
            self._without_chinese = frozenset(doc.source for doc in self.documents.values()
                                              if "zh" not in (doc.langs or ()))
        return self._without_chinese

    def sentence_vectors(self, position: int) -> SentenceVectors | None:
        """The sentence vectors stored for the chunk at `position`, or None (memory-mapped on first use)."""
        if self._sentences is None:
            if self.folder is None or not (self.folder / SENTENCE_FILES[0]).exists():
                return None
            try:
                self._sentences = tuple(np.load(self.folder / name, mmap_mode="r") for name in SENTENCE_FILES)
            except (OSError, ValueError):
                return None
        rows, spans, vectors = self._sentences
        if position + 1 >= len(rows):
            return None
        first, last = int(rows[position]), int(rows[position + 1])
        return SentenceVectors(np.asarray(spans[first:last]), np.asarray(vectors[first:last]))

    @property
    def cards(self) -> dict[str, StudyCard]:
        """The study card of each document: read from the generation on first use (only card questions need
        them), or made from the documents for an index written before cards existed."""
        with self._cards_lock:  # the chat window's threads may ask at once: read (or make) them once
            if self.stored_cards is None and self.folder is not None:
                self.stored_cards = _read_cards(self.folder / "cards.json")
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
    import orjson  # three times faster than json on the 50 MB of a 100,000-chunk index

    try:
        docs = orjson.loads((folder / "documents.json").read_bytes())
        chunks = orjson.loads((folder / "chunks.json").read_bytes())
        lexical = LexicalIndex.load(folder / "bm25")
    except (OSError, ValueError, KeyError):  # orjson.JSONDecodeError is a ValueError
        return None
    documents = {d["doc_id"]: Document(**d) for d in docs}
    return Snapshot(manifest, documents, StoredChunks(chunks), lexical, None, folder)


def _read_cards(path: Path) -> dict[str, StudyCard] | None:
    """The stored cards, or None when there are none or they cannot be read (they are then made again)."""
    if not path.exists():
        return None  # an index written before cards existed
    try:
        return {c["doc_id"]: StudyCard.from_dict(c) for c in json.loads(path.read_text("utf-8"))}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("study cards in %s unreadable (%s: %s); made again from the documents", path,
                    type(exc).__name__, exc)
        return None


def write_generation(index_dir: Path, manifest: dict[str, Any], documents: list[Document], chunks: Sequence[Chunk],
                     lexical: LexicalIndex, cards: list[StudyCard],
                     sentences: dict[str, SentenceVectors] | None = None) -> str:
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
    if sentences:
        _write_sentences(tmp, chunks, sentences)
    _fsync_tree(tmp)
    tmp.chmod(0o755)
    os.replace(tmp, index_dir / name)
    checkpoint("generation-in-place")
    write_json_atomic(index_dir / MANIFEST, {**manifest, "generation": name})
    return name


def _write_sentences(folder: Path, chunks: Sequence[Chunk], sentences: dict[str, SentenceVectors]) -> None:
    """The sentence vectors in chunk order: row offsets per chunk, then all spans and all vectors."""
    found = [sentences.get(c.chunk_id) for c in chunks]
    counts = [len(s.spans) if s is not None else 0 for s in found]
    rows = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    present = [s for s in found if s is not None and len(s.spans)]
    dim = present[0].vectors.shape[1] if present else 0
    spans = np.concatenate([s.spans for s in present]) if present else np.zeros((0, 2), np.int32)
    vectors = np.concatenate([s.vectors for s in present]) if present else np.zeros((0, dim), np.float16)
    for name, array in zip(SENTENCE_FILES, (rows, spans.astype(np.int32), vectors.astype(np.float16))):
        np.save(folder / name, array)


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
