"""The default answerer, no LLM: quote the sentences of the top passages that best answer the question.

Each candidate sentence is scored by meaning (cosine with the question) and by the share of the
question's terms it contains (IDF-weighted, so rare terms such as 'CFT' or '焦点小组' count most).
The dense model reads Chinese poorly, so Chinese questions lean on term overlap. Sentences in the
question's language are preferred; the other language is used when only it has the answer. Only
sentences of running text answer (titles, captions and author lines only give metadata values), and
only from the best sentence's document. The answerer refuses when the best sentence misses the
refusal threshold or the fitted no-answer model (`no_answer.py`) finds the evidence too weak. Every
sentence in the answer is a verbatim slice of its cited passage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..cleaning import heading_context, is_heading, looks_like_name_list
from ..lexical import tokenize
from ..text import count_cjk, detect_lang, sentence_spans
from ..types import Citation, Passage
from .answer_types import expected_types, is_comparison, matches_type, missing_attribute
from .background import rarity
from .no_answer import load_no_answer
from .refusal import refusal_text

Embed = Callable[[list[str]], np.ndarray]
Idf = Callable[[str], float]

OTHER_LANGUAGE_PENALTY = 0.85
ANSWER_TYPE_BONUS = 0.15
TOPIC_WEIGHT = 0.3
LEAD_DOCUMENT_BONUS = 0.08
OFF_TOPIC_FACTOR = 0.7
STRICT_TYPES = frozenset({"count", "duration", "year", "identifier", "people", "journal"})
REDUNDANCY_LIMIT = 0.5
MAX_ANSWER_CHARS = 700
# A sentence of running text ends with its punctuation (and perhaps a closing quote or bracket); a title,
# caption, label or list of names does not (see is_running_text).
_PROSE_END = re.compile(r"[.!?。！？；…][\"'”’)）\]]*$")
LONG_LINE_CHARS = 80  # a wrapped line of running text is long; titles and captions are mostly shorter
LONG_LINE_CJK = 40


@dataclass
class Candidate:
    """A sentence of a passage, with its score."""

    passage: Passage
    start: int
    end: int
    lang: str
    rank: int
    context: str = ""
    score: float = 0.0
    typed: bool = False
    similarity: float = 0.0
    coverage: float = 0.0
    prose: bool = True

    @property
    def text(self) -> str:
        """The sentence, exactly as in the passage."""
        return self.passage.text[self.start : self.end]


@dataclass
class Ranked:
    """A question's scored candidate sentences, the lead one, and what the no-answer decision reads."""

    candidates: list[Candidate]
    best: Candidate
    lang: str
    comparison: bool
    unknown_rarity: float
    collection_size: int = 0


@dataclass
class Extract:
    """What the extractive answerer returns."""

    text: str
    citations: list[Citation]
    refused: bool


def extractive_answer(
    question: str, passages: list[Passage], embed: Embed, idf: Idf, query_vector: np.ndarray,
    threshold: float, max_sentences: int, max_passages: int = 5, preferred: list[str] | None = None,
    known: Callable[[str], bool] = lambda t: True, also: Sequence[Passage] = (),
    standalone: str | None = None, collection_size: int = 0,
) -> Extract:
    """Select, order and cite the sentences that answer the question, or refuse.

    `also` are passages to consider beyond the top ones (the chunk giving a metadata value);
    `preferred` are such values; `known` tells whether a term occurs in the collection at all.
    """
    ranked = rank_candidates(question, passages, embed, idf, query_vector, max_passages, preferred, known, also,
                             standalone, collection_size)
    if ranked is None:
        return Extract(refusal_text(detect_lang(question) or "en"), [], True)
    if missing_attribute(question, [c.text for c in ranked.candidates]):
        return Extract(refusal_text(ranked.lang), [], True)
    candidates, best = ranked.candidates, ranked.best
    holds_value = any(value in best.text for value in preferred or [])
    if not holds_value and (best.score < threshold or load_no_answer().refuses(ranked)):
        return Extract(refusal_text(ranked.lang), [], True)
    chosen = _compare(candidates, question, best) if ranked.comparison else _choose(candidates, best, max_sentences)
    citations = [_cite(n, c) for n, c in enumerate(chosen, 1)]
    joiner = "" if best.lang == "zh" else " "
    marker = "{text}[{n}]" if best.lang == "zh" else "{text} [{n}]"
    text = joiner.join(marker.format(text=c.text, n=n) for n, c in enumerate(chosen, 1))
    return Extract(text, citations, False)


