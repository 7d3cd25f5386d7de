"""Read bibliographic metadata from a cleaned page: title, authors, DOI, journal, year, registration.

Sources, most trusted first: embedded JSON records, a citation line (`Journal. 2025 Jan 28;25(1):79.`),
labelled lines (`作者`, `Authors:`, `Published:`), then the page header (lines before the abstract).
Nothing is guessed: a field the page does not give stays empty. Pages without a title get a label
built from first author, journal and year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .cleaning import AFFILIATION, Cleaned, find_values, is_heading, is_prose, looks_like_name_list
from .patterns import DOI, TRIAL_ID
from .text import CJK_CHAR, detect_lang, detect_langs

METADATA_VERSION = "2"  # bump when these rules change: indexes re-read the files (metadata sits on each chunk)
CITATION_LINE = re.compile(
    r"^(?P<journal>[A-Z][^.;]{1,100}?)\.\s+(?P<year>(?:19|20)\d\d)(?:\s+[A-Z][a-z]{2}(?:\s+\d{1,2})?)?\s*[;:.]"
)
DATE_LABEL = re.compile(r"(published|publication date|出版|发表|创建时间|created|date)", re.IGNORECASE)
AUTHOR_LABEL = re.compile(r"^(authors?|by|作者|作者信息)\s*[:：]?\s*$", re.IGNORECASE)
YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_INITIAL = re.compile(r"^[A-Z]\.?$")


@dataclass
class Metadata:
    """Bibliographic fields of one document; empty where the page does not give them."""

    title: str = ""
    title_zh: str = ""
    authors: list[str] = field(default_factory=list)
    doi: str = ""
    journal: str = ""
    year: int | None = None
    trial_registration: str = ""
    langs: list[str] = field(default_factory=list)
    label: str = ""
    # where a PDF states a field outside its running text (a running head, a stamp): field -> [page, line]
    field_lines: dict[str, list] = field(default_factory=dict)


def extract_metadata(cleaned: Cleaned) -> Metadata:
    """Every bibliographic field the page gives, plus a recognisable label."""
    meta = Metadata()
    raw = "\n".join(cleaned.raw_lines)
    for record in cleaned.records:
        _fill_from_record(meta, record)
    meta.doi = meta.doi or _first(DOI, raw).rstrip(".")
    meta.trial_registration = _first(TRIAL_ID, raw)
    citation = next((m for line in cleaned.kept if (m := CITATION_LINE.match(line.strip()))), None)
    if citation:
        meta.journal = meta.journal or citation["journal"].strip()
        meta.year = meta.year or int(citation["year"])
    meta.year = meta.year or _labelled_year(cleaned.raw_lines)
    meta.authors = meta.authors or _authors(cleaned.kept)
    header_title, header_title_zh = _header_titles(cleaned.kept)
    meta.title = meta.title or header_title
    meta.title_zh = meta.title_zh or header_title_zh
    meta.langs = detect_langs(cleaned.text)
    meta.label = make_label(meta.authors, meta.journal, meta.year, meta.doi, pubmed_order=bool(citation))
    return meta


def _first(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return match.group(0) if match else ""


def _fill_from_record(meta: Metadata, record: dict[str, Any]) -> None:
    for title in find_values(record, "title"):
        if CJK_CHAR.search(title):
            meta.title_zh = meta.title_zh or title.strip()
        else:
            meta.title = meta.title or title.strip()
    for authors in find_values(record, "authors"):
        meta.authors = meta.authors or split_names(authors)
    for doi in find_values(record, "doi"):
        meta.doi = meta.doi or doi.strip()
    journal = record.get("journal")
    if isinstance(journal, dict) and isinstance(journal.get("name"), str):
        meta.journal = meta.journal or journal["name"].strip()
    for key in ("publicationDate", "PeriodicalName"):
        for value in find_values(record, key):
            if key == "publicationDate" and (year := YEAR.search(value)):
                meta.year = meta.year or int(year.group(1))
            elif key == "PeriodicalName":
                meta.journal = meta.journal or value.strip()


def _labelled_year(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if len(line.strip()) > 60 or not DATE_LABEL.search(line):
            continue
        for candidate in [line] + [nxt for nxt in lines[i + 1 : i + 3] if nxt.strip()][:1]:
            stripped = DATE_LABEL.sub("", candidate)
            if year := YEAR.search(stripped):
                return int(year.group(1))
    return None


def _authors(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if AUTHOR_LABEL.match(line.strip()) and i + 1 < len(lines):
            names = split_names(lines[i + 1])
            if names:
                return names
    for line in _header(lines):
        if looks_like_name_list(line):
            return split_names(line)
    return []


def split_names(line: str) -> list[str]:
    """Author names from a comma- or semicolon-separated list."""
    parts = [p.strip().strip(".").strip() for p in re.split(r"[,;，、]|\band\b", line)]
    return [p for p in parts if p]


def _header(lines: list[str]) -> list[str]:
    """Lines before the first abstract-like heading or prose paragraph."""
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        if is_prose(stripped) or stripped.lower().rstrip(":：") in {"abstract", "摘要", "background", "背景"}:
            break
        out.append(stripped)
    return out


def _header_titles(lines: list[str]) -> tuple[str, str]:
    title = title_zh = ""
    for line in _header(lines):
        if not _could_be_title(line):
            continue
        if detect_lang(line) == "zh":
            title_zh = title_zh or line
        else:
            title = title or line.rstrip(".")
    return title, title_zh


def _could_be_title(line: str) -> bool:
    return (
        8 <= len(line) <= 300
        and not is_heading(line)
        and not looks_like_name_list(line)
        and not AFFILIATION.search(line)
        and not DOI.search(line)
        and not CITATION_LINE.match(line)
        and len(re.findall(r"[.!?。](?=\s|$)", line)) <= 1
    )


def make_label(authors: list[str], journal: str, year: int | None, doi: str, pubmed_order: bool) -> str:
    """A short recognisable label: 'Surname et al., Journal, Year'."""
    if not authors:
        return f"{journal}, {year}" if journal and year else ""
    lead = surname(authors[0], pubmed_order) + (" et al." if len(authors) > 1 else "")
    parts = [lead, journal, str(year) if year else ""]
    label = ", ".join(p for p in parts if p)
    return label if (journal or year) else f"{label}, doi:{doi}" if doi else label


def surname(name: str, pubmed_order: bool) -> str:
    """The family name in 'M. Clark', 'Jane Y Pan' or PubMed-style 'Bennion Mia'."""
    words = name.replace(".", ". ").split()
    if not words:
        return ""
    if any(_INITIAL.match(w) for w in words):
        # a name of initials only ("A. B.") has no longer word: keep its last initial rather than fail
        return next((w for w in reversed(words) if not _INITIAL.match(w)), words[-1])
    return words[0] if pubmed_order else words[-1]
