"""Turn source files into raw text: encoding detection, HTML and PDF text extraction."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import UnreadableSource

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".pdf"})
# Bytes that never occur in text files in any encoding we accept (UTF-16 excepted, handled by BOM/nulls).
_BINARY_CONTROL = set(range(0, 9)) | {11, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}


@dataclass
class RawSource:
    """A source file read into text, before cleaning."""

    path: Path
    text: str
    sha256: str
    kind: str


def find_sources(paths: Iterable[Path], max_mb: float | None = None) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into supported source files; also return (path, reason) skips."""
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        path = Path(path)
        if path.is_symlink() and not path.exists():
            skipped.append((path, "broken or looping symbolic link"))
        elif not path.exists():
            skipped.append((path, "does not exist"))
        elif path.is_dir():
            found.extend(_walk(path, skipped))
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            found.append(path)
        else:
            skipped.append((path, f"unsupported file type '{path.suffix or '(none)'}'"))
    if max_mb is not None:
        found = [p for p in found if not _too_big(p, max_mb, skipped)]
    return sorted(set(found)), skipped


def _too_big(path: Path, max_mb: float, skipped: list[tuple[Path, str]]) -> bool:
    try:
        size = path.stat().st_size
    except OSError:
        return False  # reading it will give the reason
    if size <= max_mb * 1_000_000:
        return False
    skipped.append((path, f"file is {size / 1_000_000:.1f} MB, over the {max_mb:g} MB limit for one source "
                          "(STUDYQA_MAX_SOURCE_MB)"))
    return True


def _walk(folder: Path, skipped: list[tuple[Path, str]]) -> Iterator[Path]:
    # followlinks=False: a symlink loop cannot trap the walk.
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith("."):
                continue
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                yield path
            else:
                skipped.append((path, f"unsupported file type '{path.suffix or '(none)'}'"))


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or UnreadableSource when it cannot be read or is empty."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableSource(f"cannot read file: {exc.strerror or exc}") from None
    if not data.strip():
        raise UnreadableSource("file is empty")
    return data


def load_source(path: Path) -> RawSource:
    """Read one file into text, or raise UnreadableSource with a one-line reason."""
    data = read_bytes(path)
    suffix = Path(path).suffix.lower()
    if suffix == ".pdf":
        text, kind = pdf_to_text(data), "pdf"
    elif suffix in {".html", ".htm"}:
        text, kind = html_to_text(decode_bytes(data)), "html"
    else:
        text, kind = decode_bytes(data), suffix.lstrip(".")
    if not text.strip():
        raise UnreadableSource("no text could be extracted")
    return RawSource(Path(path), text, hashlib.sha256(data).hexdigest(), kind)


def decode_bytes(data: bytes) -> str:
    """Decode text bytes whatever their encoding (UTF-8 with or without BOM, GB18030, UTF-16...)."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return _strip_nul(data.decode(codec, errors="replace"))
    try:
        return _reject_binary(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    broken, non_ascii = lenient.count("\ufffd"), sum(b >= 0x80 for b in data)
    # UTF-8 with a few damaged bytes: keep the text, the damaged bytes become U+FFFD. (In GBK or
    # Latin-1 text nearly every non-ASCII byte is invalid UTF-8, so those go to charset detection.)
    if broken <= non_ascii // 10:
        return _reject_binary(lenient)
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return _reject_binary(str(best))
    if broken <= max(3, len(lenient) // 200):
        return _reject_binary(lenient)
    raise UnreadableSource("looks like a binary file: no known text encoding fits its bytes")


def _reject_binary(text: str) -> str:
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) in _BINARY_CONTROL)
    if controls > max(2, len(sample) // 100):
        raise UnreadableSource("looks like a binary file, not text")
    return text


def _strip_nul(text: str) -> str:
    return _reject_binary(text.replace("\x00", ""))


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, one block per line; scripts, styles and navigation dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["head", "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form"]):
        tag.decompose()
    return soup.get_text("\n")


def pdf_to_text(data: bytes) -> str:
    """A PDF's text laid out in reading order (see assistant.pdf); raises UnreadableSource when unreadable."""
    from .pdf import read_pdf

    return read_pdf(data).text
