"""The eval gate: metric definitions, threshold checks, and the command's exit status."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from assistant import cli, evaluation
from assistant.evaluation import (EvalQuestion, check_thresholds, citation_precision, fact_recall, load_questions,
                                  source_rank, summarise)

from .conftest import ROOT


def test_source_rank_uses_distinct_sources_in_order():
    passages = [SimpleNamespace(source=s) for s in ["a", "a", "b", "c"]]
    assert source_rank(passages, ["b"]) == 2
    assert source_rank(passages, ["c", "b"]) == 2
    assert source_rank(passages, ["z"]) is None


def test_fact_recall_accepts_alternative_spellings():
    assert fact_recall("Eight  staff were interviewed", [["eight", "8"], ["12-week"]]) == 0.5
    assert fact_recall("anything", []) is None


def test_thresholds_report_each_shortfall():
    report = {"metrics": {"overall": {"hit@5": 0.8, "mrr": 0.9, "false_refusal_rate": 0.1}}}
    bounds = {"overall": {"min": {"hit@5": 0.9, "mrr": 0.5}, "max": {"false_refusal_rate": 0.05}},
              "zh": {"min": {"hit@5": 0.9}}}
    assert check_thresholds(report, bounds) == [
        "overall hit@5 = 0.800 < 0.9", "overall false_refusal_rate = 0.100 > 0.05", "zh: no questions in this group"]


def test_citation_precision_counts_citations_of_gold_sources():
    cites = [SimpleNamespace(source="a"), SimpleNamespace(source="b")]
    assert citation_precision(cites, ["a"]) == 0.5
    assert citation_precision([], ["a"]) is None


def test_bundled_eval_set_covers_every_kind_of_question():
    questions = load_questions(ROOT / "evals" / "questions.jsonl")
    sources = {p.name for p in (ROOT / "index" / "sources").iterdir()}
    kinds = [q.type for q in questions]
    assert len(questions) >= 60 and sum(q.lang == "zh" for q in questions) >= 18
    assert kinds.count("unanswerable") >= 6 and kinds.count("followup") >= 4
    assert kinds.count("comparison") >= 5 and kinds.count("metadata") >= 6
    assert all(q.history for q in questions if q.type == "followup")
    assert {q.lang for q in questions if q.type == "unanswerable"} == {"en", "zh"}
    assert len({q.id for q in questions}) == len(questions)
    collection = [q for q in questions if q.collection]
    assert len(collection) >= 12 and {q.lang for q in collection} == {"en", "zh"}
    assert any(not q.gold for q in collection)  # "none of the studies" is an answer too
    for q in questions:
        if q.answerable:
            assert q.gold and set(q.gold) <= sources and q.facts
        elif q.collection:
            assert set(q.gold) <= sources
        else:
            assert not q.gold and not q.facts
    assert all(len(q.gold) >= 2 for q in questions if q.type == "comparison")


@pytest.mark.parametrize(("name", "size", "unanswerable"), [("heldout_questions.jsonl", 80, 20),
                                                              ("train_questions_extra.jsonl", 80, 20),
                                                              ("blind_questions.jsonl", 55, 15)])
def test_independently_written_question_sets_are_answerable_from_their_gold_files(name, size, unanswerable):
    """The held-out set, the extra training questions and the blind set (each written apart from the others):
    every fact has a spelling that stands in its gold file, and none repeats a question of our eval set or of
    the held-out set."""
    questions = load_questions(ROOT / "evals" / name)
    others = [other for other in ("questions.jsonl", "heldout_questions.jsonl") if other != name]
    ours = {q.question for other in others for q in load_questions(ROOT / "evals" / other)}
    assert len(questions) >= size and {q.lang for q in questions} == {"en", "zh"}
    assert sum(not q.answerable for q in questions) >= unanswerable and not ours & {q.question for q in questions}
    for q in questions:
        if not q.answerable:
            assert not q.gold and not q.facts
            continue
        text = " ".join((ROOT / "index" / "sources" / name).read_text("utf-8") for name in q.gold).lower()
        assert q.facts and all(any(alt.lower() in text for alt in fact) for fact in q.facts), q.id


def test_the_reworded_held_out_set_asks_each_english_held_out_question_in_other_words():
    """evals/heldout_reworded_questions.jsonl: the held-out English questions reworded by a helper who saw only
    them (a third as requests, "Can you tell me…"); same gold files, facts and kind, other words."""
    held = {q.id: q for q in load_questions(ROOT / "evals" / "heldout_questions.jsonl") if q.lang == "en"}
    reworded = load_questions(ROOT / "evals" / "heldout_reworded_questions.jsonl")
    assert sorted(q.id for q in reworded) == sorted(f"{i}-rw" for i in held)
    for q in reworded:
        twin = held[q.id.removesuffix("-rw")]
        same = ("lang", "gold", "facts", "type", "answerable")
        assert [getattr(q, f) for f in same] == [getattr(twin, f) for f in same]
        assert q.question.strip().lower() != twin.question.strip().lower()


def test_summary_separates_answerable_and_unanswerable():
    rows = [{"answerable": True, "rank": 1, "fact_recall": 1.0, "citation_precision": 1.0, "refused": False, "ms": 5},
            {"answerable": True, "rank": None, "fact_recall": 0.0, "citation_precision": None, "refused": True, "ms": 7},
            {"answerable": False, "rank": None, "fact_recall": None, "citation_precision": None, "refused": True, "ms": 3},
            {"answerable": False, "rank": None, "fact_recall": None, "citation_precision": None, "refused": False, "ms": 3}]
    metrics = summarise(rows)
    assert metrics["hit@1"] == 0.5 and metrics["false_refusal_rate"] == 0.5
    assert metrics["refusal_accuracy"] == 0.5 and metrics["citation_precision"] == 1.0


def test_eval_command_passes_and_fails_on_its_thresholds(assistant, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("assistant.api.default_assistant", lambda: assistant)
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps(EvalQuestion(
        id="q1", question="How many staff were interviewed in the CFT study?", lang="en",
        gold=["000_fa970a844f2b6e05.txt"], facts=[["Eight"]]).__dict__) + "\n", "utf-8")
    easy, impossible = tmp_path / "easy.json", tmp_path / "hard.json"
    easy.write_text(json.dumps({"overall": {"min": {"hit@1": 1.0, "fact_recall": 1.0}}}))
    impossible.write_text(json.dumps({"overall": {"min": {"hit@1": 1.01}}}))
    out = tmp_path / "out"
    assert cli.main(["eval", "--questions", str(questions), "--thresholds", str(easy), "--report-dir", str(out)]) == 0
    assert json.loads((out / "report.json").read_text())["metrics"]["overall"]["hit@1"] == 1.0
    assert "| overall |" in (out / "report.md").read_text()
    assert cli.main(["eval", "--questions", str(questions), "--thresholds", str(impossible), "--report-dir", str(out)]) == 1
    assert "eval gate: FAIL" in capsys.readouterr().err


def test_malformed_eval_line_is_reported_with_its_number(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "q", "lang": "en", "gold": ["a"]}\n{not json}\n')
    try:
        evaluation.load_questions(bad)
    except evaluation.StudyQAError as exc:
        assert ":2:" in str(exc)
    else:
        raise AssertionError("a malformed line must be reported")
