"""Fit the sentence ranker (assistant/answering/ranker.json) on public training questions; report on dev.

    python evals/fit_ranker.py [--qa ../shared/qa] [--out assistant/answering/ranker.json]

Each answerable question is asked of a collection holding its context, through the product's retrieval and
candidate scoring; every candidate sentence of the top passages is one example, positive when it holds a
gold answer (or, for a long gold answer, is part of it). Per question language, an L2-regularised logistic
regression over `ranker.FEATURES` is fitted on

- train: COVID-QA `train` (each half indexed in turn, asked its own questions), CMRC 2018 trial's fit
  half (even positions, each quarter indexed in turn), and our own training questions about the bundled
  studies (`evals/train_questions.jsonl`, written apart from the eval set `evals/questions.jsonl`);
- dev: COVID-QA `dev` (all 33 papers indexed) and CMRC's report half (odd positions), as `studyqa eval --qa`
  runs them.

A language's fitted weights are adopted only when their lead sentence holds the answer more often than the
hand-weighted score's (extractive.hand_score) on dev, and not less often on our own training questions (in sample);
otherwise the hand-weighted score stays for that language. The L2 strength is chosen on dev (the lead sentence holds the answer, share of questions), and so is the
probability an extra sentence of the lead's document needs to join the answer (EXTRA_TRIED, MEDIAN_CHARS). The file records
the weights, the data (with sha256), train and dev figures, and a dev ablation: each feature left out and
the model refitted. The no-answer model reads the ranker's scores, so run evals/fit_no_answer.py after this.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fitting import HERE, OWN, QA, WORK, fit_logistic, own_collection, rank, sha256, squad_collection  # noqa: E402

OUT = HERE.parent / "assistant" / "answering" / "ranker.json"
CACHE = WORK / "ranker-questions.pkl"
L2_TRIED = (0.1, 1.0, 10.0, 100.0)
LANGS = ("en", "zh")
# The probability an extra sentence of the lead's document needs to join the answer: the lowest that keeps the
# dev median answer within 90 % of the bounds (COVID-QA 300 characters, CMRC 100), leaving room for
# collections whose sentences run longer.
EXTRA_TRIED = (0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5)
MEDIAN_CHARS = {"en": 270, "zh": 90}


@dataclass
class Question:
    """One question's candidate features, which candidates hold the answer, and which may answer (prose)."""

    lang: str
    features: np.ndarray
    positive: np.ndarray
    prose: np.ndarray
    docs: np.ndarray     # each candidate's document
    lengths: np.ndarray  # each candidate's length in characters
    most: int            # sentences the answer may quote (a list or why/how question more than a factoid one)
    hand: np.ndarray     # each candidate's hand-weighted score (extractive.hand_score)


def collect(name: str, path: Path, indexed) -> list[Question]:
    """Index the chosen contexts of a set and read the candidates of their answerable questions; a candidate is
    positive when it holds a gold answer, or is part of a long one."""
    from assistant.qa_eval import fold

    assistant, items, keep = squad_collection(name, path, indexed)
    out = []
    for item in items:
        if item.context in keep and item.question:
            golds = [fold(g) for g in item.answers if fold(g)]
            question = read_candidates(assistant, item.question,
                                       lambda text: any(g in fold(text) or (len(fold(text)) > 30 and fold(text) in g)
                                                        for g in golds))
            out += [question] if question else []
    print(f"{name}: {len(keep)} contexts, {len(out)} questions", file=sys.stderr)
    return out


def collect_own(path: Path) -> dict[str, list[Question]]:
    """The answerable questions of our own training set (`train_questions.jsonl`, written apart from the eval
    set) asked of the bundled studies; a candidate is positive when it holds one of a fact's wordings."""
    from assistant.evaluation import load_questions

    assistant = own_collection()
    out: dict[str, list[Question]] = {lang: [] for lang in LANGS}
    for item in (q for q in load_questions(path) if q.answerable):
        wordings = [w.casefold() for fact in item.facts for w in fact]
        question = read_candidates(assistant, item.question, lambda text: any(w in text.casefold() for w in wordings))
        if question:
            out["zh" if question.lang == "zh" else "en"].append(question)
    print(f"own training questions: {len(out['en'])} English, {len(out['zh'])} Chinese", file=sys.stderr)
    return out


