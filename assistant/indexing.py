"""Build or update the index from source files, incrementally and atomically.

The index mirrors the paths it is given (default: the sources folder): new and changed documents
are (re)chunked and embedded, unchanged ones are reused as they are, and documents no longer among
the sources are removed. Vectors already in the store (from an interrupted run) are not recomputed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from .cards import RULES_VERSION, study_cards
from .chunking import CHUNKER_VERSION, chunk_document, search_header, search_text
from .documents import doc_id_for, read_document, reader_version
from .embedding import Embedder, get_embedder
from .errors import IndexBusyError, StudyQAError, UnreadableSource
from .faults import checkpoint
from .lexical import LexicalIndex
from .loaders import find_sources
from .pooling import pooled_vector
from .query_encoder import EXPORT_VERSION, DocumentEncoder, document_encoder, ensure_query_encoder, remove_other_encoders
from .settings import Settings, get_settings
from .snapshot import SentenceVectors, Snapshot, load_snapshot, read_manifest, remove_stale, write_generation
from .store import VectorStore, open_client
from .text import sentence_spans
from .types import Chunk, Document

COLLECTION_PREFIX = "studyqa-"
CLEANUP_PENDING = ".cleanup-pending"  # present from a generation switch until the old data is gone
log = logging.getLogger(__name__)


@dataclass
class IndexReport:
    """What one indexing run did."""

    documents: int = 0
    chunks: int = 0
    new_embeddings: int = 0
    changed_documents: int = 0
    removed_documents: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for people: documents, chunks, new embeddings, seconds."""
        return (
            f"Indexed {self.documents} documents, {self.chunks} chunks, {self.new_embeddings} new embeddings "
            f"({self.changed_documents} new or changed, {self.removed_documents} removed, "
            f"{len(self.skipped)} skipped) in {self.seconds:.1f} s"
        )


def index_fingerprint(settings: Settings) -> str:
    """Changes whenever every vector or chunk would differ: model, chunk budget, chunker version, and what
    embeds documents and how its ONNX copy is exported (the int8 copy's vectors differ slightly: an index
    never mixes them with others), and how a chunk's vector is made (encoded whole or pooled from its
    sentences).

    Reader versions (cleaning, metadata, PDF reading) are not in it: each document records the versions
    that read it, and a change re-reads only those files and re-embeds only chunks whose text changed.
    """
    parts = [settings.embedding_model, settings.chunk_tokens, settings.chunk_overlap, CHUNKER_VERSION,
             settings.document_encoder]
    if settings.chunk_vectors != "encoded":  # kept out of the default's key, so older indexes stay valid
        parts.append(settings.chunk_vectors)
    if settings.document_encoder != "sentence-transformers":  # a new export moves the int8 copy's vectors
        parts.append(f"export-{EXPORT_VERSION}")
    key = json.dumps(parts)
    return hashlib.sha1(key.encode()).hexdigest()[:12]


@contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's writer lock, or raise IndexBusyError at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusyError(f"another indexer is updating {index_dir}; try again when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_index(
    paths: Sequence[Path] | None = None, settings: Settings | None = None, progress: bool = False
) -> IndexReport:
    """Bring the index in line with the given source paths (default: the sources folder and uploads)."""
    settings = get_settings(settings)
    started = time.perf_counter()
    paths = [Path(p) for p in (paths or settings.source_paths())]
    report = IndexReport()
    files, skipped = find_sources(paths, settings.max_source_mb)
    report.skipped.extend((str(p), reason) for p, reason in skipped)
    if not files:
        _refuse_empty(paths, report)
    with index_lock(Path(settings.index_dir)):
        checkpoint("locked")
        fingerprint = index_fingerprint(settings)
        old = _previous(settings, fingerprint)
        documents, chunks = _read_all(files, settings, old, report)
        if not documents:
            _refuse_empty(paths, report)
        previous_ids = set(old.documents) if old else set()
        report.removed_documents = len(previous_ids - {d.doc_id for d in documents})
        if not (old is not None and report.changed_documents == 0 and report.removed_documents == 0):
            report.new_embeddings = _commit(settings, fingerprint, documents, chunks, old, progress)
        elif old.manifest.get("cards_version") != RULES_VERSION:
            _refresh_cards(settings, old)
        elif (Path(settings.index_dir) / CLEANUP_PENDING).exists():
            # the last build was killed after switching generations: finish its clean-up (no model needed)
            store = VectorStore(open_client(settings.index_dir, settings.chroma_url), old.manifest["collection"])
            _clean_up(settings, store, old.chunks, old.manifest["generation"], old.manifest.get("query_encoder"))
        # otherwise an unchanged index is left alone: no model load, no store round-trips
        report.documents, report.chunks = len(documents), len(chunks)
        report.seconds = time.perf_counter() - started
        return report


