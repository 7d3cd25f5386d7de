"""The fitted no-answer decision and the rarity of unknown words it reads; real model, real index."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answering.background import rarity
from assistant.answering.extractive import unknown_rarity
from assistant.answering.no_answer import FEATURES, MODEL_FILE, NoAnswer, load_no_answer, question_features
from assistant.api import Assistant
from assistant.settings import Settings

from .test_qa_eval import CONTEXTS


def test_ordinary_words_are_common_and_names_rare():
    assert rarity("group") < 0.3 and rarity("time") < 0.3 and rarity("时间") < 0.3
    assert rarity("ifitm") == 1.0 and rarity("qwzxv") == 1.0
    # a Chinese compound missing from the list is as rare as its rarest listed part, not unseen
    assert rarity("注册号") == max(rarity("注册"), rarity("号")) < 0.5


def test_unknown_rarity_counts_a_compound_once():
    known = {"cft", "团体", "干预", "持续"}.__contains__
    assert unknown_rarity("CFT团体干预持续了多长时间？", known) == pytest.approx(rarity("多长时间"))
    assert unknown_rarity("CFT团体干预", known) == 0.0


def test_a_chinese_word_said_in_english_by_the_document_is_not_unknown():
    # an English (or bilingual) document says "therapy" where the question says 疗法; 对照组 ("control group")
    # is known only when both English words are, and a Chinese-only collection gains nothing
    known = {"cft", "团体", "therapi", "group"}.__contains__
    question = "CFT团体疗法有对照组吗？"
    assert unknown_rarity(question, known) == pytest.approx(rarity("疗法") + rarity("对照组"))
    assert unknown_rarity(question, known, english_senses=True) == pytest.approx(rarity("对照组"))
    both = {"cft", "团体", "therapi", "group", "control"}.__contains__
    assert unknown_rarity(question, both, english_senses=True) == 0.0


def test_the_shipped_model_matches_its_features_and_records_where_it_came_from():
    data = json.loads(MODEL_FILE.read_text("utf-8"))
    model = load_no_answer()
    assert tuple(data["features"]) == FEATURES and model.weights.shape == (len(FEATURES),)
    assert set(model.thresholds) == {"en", "zh"} and all(0.0 < t < 1.0 for t in model.thresholds.values())
    assert {"covidqa-dev", "cmrc-report-half"} <= set(data["dev"]) and "train" in data["provenance"]
    assert data["train"]["false_refusals"] <= 0.05 and set(data["false_refusal_targets_chosen_on_dev"]) == {"en", "zh"}


def test_a_model_file_for_other_features_is_refused(tmp_path):
    stale = tmp_path / "old.json"
    stale.write_text(json.dumps({"features": ["bias"], "weights": [0.0], "thresholds": {"en": 0.5, "zh": 0.5}}), "utf-8")
    with pytest.raises(ValueError, match="fitted on other features"):
        load_no_answer(stale)


@pytest.fixture(scope="module")
def two_wards(tmp_path_factory, embedder):
    base = tmp_path_factory.mktemp("no-answer")
    sources = base / "sources"
    sources.mkdir()
    for n, (title, text) in enumerate(CONTEXTS[:2]):
        (sources / f"{n}.txt").write_text(f"{title}\n{text}\n", "utf-8")
    bot = Assistant(Settings(index_dir=base / "store", sources_dir=sources), embedder=embedder)
    bot.index()
    return bot


def test_questions_about_what_the_collection_lacks_are_less_likely_answerable_than_the_others(two_wards):
    from assistant.answering.extractive import rank_candidates
    from assistant.query import read_query

    def probability(question):
        retriever = two_wards.retriever
        ranked = rank_candidates(read_query(question), retriever.retrieve(question), two_wards.embed_sentences,
                                 retriever.snapshot.lexical, retriever.embed_query(question))
        return load_no_answer().probability(ranked)

    answerable = ["What did hand hygiene compliance rise to?",
                  "How long did junior doctors sleep before a first night shift?"]
    for question in answerable:
        assert not two_wards.answer(question).refused
    # the telephone triage context of the QA test set is not indexed: nothing here answers this (whether it is
    # refused depends on the fitted threshold; the refusal rate is gated on the public sets in make test)
    lacking = probability("How long did callers to the Bergen telephone triage service wait?")
    assert all(lacking < 0.5 * probability(question) for question in answerable)


def test_retrieval_evidence_reads_how_well_the_collection_matches_the_question_as_a_whole(two_wards):
    from assistant.answering.extractive import rank_candidates
    from assistant.query import read_query

    def evidence(question):
        retriever = two_wards.retriever
        return rank_candidates(read_query(question), retriever.retrieve(question), two_wards.embed_sentences,
                               retriever.snapshot.lexical, retriever.embed_query(question)).retrieval

    held = evidence("What did hand hygiene compliance rise to?")
    lacking = evidence("How long did callers to the Bergen telephone triage service wait?")
    assert held.lead_document_coverage == pytest.approx(1.0) and held.top_documents_agree
    assert lacking.lead_document_coverage < 0.5 * held.lead_document_coverage
    assert held.dense_top > lacking.dense_top > 0.0 and held.lexical_top > lacking.lexical_top


def test_a_model_that_never_refuses_answers_everything(two_wards, monkeypatch):
    import assistant.answering.extractive as extractive

    never = NoAnswer(np.array([50.0] + [0.0] * (len(FEATURES) - 1)), {"en": 0.5, "zh": 0.5})
    monkeypatch.setattr(extractive, "load_no_answer", lambda: never)
    assert not two_wards.answer("How long did callers to the Bergen telephone triage service wait?").refused


def test_features_left_out_on_dev_are_recorded_with_zero_weight():
    data = json.loads(MODEL_FILE.read_text("utf-8"))
    steps = data["left_out_on_dev"]
    assert steps[0]["left_out"] is None  # the starting point: every feature
    for step in steps[1:]:
        assert data["weights"][FEATURES.index(step["left_out"])] == 0.0


def test_backward_elimination_on_dev_leaves_out_a_feature_that_only_hurts(monkeypatch):
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "evals"))
    import fit_no_answer

    rng = np.random.default_rng(0)

    def questions(n: int, noise_sign: float) -> "fit_no_answer.Questions":
        answerable = rng.random(n) < 0.5
        signal = answerable + rng.normal(0, 0.6, n)
        # a feature that tracks the answer on train and the opposite on dev: leaving it out helps dev
        misleading = noise_sign * answerable + rng.normal(0, 0.3, n)
        features = np.zeros((n, len(FEATURES)))
        features[:, 0] = 1.0
        features[:, FEATURES.index("chinese")] = np.arange(n) % 2  # both languages, each with its threshold
        features[:, 2], features[:, 3] = signal, misleading
        return fit_no_answer.Questions(features, answerable, np.zeros(n, bool))

    train = questions(2000, 1.0)
    dev = {"covidqa-dev": questions(600, -1.0), "cmrc-report-half": questions(600, -1.0)}
    kept, steps = fit_no_answer.prune_on_dev(train, dev, [0, 2, 3])
    assert kept == [0, 2] and steps[1]["left_out"] == FEATURES[3]


def test_the_unknown_share_is_the_unknown_part_of_the_question_rarity():
    from assistant.answering.extractive import Candidate, Ranked
    from assistant.query import read_query
    from assistant.types import Passage

    text = "Eight staff were interviewed."
    candidate = Candidate(Passage("c", "d", "s.txt", "T", text, 0, len(text), 1.0), 0, len(text), "en", 0)
    question = "How many staff dropped out of the CFT group?"
    known = {"staff", "cft", "group"}.__contains__
    ranked = Ranked([candidate], candidate, read_query(question), unknown_rarity(question, known),
                    question_rarity=unknown_rarity(question, lambda term: False))
    share = question_features(ranked)[FEATURES.index("unknown_share")]
    assert 0.0 < share < 1.0 and share == pytest.approx(ranked.unknown_rarity / ranked.question_rarity)
    assert question_features(ranked)[FEATURES.index("unknown_share_zh")] == 0.0