def rank_candidates(
    question: str, passages: list[Passage], embed: Embed, idf: Idf, query_vector: np.ndarray,
    max_passages: int = 5, preferred: list[str] | None = None, known: Callable[[str], bool] = lambda t: True,
    also: Sequence[Passage] = (), standalone: str | None = None, collection_size: int = 0,
) -> Ranked | None:
    """The scored candidate sentences of the top passages and the lead one, or None when there are none.

    `standalone` is the question made standalone (a follow-up with its subject filled in), whose words say
    whether the collection knows what is asked about; `collection_size` is the number of indexed chunks.
    """
    lang = detect_lang(question) or "en"
    comparison = is_comparison(question)
    pool = list(passages if comparison else passages[:max_passages])
    pool += [p for p in also if p not in pool]
    candidates = [c for rank, p in enumerate(pool) for c in _sentences(p, rank)]
    if not candidates:
        return None
    # every sentence, titles too, tells which terms name the topic; only running text may answer, except
    # that titles, captions, labels and author lines may give the value a metadata question asks for
    _score(candidates, question, lang, embed, idf, query_vector, known, comparison)
    candidates = candidates if preferred else [c for c in candidates if c.prose]
    if not candidates:
        return None
    return Ranked(candidates, _lead(candidates, question, preferred or []), lang, comparison,
                  unknown_rarity(standalone or question, known), collection_size)


def unknown_rarity(question: str, known: Callable[[str], bool]) -> float:
    """How much of the question names rare things the collection never mentions (summed rarity)."""
    unknown = {t for t in tokenize(question) if not known(t)}
    # jieba's search mode also yields the parts of a compound (多长时间, 长时间, 多长): count the compound once
    whole = [t for t in unknown if not any(t != other and t in other for other in unknown)]
    return sum(rarity(t) for t in whole)


def is_running_text(sentence: str) -> bool:
    """A sentence of prose: it ends as a sentence ends, or it is a long line of mostly lower-case words
    (text hard-wrapped at line ends), unlike a title, caption or label."""
    if _PROSE_END.search(sentence) or count_cjk(sentence) >= LONG_LINE_CJK:
        return True
    words = re.findall(r"[A-Za-z]+", sentence)
    capitalised = sum(w[0].isupper() for w in words)
    return len(sentence) >= LONG_LINE_CHARS and len(words) >= 8 and capitalised < 0.5 * len(words)


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _sentences(passage: Passage, rank: int) -> list[Candidate]:
    """Candidate sentences, each with its section heading (and 'authors' for a name list) as context."""
    out = []
    heading = passage.section
    for start, end in sentence_spans(passage.text):
        sentence = passage.text[start:end]
        if is_heading(sentence):
            heading = sentence
            continue
        if len(sentence) < 15 and count_cjk(sentence) < 6:
            continue
        names = looks_like_name_list(sentence)
        context = heading_context(heading) + (" authors wrote" if names else "")
        prose = not names and is_running_text(sentence) and not _same_text(sentence, passage.title)
        out.append(Candidate(passage, start, end, detect_lang(sentence), rank, context, prose=prose))
    return out


def _score(candidates: list[Candidate], question: str, lang: str, embed: Embed, idf: Idf, qvec: np.ndarray,
           known: Callable[[str], bool] = lambda t: True, comparison: bool = False) -> None:
    # Words found nowhere in the collection cannot tell sentences apart; they would only dilute coverage.
    q_terms = {t for t in tokenize(question) if known(t)}
    terms = [set(tokenize(f"{c.context} {c.text}")) for c in candidates]
    topic = topic_terms(q_terms, candidates, terms)
    # Topic terms (the study's name, its population) were what retrieval matched; the rest of the
    # question says what is asked about, so those terms decide between sentences.
    focus_terms = q_terms - topic
    vectors = embed([c.text for c in candidates])
    similarity = vectors @ qvec
    focus = focus_question(question, topic)
    if focus != question:
        similarity = 0.4 * similarity + 0.6 * (vectors @ embed([focus])[0])
    types = expected_types(question)
    lead_doc = None if comparison else candidates[0].passage.doc_id
    dense_weight = 0.25 if lang == "zh" else 0.5
    for cand, cand_terms, sim in zip(candidates, terms, similarity):
        overlap = _coverage(focus_terms, cand_terms, idf) if focus_terms else _coverage(topic, cand_terms, idf)
        if focus_terms and topic:
            overlap = (1 - TOPIC_WEIGHT) * overlap + TOPIC_WEIGHT * _coverage(topic, cand_terms, idf)
        cand.similarity, cand.coverage = float(sim), overlap
        if lang == "zh" and not overlap:
            cand.score = 0.0  # the model reads Chinese mostly as [UNK]: similarity alone is no evidence
            continue
        score = dense_weight * float(sim) + (1 - dense_weight) * overlap + 0.05 / (1 + cand.rank)
        if lead_doc is not None:
            if cand.passage.doc_id == lead_doc:
                score += LEAD_DOCUMENT_BONUS
            elif topic and not (topic & cand_terms):
                score *= OFF_TOPIC_FACTOR  # another study, and none of the words naming this one
        cand.typed = bool(types) and any(matches_type(cand.text, t) or matches_type(cand.context, t) for t in types)
        score += ANSWER_TYPE_BONUS if cand.typed else 0.0
        cand.score = score * (OTHER_LANGUAGE_PENALTY if cand.lang != lang else 1.0)


