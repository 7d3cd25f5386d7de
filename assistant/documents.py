"""From a source file to a cleaned `Document` with its metadata, and which reader versions made it."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from .cleaning import CLEANING_VERSION, clean_text
from .errors import UnreadableSource
from .loaders import load_source, read_bytes
from .metadata import METADATA_VERSION, extract_metadata
from .types import Document

log = logging.getLogger(__name__)


def doc_id_for(path: Path, root: Path | None = None) -> str:
    """A stable id from the source path (relative to `root` when the file lies under it)."""
    resolved = Path(path).resolve()
    try:
        key = resolved.relative_to(Path(root).resolve()).as_posix() if root else resolved.as_posix()
    except ValueError:
        key = resolved.as_posix()
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def reader_version(path: Path) -> str:
    """The versions of the code that reads this kind of file; a change makes the index re-read it."""
    if Path(path).suffix.lower() == ".pdf":
        from .pdf import PDF_READER_VERSION

        return PDF_READER_VERSION
    return f"clean{CLEANING_VERSION}.meta{METADATA_VERSION}"


def read_document(path: Path, root: Path | None = None) -> Document:
    """Load, clean and describe one source file; raises UnreadableSource with a reason."""
    if Path(path).suffix.lower() == ".pdf":
        return _read_pdf_document(path, root)
    raw = load_source(path)
    cleaned = clean_text(raw.text)
    if not cleaned.text.strip():
        raise UnreadableSource("nothing left after removing page furniture")
    meta = extract_metadata(cleaned)
    return Document(
        doc_id=doc_id_for(path, root), source=Path(path).name, text=cleaned.text, sha256=raw.sha256,
        title=meta.title, title_zh=meta.title_zh, label=meta.label, authors=meta.authors, doi=meta.doi,
        journal=meta.journal, year=meta.year, trial_registration=meta.trial_registration, langs=meta.langs,
        path=str(Path(path).resolve()), reader=reader_version(path),
    )


def _read_pdf_document(path: Path, root: Path | None) -> Document:
    from .pdf import read_pdf

    data = read_bytes(path)
    paper = read_pdf(data)
    meta = paper.metadata
    log.info("read %s: %d pages, sections %s", Path(path).name, paper.page_count,
             ", ".join(name for _, name in paper.sections) or "none found")
    return Document(
        doc_id=doc_id_for(path, root), source=Path(path).name, text=paper.text,
        sha256=hashlib.sha256(data).hexdigest(), title=meta.title, label=meta.label, authors=meta.authors,
        doi=meta.doi, journal=meta.journal, year=meta.year, trial_registration=meta.trial_registration,
        langs=meta.langs, page_starts=paper.page_starts, sections=[list(s) for s in paper.sections],
        path=str(Path(path).resolve()), reader=reader_version(path), field_lines=meta.field_lines,
    )
