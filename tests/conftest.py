"""Shared fixtures: the real packaged model, a copy of the bundled sources, a built index."""

from __future__ import annotations

import atexit
import contextlib

import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# the machine-wide ONNX copy of the model starts empty for each run, so that exporting is tested too
if "STUDYQA_ENCODER_CACHE_DIR" not in os.environ:
    _ENCODER_CACHE = tempfile.mkdtemp(prefix="studyqa-encoder-cache-")
    os.environ["STUDYQA_ENCODER_CACHE_DIR"] = _ENCODER_CACHE
    atexit.register(shutil.rmtree, _ENCODER_CACHE, True)

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "index" / "sources"
DATA = Path(__file__).resolve().parent / "data"
CFT, CIRCLES, BSW, BALINT, PEER = sorted(p.name for p in SOURCES.iterdir())


@pytest.fixture(scope="session")
def embedder():
    from assistant.embedding import get_embedder

    return get_embedder()


@pytest.fixture(scope="session")
def tokenizer():
    from assistant.embedding import load_tokenizer

    return load_tokenizer()


@pytest.fixture(scope="session")
def bundled_documents():
    from assistant.documents import read_document

    return {p.name: read_document(p, SOURCES) for p in sorted(SOURCES.iterdir())}


def copy_sources(target: Path) -> Path:
    """A private copy of the bundled sources that a test may edit."""
    shutil.copytree(SOURCES, target)
    return target


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, embedder):
    from assistant.api import Assistant

    base = tmp_path_factory.mktemp("shared-index")
    sources = copy_sources(base / "sources")
    bot = Assistant({"index_dir": base / "store", "sources_dir": sources}, embedder=embedder)
    bot.index()
    return bot


@contextlib.contextmanager
def serving(assistant):
    """The chat window of `assistant` served on a free loopback port; its URL while open."""
    from assistant.ui import build_app, serve

    app = build_app(assistant)
    port = free_port()
    serve(app, "127.0.0.1", port, None, block=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
