"""The objects that flow through the pipeline: documents, chunks, passages, citations, answers."""

from __future__ import annotations

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
    dense_rank: int | None = None
    lexical_rank: int | None = None

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
