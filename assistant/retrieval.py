"""Find passages for a question: dense (Chroma), lexical (BM25) or both fused by reciprocal rank."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .embedding import Embedder
from .fusion import load_fusion
from .patterns import cue
from .pdf.layout import may_answer, section_of
from .settings import Settings
from .snapshot import SentenceVectors, Snapshot
from .store import VectorStore
from .text import detect_lang, normalise_space, sentence_spans
from .types import Document, Passage

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")
# all-MiniLM-L6-v2's vocabulary maps most Chinese characters to [UNK], so for Chinese queries its
# ranking is mostly noise; it still votes in the fusion, with a quarter of the weight.
DENSE_WEIGHT_CHINESE = 0.25
OPENING_CHARS = 300  # how far into a document its opening sentence is looked for (its topic terms, not a quote)


@dataclass(frozen=True)
class SearchEvidence:
    """What the top passages of reciprocal rank fusion say of the searches: the best cosine, the best BM25 score,
    and whether the dense and lexical first chunks are among them and share a document. The no-answer model was
    fitted on these, so they are read before the learned fusion re-orders the passages (which may leave the
    dense search's first chunk out of the top ones)."""

    dense_top: float
    lexical_top: float
    first_documents_agree: bool


@dataclass(frozen=True)
class Retrieval:
    """The passages found for a query and the evidence of the searches that found them."""

    passages: list[Passage]
    evidence: SearchEvidence


def search_evidence(passages: Sequence[Passage]) -> SearchEvidence:
    """The evidence read from a list of passages (see SearchEvidence)."""
    firsts = [next((p.doc_id for p in passages if getattr(p, rank) == 1), None) for rank in ("dense_rank", "lexical_rank")]
    return SearchEvidence(dense_top=max((p.dense_score or 0.0 for p in passages), default=0.0),
                          lexical_top=max((p.lexical_score or 0.0 for p in passages), default=0.0),
                          first_documents_agree=firsts[0] is not None and firsts[0] == firsts[1])


class Retriever:
    """Ranks the chunks of one index snapshot for a query."""

    def __init__(self, snapshot: Snapshot, store: VectorStore, embedder: Embedder, settings: Settings) -> None:
        self.snapshot = snapshot
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._body_starts: dict[str, int] = {}
        self._openings: dict[str, str] = {}

    def embed_query(self, query: str) -> np.ndarray:
        """The query's embedding (recent queries are cached)."""
        with self._lock:
            vector = self._query_vectors.get(query)
            if vector is None:
                vector = self.embedder.encode([query])[0]
                self._query_vectors[query] = vector
                if len(self._query_vectors) > 512:
                    self._query_vectors.popitem(last=False)
            return vector

    def dense(self, query: str, k: int, sources: set[str] | None = None) -> list[tuple[int, float]]:
        """(chunk position, cosine similarity) from the vector store, best first."""
        fetch = k if not sources else k * 4
        hits = self.store.query(self.embed_query(query).tolist(), fetch)
        allowed = self.snapshot.source_mask(sources)
        ranked = []
        for chunk_id, similarity in hits:
            pos = self.snapshot.positions.get(chunk_id)  # ids outside the snapshot are leftovers
            if pos is not None and (allowed is None or allowed[pos]):
                ranked.append((pos, similarity))
        return ranked[:k]

    def lexical(self, query: str, k: int, sources: set[str] | None = None) -> list[tuple[int, float]]:
        """(chunk position, BM25 score), best first."""
        return self.snapshot.lexical.search(query, k, self.snapshot.source_mask(sources))

    def retrieve(
        self, query: str, k: int | None = None, mode: Mode = "hybrid", dedupe: bool = True,
        sources: Sequence[str] | None = None, lang: str | None = None,
    ) -> list[Passage]:
        """The top-k passages for a query, near-duplicates removed unless `dedupe` is False (`lang`: the
        query's language when already known)."""
        return self.search(query, k, mode, dedupe, sources, lang).passages

    def search(
        self, query: str, k: int | None = None, mode: Mode = "hybrid", dedupe: bool = True,
        sources: Sequence[str] | None = None, lang: str | None = None,
    ) -> Retrieval:
        """The top-k passages for a query (as `retrieve`) and the evidence of the searches."""
        k = k or self.settings.top_k
        dense, lexical = self.fetched(query, max(self.settings.fetch_k, k), sources, mode)
        dense_hits = {pos: (r, s) for r, (pos, s) in enumerate(dense, 1)}
        lexical_hits = {pos: (r, s) for r, (pos, s) in enumerate(lexical, 1)}

        def top(scored: list[tuple[int, float]]) -> list[Passage]:
            # made one at a time, only until k are kept: the fused rankings hold 30-40 chunks
            passages = (self.passage_at(pos, score, dense_hits.get(pos), lexical_hits.get(pos))
                        for pos, score in (scored if dedupe else scored[:k]))
            if dedupe:
                return remove_near_duplicates(passages, self.settings.duplicate_threshold, limit=k)
            return list(passages)

        if mode != "hybrid":
            passages = top(dense or lexical)
            return Retrieval(passages, search_evidence(passages))
        reciprocal, ranked = self._fused(query, dense, lexical, lang or detect_lang(query))
        passages = top(ranked)
        return Retrieval(passages, search_evidence(passages if ranked is reciprocal else top(reciprocal)))

    def fetched(self, query: str, k: int, sources: Sequence[str] | None = None,
                mode: Mode = "hybrid") -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """The dense and lexical rankings (k deep, those the mode uses) of the chunks that may answer the query."""
        wanted = set(sources) if sources else None
        dense = self.dense(query, k, wanted) if mode in ("hybrid", "dense") else []
        lexical = self.lexical(query, k, wanted) if mode in ("hybrid", "lexical") else []
        # chunks that may not answer (a paper's reference list) leave the rankings before they are fused: ranked
        # first by both searches, another study's title would push the paper's own passages down every ranking
        return self._answering(dense, query), self._answering(lexical, query)

    def _answering(self, ranking: list[tuple[int, float]], query: str) -> list[tuple[int, float]]:
        """The ranking without the chunks whose section may not answer this query (pdf.layout.may_answer)."""
        chunks = self.snapshot.chunks
        return [hit for hit in ranking if may_answer(chunks[hit[0]].section, query)]

    def hybrid(self, query: str, dense: list[tuple[int, float]], lexical: list[tuple[int, float]],
               lang: str | None = None) -> list[tuple[int, float]]:
        """The dense and lexical rankings fused, then fused again with the same chunks ranked by their best
        sentence, then re-ordered by the learned fusion (fusion.py) where it covers the query's language (`lang`:
        the query's language when already known)."""
        return self._fused(query, dense, lexical, lang or detect_lang(query))[1]

    def _fused(self, query: str, dense: list[tuple[int, float]], lexical: list[tuple[int, float]],
               lang: str) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """The reciprocal rank fusion's ranking, and the final one: the same list unless the learned fusion is
        on and covers `lang`, then its re-ordering."""
        reciprocal, best_sentence = self.reciprocal_fusion(query, dense, lexical, lang)
        learned = load_fusion() if self.settings.learned_fusion else None
        if learned is None or not learned.covers(lang):
            return reciprocal, reciprocal
        chunks = self.snapshot.chunks
        return reciprocal, learned.rerank(reciprocal, dense, lexical, best_sentence, lambda pos: chunks[pos].doc_id, lang)

    def reciprocal_fusion(self, query: str, dense: list[tuple[int, float]], lexical: list[tuple[int, float]],
                          lang: str) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """The dense and lexical rankings fused by reciprocal rank, then again with the same chunks ranked by
        their best sentence; and that best-sentence ranking."""
        dense_weight = DENSE_WEIGHT_CHINESE if lang == "zh" else 1.0
        scored = fuse([dense, lexical], self.settings.rrf_k, (dense_weight, 1.0))
        # a chunk holding one sentence that matches the question well is diluted as a whole
        best_sentence = self.by_best_sentence(query, {pos for pos, _ in scored})
        if best_sentence:
            scored = fuse([scored, best_sentence], self.settings.rrf_k, (1.0, self.settings.sentence_vote * dense_weight))
        return scored, best_sentence

    def by_best_sentence(self, query: str, positions: set[int]) -> list[tuple[int, float]]:
        """(chunk position, its best sentence's cosine with the query), best first, from the sentence vectors
        stored at index time; empty when the vote is off or the index has none."""
        if not self.settings.sentence_vote or not positions:
            return []
        vector = self.embed_query(query)
        ranked = []
        for pos in positions:
            stored = self.snapshot.sentence_vectors(pos)
            if stored is None:
                return []  # an index without sentence vectors: no vote rather than a partial one
            if len(stored.vectors):  # a chunk without sentences gets no vote
                ranked.append((pos, float((stored.vectors.astype(np.float32) @ vector).max())))
        return sorted(ranked, key=lambda item: (-item[1], item[0]))

    def sentence_vectors(self, passage: Passage) -> SentenceVectors | None:
        """The vectors of the passage's sentences embedded at index time, when the index has them."""
        position = self.snapshot.positions.get(passage.chunk_id)
        return None if position is None else self.snapshot.sentence_vectors(position)

    def chunk_containing(self, doc_id: str, value: str) -> int | None:
        """Position of the first chunk of a document whose text contains `value`."""
        return next((i for i, c in enumerate(self.snapshot.chunks) if c.doc_id == doc_id and value in c.text), None)

    def body_start(self, doc_id: str) -> int:
        """Where a document's Abstract heading starts (0 when it has none): what precedes it is front matter."""
        start = self._body_starts.get(doc_id)
        if start is None:
            start = self._body_starts[doc_id] = abstract_start(self.snapshot.documents[doc_id])
        return start

    def opening(self, doc_id: str) -> str:
        """The first sentence of the document's first line (at most OPENING_CHARS characters)."""
        opening = self._openings.get(doc_id)
        if opening is None:
            line = self.snapshot.documents[doc_id].text[:OPENING_CHARS].split("\n", 1)[0]
            start, end = next(sentence_spans(line), (0, 0))
            opening = self._openings[doc_id] = line[start:end]
        return opening

    def passage_at(self, pos: int, score: float, dense: tuple[int, float] | None = None,
                   lexical: tuple[int, float] | None = None) -> Passage:
        """The chunk at a snapshot position as a Passage (`dense`, `lexical`: its rank and score in each search)."""
        chunk = self.snapshot.chunks[pos]
        doc = self.snapshot.documents[chunk.doc_id]
        return Passage(
            chunk_id=chunk.chunk_id, doc_id=doc.doc_id, source=doc.source, title=doc.display_title,
            text=chunk.text, start=chunk.start, end=chunk.end, score=round(float(score), 6),
            section=chunk.section, lang=chunk.lang, page=chunk.page, page_end=chunk.page_end,
            page_breaks=[b for b in doc.page_starts if chunk.start < b < chunk.end] if chunk.page != chunk.page_end else [],
            dense_rank=dense[0] if dense else None, lexical_rank=lexical[0] if lexical else None,
            front_matter=not chunk.section and chunk.end <= self.body_start(doc.doc_id),
            opens_in_caption=opens_in_caption(doc.text, chunk.start),
            dense_score=round(float(dense[1]), 6) if dense else None,
            lexical_score=round(float(lexical[1]), 6) if lexical else None, opening=self.opening(doc.doc_id),
        )


def opens_in_caption(text: str, start: int) -> bool:
    """Whether offset `start` of a document's text lies inside a paragraph that opens as a figure or table
    legend ("Figure 2.", "Table 1", "FIG 3"): a chunk starting there starts with legend sentences."""
    if start <= 0 or text[start - 1] == "\n":
        return False
    return bool(cue("caption").match(text, text.rfind("\n", 0, start) + 1))


def abstract_start(doc: Document) -> int:
    """The offset of the document's Abstract heading (a PDF's named section, or a line of a page that reads as
    one), or 0 when it has none."""
    from .cleaning import is_heading

    if doc.sections:
        return next((int(start) for start, name in doc.sections if name == "Abstract"), 0)
    offset = 0
    for line in doc.text.split("\n"):
        if is_heading(line) and section_of(line) == "Abstract":
            return offset
        offset += len(line) + 1
    return 0


def fuse(
    rankings: Sequence[list[tuple[int, float]]], k: int = 60, weights: Sequence[float] | None = None
) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion: each ranking adds weight / (k + rank) to an item's score."""
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings)):
        for rank, (item, _) in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def shingles(text: str, size: int = 5) -> set[str]:
    """Character n-grams of the whitespace-normalised, lower-cased text."""
    norm = normalise_space(text).lower()
    return {norm[i : i + size] for i in range(max(1, len(norm) - size + 1))}


def remove_near_duplicates(passages: Iterable[Passage], threshold: float, limit: int | None = None) -> list[Passage]:
    """Drop passages whose shingle overlap (Jaccard) with a better-ranked one reaches `threshold`; stop at `limit` kept."""
    kept: list[tuple[Passage, set[str]]] = []
    for passage in passages:
        if limit is not None and len(kept) >= limit:
            break
        grams = shingles(passage.text)
        if all(len(grams & other) / max(1, len(grams | other)) < threshold for _, other in kept):
            kept.append((passage, grams))
    return [p for p, _ in kept]