def build_from_documents(documents: list[Document], settings: Settings | None = None,
                         progress: bool = False) -> IndexReport:
    """Index documents that do not come from files (benchmark corpora); vectors already stored are reused."""
    settings = get_settings(settings)
    started = time.perf_counter()
    with index_lock(Path(settings.index_dir)):
        embedder = get_embedder(settings.embedding_model, settings.device)
        budget = min(settings.chunk_tokens, embedder.max_content_tokens)
        chunks = [c for doc in documents for c in chunk_document(doc, embedder, budget, settings.chunk_overlap)]
        fingerprint = index_fingerprint(settings)
        new = _commit(settings, fingerprint, documents, chunks, _previous(settings, fingerprint), progress)
    return IndexReport(documents=len(documents), chunks=len(chunks), new_embeddings=new,
                       changed_documents=len(documents), seconds=time.perf_counter() - started)


def _commit(settings: Settings, fingerprint: str, documents: list[Document], chunks: list[Chunk],
            old: Snapshot | None, progress: bool) -> int:
    """Embed what is missing, write the new generation, switch to it, then drop what it no longer holds."""
    store = VectorStore(open_client(settings.index_dir, settings.chroma_url), settings.chroma_collection_name(fingerprint))
    embedder = get_embedder(settings.embedding_model, settings.device)
    checkpoint("model-loaded")
    # the ONNX copy first: it embeds the documents too (unless sentence-transformers is asked for)
    wanted = settings.fast_queries or settings.document_encoder != "sentence-transformers"
    cache = settings.encoder_cache_dir
    encoder = ensure_query_encoder(embedder, settings.index_dir, cache) if wanted else None
    checkpoint("encoder-ready")
    encode_with = document_encoder(embedder, settings.index_dir, encoder, settings.document_encoder, cache)
    sentences: dict[str, SentenceVectors] = {}
    # Study cards and BM25 are plain Python: made beside the encoder, whose runs release the GIL, they add
    # little to the build's time (NFCorpus sample: about 0.7 s of 18 s)
    beside = _Beside(lambda: (study_cards(documents, settings, _card_llm(settings), _reusable_cards(old)),
                              _lexical(documents, chunks)))
    new_embeddings = _embed_missing(store, encode_with, documents, chunks, old, settings, progress, sentences)
    checkpoint("embedded")
    cards, lexical = beside.result()
    manifest = {"fingerprint": fingerprint, "model": settings.embedding_model, "collection": store.name,
                "chroma_url": settings.chroma_url or "", "query_encoder": encoder if settings.fast_queries else None,
                "document_encoder": getattr(encode_with, "kind", "sentence-transformers"), "created": time.time(),
                "cards_version": RULES_VERSION}
    pending = Path(settings.index_dir) / CLEANUP_PENDING
    pending.touch()
    generation = write_generation(settings.index_dir, manifest, documents, chunks, lexical, cards, sentences)
    checkpoint("switched")
    _clean_up(settings, store, chunks, generation, encoder)
    return new_embeddings


T = TypeVar("T")


class _Beside(Generic[T]):
    """A function run on a daemon thread while the caller goes on; an interrupted build never waits for it."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="studyqa-index-beside", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def result(self) -> T:
        """The function's value, once it has finished; its exception if it raised one."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


def _clean_up(settings: Settings, store: VectorStore, chunks: Sequence[Chunk], generation: str, encoder: str | None) -> None:
    """Drop vectors, collections, generations and encoders the current generation does not use."""
    store.delete(store.all_ids() - {c.chunk_id for c in chunks})
    checkpoint("old-vectors-deleted")
    store.drop_other_collections(COLLECTION_PREFIX)
    remove_stale(settings.index_dir, generation)
    remove_other_encoders(settings.index_dir, encoder)
    (Path(settings.index_dir) / CLEANUP_PENDING).unlink(missing_ok=True)


def _refresh_cards(settings: Settings, old: Snapshot) -> None:
    """A new generation with cards from the current rules; chunks, vectors and BM25 stay as they are."""
    documents = list(old.documents.values())
    manifest = {**old.manifest, "cards_version": RULES_VERSION}
    cards = study_cards(documents, settings, _card_llm(settings))
    sentences = {c.chunk_id: kept for i, c in enumerate(old.chunks) if (kept := old.sentence_vectors(i)) is not None}
    generation = write_generation(settings.index_dir, manifest, documents, old.chunks, old.lexical, cards, sentences)
    remove_stale(settings.index_dir, generation)


