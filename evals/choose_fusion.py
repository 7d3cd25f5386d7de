"""Choose the retrieval fusion constant (STUDYQA_RRF_K), the best-sentence vote's weight
(STUDYQA_SENTENCE_VOTE) and the candidates fetched per search (STUDYQA_FETCH_K) on public questions: train to
fit, dev to choose.

    python evals/choose_fusion.py [--qa ../shared/qa] [--values 60,10,5,2] [--votes 0.5] [--fetch 20]

Each collection is indexed through the product; every answerable question is asked of it through
`Retriever.retrieve` (the product's hybrid ranking: dense and BM25 fused by reciprocal rank, then fused again
with the chunks' best sentences), once per tried constant, and scored as `studyqa eval --qa` scores passages:
a gold answer string inside the top five passages, and the gold context among their documents. Every
combination of a constant, a weight and a fetch size is tried.

- train: COVID-QA `train` (all 33 papers in one collection) and CMRC 2018 trial's fit half (even positions);
- dev: COVID-QA `dev` (all 33 papers) and CMRC's report half (odd positions).

It prints one JSON object: per collection and "constant/weight/fetch", answer in passages and document hit@5.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fitting import QA, squad_collection  # noqa: E402

COLLECTIONS = {  # name: (file, which context positions are indexed)
    "covidqa-train": ("covidqa/train.json", lambda i: True),
    "cmrc-fit-half": ("cmrc2018/trial.json", lambda i: i % 2 == 0),
    "covidqa-dev": ("covidqa/dev.json", lambda i: True),
    "cmrc-report-half": ("cmrc2018/trial.json", lambda i: i % 2 == 1),
}


def fusion_figures(assistant, items, keep, values: list[int], votes: list[float],
                   fetches: list[int]) -> dict[str, dict[str, float]]:
    """Answer in the top five passages and document hit@5, per fusion constant, vote weight and fetch size,
    over the indexed questions."""
    from assistant.qa_eval import passage_figures

    retriever = assistant.retriever
    shipped = retriever.settings
    asked = [item for item in items if item.context in keep and item.question.strip()]
    figures = {}
    try:
        for value, vote, fetch in ((v, w, f) for v in values for w in votes for f in fetches):
            retriever.settings = shipped.model_copy(update={"rrf_k": value, "sentence_vote": vote, "fetch_k": fetch})
            found = hits = 0
            for item in asked:
                scored = passage_figures(item, retriever.retrieve(item.question, k=5, lang=None))
                found += scored["in_passages"]
                hits += scored["hit@5"]
            figures[f"{value}/{vote}/{fetch}"] = {"answer_in_passages": round(found / len(asked), 4),
                                                  "doc_hit@5": round(hits / len(asked), 4), "questions": len(asked)}
    finally:
        retriever.settings = shipped
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qa", type=Path, default=QA)
    parser.add_argument("--values", default="60,40,30,20,10,7,5,3,2,1")
    parser.add_argument("--votes", default="0.5")
    parser.add_argument("--fetch", default="20")
    args = parser.parse_args()
    values = [int(v) for v in args.values.split(",")]
    votes = [float(v) for v in args.votes.split(",")]
    fetches = [int(v) for v in args.fetch.split(",")]
    started = time.time()
    report = {}
    for name, (file, indexed) in COLLECTIONS.items():
        assistant, items, keep = squad_collection(f"fusion-{name}", args.qa / file, indexed)
        report[name] = fusion_figures(assistant, items, keep, values, votes, fetches)
        print(name, json.dumps(report[name]), file=sys.stderr)
    report["seconds"] = round(time.time() - started, 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
