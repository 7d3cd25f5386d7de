"""The dense vector store: embedded Chroma under the index folder, or a Chroma server by URL."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .errors import ConfigError

_PAGE = 5000


def open_client(index_dir: Path, chroma_url: str | None):
    """A Chroma client: HttpClient for a URL, else PersistentClient under `index_dir/chroma`."""
    import chromadb

    settings = chromadb.Settings(anonymized_telemetry=False)
    if not chroma_url:
        return chromadb.PersistentClient(path=str(Path(index_dir) / "chroma"), settings=settings)
    url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
    if url.scheme not in {"http", "https"} or not url.hostname:
        raise ConfigError(f"STUDYQA_CHROMA_URL '{chroma_url}' is not an http(s) URL")
    port = url.port or (443 if url.scheme == "https" else 8000)
    try:
        client = chromadb.HttpClient(host=url.hostname, port=port, ssl=url.scheme == "https", settings=settings)
        client.heartbeat()
    except Exception as exc:  # noqa: BLE001 - chromadb raises many kinds for a dead server
        raise ConfigError(f"cannot reach the Chroma server at {chroma_url} ({type(exc).__name__})") from None
    return client


@contextlib.contextmanager
def local_chroma_server(path: Path, log: Path | None = None, wait_s: float = 120) -> Iterator[str]:
    """Run `chroma run --path PATH` on a free 127.0.0.1 port; its URL while the block runs (tests, benchmarks)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    executable = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    with open(log or "/dev/null", "w") as output:
        proc = subprocess.Popen([executable, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                                stdout=output, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + wait_s
            while True:
                try:
                    urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None or time.time() > deadline:
                        raise ConfigError(f"the Chroma server on {url} did not start (see {log or 'its output'})") from None
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=60)


class VectorStore:
    """One Chroma collection of chunk vectors, addressed by chunk id."""

    def __init__(self, client: Any, name: str) -> None:
        self.name = name
        self._client = client
        self._collection = client.get_or_create_collection(
            name, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )

    def existing(self, ids: Sequence[str]) -> set[str]:
        """Which of these ids already have a vector."""
        found: set[str] = set()
        for start in range(0, len(ids), _PAGE):
            found.update(self._collection.get(ids=list(ids[start : start + _PAGE]), include=[])["ids"])
        return found

    def all_ids(self) -> set[str]:
        """Every id in the collection."""
        ids: set[str] = set()
        offset = 0
        while True:
            page = self._collection.get(include=[], limit=_PAGE, offset=offset)["ids"]
            ids.update(page)
            if len(page) < _PAGE:
                return ids
            offset += _PAGE

    def add(self, ids: list[str], vectors: Any, texts: list[str], metadatas: list[dict[str, Any]]) -> None:
        """Insert or replace vectors with their texts and metadata."""
        self._collection.upsert(ids=ids, embeddings=vectors, documents=texts, metadatas=metadatas)

    def delete(self, ids: Iterable[str]) -> None:
        """Remove these ids (missing ones are ignored)."""
        ids = list(ids)
        for start in range(0, len(ids), _PAGE):
            self._collection.delete(ids=ids[start : start + _PAGE])

    def query(self, vector: Any, k: int) -> list[tuple[str, float]]:
        """Nearest (id, cosine similarity) pairs, best first."""
        result = self._collection.query(query_embeddings=[vector], n_results=k, include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0])]

    def drop_other_collections(self, prefix: str) -> None:
        """Delete collections of earlier index fingerprints."""
        for collection in self._client.list_collections():
            name = getattr(collection, "name", collection)
            if name.startswith(prefix) and name != self.name:
                self._client.delete_collection(name)
