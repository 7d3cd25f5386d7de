"""What the chat window shows, as Markdown/HTML strings. Document text is always escaped: shown, never run."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from .types import Answer, Citation, Document, Passage

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_MARKER = re.compile(r"\[(\d+)\]")


def as_text(value: str) -> str:
    """Text made inert for a Markdown/HTML renderer."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(value, quote=False))


def answer_markdown(result: Answer) -> str:
    """The answer for the chat, each [n] a link to its source in the sources panel."""
    parts = _MARKER.split(result.text)
    out = []
    for i, part in enumerate(parts):
        out.append(f"[**[{part}]**](#source-{part})" if i % 2 else as_text(part))
    text = "".join(out)
    if result.refused and result.passages:
        text += "\n\n*The closest passages are listed under Sources.*"
    return text


def status_markdown(result: Answer) -> str:
    """Which answerer spoke, and any fallback notice."""
    mode = "extractive (no LLM)" if result.mode == "extractive" else result.mode
    line = f"**Answer mode:** {as_text(mode)}"
    return line + (f"  \n**Note:** {as_text(result.notice)}" if result.notice else "")


def sources_html(result: Answer, documents: dict[str, Document]) -> str:
    """The cited passages (or, after a refusal, the closest ones) with metadata and the quote highlighted."""
    if result.citations:
        items = [_citation_block(c, _document(documents, c.source)) for c in result.citations]
        heading = "Sources"
    else:
        items = [_passage_block(i, p, _document(documents, p.source)) for i, p in enumerate(result.passages[:3], 1)]
        heading = "Closest passages (no answer found)"
    if not items:
        return "<p>No sources.</p>"
    return f'<div class="sources"><h3>{heading}</h3>{"".join(items)}</div>'


def _document(documents: dict[str, Document], source: str) -> Document | None:
    return next((d for d in documents.values() if d.source == source), None)


def _citation_block(c: Citation, doc: Document | None) -> str:
    start = c.text.find(c.quote)
    if start < 0:
        body = html.escape(c.text)
    else:
        body = (html.escape(c.text[:start]) + f"<mark>{html.escape(c.quote)}</mark>"
                + html.escape(c.text[start + len(c.quote):]))
    summary = f'[{c.n}] {html.escape(c.title)} <span class="file">({html.escape(c.source)})</span>'
    return (f'<details class="source" id="source-{c.n}"><summary>{summary}</summary>'
            f'{_meta_line(doc, c.score)}<blockquote>{body}</blockquote></details>')


def _passage_block(n: int, p: Passage, doc: Document | None) -> str:
    return (f'<details class="source" id="source-{n}"><summary>{n}. {html.escape(p.title)} '
            f'<span class="file">({html.escape(p.source)})</span></summary>'
            f'{_meta_line(doc, p.score)}<blockquote>{html.escape(p.text)}</blockquote></details>')


def _meta_line(doc: Document | None, score: float) -> str:
    bits = []
    if doc is not None:
        if doc.authors:
            bits.append(html.escape(", ".join(doc.authors[:3]) + (" et al." if len(doc.authors) > 3 else "")))
        if doc.year:
            bits.append(str(doc.year))
        if doc.doi:
            doi = html.escape(doc.doi, quote=True)
            bits.append(f'<a href="https://doi.org/{doi}" target="_blank" rel="noopener noreferrer">doi:{doi}</a>')
    bits.append(f"score {score:.3f}")
    return f'<p class="meta">{" · ".join(bits)}</p>'


LIBRARY_COLUMNS = ["File", "Title", "Authors", "Year", "Journal", "DOI", "Languages", "Chunks"]


def library_rows(documents: Iterable[Document], chunk_counts: dict[str, int]) -> list[list[str]]:
    """One row per indexed document (plain text cells)."""
    return [[d.source, d.display_title, ", ".join(d.authors[:3]) + (" et al." if len(d.authors) > 3 else ""),
             str(d.year or ""), d.journal, d.doi, ", ".join(d.langs), str(chunk_counts.get(d.doc_id, 0))]
            for d in sorted(documents, key=lambda d: d.source)]
