"""BEIR evaluation: metric definitions, and the whole command on a tiny BEIR-format set."""

from __future__ import annotations

import json
import math

import pytest

from assistant import cli
from assistant.beir import load_beir, ndcg_at_k, recall_at_k
from assistant.errors import StudyQAError

DOCS = {
    "d1": ("Balint groups for junior doctors", "Junior doctors discussed difficult patient encounters in Balint groups."),
    "d2": ("Peer support in community mental health", "Peer volunteers ran support groups in Copenhagen."),
    "d3": ("Compassion-focused therapy for NHS staff", "Eight staff with high self-criticism attended a CFT group."),
    "d4": ("Low-intensity CBT homework", "Practitioners described barriers to between-session work."),
    "d5": ("Schwartz rounds", "Hospital staff met monthly to reflect on the emotional side of care."),
}
QUERIES = {"q1": "Balint groups junior doctors", "q2": "peer volunteers Copenhagen", "q3": "between-session work barriers",
           "q9": "a query that is not in the test split"}
QRELS = [("q1", "d1", 2), ("q2", "d2", 1), ("q3", "d4", 1), ("q3", "d5", 1)]


@pytest.fixture
def beir_dir(tmp_path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    with open(folder / "corpus.jsonl", "w") as f:
        for _id, (title, text) in DOCS.items():
            f.write(json.dumps({"_id": _id, "title": title, "text": text, "metadata": {}}) + "\n")
    with open(folder / "queries.jsonl", "w") as f:
        for _id, text in QUERIES.items():
            f.write(json.dumps({"_id": _id, "text": text, "metadata": {}}) + "\n")
    (folder / "qrels_test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{s}\n" for q, d, s in QRELS))
    return folder


def test_ndcg_uses_linear_gains_and_all_judged_documents():
    judged = {"a": 2, "b": 1}
    assert ndcg_at_k(["a", "b"], judged) == pytest.approx(1.0)
    swapped = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert ndcg_at_k(["b", "a"], judged) == pytest.approx(swapped)
    assert ndcg_at_k(["x", "y"], judged) == 0.0
    assert recall_at_k(["a", "x"], judged, 2) == 0.5


def test_loading_keeps_only_test_queries(beir_dir):
    documents, queries, qrels = load_beir(beir_dir)
    assert len(documents) == 5 and set(queries) == {"q1", "q2", "q3"}
    assert documents[0].text.startswith("Balint groups for junior doctors\n")
    assert qrels["q3"] == {"d4": 1, "d5": 1}


def test_beir_command_scores_every_mode(beir_dir, tmp_path, embedder):
    out = tmp_path / "reports"
    assert cli.main(["eval", "--beir", str(beir_dir), "--report-dir", str(out)]) == 0
    results = json.loads((out / "beir-tiny.json").read_text())
    assert results["documents"] == 5 and results["queries"] == 3
    assert set(results["modes"]) == {"dense", "lexical", "hybrid"}
    for metrics in results["modes"].values():
        assert 0.5 < metrics["ndcg@10"] <= 1.0
    # BM25 cannot return d5, which shares no word with q3; dense (and so hybrid) ranks every document.
    assert results["modes"]["lexical"]["recall@100"] == pytest.approx(5 / 6, abs=1e-3)
    assert results["modes"]["dense"]["recall@100"] == results["modes"]["hybrid"]["recall@100"] == 1.0
    again = json.loads(json.dumps(results))
    assert cli.main(["eval", "--beir", str(beir_dir), "--report-dir", str(out)]) == 0
    assert json.loads((out / "beir-tiny.json").read_text())["new_embeddings"] == 0 < again["new_embeddings"]


def test_a_folder_that_is_not_beir_is_a_clear_error(tmp_path):
    with pytest.raises(StudyQAError, match="not a BEIR folder"):
        load_beir(tmp_path)