def _coverage(wanted: set[str], present: set[str], idf: Idf) -> float:
    """IDF-weighted share of the wanted terms that are present."""
    total = sum(idf(t) for t in wanted)
    return sum(idf(t) for t in wanted & present) / total if total else 0.0


def topic_terms(q_terms: set[str], candidates: list[Candidate], terms: list[set[str]]) -> set[str]:
    """Question terms found in two or more sentences of the best-ranked document."""
    lead = candidates[0].passage.doc_id
    lead_terms = [ts for c, ts in zip(candidates, terms) if c.passage.doc_id == lead]
    return {t for t in q_terms if sum(t in ts for ts in lead_terms) >= 2}


def focus_question(question: str, topic_terms: set[str]) -> str:
    """The question without the words that name the topic every candidate shares."""
    if not topic_terms:
        return question
    words = [w for w in question.split() if not (set(tokenize(w)) & topic_terms)]
    return " ".join(words) if len(words) >= 2 else question


def _lead(candidates: list[Candidate], question: str, preferred: list[str] = ()) -> Candidate:
    """The best sentence; for count, date, name or identifier questions, the best one holding such a value."""
    best = max(candidates, key=lambda c: c.score)
    holding = [c for c in candidates if any(value in c.text for value in preferred)]
    if holding:  # a metadata question: the sentence giving the page's own value
        return max(holding, key=lambda c: c.score)
    if set(expected_types(question)) & STRICT_TYPES:
        typed = [c for c in candidates if c.typed and c.score >= 0.6 * best.score]
        return max(typed, key=lambda c: c.score) if typed else best
    return best


def _compare(candidates: list[Candidate], question: str, best: Candidate, studies: int = 2) -> list[Candidate]:
    """The best sentence from each of the top-ranked studies, in ranking order."""
    docs = list(dict.fromkeys(c.passage.doc_id for c in sorted(candidates, key=lambda c: c.rank)))[:studies]
    chosen = []
    for doc in docs:
        own = [c for c in candidates if c.passage.doc_id == doc]
        if own:
            chosen.append(_lead(own, question))
    return chosen if len(chosen) > 1 else [best]


def _choose(candidates: list[Candidate], best: Candidate, max_sentences: int) -> list[Candidate]:
    """The best sentence and the next best ones of the same document (only comparisons quote several)."""
    chosen = [best]
    size = len(best.text)
    for cand in sorted(candidates, key=lambda c: -c.score):
        if len(chosen) >= max_sentences or cand.score < 0.8 * best.score:
            break
        if cand is best or cand.lang != best.lang or size + len(cand.text) > MAX_ANSWER_CHARS:
            continue
        if cand.passage.doc_id != best.passage.doc_id:
            continue  # dev: cited-document precision 0.74 -> 0.80 (COVID-QA), 0.86 -> 0.91 (CMRC); recall -0.01
        if any(_overlap(cand.text, other.text) > REDUNDANCY_LIMIT for other in chosen):
            continue
        chosen.append(cand)
        size += len(cand.text)
    return chosen


def _overlap(a: str, b: str) -> float:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return len(ta & tb) / max(1, min(len(ta), len(tb)))


def _cite(n: int, cand: Candidate) -> Citation:
    p = cand.passage
    return Citation(
        n=n, source=p.source, title=p.title, text=p.text, quote=cand.text,
        start=p.start + cand.start, end=p.start + cand.end, score=round(cand.score, 4),
    )
