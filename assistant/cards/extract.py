"""Fill a study card from a document's cleaned text with rules (no LLM): every value keeps its sentence.

Which sentences count:
- Author, affiliation and citation lines say nothing about the study, except that an affiliation's
  country is used when the text names no country (marked `basis="author affiliation"`).
- For design, methods, analysis and sample, sentences about future or earlier research ("mixed-method
  evaluations are recommended", "research has largely focused on …") are skipped.
- Population is read only from sentences that report who took part (a count of people or a verb such
  as interviewed, recruited, took part); other fields from any remaining sentence.
- Where the reader found a paper's sections (PDFs), the reference list and the Declarations are never
  read, and design, methods, analysis and sample come only from the Abstract and the Methods.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from ..text import detect_lang, sentence_spans
from ..types import Document
from .model import FIELDS, CardValue, Evidence, StudyCard
from .sample import Count, counts_in
from .vocabulary import SUPERSEDES, TERMS

_NOT_THIS_STUDY = re.compile(
    r"\brecommend\w*|\bfuture (?:research|studies|work|evaluations?)|\bshould be\b|\b(?:are|is) (?:needed|required|warranted)\b"
    r"|\bfurther (?:research|studies|investigation)|\b(?:previous|prior|earlier|existing) (?:research|studies|work|literature)"
    r"|\bhas (?:largely|mostly|mainly) focused\b|未来|今后|建议开展|有待|以往研究|既往研究|现有研究", re.I)
_PARTICIPANTS = re.compile(
    r"\binterview(?:ed|s)\b|\brecruited\b|\btook part\b|\bparticipated\b|\bparticipants?\b|\bcompleted\b|\benrolled\b|"
    r"\bsample\b|\bincluded\b|\bfocus groups?\b|\b(?:randomly )?(?:allocated|assigned)\b|访谈|招募|参加|参与|纳入|完成|焦点小组", re.I)
_INSTITUTION = re.compile(r"\b(?:Universit\w*|Institute|Department|Dept|Division|School|Faculty|Centre|Center|Unit|"
                          r"Trust|College)\b|大学|研究所|学院")
_VERB = re.compile(r"\b(?:was|were|is|are|this study|we)\b", re.I)
_CITATION = re.compile(r"\bdoi\b|\bdoi:|DOI:", re.I)
METHOD_FIELDS = ("design", "data_collection", "analysis")
_BACK_MATTER = {"References", "Declarations"}
_OWN_METHODS = {"", "Abstract", "Methods"}  # where a paper with sections states its own design and sample
RULES_VERSION = "2"  # bump when the rules change: indexes refresh their cards without re-embedding


@dataclass
class Sentence:
    """A sentence of the document with its offsets, language and kind (body, affiliation, citation)."""

    text: str
    start: int
    end: int
    lang: str
    kind: str
    section: str = ""

    @cached_property
    def about_other_research(self) -> bool:
        """Whether it speaks of future or earlier research rather than this study (read once for every field)."""
        return bool(_NOT_THIS_STUDY.search(self.text))

    @cached_property
    def counts(self) -> list[Count]:
        """The counts of people it reports (read once for the population and the sample)."""
        return counts_in(self.text)


def extract_card(doc: Document) -> StudyCard:
    """The document's card, filled by the rules; fields the page does not give stay empty."""
    sentences = [s for s in split_sentences(doc) if s.section not in _BACK_MATTER]
    body = [s for s in sentences if s.kind == "body"]
    fields: dict[str, list[CardValue]] = {name: [] for name in FIELDS}
    for name, terms in TERMS.items():
        usable = [s for s in body if _usable_for(name, s)]
        fields[name] = _drop_superseded(name, _read_terms(terms, usable))
    if not fields["country"]:
        affiliations = [s for s in sentences if s.kind == "affiliation"]
        fields["country"] = _read_terms(TERMS["country"], affiliations, basis="author affiliation")[:1]
    fields["sample_size"], fields["sample_counted"] = _read_sample([s for s in body if _usable_for("sample", s)])
    return StudyCard(doc.doc_id, doc.source, doc.display_title, doc.year, fields)


