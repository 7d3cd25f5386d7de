"""Server mode: the same index and answers against a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.errors import ConfigError
from assistant.store import open_client

from .conftest import CFT, copy_sources, free_port


def chroma_executable() -> str:
    found = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    assert Path(found).exists(), "the chroma CLI ships with chromadb and must be installed"
    return found


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    log = open(tmp_path / "chroma.log", "w")
    proc = subprocess.Popen([chroma_executable(), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, (tmp_path / "chroma.log").read_text()
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_index_and_answer_through_a_chroma_server(chroma_server, tmp_path, embedder):
    sources = copy_sources(tmp_path / "sources")
    bot = Assistant({"index_dir": tmp_path / "local", "sources_dir": sources, "chroma_url": chroma_server},
                    embedder=embedder)
    report = bot.index()
    assert report.new_embeddings == report.chunks > 0
    assert not (tmp_path / "local" / "chroma").exists()  # vectors live on the server
    client = open_client(tmp_path / "local", chroma_server)
    collection = client.get_collection(bot.retriever.snapshot.manifest["collection"])
    assert collection.count() == report.chunks
    result = bot.answer("How many staff were interviewed in the CFT study?")
    assert not result.refused and result.citations[0].source == CFT
    assert "Eight staff" in result.text
    assert bot.index().new_embeddings == 0


def test_unreachable_server_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot reach the Chroma server"):
        open_client(tmp_path, f"http://127.0.0.1:{free_port()}")
