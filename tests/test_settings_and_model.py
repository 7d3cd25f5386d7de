"""Settings from STUDYQA_* variables, a light `import assistant`, and the embedding model's guards."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from assistant.embedding import Embedder, PACKAGED_SHA256, resolve_model, verify_checksum
from assistant.errors import ConfigError, ModelIntegrityError
from assistant.settings import Settings, get_settings


def test_environment_variables_configure_everything(monkeypatch, tmp_path):
    monkeypatch.setenv("STUDYQA_INDEX_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("STUDYQA_TOP_K", "7")
    monkeypatch.setenv("STUDYQA_CHROMA_URL", "http://127.0.0.1:9")
    settings = get_settings()
    assert settings.index_dir == tmp_path / "elsewhere"
    assert (settings.top_k, settings.chroma_url) == (7, "http://127.0.0.1:9")
    assert get_settings({"top_k": 3}).top_k == 3


def test_invalid_settings_are_rejected(monkeypatch):
    monkeypatch.setenv("STUDYQA_TOP_K", "0")
    with pytest.raises(ValidationError):
        Settings()
    with pytest.raises(ValidationError):
        Settings(no_such_setting=1)


def test_importing_the_package_loads_no_heavy_library():
    code = ("import sys, assistant, assistant.cli; "
            "print([m for m in ('torch', 'chromadb', 'gradio', 'langchain_core', 'sentence_transformers', 'transformers')"
            " if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_packaged_model_passes_its_checksum_and_a_tampered_copy_fails(tmp_path):
    path = resolve_model("sentence-transformers/all-MiniLM-L6-v2")
    verify_checksum(__import__("pathlib").Path(path) / "model.safetensors", PACKAGED_SHA256)
    fake = tmp_path / "model.safetensors"
    fake.write_bytes(b"not the weights")
    with pytest.raises(ModelIntegrityError, match="sha256"):
        verify_checksum(fake, PACKAGED_SHA256)


def test_unknown_model_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="cannot load embedding model 'no-such-org/no-such-model'"):
        Embedder("no-such-org/no-such-model", device="cpu")


def test_any_local_sentence_transformers_folder_works(embedder):
    other = Embedder(resolve_model("default"), device="cpu")  # a plain path, as a user would give one
    vectors = other.encode(["peer support", "compassion circles"])
    assert vectors.shape == (2, embedder.dimension)
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-5