def _reusable_cards(old: Snapshot | None) -> dict:
    """The previous cards by (doc_id, sha256, reader versions) when they were made by the current rules: a
    document re-read by a changed reader gets a new card (its evidence offsets point into the new text)."""
    if old is None or old.manifest.get("cards_version") != RULES_VERSION:
        return {}
    return {(doc_id, old.documents[doc_id].sha256, old.documents[doc_id].reader): card
            for doc_id, card in old.cards.items() if doc_id in old.documents}


def _card_llm(settings: Settings):
    if not settings.cards_llm or settings.llm_backend == "none":
        return None
    from .answering.llm import LLMAnswerer

    return LLMAnswerer(settings, lambda text: len(text.split()))


def _refuse_empty(paths: list[Path], report: IndexReport) -> None:
    reasons = "; ".join(f"{Path(p).name}: {r}" for p, r in report.skipped[:3]) or "no supported files"
    raise StudyQAError(f"no readable documents in {', '.join(map(str, paths))} ({reasons}); index left as it was")


def _previous(settings: Settings, fingerprint: str) -> Snapshot | None:
    """The current snapshot when it was built the same way and into the same vector store."""
    manifest = read_manifest(settings.index_dir)
    if not manifest or manifest.get("fingerprint") != fingerprint:
        return None
    if manifest.get("chroma_url", "") != (settings.chroma_url or ""):
        return None
    return load_snapshot(settings.index_dir)


def _read_all(
    files: list[Path], settings: Settings, old: Snapshot | None, report: IndexReport
) -> tuple[list[Document], list[Chunk]]:
    from tqdm import tqdm

    old_chunks = _chunks_by_doc(old)
    documents: list[Document] = []
    chunks: list[Chunk] = []
    for path in tqdm(files, desc="Reading", unit="file", disable=not files or not sys.stderr.isatty(), file=sys.stderr):
        doc_id = doc_id_for(path, settings.sources_dir)
        try:
            sha = _file_sha256(path)
            if old and doc_id in old.documents and _still_current(old.documents[doc_id], sha, path):
                documents.append(old.documents[doc_id])
                chunks.extend(old_chunks[doc_id])
                continue
            doc, doc_chunks = _read_and_chunk(path, settings)
        except UnreadableSource as exc:
            report.skipped.append((str(path), str(exc)))
            continue
        except StudyQAError:
            raise  # the model or the settings, not this document: every other document would fail the same way
        except Exception as exc:  # a damaged file or a reader bug in one document never stops the others
            log.info("skipped %s", path, exc_info=True)  # the traceback goes to the log file only
            report.skipped.append((str(path), f"{type(exc).__name__}: {exc}".rstrip(": ")))
            continue
        documents.append(doc)
        chunks.extend(doc_chunks)
        report.changed_documents += 1
    return documents, chunks


def _read_and_chunk(path: Path, settings: Settings) -> tuple[Document, list[Chunk]]:
    doc = read_document(path, settings.sources_dir)
    checkpoint("read")
    embedder = get_embedder(settings.embedding_model, settings.device)
    budget = min(settings.chunk_tokens, embedder.max_content_tokens)
    return doc, chunk_document(doc, embedder, budget, settings.chunk_overlap)


def _still_current(doc: Document, sha: str, path: Path) -> bool:
    """The stored document came from these bytes, read by the readers as they are now."""
    return doc.sha256 == sha and doc.reader == reader_version(path)


