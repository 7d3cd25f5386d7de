"""Split a cleaned document into sentence-aligned chunks that fit the embedding model's window.

Budget and overlap are counted with the embedding model's own tokenizer. A chunk ends at the
budget, where the language changes (English abstract vs. its Chinese translation), or at a section
heading once it holds at least `min_tokens`; small header blocks (title, authors, DOI) thus stay
with the start of the abstract. A sentence longer than the budget is cut at token boundaries.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from .cleaning import is_heading
from .text import detect_lang, sentence_spans
from .types import Chunk, Document

# 6: "e.g." and "i.e." end no sentence; 5: an over-long sentence is cut between words (chunk edges move);
# 4: "sp." and "spp." end no sentence
CHUNKER_VERSION = "7"


class TokenCounter(Protocol):
    """What chunking needs from a tokenizer."""

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens in each text, special tokens excluded."""

    def token_ends(self, text: str) -> list[int]:
        """Character offset where each token of `text` ends."""


@dataclass
class _Unit:
    start: int
    end: int
    tokens: int
    lang: str
    heading: bool
    section: str


def chunk_document(doc: Document, counter: TokenCounter, max_tokens: int, overlap: int = 0) -> list[Chunk]:
    """Sentence-aware chunks of `doc.text`, each at most `max_tokens` tokens."""
    units = _units(doc.text, counter, max_tokens, {start for start, _ in doc.sections})
    min_tokens = max_tokens // 3
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    for unit in units:
        size = sum(u.tokens for u in current)
        if current and _must_break(current, unit, size, max_tokens, min_tokens):
            groups.append(current)
            over_budget = size + unit.tokens > max_tokens and unit.lang == current[-1].lang and not unit.heading
            current = _overlap_tail(current, overlap, max_tokens - unit.tokens) if over_budget else []
        current.append(unit)
    if current:
        groups.append(current)
    _move_trailing_headings(groups, max_tokens)
    chunks = [_make_chunk(doc, i, group) for i, group in enumerate(groups)]
    _make_ids_unique(chunks)
    return chunks


def search_header(doc: Document, chunk: Chunk) -> str:
    """The study title a chunk is embedded under (the Chinese title for a Chinese chunk, when there is one)."""
    return (doc.title_zh or doc.display_title) if chunk.lang == "zh" else doc.display_title


def search_text(doc: Document, chunk: Chunk) -> str:
    """What is embedded and BM25-indexed for a chunk: its study's title, then the chunk text."""
    return f"{search_header(doc, chunk)}\n{chunk.text}"


def _make_ids_unique(chunks: list[Chunk]) -> None:
    """A chunk id names what is embedded, not where the chunk sits: when a reader change moves or alters
    some chunks, the others keep their ids and their stored vectors. Repeated texts get a suffix."""
    seen: dict[str, int] = {}
    for chunk in chunks:
        count = seen.get(chunk.chunk_id, 0)
        seen[chunk.chunk_id] = count + 1
        if count:
            chunk.chunk_id = f"{chunk.chunk_id}-{count}"


def _must_break(current: list[_Unit], unit: _Unit, size: int, max_tokens: int, min_tokens: int) -> bool:
    if size + unit.tokens > max_tokens:
        return True
    body_langs = {u.lang for u in current if not u.heading and u.lang}
    if unit.lang and body_langs and unit.lang not in body_langs and not unit.heading:
        return True
    return unit.heading and size >= min_tokens


def _move_trailing_headings(groups: list[list[_Unit]], max_tokens: int) -> None:
    """A heading that ends a chunk belongs to the text after it."""
    for current, following in zip(groups, groups[1:]):
        while len(current) > 1 and current[-1].heading:
            if sum(u.tokens for u in following) + current[-1].tokens > max_tokens:
                break
            following.insert(0, current.pop())


def _overlap_tail(group: list[_Unit], overlap: int, room: int) -> list[_Unit]:
    tail: list[_Unit] = []
    budget = min(overlap, room)
    for unit in reversed(group):
        if unit.heading or unit.tokens > budget:
            break
        tail.insert(0, unit)
        budget -= unit.tokens
    return tail


def _make_chunk(doc: Document, ordinal: int, group: list[_Unit]) -> Chunk:
    start, end = group[0].start, group[-1].end
    text = doc.text[start:end]
    body = [u for u in group if not u.heading] or group
    chunk = Chunk(
        chunk_id="",
        doc_id=doc.doc_id,
        ordinal=ordinal,
        text=text,
        start=start,
        end=end,
        section=doc.section_at(body[0].start) if doc.sections else body[0].section,
        lang=detect_lang(text),
        page=doc.page_at(start),
        page_end=doc.page_at(end - 1),
    )
    digest = hashlib.sha1(search_text(doc, chunk).encode("utf-8")).hexdigest()[:16]
    chunk.chunk_id = f"{doc.doc_id}-{digest}"
    return chunk


def _units(text: str, counter: TokenCounter, max_tokens: int, section_starts: set[int]) -> list[_Unit]:
    """Sentences (headings are their own) with token counts; over-long ones cut to fit.

    A sentence is a heading when it reads like one or when the reader found a named section there.
    """
    spans = list(sentence_spans(text))
    counts = counter.count_tokens([text[s:e] for s, e in spans]) if spans else []
    units: list[_Unit] = []
    section = ""
    for (start, end), tokens in zip(spans, counts):
        piece = text[start:end]
        heading = is_heading(piece) or start in section_starts
        if heading:
            section = piece.rstrip(":：").strip()
        for s, e, n in _fit(text, start, end, tokens, counter, max_tokens):
            units.append(_Unit(s, e, n, detect_lang(text[s:e]), heading, section))
    return [u for u in units if u.tokens > 0 or u.end > u.start]


def _between_words(text: str, ends: list[int], step: int) -> list[int]:
    """Cut offsets at most `step` tokens apart, each at the last token end before it that falls between words
    (not between two letters or digits), or at the step itself where the step lies inside one long word."""
    cuts: list[int] = []
    last_token, last_free = 0, None
    for i, e in enumerate(ends[:-1], 1):
        if not (text[e - 1].isascii() and text[e - 1].isalnum() and text[e:e + 1].isascii() and text[e:e + 1].isalnum()):
            last_free = (i, e)
        if i - last_token >= step:
            last_token, cut = last_free if last_free and last_free[0] > last_token else (i, e)
            cuts.append(cut)
            last_free = None
    return cuts


def _fit(text: str, start: int, end: int, tokens: int, counter: TokenCounter, max_tokens: int):
    if tokens <= max_tokens:
        yield start, end, tokens
        return
    # Cut a little under budget, and between words where a word boundary is near: the two halves of a word cut
    # in its middle re-tokenise apart ("NHS|NHS" is two pieces, "NHSNHS" three), so a chunk holding both
    # halves would outgrow the counts it was packed by.
    step = max(1, max_tokens - 8)
    ends = counter.token_ends(text[start:end])
    cuts = [start + e for e in _between_words(text[start:end], ends, step)] + [end]
    pieces: list[tuple[int, int]] = []
    piece_start = start
    for cut in cuts:
        while piece_start < cut and text[piece_start].isspace():
            piece_start += 1
        if cut > piece_start:
            pieces.append((piece_start, cut))
            piece_start = cut
    counts = counter.count_tokens([text[s:e] for s, e in pieces])
    for (s, e), n in zip(pieces, counts):
        yield s, e, n
