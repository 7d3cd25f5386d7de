"""Fit the learned retrieval fusion (assistant/fusion.json): train to fit, dev to choose.

    python evals/fit_fusion.py [--qa ../shared/qa] [--out assistant/fusion.json]

Each collection is indexed through the product (stores shared with fit_ranker.py under evals/reports/fit). For
every answerable question the product's own rankings are taken (the dense search and BM25, each fetching
STUDYQA_FETCH_K chunks, the reference list left out; the best-sentence ranking; their reciprocal rank fusion),
and every fetched chunk is described by fusion.FEATURES and labelled by whether it holds a gold answer. A
logistic model per question language is fitted on the training side, its L2 strength chosen on dev by the
share of questions with a gold answer in the top five chunks, the figure `studyqa eval --qa` reports as
answer in passages:

- train: COVID-QA `train` (both halves, each its own collection), CMRC 2018 trial's fit half (two quarters);
- dev: COVID-QA `dev` (all 33 papers) and CMRC's report half (odd positions).

Our own questions are not used: the bundled collection's 40 chunks put the answer in the top five for nearly
all of them, so they cannot tell two orderings apart. Runs in about 20 seconds once the collections are
indexed (several minutes to index them the first time).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fitting import QA, fit_logistic, sha256, squad_collection  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "assistant" / "fusion.json"
L2_TRIED = (0.1, 1.0, 10.0)
TOP = 5
Question = tuple[np.ndarray, np.ndarray]  # features of the fetched chunks (fused order), their labels


def collect(name: str, path: Path, indexed) -> list[Question]:
    """Every answerable question of a collection indexed under WORK/name, its fetched chunks described and labelled."""
    assistant, items, keep = squad_collection(name, path, indexed)
    out = described_questions(assistant, items, keep)
    print(f"{name}: {len(out)} questions", file=sys.stderr)
    return out


def described_questions(assistant, items, keep: set[int]) -> list[Question]:
    """For every question about an indexed context: the chunks the product's searches fetch, in the reciprocal
    rank fusion's order, as fusion.FEATURES rows, and whether each holds a gold answer."""
    from assistant.fusion import fusion_features
    from assistant.qa_eval import contains_any
    from assistant.text import detect_lang

    retriever = assistant.retriever
    chunks = retriever.snapshot.chunks
    out = []
    for item in items:
        if item.context not in keep or not item.question.strip():
            continue
        query, lang = item.question, detect_lang(item.question)
        dense, lexical = retriever.fetched(query, retriever.settings.fetch_k)
        fused, best_sentence = retriever.reciprocal_fusion(query, dense, lexical, lang)
        if not fused:
            continue
        features = fusion_features(fused, dense, lexical, best_sentence, lambda pos: chunks[pos].doc_id)
        labels = np.array([contains_any(item.answers, chunks[pos].text) for pos, _ in fused], dtype=np.float64)
        out.append((features, labels))
    return out


def answer_in_top(questions: list[Question], weights: np.ndarray | None) -> float:
    """Share of questions with a gold answer among the top chunks (None: the reciprocal rank fusion's order)."""
    found = 0
    for features, labels in questions:
        order = np.arange(len(labels)) if weights is None else np.argsort(-(features @ weights), kind="stable")
        found += bool(labels[order[:TOP]].any())
    return round(found / len(questions), 4) if questions else 0.0


def fit(questions: list[Question], l2: float, keep: list[int] | None = None) -> np.ndarray:
    """Logistic weights over all features (those outside `keep` held at 0)."""
    from assistant.fusion import FEATURES

    keep = keep if keep is not None else list(range(len(FEATURES)))
    features = np.vstack([f for f, _ in questions])[:, keep]
    labels = np.concatenate([y for _, y in questions])
    weights = np.zeros(len(FEATURES))
    weights[keep] = fit_logistic(features, labels, l2=l2)
    return weights


def main() -> None:
    from assistant.fusion import FEATURES, weights_file

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qa", type=Path, default=QA)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    covid_train, covid_dev = args.qa / "covidqa" / "train.json", args.qa / "covidqa" / "dev.json"
    cmrc = args.qa / "cmrc2018" / "trial.json"
    started = time.time()
    train = {"en": collect("covid-train-a", covid_train, lambda i: i % 2 == 0)
             + collect("covid-train-b", covid_train, lambda i: i % 2 == 1),
             "zh": collect("cmrc-fit-0", cmrc, lambda i: i % 4 == 0) + collect("cmrc-fit-2", cmrc, lambda i: i % 4 == 2)}
    dev = {"en": collect("covid-dev-all", covid_dev, lambda i: True),
           "zh": collect("cmrc-report", cmrc, lambda i: i % 2 == 1)}
    weights, chosen, figures, ablation = {}, {}, {}, {}
    for lang in ("en", "zh"):
        by_l2 = {l2: fit(train[lang], l2) for l2 in L2_TRIED}
        chosen[lang] = max(L2_TRIED, key=lambda l2: (answer_in_top(dev[lang], by_l2[l2]), -l2))
        weights[lang] = by_l2[chosen[lang]]
        figures[lang] = {"questions": {"train": len(train[lang]), "dev": len(dev[lang])},
                         "reciprocal_rank_fusion": {"train": answer_in_top(train[lang], None),
                                                    "dev": answer_in_top(dev[lang], None)},
                         "learned": {"train": answer_in_top(train[lang], weights[lang]),
                                     "dev": answer_in_top(dev[lang], weights[lang])},
                         "dev_by_l2": {str(l2): answer_in_top(dev[lang], w) for l2, w in by_l2.items()}}
        ablation[lang] = {f"without {FEATURES[i]}": answer_in_top(
            dev[lang], fit(train[lang], chosen[lang], [j for j in range(len(FEATURES)) if j != i]))
            for i in range(1, len(FEATURES))}
        print(lang, json.dumps(figures[lang]), file=sys.stderr)
    report = {
        "provenance": {"script": "evals/fit_fusion.py", "fitted": date.today().isoformat(),
                       "train": {"covidqa/train.json (both halves in turn)": sha256(covid_train),
                                 "cmrc2018/trial.json (positions 0 and 2 mod 4, in turn)": sha256(cmrc)},
                       "dev": {"covidqa/dev.json": sha256(covid_dev), "cmrc2018/trial.json (odd positions)": sha256(cmrc)},
                       "label": "the chunk holds a gold answer", "l2_tried": list(L2_TRIED), "l2_chosen": chosen,
                       "figure": f"answer in the top {TOP} fetched chunks (no near-duplicate removal)"},
        "figures": figures, "ablation_on_dev": ablation, "seconds": round(time.time() - started, 1)}
    args.out.write_text(weights_file(weights, **report), "utf-8")
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
