"""The learned retrieval fusion: its features, its shipped weights and how the retriever uses them."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from assistant.fusion import FEATURES, MISSING_GAP, WEIGHTS, LearnedFusion, fusion_features, load_fusion, weights_file

from .conftest import BSW

DOCS = {1: "a", 2: "a", 3: "b", 4: "c"}


def test_each_fetched_chunk_is_described_by_what_every_search_said_of_it():
    fused = [(2, 0.9), (1, 0.5), (3, 0.4), (4, 0.3)]
    dense = [(1, 0.80), (2, 0.70)]
    lexical = [(2, 10.0), (3, 4.0)]
    best_sentence = [(3, 0.9), (2, 0.6), (1, 0.5), (4, 0.2)]
    rows = fusion_features(fused, dense, lexical, best_sentence, DOCS.get)
    assert rows.shape == (4, len(FEATURES))
    by_name = [dict(zip(FEATURES, row)) for row in rows]
    first, second, third = by_name[:3]  # chunks 2, 1, 3
    assert first["dense_reciprocal_rank"] == pytest.approx(1 / 3) and first["lexical_reciprocal_rank"] == 0.5
    assert first["dense_gap"] == pytest.approx(-0.1) and first["lexical_share"] == 1.0
    assert first["sentence_gap"] == pytest.approx(-0.3) and first["fused_reciprocal_rank"] == 0.5
    assert second["lexical_reciprocal_rank"] == 0.0 and second["lexical_share"] == 0.0  # BM25 did not fetch it
    assert third["dense_gap"] == MISSING_GAP and third["sentence_reciprocal_rank"] == 0.5
    # chunks 2 and 1 share the fusion's first document; chunk 3 has a document of its own
    assert first["in_first_document"] == second["in_first_document"] == 1.0 and third["in_first_document"] == 0.0
    assert first["log_document_chunks"] == pytest.approx(math.log(2)) and third["log_document_chunks"] == 0.0


def test_the_model_reorders_the_fetched_chunks_and_scores_them_as_probabilities():
    fused = [(1, 0.9), (3, 0.5)]
    lexical = [(3, 8.0), (1, 2.0)]
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("lexical_share")] = 4.0
    ranked = LearnedFusion({"en": weights}).rerank(fused, [], lexical, [], DOCS.get, "en")
    assert [pos for pos, _ in ranked] == [3, 1]
    assert all(0.0 < p < 1.0 for _, p in ranked) and ranked[0][1] > ranked[1][1]
    # equal scores keep the reciprocal rank fusion's order
    even = LearnedFusion({"en": np.zeros(len(FEATURES))}).rerank(fused, [], lexical, [], DOCS.get, "en")
    assert [pos for pos, _ in even] == [1, 3]


def test_the_shipped_weights_cover_both_languages_and_record_where_they_came_from():
    fusion = load_fusion()
    assert fusion is not None and fusion.covers("en") and fusion.covers("zh")
    data = json.loads(WEIGHTS.read_text("utf-8"))
    assert data["provenance"]["script"] == "evals/fit_fusion.py"
    for lang in ("en", "zh"):  # adopted because it finds more answers than reciprocal rank fusion on dev
        figures = data["figures"][lang]
        assert figures["learned"]["dev"] > figures["reciprocal_rank_fusion"]["dev"]


def test_a_weights_file_for_other_features_is_refused(tmp_path):
    path = tmp_path / "fusion.json"
    path.write_text(json.dumps({"features": ["bias", "something_else"], "weights": {"en": [0.0, 1.0]}}), "utf-8")
    assert load_fusion.__wrapped__(path) is None
    path.write_text(weights_file({"en": [0.0] * len(FEATURES)}), "utf-8")
    assert load_fusion.__wrapped__(path).covers("en")
    path.write_text("not json", "utf-8")
    assert load_fusion.__wrapped__(path) is None


def test_the_retriever_follows_the_model_and_can_be_turned_off(assistant, monkeypatch):
    question = "What barriers to between-session work did practitioners describe?"
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("fused_reciprocal_rank")] = -10.0  # a model that reverses the reciprocal rank fusion
    monkeypatch.setattr("assistant.retrieval.load_fusion", lambda: LearnedFusion({"en": weights}))
    retriever = assistant.retriever
    shipped = retriever.settings
    learned = assistant.retrieve(question, k=100, dedupe=False)
    try:
        retriever.settings = shipped.model_copy(update={"learned_fusion": False})
        reciprocal = assistant.retrieve(question, k=100, dedupe=False)
    finally:
        retriever.settings = shipped
    assert len(reciprocal) > 5 and reciprocal[0].source == BSW
    assert [p.chunk_id for p in learned] == [p.chunk_id for p in reversed(reciprocal)]
    assert all(0.0 < p.score < 1.0 for p in learned)  # the model's probabilities


def test_the_shipped_model_puts_the_answering_study_first(assistant):
    passages = assistant.retrieve("What barriers to between-session work did practitioners describe?", k=5)
    assert passages[0].source == BSW and all(0.0 < p.score < 1.0 for p in passages)


def test_the_fitting_script_describes_labels_and_fits_the_indexed_questions(tmp_path, embedder, monkeypatch):
    from pathlib import Path

    from .test_qa_eval import indexed_squad

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "evals"))
    from fit_fusion import answer_in_top, described_questions, fit

    bot, items = indexed_squad(tmp_path, embedder)
    questions = described_questions(bot, items, {0, 1, 2})  # the fourth context's questions are not asked
    asked = [item for item in items if item.context in {0, 1, 2} and item.question.strip()]
    assert len(questions) == len(asked) > 0
    for features, labels in questions:
        assert features.shape == (len(labels), len(FEATURES)) and labels.any()  # each answer is in some chunk
    weights = fit(questions, l2=1.0)
    assert weights.shape == (len(FEATURES),)
    assert answer_in_top(questions, None) == answer_in_top(questions, weights) == 1.0
    held_at_zero = fit(questions, l2=1.0, keep=[0, 1])
    assert (held_at_zero[2:] == 0).all()


def test_the_searches_evidence_is_read_before_the_model_reorders_the_passages(assistant, monkeypatch):
    from assistant.retrieval import search_evidence

    question = "What barriers to between-session work did practitioners describe?"
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("fused_reciprocal_rank")] = -10.0  # puts the searches' first chunks last
    monkeypatch.setattr("assistant.retrieval.load_fusion", lambda: LearnedFusion({"en": weights}))
    retriever = assistant.retriever
    found = retriever.search(question, k=5)
    shipped = retriever.settings
    try:
        retriever.settings = shipped.model_copy(update={"learned_fusion": False})
        reciprocal = retriever.search(question, k=5)
    finally:
        retriever.settings = shipped
    assert [p.chunk_id for p in found.passages] != [p.chunk_id for p in reciprocal.passages]
    # the no-answer model's evidence is that of reciprocal rank fusion's passages, not of the re-ordered ones
    assert found.evidence == reciprocal.evidence == search_evidence(reciprocal.passages)
    assert reciprocal.evidence.first_documents_agree and not search_evidence(found.passages).first_documents_agree
