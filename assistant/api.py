"""The Python API: `Assistant` holds a loaded index; `answer()` uses a shared default one."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .cards.model import StudyCard
from .errors import EmptyIndexError, InvalidQuestion
from .settings import Settings, get_settings
from .types import Answer, Passage

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Assistant:
    """Question answering over one index; loads the model and index on first use."""

    def __init__(self, settings: Settings | dict[str, Any] | None = None, *, embedder=None) -> None:
        self.settings = get_settings(settings)
        self._embedder = embedder
        self._retriever = None
        self._signature: tuple[int, int, int] | None = None
        self._chain = None
        self._llm = None
        self._sentence_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.RLock()

    @property
    def embedder(self):
        """What encodes questions: the index's ONNX copy of the model when it has one, else the model itself."""
        if self._embedder is None:
            self._embedder = self._fast_query_encoder() or self._model()
        return self._embedder

    def _model(self):
        from .embedding import get_embedder

        return get_embedder(self.settings.embedding_model, self.settings.device)

    def _fast_query_encoder(self):
        from .query_encoder import load_query_encoder
        from .snapshot import read_manifest

        manifest = read_manifest(self.settings.index_dir) or {}
        if not self.settings.fast_queries or manifest.get("model") != self.settings.embedding_model:
            return None
        return load_query_encoder(self.settings.index_dir, manifest)

    @property
    def retriever(self):
        """The retriever over the current index generation, building the index if there is none."""
        from .snapshot import manifest_signature

        with self._lock:  # one stat per question: the pipeline pins the retriever it gets here
            signature = manifest_signature(self.settings.index_dir)
            if signature is None:
                self.index()
                signature = manifest_signature(self.settings.index_dir)
            if self._retriever is None or signature != self._signature:
                self._retriever = self._open_retriever()
                self._signature = signature
            return self._retriever

    def _open_retriever(self):
        from concurrent.futures import ThreadPoolExecutor

        from .retrieval import Retriever
        from .snapshot import load_snapshot, read_manifest

        manifest = read_manifest(self.settings.index_dir) or {}
        # Opening Chroma (importing it, loading its segment) and the question encoder overlap reading the
        # generation: at 100,000 chunks this takes a few tenths of a second off the first answer.
        with ThreadPoolExecutor(2) as pool:
            store = pool.submit(self._open_store, manifest.get("collection"))
            encoder = pool.submit(lambda: self.embedder)
            snapshot = load_snapshot(self.settings.index_dir)
            store, embedder = store.result(), encoder.result()
        if snapshot is None or not snapshot.chunks:
            raise EmptyIndexError(f"no usable index at {self.settings.index_dir}; run `studyqa index` first")
        if store is None or store.name != snapshot.manifest["collection"]:  # a build switched in between
            store = self._open_store(snapshot.manifest["collection"])
        return Retriever(snapshot, store, embedder, self.settings)

    def _open_store(self, collection: str | None):
        from .store import VectorStore, open_client

        return VectorStore(open_client(self.settings.index_dir, self.settings.chroma_url), collection) if collection else None

    def index(self, paths: Sequence[Path] | None = None, progress: bool = False):
        """Build or update the index from `paths` (default: the sources folder)."""
        from .indexing import build_index

        return build_index(paths, self.settings, progress=progress)

    def retrieve(self, question: str, k: int | None = None, mode: str = "hybrid",
                 sources: Sequence[str] | None = None, dedupe: bool = True) -> list[Passage]:
        """Ranked passages for a question."""
        return self.retriever.retrieve(check_question(question, self.settings), k, mode, dedupe, sources)

    def answer(self, question: str, history: Sequence[dict[str, str]] | None = None,
               sources: Sequence[str] | None = None) -> Answer:
        """A cited answer to `question`, using `history` to resolve follow-ups."""
        question = check_question(question, self.settings)
        return self.chain.invoke({"question": question, "history": list(history or []), "sources": sources})

    def stream(self, question: str, history: Sequence[dict[str, str]] | None = None,
               sources: Sequence[str] | None = None) -> Iterator[str | Answer]:
        """Yield text pieces as they are produced, then the final Answer (authoritative: markers checked)."""
        from .pipeline import answer_pieces

        question = check_question(question, self.settings)
        yield from answer_pieces(self, question, list(history or []), sources)

    def studies(self, sources: Sequence[str] | None = None) -> list[StudyCard]:
        """The study card of every indexed document (or of `sources`), in file-name order."""
        return self.retriever.snapshot.study_cards(sources)

    @property
    def llm(self):
        """The configured LLM answerer, or None for extractive answers."""
        if self.settings.llm_backend == "none":
            return None
        if self._llm is None:
            from .answering.llm import LLMAnswerer

            self._llm = LLMAnswerer(self.settings, self._count_embedding_tokens)
        return self._llm

    def _count_embedding_tokens(self, text: str) -> int:
        return self.embedder.count_tokens([text])[0]

    @property
    def chain(self):
        """The LangChain Runnable behind `answer()`."""
        if self._chain is None:
            from .chain import build_answer_chain

            self._chain = build_answer_chain(self)
        return self._chain

    def as_retriever(self, k: int | None = None, mode: str = "hybrid", sources: Sequence[str] | None = None):
        """This assistant's retrieval as a LangChain retriever."""
        from .chain import StudyRetriever

        return StudyRetriever(assistant=self, k=k or self.settings.top_k, mode=mode, sources=list(sources or []))

    def embed_sentences(self, sentences: list[str]) -> np.ndarray:
        """Embeddings of answer-candidate sentences, cached across questions."""
        with self._lock:  # the chat serves several people at once
            missing = [s for s in dict.fromkeys(sentences) if s not in self._sentence_vectors]
            if missing:
                for sentence, vector in zip(missing, self.embedder.encode(missing)):
                    self._sentence_vectors[sentence] = vector
            vectors = np.stack([self._sentence_vectors[s] for s in sentences])
            while len(self._sentence_vectors) > 20000:
                self._sentence_vectors.popitem(last=False)
            return vectors

    def status(self) -> dict[str, Any]:
        """Where everything is (index, sources, prompts, log), which model, and how much is indexed (no model load)."""
        from .snapshot import load_snapshot

        from . import __version__
        from .locations import install_kind

        snapshot = load_snapshot(self.settings.index_dir)
        return {
            "version": __version__,
            "installed": install_kind(),
            "index_dir": str(self.settings.index_dir),
            "sources_dir": str(self.settings.sources_dir),
            "prompts_dir": str(self.settings.prompts_dir),
            "log_file": str(self.settings.log_file),
            "chroma_url": self.settings.chroma_url or "",
            "model": self.settings.embedding_model,
            "indexed": snapshot is not None,
            "documents": len(snapshot.documents) if snapshot else 0,
            "chunks": len(snapshot.chunks) if snapshot else 0,
            "generation": snapshot.manifest.get("generation", "") if snapshot else "",
        }


def check_question(question: str, settings: Settings) -> str:
    """The question with control characters removed; InvalidQuestion when unusable."""
    if not isinstance(question, str):
        raise InvalidQuestion("the question must be text")
    cleaned = _CONTROL.sub(" ", question).strip()
    if not cleaned:
        raise InvalidQuestion("the question is empty; ask something about the indexed studies")
    if len(cleaned) > settings.max_question_chars:
        raise InvalidQuestion(
            f"the question is {len(cleaned)} characters long; the limit is {settings.max_question_chars}"
        )
    if not any(ch.isalnum() for ch in cleaned):
        raise InvalidQuestion("the question has no words to search for (only symbols, emoji or punctuation)")
    return cleaned


_default: Assistant | None = None
_default_lock = threading.Lock()


def default_assistant() -> Assistant:
    """The process-wide Assistant built from environment settings."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
        return _default


def answer(question: str, history: Sequence[dict[str, str]] | None = None,
           sources: Sequence[str] | None = None) -> Answer:
    """Answer a question about the indexed studies with citations (builds the index on first use)."""
    started = time.perf_counter()
    result = default_assistant().answer(question, history, sources)
    result.timings.setdefault("total_ms", round((time.perf_counter() - started) * 1000, 2))
    return result
