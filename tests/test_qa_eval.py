"""`studyqa eval --qa`: public SQuAD-format sets indexed and asked through the product, real model and index."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.errors import StudyQAError
from assistant.qa_eval import (
    QAItem, answers_removed, check_qa_thresholds, contains_any, fold, half_of, load_squad, load_wordings,
    prepare_collection, reworded, run_qa_eval, sample, token_recall,
)
from assistant.settings import Settings

from .conftest import ROOT

CONTEXTS = [
    ("Hand hygiene in wards", "Nurses on four surgical wards were observed for six months. Compliance with hand hygiene "
     "rose from 48 percent to 81 percent after alcohol rub dispensers were placed at every bed."),
    ("Night shift fatigue", "Ninety junior doctors kept sleep diaries during night shifts. The median sleep before a "
     "first night shift was three hours, and most doctors reported driving home drowsy."),
    ("Ward pharmacists", "Clinical pharmacists joined daily ward rounds in two hospitals. Prescribing errors fell by a "
     "third, and the most common error prevented was a missed dose of anticoagulant."),
    ("Telephone triage", "A telephone triage service in Bergen answered 12,000 calls a year. Callers waited eleven "
     "minutes on average, and a nurse resolved two thirds of the calls without a visit."),
]
QUESTIONS = [
    ("What did hand hygiene compliance rise to?", "81 percent", 0),
    ("How long did doctors sleep before a first night shift?", "three hours", 1),
    ("Which error did ward pharmacists most often prevent?", "a missed dose of anticoagulant", 2),
    ("How long did callers to the triage service wait?", "eleven minutes", 3),
]


def squad_file(path):
    data = {"data": [{"title": title, "paragraphs": [{"context": text, "qas": [
        {"id": str(i), "question": q, "answers": [{"text": a, "answer_start": text.index(a)}]}
        for i, (q, a, c) in enumerate(QUESTIONS) if c == n]}]} for n, (title, text) in enumerate(CONTEXTS)]}
    path.write_text(json.dumps(data), "utf-8")
    return path


def indexed_squad(tmp_path, embedder):
    """An assistant over the four tiny contexts, all indexed, and their questions."""
    from assistant.api import Assistant

    contexts, items = load_squad(squad_file(tmp_path / "tiny.json"))
    folder = prepare_collection(contexts, {0, 1, 2, 3}, tmp_path / "contexts")
    bot = Assistant(Settings(index_dir=tmp_path / "store", sources_dir=folder), embedder=embedder)
    bot.index()
    return bot, items


def test_folding_containment_and_token_recall():
    assert fold("Eleven  Minutes [1] on\naverage") == "eleven minutes on average"
    assert fold("首届 比赛") == "首届比赛"
    assert contains_any(("eleven minutes",), "Callers waited Eleven\nminutes. [1]")
    assert not contains_any(("", "twelve minutes"), "Callers waited eleven minutes.")
    assert token_recall("1937年", "他在1937年发现浮龙的化石。") == 1.0
    assert token_recall("a missed dose", "the dose was missed") == pytest.approx(2 / 3)


def test_halves_and_samples_are_fixed():
    assert [half_of(i) for i in range(4)] == ["a", "b", "a", "b"]
    items = [QAItem(str(i), f"q{i}", ("a",), i) for i in range(50)]
    assert sample(items, 10) == sample(items, 10) and len(set(sample(items, 10))) == 10
    assert sample(items, None) == items


def test_thresholds_name_each_failure():
    metrics = {"answer_in_answer": 0.5, "false_refusals": 0.1}
    assert check_qa_thresholds(metrics, {"min_answer_in_answer": 0.4, "max_false_refusals": 0.05}) == [
        "false_refusals = 0.1 (max 0.05)"]
    assert check_qa_thresholds(metrics, {"min_doc_hit@5": 0.9}) == ["doc_hit@5: not measured"]


def test_a_file_that_is_not_squad_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"rows": []}', "utf-8")
    with pytest.raises(StudyQAError, match="is not a SQuAD-format file"):
        load_squad(bad)


def test_questions_are_asked_of_the_indexed_contexts_and_the_other_half_should_be_refused(tmp_path, embedder):
    path = squad_file(tmp_path / "tiny.json")
    contexts, items = load_squad(path)
    assert contexts[0].startswith("Hand hygiene in wards\n") and len(items) == 4
    settings = Settings(index_dir=tmp_path / "run" / "store")
    result = run_qa_eval(path, settings, unanswerable=True)
    metrics = result["metrics"]
    assert result["contexts"] == 2 and result["half"] == "a"
    assert metrics["questions"] == 2 and metrics["unanswerable"] == 2
    assert metrics["doc_hit@1"] == 1.0 and metrics["answer_in_passages"] == 1.0
    assert {r["qid"] for r in result["unanswerable_questions"]} == {"1", "3"}
    assert sorted(p.name for p in (tmp_path / "run" / "contexts").iterdir()) == ["0000.txt", "0002.txt"]

    whole = run_qa_eval(path, settings)  # the same folder again, now with every context
    assert whole["contexts"] == 4 and whole["metrics"]["questions"] == 4 and "unanswerable" not in whole["metrics"]


def test_answers_removed_drops_only_the_sentences_holding_a_gold_answer(tmp_path):
    path = squad_file(tmp_path / "tiny.json")
    contexts, items = load_squad(path)
    removed = answers_removed(contexts, items)
    assert removed[0] == "Hand hygiene in wards\nNurses on four surgical wards were observed for six months. "
    assert "81 percent" not in removed[0] and all("81 percent" not in text for text in removed)
    assert all(r.startswith(c.split("\n")[0]) and len(r) < len(c) for r, c in zip(removed, contexts))


def test_a_gold_answer_whose_offset_is_wrong_is_found_by_its_text(tmp_path):
    path = squad_file(tmp_path / "tiny.json")
    data = json.loads(path.read_text("utf-8"))
    data["data"][1]["paragraphs"][0]["qas"][0]["answers"][0]["answer_start"] = 0  # as some COVID-QA offsets are
    data["data"][1]["paragraphs"][0]["qas"][0]["answers"].append({"text": " ", "answer_start": 3})  # blank: ignored
    path.write_text(json.dumps(data), "utf-8")
    assert answers_removed(*load_squad(path))[1] == "Night shift fatigue\nNinety junior doctors kept sleep diaries during night shifts. "


def test_questions_asked_where_their_answers_were_removed_are_counted_as_refusals_to_make(tmp_path, embedder):
    path = squad_file(tmp_path / "tiny.json")
    settings = Settings(index_dir=tmp_path / "run" / "store")
    result = run_qa_eval(path, settings, half="a", remove_answers=True)
    metrics = result["metrics"]
    assert metrics["questions"] == 2 and metrics["answers_removed"] == 2
    assert {r["qid"] for r in result["answers_removed_questions"]} == {"0", "2"}
    assert metrics["answers_removed_refused"] == sum(r["refused"] for r in result["answers_removed_questions"]) / 2
    indexed = sorted((tmp_path / "run" / "answers-removed" / "contexts").iterdir())
    assert [p.name for p in indexed] == ["0000.txt", "0002.txt"]
    assert "81 percent" not in indexed[0].read_text("utf-8")


def test_cli_writes_the_report_and_gates(tmp_path):
    path = squad_file(tmp_path / "tiny.json")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "STUDYQA_LOG_FILE": str(tmp_path / "log")}
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "eval", "--qa", str(path), "--report-dir",
                             str(tmp_path / "reports"), "--gate", "no-such-gate"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 1 and "no entry 'no-such-gate'" in result.stderr
    report = json.loads((tmp_path / "reports" / f"qa-{tmp_path.name}-tiny-all.json").read_text("utf-8"))
    assert report["metrics"]["questions"] == 4 and json.loads(result.stdout)["contexts"] == 4


CHINESE = {"0": "洗手依从性上升到了多少？", "1": "医生在第一个夜班前睡了多久？", "2": "病房药师最常预防的是哪种错误？",
           "3": "分诊服务的来电者等待了多久？"}


def wordings_file(path, wordings=CHINESE):
    path.write_text("".join(json.dumps({"qid": k, "question": v, "en": "…"}, ensure_ascii=False) + "\n"
                            for k, v in wordings.items()), "utf-8")
    return path


def test_questions_can_be_asked_in_other_words_and_are_scored_against_the_same_answers(tmp_path, embedder):
    path = squad_file(tmp_path / "tiny.json")
    wordings = load_wordings(wordings_file(tmp_path / "zh.jsonl"))
    _, items = load_squad(path)
    assert [q.question for q in reworded(items, wordings)] == list(CHINESE.values())
    assert [(q.qid, q.answers, q.context) for q in reworded(items, wordings)] == [(q.qid, q.answers, q.context) for q in items]
    assert reworded(items, None) == items
    result = run_qa_eval(path, Settings(index_dir=tmp_path / "run" / "store"), unanswerable=True, wordings=wordings)
    asked = [r["question"] for r in result["questions"] + result["unanswerable_questions"]]
    assert sorted(asked) == sorted(CHINESE.values())
    assert result["metrics"]["questions"] == 2 and result["metrics"]["unanswerable"] == 2


def test_a_sampled_question_without_its_other_wording_is_one_clear_error(tmp_path):
    _, items = load_squad(squad_file(tmp_path / "tiny.json"))
    partial = load_wordings(wordings_file(tmp_path / "zh.jsonl", {"0": CHINESE["0"]}))
    with pytest.raises(StudyQAError, match="no other wording for 3 sampled question"):
        reworded(items, partial)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "0"}\n', "utf-8")
    with pytest.raises(StudyQAError, match="is not a JSON-lines file"):
        load_wordings(bad)


@pytest.mark.parametrize("split, half, size", [("dev", "a", 300), ("train", "a", 300)])
def test_the_shipped_rewordings_cover_every_question_make_test_asks_and_change_its_words(split, half, size):
    # evals/covidqa_*_reworded.jsonl: COVID-QA questions in other words (make test gates dev's); every sampled
    # question of the indexed half and of the other (unanswerable) half has one, with its original beside it
    path = ROOT.parent / "shared" / "qa" / "covidqa" / f"{split}.json"
    _, items = load_squad(path)
    shipped = ROOT / "evals" / f"covidqa_{split}_reworded.jsonl"
    rows = [json.loads(line) for line in shipped.read_text("utf-8").splitlines()]
    wordings = load_wordings(shipped)
    indexed = [q for q in items if half_of(q.context) == half and q.question]
    others = [q for q in items if half_of(q.context) != half and q.question]
    asked = reworded(sample(indexed, size), wordings) + reworded(sample(others, size), wordings)
    original = {q.qid: q.question for q in items}
    assert len(asked) == len(rows) == len(wordings)
    for row in rows:
        assert " ".join(row["en"].split()) == " ".join(original[str(row["qid"])].split())
        assert fold(row["question"]) != fold(row["en"]) and row["question"].endswith("?")


def test_cli_asks_in_other_words_and_writes_a_report_of_its_own(tmp_path):
    path = squad_file(tmp_path / "tiny.json")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "STUDYQA_LOG_FILE": str(tmp_path / "log")}
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "eval", "--qa", str(path), "--asked-as",
                             str(wordings_file(tmp_path / "zh.jsonl")), "--report-dir", str(tmp_path / "reports")],
                            env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "reports" / f"qa-{tmp_path.name}-tiny-all-zh.json").read_text("utf-8"))
    assert {r["question"] for r in report["questions"]} == set(CHINESE.values())
    assert (tmp_path / "reports" / f"qa-{tmp_path.name}-tiny-all" / "store").is_dir()


def test_the_answer_in_its_first_quote_is_counted_apart_from_the_answer_anywhere():
    from types import SimpleNamespace

    from assistant.qa_eval import score_answerable, summarize

    item = QAItem(qid="1", question="How long did doctors sleep?", answers=("three hours",), context=1)
    first = SimpleNamespace(source="0001.txt", quote="The median sleep was three hours.")
    other = SimpleNamespace(source="0001.txt", quote="Ninety junior doctors kept sleep diaries.")

    def answer(*citations):
        text = " ".join(f"{c.quote} [{n}]" for n, c in enumerate(citations, 1))
        return SimpleNamespace(refused=False, citations=list(citations), text=text, passages=[], timings={})

    leading, trailing = score_answerable(item, answer(first, other)), score_answerable(item, answer(other, first))
    assert leading["in_answer"] and trailing["in_answer"]
    assert leading["in_first_quote"] and not trailing["in_first_quote"]
    assert summarize([leading, trailing], [])["answer_in_first_quote"] == 0.5
