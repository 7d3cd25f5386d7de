"""Keep library chatter off the console: warnings and logs go to a log file; `--verbose` shows them too.

Libraries can report every odd font or deprecation as a logging warning, and Python prints warnings that no
handler takes straight to the console, hundreds of lines between a progress bar and its summary. The CLI
gives the root logger a file handler instead, and turns `warnings.warn` calls into log records.
"""

from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

MAX_LOG_BYTES = 5 * 2**20
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(log_file: Path, verbose: bool = False) -> Path | None:
    """Send warnings and logs to `log_file` (and stderr when verbose); the file used, or None if unwritable."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("assistant").setLevel(logging.INFO)  # our own notes (skipped-file tracebacks) at INFO
    logging.captureWarnings(True)
    written = _file_handler(Path(log_file))
    root.addHandler(written or logging.NullHandler())  # a handler always: no fallback printing to the console
    if verbose:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(console)
    return Path(log_file) if written else None


def _file_handler(log_file: Path) -> logging.Handler | None:
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(log_file.parent, os.W_OK) or (log_file.exists() and not os.access(log_file, os.W_OK)):
            return None
        # created on the first record; a few MB kept, so a long-lived chat server cannot fill the disk
        handler = RotatingFileHandler(log_file, maxBytes=MAX_LOG_BYTES, backupCount=1, encoding="utf-8", delay=True)
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    return handler
