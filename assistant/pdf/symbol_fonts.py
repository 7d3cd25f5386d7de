"""Letters behind symbols: fonts whose Unicode map gives dingbats for the letters they draw.

pdfTeX's bitmap (Type 3) fonts name each glyph after its code: "/a101" draws code 101, an "e". Ghostscript,
writing the Unicode maps of such a PDF, looks those names up in the ZapfDingbats glyph list, where "a101" is
"❡", so every extractor reads "P❡♥❛❧✐③❡❞" for "Penalized" (R package vignettes, older preprints made with
dvips and ps2pdf). The font's own /Differences array still holds the names: where code N carries the name
"aN" and the map gives a symbol, the symbol stands for the character of code N in TeX's T1 (Cork)
encoding: ASCII from 33 to 126, quotes, dashes and ligatures below 32. T1 is the encoding of the EC fonts,
which dvips draws as bitmaps where the outline fonts (cm-super) are missing, the usual way such PDFs arise;
codes above 126 are left as they are.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from typing import Any

from .reader import CORK_CONTROL_CODES

log = logging.getLogger(__name__)

_CODE_NAME = re.compile(r"/?a(\d+)")
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(?:<([0-9A-Fa-f]+)>|\[([^\]]*)\])")
_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def letters_behind_symbols(data: bytes) -> dict[str, str]:
    """Each symbol that a font of this PDF maps its code-named glyphs to, and the character it draws; empty
    when there is none or the fonts cannot be read (the document is then left as PDFium reads it)."""
    try:
        from pypdf import PdfReader

        fonts = _fonts(PdfReader(io.BytesIO(data)))
        found: dict[str, set[str]] = {}
        for font in fonts:
            for symbol, letter in _font_letters(font).items():
                found.setdefault(symbol, set()).add(letter)
    except Exception as exc:  # noqa: BLE001 - a font we cannot read only leaves the text as it was
        log.info("font tables unreadable (%s: %s)", type(exc).__name__, exc)
        return {}
    # a symbol two fonts read as different letters is not one of these
    return {symbol: letters.pop() for symbol, letters in found.items() if len(letters) == 1}


def _fonts(reader: Any) -> list[Any]:
    """Every font dictionary the pages and their forms use, once each."""
    fonts, seen = [], set()

    def walk(resources: Any, depth: int) -> None:
        resources = resources.get_object() if resources is not None else None
        if not resources or depth > 4:
            return
        for ref in (resources.get("/Font") or {}).values():
            key = getattr(ref, "idnum", None) or id(ref)
            if key not in seen:
                seen.add(key)
                fonts.append(ref.get_object())
        for ref in (resources.get("/XObject") or {}).values():
            form = ref.get_object()
            if form.get("/Subtype") == "/Form":
                walk(form.get("/Resources"), depth + 1)

    for page in reader.pages:
        walk(page.get("/Resources"), 0)
    return fonts


def _font_letters(font: Any) -> dict[str, str]:
    encoding = font.get("/Encoding")
    encoding = encoding.get_object() if encoding is not None else None
    if not hasattr(encoding, "get") or "/ToUnicode" not in font:
        return {}
    names = _differences(encoding.get("/Differences") or [])
    mapped = _unicode_map(font["/ToUnicode"].get_object().get_data())
    letters = {}
    for code, name in names.items():
        match = _CODE_NAME.fullmatch(name)
        symbol = mapped.get(code, "")
        if not match or int(match[1]) != code or len(symbol) != 1 or not _is_symbol(symbol):
            continue
        if 33 <= code <= 126:
            letters[symbol] = chr(code)
        elif code in CORK_CONTROL_CODES:
            letters[symbol] = CORK_CONTROL_CODES[code]
    return letters


def _differences(array: Any) -> dict[int, str]:
    """Code -> glyph name from an /Encoding's /Differences array ([code name name … code name …])."""
    names, code = {}, 0
    for item in array:
        if isinstance(item, int):
            code = int(item)
        else:
            names[code] = str(item)
            code += 1
    return names


def _unicode_map(cmap: bytes) -> dict[int, str]:
    """Code -> text from a ToUnicode CMap's bfchar and bfrange entries."""
    mapped: dict[int, str] = {}
    for block in _BFCHAR.findall(cmap):
        for code, text in _PAIR.findall(block):
            mapped[int(code, 16)] = _utf16(text)
    for block in _BFRANGE.findall(cmap):
        for low, high, start, listed in _RANGE.findall(block):
            codes = range(int(low, 16), int(high, 16) + 1)
            if listed:
                mapped.update(zip(codes, (_utf16(t) for t in _HEX.findall(listed))))
            else:
                first = _utf16(start)
                if len(first) == 1:
                    mapped.update((c, chr(ord(first) + i)) for i, c in enumerate(codes))
    return mapped


def _utf16(hex_text: bytes) -> str:
    raw = bytes.fromhex(hex_text.decode("ascii"))
    return raw.decode("utf-16-be", errors="replace") if len(raw) % 2 == 0 else ""


def _is_symbol(char: str) -> bool:
    """Not a letter, nor anything ASCII: a dingbat, a circled digit ("②" for y), an ornamental bracket."""
    return not char.isascii() and not unicodedata.category(char).startswith("L")