def split_sentences(doc: Document) -> list[Sentence]:
    """Every sentence of the cleaned text, classified."""
    return [Sentence(doc.text[a:b], a, b, detect_lang(doc.text[a:b]) or "en", _kind(doc, doc.text[a:b]),
                     doc.section_at(a)) for a, b in sentence_spans(doc.text)]


def _kind(doc: Document, text: str) -> str:
    if _CITATION.search(text):
        return "citation"
    if _INSTITUTION.search(text) and text.count(",") + text.count("，") >= 2 and not _VERB.search(text):
        return "affiliation"
    if len(doc.authors) >= 2 and sum(name in text for name in doc.authors[:4]) >= 2:
        return "citation"
    return "body"


def _usable_for(name: str, sentence: Sentence) -> bool:
    if name in METHOD_FIELDS or name == "sample":
        return sentence.section in _OWN_METHODS and not sentence.about_other_research
    if name == "population":
        reports_people = bool(_PARTICIPANTS.search(sentence.text) or sentence.counts)
        return reports_people and not sentence.about_other_research
    return True


def _read_terms(terms, sentences: list[Sentence], basis: str = "text") -> list[CardValue]:
    found: dict[str, CardValue] = {}
    for sentence in sentences:
        for term in terms:
            match = min((m for p in term.patterns() if (m := p.search(sentence.text))), key=lambda m: m.start(),
                        default=None)
            if match is None:
                continue
            _add(found, term.value, _evidence(sentence, match.group(), basis))
    return list(found.values())


def _evidence(sentence: Sentence, match: str, basis: str = "text") -> Evidence:
    return Evidence(sentence.text, sentence.start, sentence.end, match, sentence.lang, basis)


def _add(found: dict[str, CardValue], value: str, evidence: Evidence) -> None:
    """Keep the first sentence per language for each value."""
    current = found.setdefault(value, CardValue(value, []))
    if all(e.lang != evidence.lang for e in current.evidence):
        current.evidence.append(evidence)


def _drop_superseded(name: str, values: list[CardValue]) -> list[CardValue]:
    present = {v.value for v in values}
    dropped = {gone for value, gones in SUPERSEDES.get(name, {}).items() if value in present for gone in gones}
    return [v for v in values if v.value not in dropped]


def _read_sample(sentences: list[Sentence]) -> tuple[list[CardValue], list[CardValue]]:
    """(sample size, how it was counted) from every count of people in the text."""
    totals: dict[str, CardValue] = {}
    counted: dict[str, CardValue] = {}
    parts: list[Count] = []
    for sentence in sentences:
        for count in sentence.counts:
            evidence = _evidence(sentence, sentence.text[count.span[0]:count.span[1]])
            if count.total or count.unit == "participants":
                _add(totals, str(count.n), evidence)
            else:
                _add(counted, f"{count.unit}: {count.n}", evidence)
                if not count.subset and all((p.unit, p.n) != (count.unit, count.n) for p in parts):
                    parts.append(count)
    if totals:
        # The total most often stated (an English page and its translation state it twice).
        best = Counter({v: len(c.evidence) for v, c in totals.items()}).most_common(1)[0][0]
        # a sentence that also says how the people were counted reads better than a table caption
        same = [e for p in parts if str(p.n) == best for e in counted[f"{p.unit}: {p.n}"].evidence]
        total = CardValue(best, _one_per_language(same + totals[best].evidence))
        return [total], list(counted.values())
    if not parts:
        return [], list(counted.values())
    total = sum(p.n for p in parts)
    evidence = [e for p in parts for e in counted[f"{p.unit}: {p.n}"].evidence]
    return [CardValue(str(total), _one_per_language(evidence))], list(counted.values())


def _one_per_language(evidence: list[Evidence]) -> list[Evidence]:
    return list({e.lang: e for e in reversed(evidence)}.values())[::-1]
