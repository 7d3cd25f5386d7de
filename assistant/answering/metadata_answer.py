"""A question that asks for a bibliographic field itself ("Which journal…?", "What is the DOI…?", "Who is
the first author…?", "In what year was it published?", "What is the registration number?") is answered
from the document's metadata fields, cited to the line of the document that states the value.

The document is the one retrieval ranks first. A field the document does not have is not answered here
(the ordinary answerer then tries the text). The line stating the value is, for a PDF, the line the reader
found it on (a running head, a stamp, the author line; `Document.field_lines`), with its page; otherwise the
first sentence outside the reference list that holds the value as whole words. When no line states it (a journal from the PDF's XMP only), the citation quotes the title and
the answer says the value came from the file's metadata.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..patterns import cue, cues
from ..text import sentence_spans
from ..types import Citation, Document, Passage

LABELS = {"authors": ("Authors", "作者"), "doi": ("DOI", "DOI"), "journal": ("Journal", "期刊"),
          "year": ("Published", "发表年份"), "trial_registration": ("Trial registration", "试验注册号")}
MAX_NAMES = 8
# a line that states the publication year says so, or sits with the journal or the DOI
_YEAR_CONTEXT = re.compile(r"(?i)publish|posted|received|accepted|copyright|©|\bvol|\bdoi|发表|出版")

PassageAt = Callable[[int, int], Passage | None]


def fields_asked_for(question: str) -> list[str]:
    """The bibliographic fields the question asks for as such (`metadata_answer` in cues.json)."""
    return [name for name in cues()["metadata_answer"] if cue("metadata_answer", name).search(question)]


def metadata_answer(fields: list[str], doc: Document, lang: str, passage_at: PassageAt
                    ) -> tuple[str, list[Citation], list[Passage]] | None:
    """The answer text, its citations and the cited passages; None when the document has none of the fields."""
    zh = lang == "zh"
    lines, citations, passages = [], [], []
    for name in fields:
        value = _value(doc, name)
        if not value:
            continue
        line = doc.field_lines.get(name)  # a PDF's running head or stamp: where the reader found the value
        start, end = (0, 0) if line else _stating_span(doc, name, value)
        passage = passage_at(start, end) if end > start else passage_at(0, min(len(doc.text), 200))
        if passage is None:
            continue
        n = len(citations) + 1
        quote, page = (doc.text[start:end], doc.page_at(start)) if end > start else (
            (line[1], line[0]) if line else (doc.display_title, doc.page_at(0)))
        citations.append(Citation(n=n, source=doc.source, title=doc.display_title, text=line[1] if line else passage.text,
                                  quote=quote, start=start, end=max(end, start), score=1.0, page=page))
        if all(p.chunk_id != passage.chunk_id for p in passages):
            passages.append(passage)
        label = LABELS[name][1 if zh else 0]
        stated = end > start or line is not None
        origin = "" if stated else ("（取自文件的元数据）" if zh else " (from the file's metadata)")
        lines.append(f"{label}{'：' if zh else ': '}{value}{origin} [{n}]")
    if not lines:
        return None
    head = ((doc.title_zh or doc.display_title) if zh else doc.display_title) + ("：" if zh else ": ")
    return head + ("；" if zh else "; ").join(lines) + ("。" if zh else "."), citations, passages


def has_record(doc: Document) -> bool:
    """Whether the document states any bibliographic field (authors, DOI, journal, year, registration): a
    paper, where a field it lacks is missing, unlike an encyclopaedia page whose "who wrote…?" asks about a
    work it describes."""
    return any(_value(doc, name) for name in ("authors", "doi", "journal", "year", "trial_registration"))


def _value(doc: Document, name: str) -> str:
    if name == "authors":
        names = doc.authors[:MAX_NAMES]
        return ", ".join(names) + (", et al." if len(doc.authors) > MAX_NAMES else "") if names else ""
    value = getattr(doc, name, None)
    return str(value) if value else ""


def _stating_span(doc: Document, name: str, value: str) -> tuple[int, int]:
    """The sentence of the document that states the value (for authors, the first author), or (0, 0)."""
    needle = doc.authors[0] if name == "authors" else value
    text = doc.text
    # whole words, as written (a journal "Cancers" is not "breast cancers"), never in the reference list
    flags = re.IGNORECASE if name in ("doi", "trial_registration") else 0
    for match in re.finditer(rf"(?<![\w/.]){re.escape(needle)}(?!\w)", text, flags):
        if doc.section_at(match.start()) == "References":
            continue
        start, end = _sentence_around(text, match.start())
        if name != "year" or _YEAR_CONTEXT.search(text[start:end]):
            return start, end
    return 0, 0


def _sentence_around(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    for start, end in sentence_spans(text, line_start, line_end):
        if start <= offset < end:
            return start, end
    return line_start, line_end
