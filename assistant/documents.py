"""From a source file to a cleaned `Document` with its metadata."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .cleaning import clean_text
from .errors import UnreadableSource
from .loaders import load_source
from .metadata import extract_metadata
from .types import Document


def doc_id_for(path: Path, root: Path | None = None) -> str:
    """A stable id from the source path (relative to `root` when the file lies under it)."""
    resolved = Path(path).resolve()
    try:
        key = resolved.relative_to(Path(root).resolve()).as_posix() if root else resolved.as_posix()
    except ValueError:
        key = resolved.as_posix()
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def read_document(path: Path, root: Path | None = None) -> Document:
    """Load, clean and describe one source file; raises UnreadableSource with a reason."""
    raw = load_source(path)
    cleaned = clean_text(raw.text)
    if not cleaned.text.strip():
        raise UnreadableSource("nothing left after removing page furniture")
    meta = extract_metadata(cleaned)
    return Document(
        doc_id=doc_id_for(path, root),
        source=Path(path).name,
        text=cleaned.text,
        sha256=raw.sha256,
        title=meta.title,
        title_zh=meta.title_zh,
        label=meta.label,
        authors=meta.authors,
        doi=meta.doi,
        journal=meta.journal,
        year=meta.year,
        trial_registration=meta.trial_registration,
        langs=meta.langs,
    )
