"""What the chat window shows, as Markdown/HTML strings (a cited PDF page as an inline image).
Document text is always escaped: shown, never run."""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .cards.model import FIELD_LABELS, FIELDS, CardValue, StudyCard
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


def sources_html(result: Answer, documents: dict[str, Document], cards: dict[str, StudyCard] | None = None) -> str:
    """The cited passages (or, after a refusal, the closest ones) with metadata and the quote highlighted,
    then the study card of each cited study."""
    if result.citations:
        items = [_citation_block(c, _document(documents, c.source)) for c in result.citations]
        heading = "Sources"
    else:
        items = [_passage_block(i, p, _document(documents, p.source)) for i, p in enumerate(result.passages[:3], 1)]
        heading = "Closest passages (no answer found)"
    if not items:
        return "<p>No sources.</p>"
    cited = list(dict.fromkeys(c.source for c in result.citations))
    shown = [cards[source] for source in cited if cards and source in cards]
    study_cards = f'<h3>Study cards</h3>{"".join(card_html(c) for c in shown)}' if shown else ""
    return f'<div class="sources"><h3>{heading}</h3>{"".join(items)}{study_cards}</div>'


def card_html(card: StudyCard) -> str:
    """One study card as a table: each value with the sentence it came from (as a tooltip and a line)."""
    rows = []
    for name in FIELDS:
        values = card.fields.get(name, [])
        cell = "<br>".join(_card_value_html(v) for v in values) or '<span class="empty">not stated</span>'
        rows.append(f"<tr><th>{FIELD_LABELS[name]}</th><td>{cell}</td></tr>")
    return (f'<details class="card" open><summary>{html.escape(card.title)} <span class="file">'
            f'({html.escape(card.source)})</span></summary><table>{"".join(rows)}</table></details>')


def _card_value_html(value: CardValue) -> str:
    quote = value.evidence[0].quote
    note = f" <em>({html.escape(value.provenance)})</em>" if value.provenance else ""
    return (f'<span title="{html.escape(quote, quote=True)}">{html.escape(value.value)}</span>{note}'
            f'<div class="quote">\u201c{html.escape(quote)}\u201d</div>')


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
    passage = f"<blockquote>{body}</blockquote>"
    image = cited_page_uri(doc, c)
    if image:
        alt = html.escape(f"{c.page_label} of {c.source}, the quoted sentence highlighted", quote=True)
        passage = (f'<div class="cited">{passage}<figure class="page-view"><img src="{image}" alt="{alt}" '
                   f'title="Click to enlarge" tabindex="0"><figcaption>{c.page_label}</figcaption></figure></div>')
    meta = _meta_line(doc, c.score, "" if image else c.page_label)
    return f'<details class="source" id="source-{c.n}"><summary>{summary}</summary>{meta}{passage}</details>'


def cited_page_uri(doc: Document | None, c: Citation) -> str:
    """The cited PDF page with the quote highlighted as a data: URI, or "" when there is no page to show."""
    if doc is None or not c.page or not doc.path.lower().endswith(".pdf"):
        return ""
    try:
        return _page_uri(doc.path, Path(doc.path).stat().st_mtime, c.page, c.quote)
    except OSError:
        return ""


@lru_cache(maxsize=32)  # the same citation comes back with each follow-up question
def _page_uri(path: str, mtime: float, page: int, quote: str) -> str:
    from .pdf.render import RenderError, render_cited_page

    try:
        view = render_cited_page(path, page, quote)
    except RenderError:
        return ""
    buffer = io.BytesIO()
    view.image.save(buffer, "WEBP", quality=80)  # about half a PNG's size, the yellow kept
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _passage_block(n: int, p: Passage, doc: Document | None) -> str:
    return (f'<details class="source" id="source-{n}"><summary>{n}. {html.escape(p.title)} '
            f'<span class="file">({html.escape(p.source)})</span></summary>'
            f'{_meta_line(doc, p.score)}<blockquote>{html.escape(p.text)}</blockquote></details>')


def _meta_line(doc: Document | None, score: float, page_label: str = "") -> str:
    bits = [page_label] if page_label else []
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


LIBRARY_COLUMNS = ["File", "Title", "Authors", "Year", "Design", "Country", "Sample", "Data collection", "Analysis",
                   "Intervention", "Languages", "Chunks"]
FILTER_FIELDS = ("design", "country", "data_collection", "analysis", "intervention")


def library_rows(documents: Iterable[Document], chunk_counts: dict[str, int],
                 cards: dict[str, StudyCard] | None = None) -> list[list[str]]:
    """One row per indexed document (plain text cells), with its study card's main fields."""
    cards = cards or {}

    def card_cell(doc: Document, name: str) -> str:
        card = cards.get(doc.source)
        return ", ".join(card.values(name)) if card else ""

    return [[d.source, d.display_title, ", ".join(d.authors[:3]) + (" et al." if len(d.authors) > 3 else ""),
             str(d.year or ""), card_cell(d, "design"), card_cell(d, "country"), card_cell(d, "sample_size"),
             card_cell(d, "data_collection"), card_cell(d, "analysis"), card_cell(d, "intervention"),
             ", ".join(d.langs), str(chunk_counts.get(d.doc_id, 0))]
            for d in sorted(documents, key=lambda d: d.source)]


def filter_choices(cards: Iterable[StudyCard], name: str) -> list[str]:
    """The values a library filter offers for one card field ("Any" first)."""
    return ["Any"] + sorted({v for card in cards for v in card.values(name)}, key=str.lower)


def matching_sources(cards: Iterable[StudyCard], wanted: dict[str, str]) -> set[str]:
    """File names of the studies whose cards state every chosen value ("Any" chooses nothing)."""
    chosen = {name: value for name, value in wanted.items() if value and value != "Any"}
    return {c.source for c in cards if all(c.has(name, value) for name, value in chosen.items())}
