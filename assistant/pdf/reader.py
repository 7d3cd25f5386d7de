"""Read a PDF into positioned text lines with pypdfium2 (PDFium): characters with their boxes, per line.

PDFium gives characters in content order with its own line breaks. A line here is a run of characters
between those breaks, cut again where the next character sits lower or higher by most of a line (PDFium
joins lines after a hyphen) or jumps right by more than three font sizes (two columns on one baseline).
Lines on one baseline are merged back (PDFium breaks at superscripts), and raised small characters after
a word (citation numbers, affiliation marks) are dropped. Text objects that their clipping path hides
altogether are not read (MDPI places each figure as a whole page of the review manuscript, clipped to the
figure: the rest of that page's text is invisible but still in the file). Coordinates are top-down, in PDF
points.
"""

from __future__ import annotations

import ctypes
import re
import statistics
import threading
import unicodedata
from dataclasses import dataclass, field

READER_VERSION = "8"
# PDFium is not thread-safe: the chat renders pages for several people while an upload may be read
PDFIUM_LOCK = threading.RLock()
_BREAKS = {"\r", "\n"}
HYPHEN_MARK = "\u00ad"  # where PDFium reports a line-end hyphen (a soft hyphen in the line's text)
# what a raised small run after a word may hold: reference numbers, affiliation letters and marks
_NORMALISE = str.maketrans({"\u00a0": " ", "\u2010": "-", "\u2011": "-", "\ufb01": "fi", "\ufb02": "fl",
                            "\ufb00": "ff", "\ufb03": "ffi", "\ufb04": "ffl"})
