"""A cited PDF page as a picture, with the quoted sentence marked in yellow, rendered locally with PDFium.

The quote is our cleaned text, not the page's characters: hyphenated line ends are joined, ligatures
spelled out, raised citation numbers dropped. So both sides are compared as lowercase letters and digits
only, then (for citation numbers inside the sentence) letters only; when the whole quote is still not on
the page (it runs on to the next page, or was cleaned differently) its longest head found, and the tail
that follows it, mark the span between them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .reader import PDFIUM_LOCK

if TYPE_CHECKING:
    from PIL import Image


HIGHLIGHT = (255, 214, 0, 110)  # yellow at ~43% opacity: the text under it stays readable
MIN_MATCH = 20  # a shorter head alone turns up in too many places on a page
MIN_PART = 12  # ...but a head and tail this long will do when the tail follows at about the quote's length
PAD = 1.0  # points around each marked line


class RenderError(Exception):
    """A page that cannot be shown: missing or unreadable file, or no such page."""


@dataclass
class PageView:
    """A rendered page and whether any of the quote was found and marked on it."""

    image: Image.Image
    highlighted: bool


def render_cited_page(pdf_path: str | Path, page: int, quote: str, scale: float = 1.5) -> PageView:
    """Page `page` (1-based) of the PDF at `pdf_path`, drawn at `scale` pixels a point, with `quote` marked."""
    path = Path(pdf_path)
    if not path.is_file():
        raise RenderError(f"no PDF at {path}")
    with PDFIUM_LOCK:
        return _render(path, page, quote, scale)


def _render(path: Path, page: int, quote: str, scale: float) -> PageView:
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise RenderError(f"cannot open {path.name}: {exc}") from None
    try:
        if not 1 <= page <= len(pdf):
            raise RenderError(f"{path.name} has no page {page} (it has {len(pdf)})")
        sheet = pdf[page - 1]
        image = sheet.render(scale=scale).to_pil().convert("RGBA")
        # boxes come in page space; the rendering shows the crop box, upright (a rotated page gets no marks)
        left, _, _, top = sheet.get_cropbox()
        boxes = _quote_boxes(sheet, quote) if sheet.get_rotation() == 0 else []
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for x0, y0, x1, y1 in boxes:
            draw.rectangle([(x0 - PAD - left) * scale, (top - y1 - PAD) * scale,
                            (x1 + PAD - left) * scale, (top - y0 + PAD) * scale], fill=HIGHLIGHT)
        return PageView(Image.alpha_composite(image, overlay).convert("RGB"), bool(boxes))
    except pdfium.PdfiumError as exc:
        raise RenderError(f"cannot render page {page} of {path.name}: {exc}") from None
    finally:
        pdf.close()


def normalise(text: str, digits: bool = True) -> str:
    """Lowercase letters (and digits) only, ligatures spelled out: what a quote and a page are compared on."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower()
                   if c.isalpha() or (digits and c.isdigit()))


def find_quote(page_text: str, quote: str) -> tuple[int, int] | None:
    """Where the normalised `quote` lies in the normalised `page_text` (start, end), or None."""
    if not quote:
        return None
    at = page_text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    head = _longest(lambda n: page_text.find(quote[:n]), len(quote))
    start = page_text.find(quote[:head]) if head >= MIN_PART else -1
    tail = _longest(lambda n: page_text.find(quote[-n:], max(start, 0)), len(quote))
    end = page_text.find(quote[-tail:], max(start, 0)) + tail if tail >= MIN_PART else -1
    if start >= 0 and end > start and end - start <= 1.3 * len(quote) + 40:
        return start, end
    # a citation's page is where its quote starts, so a head alone is the sentence running on to the next
    # page; a tail alone is more likely the same words in another sentence
    return (start, start + head) if head >= MIN_MATCH else None


def _longest(found_at, most: int) -> int:
    """The largest n <= most with found_at(n) >= 0 (a shorter head or tail of a found one is found too)."""
    low, high = 0, most
    while low < high:
        middle = (low + high + 1) // 2
        if found_at(middle) >= 0:
            low = middle
        else:
            high = middle - 1
    return low


def _quote_boxes(sheet, quote: str) -> list[tuple[float, float, float, float]]:
    """The quote's characters on the page as one (left, bottom, right, top) box per line, in points."""
    import pypdfium2.raw as raw

    textpage = sheet.get_textpage()
    try:
        # one character per index (the text range string can drift from the indices around ligatures)
        chars = [chr(raw.FPDFText_GetUnicode(textpage.raw, i)) for i in range(textpage.count_chars())]
        for digits in (True, False):
            keys, owners = [], []
            for i, char in enumerate(chars):
                for key in normalise(char, digits):
                    keys.append(key)
                    owners.append(i)
            span = find_quote("".join(keys), normalise(quote, digits))
            if span is not None:
                break
        else:
            return []
        first, last = owners[span[0]], owners[span[1] - 1]
        glyphs = [textpage.get_charbox(i, loose=True) for i in range(first, last + 1) if not chars[i].isspace()]
    finally:
        textpage.close()
    return _lines(glyphs)


def _lines(glyphs: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Consecutive character boxes merged into one box per line (a new line where they stop overlapping)."""
    lines: list[list[float]] = []
    for x0, y0, x1, y1 in glyphs:
        if x1 <= x0 or y1 <= y0:
            continue
        line = lines[-1] if lines else None
        overlap = min(y1, line[3]) - max(y0, line[1]) if line else 0.0
        if line and overlap > 0.5 * min(y1 - y0, line[3] - line[1]) and x0 >= line[0] - 1:
            line[:] = [min(line[0], x0), min(line[1], y0), max(line[2], x1), max(line[3], y1)]
        else:
            lines.append([x0, y0, x1, y1])
    return [tuple(line) for line in lines]