def _file_sha256(path: Path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:
        raise UnreadableSource(f"cannot read file: {exc.strerror or exc}") from None


def _chunks_by_doc(snapshot: Snapshot | None) -> dict[str, list[Chunk]]:
    grouped: dict[str, list[Chunk]] = {}
    for chunk in snapshot.chunks if snapshot else []:
        grouped.setdefault(chunk.doc_id, []).append(chunk)
    return grouped


def _embed_missing(
    store: VectorStore, embedder: Embedder | DocumentEncoder, documents: list[Document], chunks: list[Chunk],
    old: Snapshot | None, settings: Settings, progress: bool, sentences: dict[str, SentenceVectors],
) -> int:
    """Embed the chunks the store lacks; unless switched off, collect every chunk's sentence vectors into
    `sentences` (new chunks' embedded with them, kept chunks' from the old generation)."""
    from tqdm import tqdm

    known = set(old.positions) if old else set()
    with_sentences = settings.stored_sentence_vectors
    if with_sentences and old is not None:
        for chunk in chunks:
            if chunk.chunk_id in known and (kept := old.sentence_vectors(old.positions[chunk.chunk_id])) is not None:
                sentences[chunk.chunk_id] = kept
    candidates = [c.chunk_id for c in chunks if c.chunk_id not in known]
    present = store.existing(candidates) if candidates else set()
    by_id = {d.doc_id: d for d in documents}
    todo = [c for c in chunks if c.chunk_id not in known and c.chunk_id not in present]
    pooled = settings.chunk_vectors == "pooled"
    # Pooled: document order, in large batches, so that a sentence repeated by the overlap of neighbouring
    # chunks, and a title shared by a study's chunks, fall in one batch and are embedded once.
    step = settings.embed_batch_size * (16 if pooled else 4)
    if not pooled:
        # Length order, as SentenceTransformer.encode does over its whole input: batches of similar length pad
        # little. Without it each 4-batch slice pads to its longest chunk and indexing runs ~25 % slower.
        # (Document order here too saved about 1 s in 38 on 1,091 NFCorpus chunks, but int8 activations are
        # scaled per batch, so the vectors moved and COVID-QA dev answers lost 0.013: not worth it.)
        todo.sort(key=lambda c: len(search_text(by_id[c.doc_id], c)))
    bar = tqdm(total=len(todo), desc="Embedding", unit="chunk", disable=not (progress and todo), file=sys.stderr)
    for start in range(0, len(todo), step):
        batch = todo[start : start + step]
        texts = [search_text(by_id[c.doc_id], c) for c in batch]
        if pooled:
            headers = [search_header(by_id[c.doc_id], c) for c in batch]
            vectors = _encode_pooled(embedder, batch, texts, headers, sentences if with_sentences else {})
        elif with_sentences:
            vectors = _encode_with_sentences(embedder, batch, texts, sentences)
        else:
            vectors = embedder.encode(texts, settings.embed_batch_size)
        store.add([c.chunk_id for c in batch], vectors.tolist(), [c.text for c in batch],
                  [_chunk_metadata(by_id[c.doc_id], c) for c in batch])
        checkpoint("embedded-batch")
        bar.update(len(batch))
    bar.close()
    return len(todo)


def _encode_with_sentences(encoder: Embedder | DocumentEncoder, batch: list[Chunk], texts: list[str],
                           sentences: dict[str, SentenceVectors]) -> np.ndarray:
    """The chunks' vectors; each of their sentences is embedded too (on its own, as the answerer would
    embed it) and goes into `sentences`, with its span in the chunk text."""
    spans = [list(sentence_spans(chunk.text)) for chunk in batch]
    unique = list(dict.fromkeys(chunk.text[s:e] for chunk, own in zip(batch, spans) for s, e in own))
    both = encoder.encode(texts + unique)
    vectors, by_text = both[: len(texts)], dict(zip(unique, both[len(texts):]))
    for chunk, own in zip(batch, spans):
        rows = np.array([by_text[chunk.text[s:e]] for s, e in own], dtype=np.float16).reshape(len(own), -1)
        sentences[chunk.chunk_id] = SentenceVectors(np.array(own, dtype=np.int32).reshape(-1, 2), rows)
    return vectors


def _encode_pooled(encoder: Embedder | DocumentEncoder, batch: list[Chunk], texts: list[str], headers: list[str],
                   sentences: dict[str, SentenceVectors]) -> np.ndarray:
    """The chunks' vectors pooled from their sentences' and titles' (each distinct text of the batch embedded
    once); the sentence vectors go into `sentences`. A chunk without sentences is embedded whole."""
    spans = [list(sentence_spans(chunk.text)) for chunk in batch]
    wanted = [chunk.text[s:e] for chunk, own in zip(batch, spans) for s, e in own]
    wanted += headers + [text for text, own in zip(texts, spans) if not own]
    unique = list(dict.fromkeys(wanted))
    by_text = dict(zip(unique, encoder.encode(unique)))
    vectors = np.empty((len(batch), len(by_text[unique[0]])), dtype=np.float32)
    for row, (chunk, own, header, text) in enumerate(zip(batch, spans, headers, texts)):
        if not own:
            vectors[row] = by_text[text]
            continue
        parts = np.array([by_text[chunk.text[s:e]] for s, e in own])
        vectors[row] = pooled_vector(parts, np.array([e - s for s, e in own]), by_text[header], len(header))
        sentences[chunk.chunk_id] = SentenceVectors(np.array(own, dtype=np.int32).reshape(-1, 2),
                                                    parts.astype(np.float16))
    return vectors


def _chunk_metadata(doc: Document, chunk: Chunk) -> dict[str, str | int]:
    return {"doc_id": doc.doc_id, "source": doc.source, "title": doc.display_title, "start": chunk.start,
            "end": chunk.end, "section": chunk.section, "lang": chunk.lang}


def _lexical(documents: list[Document], chunks: list[Chunk]) -> LexicalIndex:
    by_id = {d.doc_id: d for d in documents}
    return LexicalIndex.build([search_text(by_id[c.doc_id], c) for c in chunks])


def index_exists(settings: Settings | None = None) -> bool:
    """Whether a complete index is present at the configured location."""
    return read_manifest(get_settings(settings).index_dir) is not None

