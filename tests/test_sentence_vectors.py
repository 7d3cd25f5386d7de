"""Sentence vectors embedded at index time: the same vectors the answerer would compute, the same answers,
and no sentence embedding left to do when a question is asked."""

from __future__ import annotations

import numpy as np

from assistant.api import Assistant
from assistant.text import sentence_spans

QUESTIONS = ["How many staff were interviewed in the CFT study?", "What did sharing the group format reduce?",
             "同伴志愿者参加了几个焦点小组？", "Which analytic approach was applied to the interviews about the CFT group?"]


def test_every_chunk_has_its_sentences_embedded_as_the_answerer_would(assistant, embedder):
    snapshot = assistant.retriever.snapshot
    for position, chunk in enumerate(snapshot.chunks[:12]):
        stored = snapshot.sentence_vectors(position)
        spans = list(sentence_spans(chunk.text))
        assert stored is not None and [tuple(s) for s in stored.spans.tolist()] == spans
        expected = embedder.encode([chunk.text[s:e] for s, e in spans])
        # the index's int8 encoder and float16 storage: close to the model's own vectors, not equal
        assert (stored.vectors.astype(np.float32) * expected).sum(axis=1).min() > 0.97


def test_answers_are_the_same_with_and_without_stored_vectors_and_need_no_embedding(assistant, monkeypatch):
    plain = Assistant(assistant.settings.model_copy(update={"stored_sentence_vectors": False}))
    fast = Assistant(assistant.settings)
    embedded: list[str] = []
    original = fast.embed_sentences
    monkeypatch.setattr(fast, "embed_sentences", lambda texts: embedded.extend(texts) or original(texts))
    for question in QUESTIONS:
        assert fast.answer(question).text == plain.answer(question).text
    assert len(embedded) <= len(QUESTIONS)  # at most the focus question of each; no candidate sentence


def test_an_index_without_stored_vectors_still_answers(tmp_path, embedder):
    from .conftest import SOURCES

    settings = {"index_dir": tmp_path / "store", "sources_dir": SOURCES, "stored_sentence_vectors": False}
    built = Assistant(settings, embedder=embedder)
    built.index()
    assert not list((tmp_path / "store").glob("gen-*/sentences-*.npy"))
    reader = Assistant({**settings, "stored_sentence_vectors": True}, embedder=embedder)
    assert reader.retriever.sentence_vectors(reader.retrieve(QUESTIONS[0])[0]) is None
    assert reader.retriever.by_best_sentence(QUESTIONS[0], {0, 1}) == []  # no vote rather than a partial one
    assert reader.answer(QUESTIONS[0]).citations


def test_an_update_keeps_the_sentence_vectors_of_unchanged_chunks(tmp_path, embedder):
    from .conftest import copy_sources

    sources = copy_sources(tmp_path / "sources")
    settings = {"index_dir": tmp_path / "store", "sources_dir": sources}
    first = Assistant(settings, embedder=embedder)
    first.index()
    changed = sorted(sources.iterdir())[0]
    changed.write_text(changed.read_text("utf-8") + "\nA new closing sentence about booster sessions.\n", "utf-8")
    report = Assistant(settings, embedder=embedder).index()
    assert report.changed_documents == 1
    snapshot = Assistant(settings, embedder=embedder).retriever.snapshot
    assert all(snapshot.sentence_vectors(i) is not None and len(snapshot.sentence_vectors(i).spans)
               for i in range(len(snapshot.chunks)))
