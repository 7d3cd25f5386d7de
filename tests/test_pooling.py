"""Chunk vectors pooled from sentence vectors (STUDYQA_CHUNK_VECTORS=pooled)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.api import Assistant
from assistant.chunking import search_header
from assistant.pooling import pooled_vector, title_weight
from assistant.snapshot import load_snapshot, read_manifest
from assistant.store import VectorStore, open_client
from assistant.text import sentence_spans

from .conftest import SOURCES


def test_a_pooled_vector_is_the_length_weighted_mean_of_its_sentences_and_title():
    sentences = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float16)
    title = np.array([0.0, 0.0, 1.0], dtype=np.float32)
    got = pooled_vector(sentences, np.array([30, 10]), title, 5)
    expected = np.array([30.0, 10.0, 5 * title_weight()])
    assert np.allclose(got, expected / np.linalg.norm(expected), atol=1e-6)
    assert got.dtype == np.float32 and abs(float(np.linalg.norm(got)) - 1) < 1e-6


@pytest.fixture(scope="module")
def pooled(tmp_path_factory, embedder):
    base = tmp_path_factory.mktemp("pooled")
    # the fp32 copy: its vectors do not depend on the batch (int8 activations are scaled per batch)
    bot = Assistant({"index_dir": base / "store", "sources_dir": SOURCES, "chunk_vectors": "pooled",
                     "document_encoder": "onnx"}, embedder=embedder)
    bot.index()
    return bot


def test_pooled_chunk_vectors_come_from_the_stored_sentence_vectors(pooled, embedder):
    snapshot = load_snapshot(pooled.settings.index_dir)
    store = VectorStore(open_client(pooled.settings.index_dir, None), snapshot.manifest["collection"])
    ids = [c.chunk_id for c in snapshot.chunks]
    stored = dict(zip(*[store._collection.get(ids=ids, include=["embeddings"])[k] for k in ("ids", "embeddings")]))
    for position, chunk in enumerate(snapshot.chunks):
        doc = snapshot.documents[chunk.doc_id]
        header = search_header(doc, chunk)
        sentences = snapshot.sentence_vectors(position)
        assert [tuple(s) for s in sentences.spans] == list(sentence_spans(chunk.text))
        title = embedder.encode([header])[0]
        expected = pooled_vector(sentences.vectors, sentences.spans[:, 1] - sentences.spans[:, 0], title, len(header))
        assert float(np.dot(expected, np.array(stored[chunk.chunk_id]))) > 0.9999  # float16 sentence vectors


def test_pooled_vectors_get_their_own_fingerprint_and_answer(pooled, assistant):
    assert read_manifest(pooled.settings.index_dir)["fingerprint"] != read_manifest(assistant.settings.index_dir)["fingerprint"]
    answer = pooled.answer("How many staff were interviewed in the CFT study?")
    assert answer.citations and not answer.refused


def test_each_distinct_sentence_and_title_is_embedded_once(tmp_path, embedder, monkeypatch):
    from assistant import indexing

    seen: list[str] = []

    class Counting:
        kind = "counting"

        def encode(self, texts, batch_size=32, progress=False):
            seen.extend(texts)
            return embedder.encode(texts)

    monkeypatch.setattr(indexing, "document_encoder", lambda *args, **kwargs: Counting())
    bot = Assistant({"index_dir": tmp_path / "store", "sources_dir": SOURCES, "chunk_vectors": "pooled",
                     "fast_queries": False}, embedder=embedder)
    bot.index()
    snapshot = load_snapshot(tmp_path / "store")
    assert len(seen) == len(set(seen))
    sentences = {c.text[s:e] for c in snapshot.chunks for s, e in sentence_spans(c.text)}
    headers = {search_header(snapshot.documents[c.doc_id], c) for c in snapshot.chunks}
    assert set(seen) == sentences | headers  # no chunk embedded whole
