"""The objects that flow through the pipeline: documents, chunks, passages, citations, answers."""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Document:
    """A cleaned source document with the metadata its page gives."""

    doc_id: str
    source: str
    text: str
    sha256: str
    title: str = ""
    title_zh: str = ""
    label: str = ""
    authors: list[str] = field(default_factory=list)
    doi: str = ""
    journal: str = ""
    year: int | None = None
    trial_registration: str = ""
    langs: list[str] = field(default_factory=list)
    # where each page starts in `text` (PDFs; empty for sources without pages), where each named section
    # starts ([offset, "Methods"]), the file it was read from and the reader versions that read it
    page_starts: list[int] = field(default_factory=list)
    sections: list[list] = field(default_factory=list)
    path: str = ""
    reader: str = ""
    field_lines: dict[str, list] = field(default_factory=dict)  # field -> [page, line] stated outside the text

    def page_at(self, offset: int) -> int:
        """The 1-based page holding the character at `offset`, or 0 when the source has no pages."""
        if not self.page_starts:
            return 0
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def section_at(self, offset: int) -> str:
        """The named section (Abstract, Methods, References…) holding `offset`, or "" when unknown."""
        name = ""
        for start, section in self.sections:
            if start > offset:
                break
            name = section
        return name

    @property
    def display_title(self) -> str:
        """The title when the page has one, else the derived label, else the file name."""
        return self.title or self.title_zh or self.label or self.source

    def metadata(self) -> dict[str, Any]:
        """Everything but the text, as plain JSON-ready values."""
        data = asdict(self)
        data.pop("text")
        return data


@dataclass
class Chunk:
    """A span of a document's cleaned text: `doc.text[start:end] == text`."""

    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    section: str = ""
    lang: str = ""
    page: int = 0  # first page of the chunk (0: the source has no pages)
    page_end: int = 0


@dataclass
class Passage:
    """A retrieved chunk with its document's metadata and its scores."""

    chunk_id: str
    doc_id: str
    source: str
    title: str
    text: str
    start: int
    end: int
    score: float
    section: str = ""
    lang: str = ""
    page: int = 0
    page_end: int = 0
    page_breaks: list[int] = field(default_factory=list)  # document offsets inside the passage where a page starts
    dense_rank: int | None = None
    lexical_rank: int | None = None
    front_matter: bool = False  # before the document's Abstract: title lines, journal and site lines
    opens_in_caption: bool = False  # the chunk starts inside a figure or table legend begun before it
    dense_score: float | None = None  # cosine with the query, when the dense search found it
    lexical_score: float | None = None  # BM25 score, when the lexical search found it
    opening: str = ""  # the document's first sentence (of its first line): what it says it is about

    def page_at(self, offset: int) -> int:
        """The page of the document offset `offset` inside this passage (0 when the source has no pages)."""
        return self.page + sum(1 for b in self.page_breaks if b <= offset) if self.page else 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields."""
        return asdict(self)


@dataclass
class Citation:
    """A numbered source behind a marker `[n]` in an answer."""

    n: int
    source: str
    title: str
    text: str
    quote: str
    start: int
    end: int
    score: float
    page: int = 0  # the page the quote is on (0: the source has no pages)

    @property
    def page_label(self) -> str:
        """"p. 4" when the source has pages, else ""."""
        return f"p. {self.page}" if self.page else ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields."""
        return asdict(self)


@dataclass
class Answer:
    """The answer text with inline markers, its citations and everything retrieved."""

    question: str
    text: str
    citations: list[Citation]
    passages: list[Passage]
    refused: bool
    mode: str = "extractive"
    notice: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields."""
        return asdict(self)
