"""Publishers' PDFs read the way a researcher reads them: text in reading order, pages, sections, metadata.

`read_pdf` is the one entry point; `PDF_READER_VERSION` changes whenever reading, layout or metadata
rules change, so that an index re-reads its PDFs (see `assistant.documents.reader_version`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import UnreadableSource
from ..metadata import Metadata
from .layout import LAYOUT_VERSION, LaidOut, lay_out, section_of
from .metadata import METADATA_VERSION, paper_metadata, read_xmp
from .reader import PDFIUM_LOCK, READER_VERSION, Page, open_pdf, read_pages
from .symbol_fonts import letters_behind_symbols

PDF_READER_VERSION = f"pdf{READER_VERSION}.{LAYOUT_VERSION}.{METADATA_VERSION}"

__all__ = ["PDF_READER_VERSION", "PaperText", "read_pdf", "section_of"]


@dataclass
class PaperText:
    """A PDF's text, where each page and named section starts, and its metadata."""

    text: str
    page_starts: list[int] = field(default_factory=list)
    sections: list[tuple[int, str]] = field(default_factory=list)
    metadata: Metadata = field(default_factory=Metadata)
    page_count: int = 0


def read_pdf(data: bytes) -> PaperText:
    """Read a PDF's bytes; raises UnreadableSource for a locked, damaged or textless file."""
    with PDFIUM_LOCK:
        return _read_locked(data)


def _read_locked(data: bytes) -> PaperText:
    import pypdfium2 as pdfium

    try:
        pdf = open_pdf(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise UnreadableSource("PDF is encrypted with a password") from None
        raise UnreadableSource(f"corrupt PDF ({message[:80]})") from None
    try:
        try:
            pages = read_pages(pdf)
        except pdfium.PdfiumError as exc:
            raise UnreadableSource(f"damaged PDF page ({str(exc)[:80]})") from None
        laid = lay_out(pages)
        if not laid.text.strip():
            raise UnreadableSource("no text could be extracted (a scanned PDF needs OCR first)")
        if _mostly_symbols(laid.text):
            pages, laid = _read_symbols_as_letters(pdf, data)
        meta = paper_metadata(pages, _information(pdf), read_xmp(data), laid.text, laid.running)
        return PaperText(laid.text, laid.page_starts, laid.sections, meta, len(pages))
    finally:
        pdf.close()


def _read_symbols_as_letters(pdf, data: bytes) -> tuple[list[Page], LaidOut]:
    """The pages and text again, the symbols that code-named glyphs are mapped to read as their letters
    (symbol_fonts.py); raises UnreadableSource when the fonts do not say which letters they are."""
    letters = letters_behind_symbols(data)
    if letters:
        pages = read_pages(pdf, letters)
        laid = lay_out(pages)
        if not _mostly_symbols(laid.text):
            return pages, laid
    raise UnreadableSource("its fonts give symbols instead of letters (no usable text layer; OCR could read it)")


def _mostly_symbols(text: str) -> bool:
    """Whether the text holds more symbols than letters: fonts whose letters are drawn from a symbol font's
    codes without a Unicode map read as dingbats ("P❡♥❛❧✐③❡❞"), and indexing them would only add noise."""
    import unicodedata

    letters = symbols = 0
    for char in text:
        kind = unicodedata.category(char)
        letters += kind.startswith("L")
        symbols += kind in ("So", "Co")
    return symbols > letters


def _information(pdf) -> dict[str, str]:
    try:
        return {key: str(value) for key, value in pdf.get_metadata_dict().items()}
    except Exception:  # noqa: BLE001 - a damaged information dictionary only costs us its fields
        return {}