def read_candidates(assistant, text: str, holds_answer) -> Question | None:
    """Every candidate of a question, prose or not (so that the features are those the product computes), with
    `holds_answer(sentence)` as the label; None when there is no candidate."""
    from assistant.answering.extractive import FACT_SENTENCES

    query, ranked = rank(assistant, text, prose_only=False, fitted=False)
    if ranked is None:
        return None
    cands = ranked.candidates
    return Question(query.lang, np.vstack([c.features for c in cands]), np.array([holds_answer(c.text) for c in cands]),
                    np.array([c.prose for c in cands]), np.array([c.passage.doc_id for c in cands]),
                    np.array([len(c.text) for c in cands]), 3 if query.wants_list else FACT_SENTENCES,
                    np.array([c.hand_score for c in cands]))


def fit(questions: list[Question], columns: list[int], l2: float) -> np.ndarray:
    """Weights over the given columns (others zero), fitted on the prose candidates of the questions."""
    features = np.vstack([q.features[q.prose] for q in questions])
    labels = np.concatenate([q.positive[q.prose] for q in questions]).astype(float)
    weights = np.zeros(features.shape[1])
    weights[columns] = fit_logistic(features[:, columns], labels, l2)
    return weights


def lead_holds_answer(questions: list[Question], weights: np.ndarray) -> float:
    """Share of questions whose best-scored prose candidate holds the answer."""
    hits = [q.positive[q.prose][int(np.argmax(q.features[q.prose] @ weights))] for q in questions if q.prose.any()]
    return round(float(np.mean(hits)), 4)


def hand_lead_holds_answer(questions: list[Question]) -> float:
    """The same for the hand-weighted score."""
    hits = [q.positive[q.prose][int(np.argmax(q.hand[q.prose]))] for q in questions if q.prose.any()]
    return round(float(np.mean(hits)), 4)


def ceiling(questions: list[Question]) -> float:
    """Share of questions with some prose candidate holding the answer."""
    return round(float(np.mean([q.positive[q.prose].any() for q in questions])), 4)


def quote(question: Question, weights: np.ndarray, threshold: float) -> tuple[bool, int]:
    """Whether an answer of the lead prose candidate and the next ones of its document scoring at least
    `threshold` (as many as the question may quote) holds the answer, and its length in characters."""
    prose = np.flatnonzero(question.prose)
    scores = 1.0 / (1.0 + np.exp(-(question.features[prose] @ weights)))
    order = prose[np.argsort(-scores)]
    lead = order[0]
    chosen = [lead] + [i for i, p in zip(order[1:], np.sort(scores)[::-1][1:])
                       if p >= threshold and question.docs[i] == question.docs[lead]][:question.most - 1]
    return bool(question.positive[chosen].any()), int(question.lengths[chosen].sum())


def quote_figures(questions: list[Question], weights: np.ndarray, threshold: float) -> dict[str, float]:
    """Share of answers holding the answer, and the median answer length, over questions with prose candidates."""
    results = [quote(q, weights, threshold) for q in questions if q.prose.any()]
    return {"holds_answer": round(float(np.mean([r[0] for r in results])), 4),
            "median_chars": float(np.median([r[1] for r in results]))}


