"""Counting tokens where an LLM reads them (tiktoken), with an offline fallback.

tiktoken downloads its BPE tables on first use. Offline, we only ever load a table that is already
in tiktoken's cache (`TIKTOKEN_CACHE_DIR`, else `DATA_GYM_CACHE_DIR`, else the temp folder); when it
is not there we count with the embedding model's tokenizer instead and say so once in the log.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

_TABLE_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}
DEFAULT_ENCODING = "cl100k_base"


def encoding_for_model(model: str) -> str:
    """tiktoken's encoding for a model name; cl100k_base for models it does not know."""
    import tiktoken

    try:
        return tiktoken.encoding_name_for_model(model)
    except KeyError:
        return DEFAULT_ENCODING


def cached_table(encoding: str) -> Path | None:
    """The cached BPE file for an encoding, or None when it would have to be downloaded."""
    url = _TABLE_URLS.get(encoding)
    if url is None:
        return None
    folder = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR") or str(
        Path(tempfile.gettempdir()) / "data-gym-cache")
    path = Path(folder) / hashlib.sha1(url.encode()).hexdigest()
    return path if path.is_file() else None


@lru_cache(maxsize=8)
def llm_token_counter(model: str, fallback: Callable[[str], int]) -> tuple[Callable[[str], int], str]:
    """A token counter for `model` and what it is ('tiktoken:cl100k_base' or 'embedding tokenizer')."""
    encoding = encoding_for_model(model)
    if cached_table(encoding) is None:
        log.warning("tiktoken's %s table is not available offline (set TIKTOKEN_CACHE_DIR); counting LLM context "
                    "with the embedding model's tokenizer instead", encoding)
        return fallback, "embedding tokenizer"
    import tiktoken

    enc = tiktoken.get_encoding(encoding)
    return (lambda text: len(enc.encode(text, disallowed_special=()))), f"tiktoken:{encoding}"
