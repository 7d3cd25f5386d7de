"""The eval gate: metric definitions, threshold checks, and the command's exit status."""

from __future__ import annotations

import json
from types import SimpleNamespace

from assistant import cli, evaluation
from assistant.evaluation import EvalQuestion, check_thresholds, fact_recall, load_questions, source_rank

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
    report = {"metrics": {"overall": {"hit@5": 0.8, "mrr": 0.9}}}
    failures = check_thresholds(report, {"overall": {"hit@5": 0.9, "mrr": 0.5}, "zh": {"hit@5": 0.9}})
    assert failures == ["overall hit@5 = 0.800 < 0.9", "zh: no questions in this group"]


def test_bundled_eval_set_is_large_bilingual_and_well_formed():
    questions = load_questions(ROOT / "evals" / "questions.jsonl")
    sources = {p.name for p in (ROOT / "index" / "sources").iterdir()}
    assert len(questions) >= 30
    assert {q.lang for q in questions} == {"en", "zh"}
    assert sum(q.lang == "zh" for q in questions) >= 10
    assert len({q.id for q in questions}) == len(questions)
    for q in questions:
        assert q.gold and set(q.gold) <= sources and q.facts


def test_eval_command_passes_and_fails_on_its_thresholds(assistant, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("assistant.api.default_assistant", lambda: assistant)
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps(EvalQuestion(
        id="q1", question="How many staff were interviewed in the CFT study?", lang="en",
        gold=["000_fa970a844f2b6e05.txt"], facts=[["Eight"]]).__dict__) + "\n", "utf-8")
    easy, impossible = tmp_path / "easy.json", tmp_path / "hard.json"
    easy.write_text(json.dumps({"overall": {"hit@1": 1.0, "fact_recall": 1.0}}))
    impossible.write_text(json.dumps({"overall": {"hit@1": 1.01}}))
    report = tmp_path / "out" / "report.json"
    assert cli.main(["eval", "--questions", str(questions), "--thresholds", str(easy), "--report", str(report)]) == 0
    assert json.loads(report.read_text())["metrics"]["overall"]["hit@1"] == 1.0
    assert cli.main(["eval", "--questions", str(questions), "--thresholds", str(impossible)]) == 1
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