def main() -> None:
    from assistant.answering.ranker import FEATURES

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qa", type=Path, default=QA)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--collect-only", action="store_true",
                        help=f"only collect the questions' candidates (into {CACHE}) for experiments")
    args = parser.parse_args()
    covid_train, covid_dev = args.qa / "covidqa" / "train.json", args.qa / "covidqa" / "dev.json"
    cmrc = args.qa / "cmrc2018" / "trial.json"
    started = time.time()
    own = collect_own(OWN)
    public = {
        "en": collect("covid-train-a", covid_train, lambda i: i % 2 == 0)
        + collect("covid-train-b", covid_train, lambda i: i % 2 == 1),
        "zh": collect("cmrc-fit-0", cmrc, lambda i: i % 4 == 0) + collect("cmrc-fit-2", cmrc, lambda i: i % 4 == 2),
    }
    # The studies users read (short abstracts of qualitative studies) weigh as much as the public sets'
    # papers: each of our own questions counts as many times as there are public questions per own one.
    repeat = {lang: max(1, round(len(public[lang]) / max(1, len(own[lang])))) for lang in LANGS}
    train = {lang: public[lang] + own[lang] * repeat[lang] for lang in LANGS}
    dev = {"en": collect("covid-dev-all", covid_dev, lambda i: True),
           "zh": collect("cmrc-report", cmrc, lambda i: i % 2 == 1)}
    if args.collect_only:
        CACHE.write_bytes(pickle.dumps((train, dev)))
        return
    everything = list(range(len(FEATURES)))
    weights, l2_chosen, figures, ablation, extra, adopted = {}, {}, {}, {}, {}, {}
    for lang in LANGS:
        by_l2 = {l2: fit(train[lang], everything, l2) for l2 in L2_TRIED}
        l2_chosen[lang] = max(L2_TRIED, key=lambda l2: lead_holds_answer(dev[lang], by_l2[l2]))
        weights[lang] = by_l2[l2_chosen[lang]]
        within = [t for t in EXTRA_TRIED if quote_figures(dev[lang], weights[lang], t)["median_chars"] <= MEDIAN_CHARS[lang]]
        extra[lang] = min(within) if within else max(EXTRA_TRIED)
        figures[lang] = {"train_lead_holds_answer": lead_holds_answer(public[lang], weights[lang]),
                         "own_train_lead_holds_answer": lead_holds_answer(own[lang], weights[lang]),
                         "hand_dev_lead_holds_answer": hand_lead_holds_answer(dev[lang]),
                         "hand_own_train_lead_holds_answer": hand_lead_holds_answer(own[lang]),
                         "dev_lead_holds_answer": lead_holds_answer(dev[lang], weights[lang]),
                         "dev_ceiling": ceiling(dev[lang]),
                         "train_questions": len(public[lang]), "own_train_questions": len(own[lang]),
                         "dev_questions": len(dev[lang]),
                         "dev_answer_by_extra_threshold": {str(t): quote_figures(dev[lang], weights[lang], t)
                                                           for t in EXTRA_TRIED}}
        adopted[lang] = (figures[lang]["dev_lead_holds_answer"] > figures[lang]["hand_dev_lead_holds_answer"]
                         and figures[lang]["own_train_lead_holds_answer"] >= figures[lang]["hand_own_train_lead_holds_answer"])
        ablation[lang] = {f"without {FEATURES[c]}": lead_holds_answer(
            dev[lang], fit(train[lang], [k for k in everything if k != c], l2_chosen[lang])) for c in everything[1:]}
        print(lang, figures[lang], file=sys.stderr)
    model = {
        "features": list(FEATURES),
        "weights": {lang: [round(float(x), 6) for x in weights[lang]] for lang in LANGS},
        "extra_sentence_threshold": extra,
        "adopted": adopted,
        "provenance": {
            "script": "evals/fit_ranker.py", "fitted": time.strftime("%Y-%m-%d"),
            "train": {"covidqa/train.json (each half in turn)": sha256(covid_train),
                      "cmrc2018/trial.json (even positions, each quarter in turn)": sha256(cmrc),
                      "evals/train_questions.jsonl (answerable, asked of the bundled studies)": sha256(OWN)},
            "dev": {"covidqa/dev.json (all)": sha256(covid_dev), "cmrc2018/trial.json (odd positions)": sha256(cmrc)},
            "label": "the sentence holds a gold answer, or is part of a long one (folded text)",
            "own_questions_counted": repeat, "l2_tried": list(L2_TRIED), "l2_chosen_on_dev": l2_chosen, "extra_thresholds_tried": list(EXTRA_TRIED),
            "extra_threshold_rule": "the lowest whose dev median answer stays within " + json.dumps(MEDIAN_CHARS) + " characters", "seconds": round(time.time() - started, 1),
        },
        "figures": figures,
        "ablation_on_dev": ablation,
    }
    args.out.write_text(json.dumps(model, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
