"""Documents added from the chat window: checked against limits, then copied into the uploads folder."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .loaders import SUPPORTED_SUFFIXES
from .settings import Settings

_UNSAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


@dataclass
class UploadResult:
    """Which files were accepted, and why the others were not."""

    saved: list[Path] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


def safe_name(name: str) -> str:
    """A file name without folders or characters that could escape the uploads folder."""
    stem = _UNSAFE.sub("_", Path(name).name).strip("._") or "upload"
    return stem[:120]


def accept_uploads(files: list[Path], settings: Settings) -> UploadResult:
    """Copy acceptable files into `settings.uploads_dir`; reject wrong types, oversize files and extras."""
    result = UploadResult()
    limit = settings.max_upload_mb * 1024 * 1024
    for index, path in enumerate(files):
        path = Path(path)
        name = path.name
        if index >= settings.max_upload_files:
            result.rejected.append((name, f"more than {settings.max_upload_files} files at once"))
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            result.rejected.append((name, f"type '{path.suffix or '(none)'}' is not supported (.txt .md .html .pdf)"))
        elif not path.is_file():
            result.rejected.append((name, "not a readable file"))
        elif path.stat().st_size > limit:
            result.rejected.append((name, f"larger than {settings.max_upload_mb} MB"))
        else:
            target = Path(settings.uploads_dir) / safe_name(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            result.saved.append(target)
    return result
