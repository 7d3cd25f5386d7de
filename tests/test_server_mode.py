"""Server mode: the same index and answers against a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

import pytest

from assistant.api import Assistant
from assistant.errors import ConfigError
from assistant.store import local_chroma_server, open_client

from .conftest import CFT, copy_sources, free_port


@pytest.fixture
def chroma_server(tmp_path):
    with local_chroma_server(tmp_path / "server-data", log=tmp_path / "chroma.log") as url:
        yield url


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