_SUPERSCRIPT_CHARS = set("0123456789,–-−†‡*§¶#abcdefghij")
# ... and how small it is beside the line's text (loose boxes). Affiliation letters of LaTeX's PNAS-style
# templates measure 0.75-0.76 ("Dirk Eddelbuettel^a", R package vignettes); digits stay at 0.75, where
# exponents after units ("mm^3", 0.78 in a shared paper) begin
_SMALL_MARK, _SMALL_MARK_LETTER = 0.75, 0.8
# Raised runs that are not marks: powers and charges, kept as superscript characters ("10⁻⁵", "cm²", "Ca²⁺")
_SUPERSCRIPTS = str.maketrans("0123456789+-−–", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁻")
_EXPONENT = re.compile(r"[-−–]?\d{1,2}")
_CHARGE = re.compile(r"\d[+−-]|\+")
_TEN = re.compile(r"(?:^|[\s×x·(=<>~≈])10$")  # "4 × 10", "P=1.7×10"
_SYMBOL_BEFORE = re.compile(r"(?:^|[^A-Za-zµμÅα-ωΑ-Ω])([A-Za-zµμÅα-ωΑ-Ω]+)$")
_REFERENCE_LIST = re.compile(r"\d+(?:[,–-]\d+)+")  # "36,37" after "IL-15": references, not digits of the name
# LaTeX's T1 (Cork) font encoding puts quotes, dashes and ligatures in the control-code slots; a font
# embedded without a Unicode map (cm-super's SFRM…, common in LaTeX papers) makes PDFium pass those codes on,
# which read as spaces: "di erent", "coe cient", "Roundo error"
CORK_CONTROL_CODES = {0x10: "\u201c", 0x11: "\u201d", 0x15: "\u2013", 0x16: "\u2014", 0x1B: "ff", 0x1C: "fi",
                      0x1D: "fl", 0x1E: "ffi", 0x1F: "ffl"}


@dataclass(frozen=True)
class Char:
    """One character and its loose box (left, top, right, bottom; top-down)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def size(self) -> float:
        """The loose box's height: the font size as set on the page, ascent to descent."""
        return self.bottom - self.top


@dataclass
class Line:
    """One line of text on a page, with where it sits and how it is set."""

    page: int  # 1-based
    chars: list[Char]
    bold: bool = False  # set by layout from the weights (pdf.layout._mark_bold_lines)
    weight: int = 0  # the font weight of its first glyph (PDFium's; 0 or less when the font does not say)
    # derived once from the characters (layout reads them many times per line)
    text: str = field(init=False)
    x0: float = field(init=False)
    top: float = field(init=False)
    x1: float = field(init=False)
    bottom: float = field(init=False)
    size: float = field(init=False)  # median character size

    def __post_init__(self) -> None:
        self.text = _line_text(self.chars)
        ink = [c for c in self.chars if not c.text.isspace()]
        self.x0, self.x1 = min(c.x0 for c in ink), max(c.x1 for c in ink)
        self.top, self.bottom = min(c.top for c in ink), max(c.bottom for c in ink)
        self.size = statistics.median(c.size for c in ink)

    @property
    def height(self) -> float:
        """Height of the line's box."""
        return self.bottom - self.top


@dataclass
class Page:
    """The lines of one page and its size."""

    number: int
    width: float
    height: float
    lines: list[Line]


def open_pdf(data: bytes):
    """A pypdfium2 document for these bytes; the caller closes it."""
    import pypdfium2 as pdfium

    return pdfium.PdfDocument(data)


def read_pages(pdf, letters: dict[str, str] | None = None) -> list[Page]:
    """Every page's lines, in PDFium's content order; `letters` reads symbols as the letters they stand for
    (see symbol_fonts.py)."""
    return [read_page(pdf, i + 1, letters) for i in range(len(pdf))]


def read_page(pdf, number: int, letters: dict[str, str] | None = None) -> Page:
    """The lines of page `number` (1-based); `letters` reads symbols as the letters they stand for."""
    import pypdfium2.raw as raw

    page = pdf[number - 1]
    width, height = page.get_size()
    if page.get_rotation() % 180:  # the size is as shown; character boxes are in the unrotated page's space
        width, height = height, width
    textpage = page.get_textpage()
    count = textpage.count_chars()
    # one character per index (the text range string can drift from the indices around ligatures)
    text = whole_characters([_unicode(raw, textpage, i) for i in range(count)])
    if letters:
        text = [letters.get(ch, ch) for ch in text]
    hidden = _clipped_away(raw, page)
    if hidden:
        text = ["" if _address(raw.FPDFText_GetTextObject(textpage.raw, i)) in hidden else ch
                for i, ch in enumerate(text)]
    lines: list[Line] = []
    current: list[Char] = []
    weight = 0
    for i, char in enumerate(text):
        if not char:  # hidden by its clipping path, or the second half of a character
            continue
        if char in _BREAKS:
            _flush(current, weight, lines, number)
            current = []
            continue
        if char.isspace():
            if current:
                current.append(Char(" ", current[-1].x1, current[-1].top, current[-1].x1, current[-1].bottom))
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        glyph = Char(char, left, height - top, right, height - bottom)
        if current and _starts_new_line(current, glyph):
            _flush(current, weight, lines, number)
            current = []
        if not current:
            weight = raw.FPDFText_GetFontWeight(textpage.raw, i)
        current.append(glyph)
    _flush(current, weight, lines, number)
    textpage.close()
    page.close()
    return Page(number, width, height, _merge_baselines(lines))


def _clipped_away(raw, page) -> set[int]:
    """Addresses of the page's text objects (inside forms too) that lie wholly outside their clipping path."""
    hidden: set[int] = set()
    if not hasattr(raw, "FPDFText_GetTextObject"):  # PDFium builds before 2023 cannot map characters to objects
        return hidden

    def walk(objects: list) -> None:
        for obj in objects:
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_FORM:
                walk([raw.FPDFFormObj_GetObject(obj, i) for i in range(raw.FPDFFormObj_CountObjects(obj))])
            elif kind == raw.FPDF_PAGEOBJ_TEXT and _outside(_bounds(raw, obj), _clip_bounds(raw, obj)):
                hidden.add(_address(obj))

    walk([raw.FPDFPage_GetObject(page.raw, i) for i in range(raw.FPDFPage_CountObjects(page.raw))])
    return hidden


def _address(handle) -> int | None:
    return ctypes.cast(handle, ctypes.c_void_p).value


def _bounds(raw, obj) -> tuple[float, float, float, float] | None:
    box = [ctypes.c_float() for _ in range(4)]
    return tuple(v.value for v in box) if raw.FPDFPageObj_GetBounds(obj, *box) else None


def _clip_bounds(raw, obj) -> tuple[float, float, float, float] | None:
    """The box around an object's clipping path, in the object's own space (None when it has none)."""
    clip = raw.FPDFPageObj_GetClipPath(obj)
    if not clip:
        return None
    xs, ys = [], []
    for path in range(max(raw.FPDFClipPath_CountPaths(clip), 0)):
        for index in range(max(raw.FPDFClipPath_CountPathSegments(clip, path), 0)):
            x, y = ctypes.c_float(), ctypes.c_float()
            if raw.FPDFPathSegment_GetPoint(raw.FPDFClipPath_GetPathSegment(clip, path, index), x, y):
                xs.append(x.value)
                ys.append(y.value)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _outside(box, clip) -> bool:
    return bool(box and clip) and (box[2] <= clip[0] or box[0] >= clip[2] or box[3] <= clip[1] or box[1] >= clip[3])


def _unicode(raw, textpage, index: int) -> str:
    if raw.FPDFText_IsHyphen(textpage.raw, index):
        return HYPHEN_MARK
    code = raw.FPDFText_GetUnicode(textpage.raw, index)
    if code >= 32 and code not in (0xFFFE, 0xFFFF):
        return chr(code)
    return "\n" if code in (10, 13) else CORK_CONTROL_CODES.get(code, " ")


def whole_characters(units: list[str]) -> list[str]:
    """One character per index from PDFium's UTF-16 code units. A character beyond the Basic Multilingual
    Plane may take two indices, its surrogate halves (a mathematical italic 𝛼 or 𝑝 in LaTeX and publishers'
    PDFs), which no tokenizer accepts: the pair becomes the character at the first index and nothing at the
    second, and a half without its partner is dropped. Mathematical letters and digits are read as the plain
    ones (𝑝 as p, 𝛼 as α), as a reader and a search for "p < 0.05" take them."""
    out = list(units)
    for i, unit in enumerate(out):
        if len(unit) != 1:
            continue
        if unit > "\uffff":  # PDFium gives some such characters whole
            out[i] = _plain_letter(unit)
        elif "\ud800" <= unit <= "\udfff":
            following = out[i + 1] if i + 1 < len(out) else ""
            if unit <= "\udbff" and len(following) == 1 and "\udc00" <= following <= "\udfff":
                out[i] = _plain_letter((unit + following).encode("utf-16-le", "surrogatepass").decode("utf-16-le"))
                out[i + 1] = ""
            else:
                out[i] = ""
    return out


def _plain_letter(char: str) -> str:
    return unicodedata.normalize("NFKC", char) if "\U0001d400" <= char <= "\U0001d7ff" else char


def _starts_new_line(current: list[Char], glyph: Char) -> bool:
    last = next(c for c in reversed(current) if not c.text.isspace())
    size = max(glyph.size, last.size, 1.0)
    if abs((glyph.top + glyph.bottom) - (last.top + last.bottom)) / 2 > 0.8 * size:
        return True
    return glyph.x0 - last.x1 > 3 * size or glyph.x1 < last.x0 - size


def _flush(chars: list[Char], weight: int, lines: list[Line], number: int) -> None:
    while chars and chars[-1].text.isspace():
        chars.pop()
    if chars:
        lines.append(Line(number, list(chars), weight=weight))


def _merge_baselines(lines: list[Line]) -> list[Line]:
    """Join consecutive lines that sit on one baseline, side by side (PDFium splits at superscripts)."""
    merged: list[Line] = []
    for line in lines:
        prev = merged[-1] if merged else None
        if prev is not None and _same_baseline(prev, line):
            gap = line.x0 - prev.x1
            spacer = [Char(" ", prev.x1, prev.top, line.x0, prev.bottom)] if gap > 0.12 * prev.size else []
            merged[-1] = Line(prev.page, prev.chars + spacer + line.chars, weight=prev.weight)
        else:
            merged.append(line)
    return merged


def _same_baseline(a: Line, b: Line) -> bool:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap > 0.5 * min(a.height, b.height) and -a.size < b.x0 - a.x1 < 1.5 * a.size


def _line_text(chars: list[Char]) -> str:
    """The line's text without superscript marks after words, powers kept as superscripts; spaces collapsed."""
    sizes = [c.size for c in chars if not c.text.isspace()]
    if not sizes:
        return ""
    body = statistics.median(sizes)
    baseline = statistics.median(c.bottom for c in chars if not c.text.isspace())
    out: list[str] = []
    i = 0
    while i < len(chars):
        end = i
        while end < len(chars) and _raised_small(chars[end], body, baseline):
            end += 1
        if end == i:
            out.append(chars[i].text)
            i += 1
            continue
        run = "".join(c.text for c in chars[i:end])
        before = "".join(out)
        if _power(before, run):
            out.append(run.translate(_SUPERSCRIPTS))
        elif not _REFERENCE_LIST.fullmatch(run) or not before[-1:].isalnum():
            dropped = ""
            for char in chars[i:end]:  # a mark after a word (a reference, an affiliation) goes; other text stays
                if char.text in _SUPERSCRIPT_CHARS and _after_word(out):
                    dropped = char.text
                elif char.text == ")" and dropped.isalpha() and "(" not in run:
                    dropped = ""  # AIP's footnote marks, "a)", "b)": the bracket goes with its letter
                else:
                    out.append(char.text)
        i = end
    return " ".join("".join(out).translate(_NORMALISE).split())


def _raised_small(char: Char, body: float, baseline: float) -> bool:
    # a bracket's box is as loose as a letter's ("b)" marks: 0.70 and 0.79 of the line's size)
    small = char.size < (_SMALL_MARK_LETTER if char.text.isalpha() or char.text == ")" else _SMALL_MARK) * body
    return small and not char.text.isspace() and char.bottom < baseline - 0.28 * body


def _power(before: str, run: str) -> bool:
    """Whether a raised run raises what comes before it to a power or gives an ion's charge ("10^-5", "s^-1",
    "R^2", "cm^2", "Ca^2+"), rather than marks a reference or an affiliation."""
    if _TEN.search(before):
        return bool(_EXPONENT.fullmatch(run))
    symbol = _SYMBOL_BEFORE.search(before)
    if symbol is None:
        return False
    name = symbol.group(1)
    if _EXPONENT.fullmatch(run) and run[0] in "-−–":
        return True  # a reference mark never starts with a minus
    if run in ("2", "3"):
        from .layout import vocabulary  # layout reads lines from this module: imported when first needed

        return len(name) == 1 or name in vocabulary()["exponent_units"]
    return bool(_CHARGE.fullmatch(run)) and name[0].isupper() and len(name) <= 2


def _after_word(out: list[str]) -> bool:
    """Whether the text so far ends with a letter or a closing punctuation mark (a reference mark's place)."""
    previous = "".join(out[-3:]).rstrip()
    return bool(previous) and (previous[-1].isalpha() or previous[-1] in ").,;:")
