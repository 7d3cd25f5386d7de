"""The fitted sentence ranker: its data file, its features, and that it decides which sentence answers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answering.ranker import FEATURES, MODEL_FILE, Ranker, load_ranker, phrases


def test_the_shipped_ranker_matches_its_features_and_records_where_it_came_from():
    data = json.loads(MODEL_FILE.read_text("utf-8"))
    ranker = load_ranker()
    for lang, adopted in data["adopted"].items():  # adopted only where it beat the hand-weighted score on dev
        figures = data["figures"][lang]
        assert adopted == (figures["dev_lead_holds_answer"] > figures["hand_dev_lead_holds_answer"]
                           and figures["own_train_lead_holds_answer"] >= figures["hand_own_train_lead_holds_answer"])
    assert tuple(data["features"]) == FEATURES
    assert set(ranker.extra_threshold) == {"en", "zh"} and all(0 < t < 1 for t in ranker.extra_threshold.values())
    assert set(ranker.weights) == {"en", "zh"} and all(w.shape == (len(FEATURES),) for w in ranker.weights.values())
    assert "train" in data["provenance"] and "dev" in data["provenance"]
    for lang in ("en", "zh"):
        figures = data["figures"][lang]
        assert 0 < figures["dev_lead_holds_answer"] <= figures["dev_ceiling"] <= 1
        assert set(data["ablation_on_dev"][lang]) == {f"without {f}" for f in FEATURES[1:]}


def test_a_ranker_file_for_other_features_is_refused(tmp_path):
    stale = tmp_path / "old.json"
    stale.write_text(json.dumps({"features": ["bias"], "weights": {"en": [0.0]}, "extra_sentence_threshold": {"en": 0.1},
                                 "adopted": {"en": True}}), "utf-8")
    with pytest.raises(ValueError, match="fitted on other features"):
        load_ranker(stale)


def test_phrases_are_word_pairs_in_english_and_character_pairs_in_chinese():
    assert {"group", "balint group", "member"} <= phrases("The Balint group members", "en")  # stemmed
    assert "the" not in phrases("The Balint group members", "en")
    assert phrases("interviews were analysed", "en") & phrases("staff were interviewed", "en")
    assert {"巴林", "林特", "小组"} <= phrases("巴林特小组", "zh")


def test_other_languages_use_the_english_weights():
    ranker = Ranker({"en": np.array([1.0, 0.0]), "zh": np.array([-1.0, 0.0])}, {"en": 0.2, "zh": 0.05},
                    {"en": False, "zh": True})
    row = np.array([[1.0, 5.0]])
    assert ranker.probabilities(row, "fr")[0] == ranker.probabilities(row, "en")[0] > 0.5
    assert ranker.joins_answer(0.1, "zh") and not ranker.joins_answer(0.1, "fr")
    assert ranker.covers("zh") and not ranker.covers("en") and not ranker.covers("fr")


def test_the_ranker_decides_the_lead_sentence(assistant, monkeypatch):
    import assistant.answering.extractive as extractive

    question = "How many staff were interviewed in the CFT study?"
    normal = assistant.answer(question)
    assert not normal.refused
    # weights that prefer the shortest sentence and ignore the question: another sentence leads
    shortest = Ranker({lang: -np.eye(len(FEATURES))[FEATURES.index("log_length")] for lang in ("en", "zh")},
                      {"en": 1.0, "zh": 1.0}, {"en": True, "zh": True})
    monkeypatch.setattr(extractive, "load_ranker", lambda: shortest)
    monkeypatch.setattr(extractive, "load_no_answer", lambda: type("Never", (), {"refuses": lambda self, r: False})())
    changed = assistant.answer(question)
    assert changed.citations[0].quote != normal.citations[0].quote


def test_a_list_question_may_quote_more_sentences_than_a_factoid_one(monkeypatch):
    import assistant.answering.extractive as extractive

    generous = Ranker(load_ranker().weights, {"en": 0.0, "zh": 0.0}, {"en": True, "zh": True})  # all likely enough
    monkeypatch.setattr(extractive, "load_ranker", lambda: generous)
    texts = ["Staff valued the protected time away from the ward.", "Facilitators kept the discussion safe and focused.",
             "Several nurses found the online format tiring.", "Managers rarely released junior doctors to attend.",
             "Sessions ended with a short breathing exercise."]
    candidates = [_candidate(text, 0.9 - n / 10) for n, text in enumerate(texts)]
    ranked = _ranked(candidates, "What were the benefits?", fitted=True)
    assert len(extractive._choose(ranked, 2)) == 2
    assert len(extractive._choose(ranked, 4)) == 4


def test_the_best_sentence_is_quoted_first_and_neighbours_stand_in_document_order(monkeypatch):
    import assistant.answering.extractive as extractive
    from assistant.answering.extractive import Candidate
    from assistant.types import Passage

    generous = Ranker(load_ranker().weights, {"en": 0.0, "zh": 0.0}, {"en": True, "zh": True})
    monkeypatch.setattr(extractive, "load_ranker", lambda: generous)
    text = "Staff were offered six sessions. Most attended all of them. Attendance fell in winter."
    passage = Passage("c", "d", "s.txt", "T", text, 100, 100 + len(text), 1.0)
    spans = [(0, 32), (33, 59), (60, len(text))]
    # the last sentence scores best and the first second: apart in the text, the best one comes first
    candidates = [Candidate(passage, a, b, "en", 0, score=score) for (a, b), score in zip(spans, (0.8, 0.1, 0.9))]
    ranked = extractive.Ranked(candidates, candidates[2], _query("How many sessions were offered?"), 0.0, 0, True)
    chosen = extractive._choose(ranked, 2)
    assert [c.text for c in chosen] == ["Attendance fell in winter.", "Staff were offered six sessions."]
    # the middle one scores best and the first second: side by side, they read in the order they were written
    candidates = [Candidate(passage, a, b, "en", 0, score=score) for (a, b), score in zip(spans, (0.8, 0.9, 0.1))]
    ranked = extractive.Ranked(candidates, candidates[1], _query("How many sessions were offered?"), 0.0, 0, True)
    chosen = extractive._choose(ranked, 2)
    assert [c.text for c in chosen] == ["Staff were offered six sessions.", "Most attended all of them."]


def _query(question):
    from assistant.query import read_query

    return read_query(question)


def _ranked(candidates, question, fitted):
    from assistant.answering.extractive import Ranked

    return Ranked(candidates, candidates[0], _query(question), 0.0, 0, fitted)


def _candidate(text, score):
    from assistant.answering.extractive import Candidate
    from assistant.types import Passage

    passage = Passage("c", "d", "s.txt", "T", text, 0, len(text), 1.0)
    return Candidate(passage, 0, len(text), "en", 0, score=score)


def test_where_the_ranker_is_not_adopted_the_hand_weighted_score_decides(assistant, monkeypatch):
    import assistant.answering.extractive as extractive
    from assistant.query import read_query

    def ranked(question):
        retriever = assistant.retriever
        return extractive.rank_candidates(read_query(question), retriever.retrieve(question), assistant.embed_sentences,
                                          retriever.snapshot.lexical, retriever.embed_query(question))

    ranker = load_ranker()
    for adopted in (True, False):
        chosen = Ranker(ranker.weights, ranker.extra_threshold, {"en": adopted, "zh": adopted})
        monkeypatch.setattr(extractive, "load_ranker", lambda chosen=chosen: chosen)
        for question in ("How many staff were interviewed in the CFT study?", "CFT团体有多少名员工接受了访谈？"):
            candidates = ranked(question).candidates
            if adopted:  # the ranker's probability, less the overview penalty where it applies
                features = np.vstack([c.features for c in candidates])
                query = read_query(question)
                expected = [p - (extractive.RANKED_OVERVIEW_PENALTY if c.overview and not query.asks_overview else 0.0)
                            for p, c in zip(ranker.probabilities(features, query.lang), candidates)]
            else:
                assert all(c.features is None for c in candidates)  # not computed when the hand score decides
                expected = [c.hand_score for c in candidates]
            assert [c.score for c in candidates] == pytest.approx(expected)


def test_extra_sentences_follow_the_scores_of_the_question_language(monkeypatch):
    import assistant.answering.extractive as extractive

    # scores of an English question are hand-weighted even when its best sentences are Chinese
    ranker = Ranker(load_ranker().weights, {"en": 0.05, "zh": 0.05}, {"en": False, "zh": True})
    monkeypatch.setattr(extractive, "load_ranker", lambda: ranker)
    texts = ["员工重视离开病房的受保护时间。", "主持人使讨论保持安全和专注。", "几名护士觉得线上形式很累。"]
    candidates = [_candidate(text, score) for text, score in zip(texts, (0.6, 0.2, 0.1))]
    for c in candidates:
        c.lang = "zh"
    # an English question's hand-weighted scores: 0.2 < 0.7 of 0.6
    assert len(extractive._choose(_ranked(candidates, "What helped staff?", fitted=False), 3)) == 1
    # a Chinese question's probabilities, all over 0.05
    assert len(extractive._choose(_ranked(candidates, "什么帮助了员工？", fitted=True), 3)) == 3


def test_a_list_question_takes_sentences_a_factoid_one_leaves_out():
    import assistant.answering.extractive as extractive

    texts = ["Two overarching themes were identified.", "Volunteer one-on-one support is unscripted.",
             "Nine peer volunteers took part."]
    candidates = [_candidate(text, score) for text, score in zip(texts, (1.0, 0.65, 0.5))]
    # hand-weighted scores: 0.65 of the best joins a list (>= 0.6) but not a factoid answer (< 0.7); 0.5 neither
    listed = extractive._choose(_ranked(candidates, "What themes emerged from the interviews?", fitted=False), 4)
    assert [c.text for c in listed] == texts[:2]
    assert len(extractive._choose(_ranked(candidates, "How many volunteers took part?", fitted=False), 4)) == 1
    candidates[1].score = 0.7  # 0.7 of the best joins a factoid answer too (RELATIVE_EXTRA, chosen on COVID-QA train)
    assert len(extractive._choose(_ranked(candidates, "How many volunteers took part?", fitted=False), 4)) == 2
