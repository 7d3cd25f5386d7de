"""The eval gate: retrieval, answer and refusal metrics, overall, per language and per question type.

Definitions (answerable questions have gold sources; unanswerable ones have none):
- hit@k / MRR: rank of the first gold source among the distinct sources of the ranked passages.
- fact recall: share of a question's facts (each a list of spellings) found in the answer text.
- citation precision: share of an answer's citations whose source is a gold source.
- refusal accuracy: share of unanswerable questions refused.
- false-refusal rate: share of answerable questions refused.
- Questions across the collection (type "collection": gold = every study that qualifies, possibly
  none) are scored apart: study recall = share of qualifying studies the answer cites; wrong studies
  = number of cited studies that do not qualify. They do not enter the passage metrics above.
- Study cards: precision, recall and evidence accuracy of extraction against the gold table, overall
  ("cards") and per field ("card field: design" …); the "card fields" threshold applies to each field.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import StudyQAError
from .text import normalise_space

KS = (1, 3, 5)
ABLATIONS = {
    "dense": {"retrieval_mode": "dense", "dedupe": True},
    "bm25": {"retrieval_mode": "lexical", "dedupe": True},
    "hybrid": {"retrieval_mode": "hybrid", "dedupe": True},
    "hybrid, no near-duplicate removal": {"retrieval_mode": "hybrid", "dedupe": False},
}


@dataclass
class EvalQuestion:
    """One question of the eval set."""

    id: str
    question: str
    lang: str
    gold: list[str]
    facts: list[list[str]] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)
    type: str = "fact"

    @property
    def answerable(self) -> bool:
        """Whether the studies hold an answer."""
        return self.type not in ("unanswerable", "collection")

    @property
    def collection(self) -> bool:
        """Whether the question asks across the collection (answered from the study cards)."""
        return self.type == "collection"


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a JSONL eval set; a malformed line is reported with its number."""
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except OSError as exc:
        raise StudyQAError(f"cannot read eval set {path}: {exc.strerror}") from None
    questions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            question = EvalQuestion(**json.loads(line))
        except (ValueError, TypeError) as exc:
            raise StudyQAError(f"{path}:{number}: not a valid eval question ({exc})") from None
        if question.answerable and not question.gold:
            raise StudyQAError(f"{path}:{number}: an answerable question needs gold sources")
        questions.append(question)
    return questions


def source_rank(passages: list[Any], gold: list[str]) -> int | None:
    """1-based rank of the first gold source among distinct retrieved sources."""
    ranked = list(dict.fromkeys(p.source for p in passages))
    return next((i for i, source in enumerate(ranked, 1) if source in gold), None)


def fact_recall(text: str, facts: list[list[str]]) -> float | None:
    """Share of facts with at least one spelling present in the text."""
    if not facts:
        return None
    haystack = normalise_space(text).lower()
    found = sum(any(normalise_space(alt).lower() in haystack for alt in alts) for alts in facts)
    return found / len(facts)


def citation_precision(citations: list[Any], gold: list[str]) -> float | None:
    """Share of citations that point to a gold source (None when nothing is cited)."""
    if not citations:
        return None
    return sum(c.source in gold for c in citations) / len(citations)


def evaluate_one(assistant: Any, q: EvalQuestion) -> dict[str, Any]:
    """Answer one question and score it."""
    started = time.perf_counter()
    result = assistant.answer(q.question, q.history)
    if q.collection:
        cited = {c.source for c in result.citations}
        return {"id": q.id, "lang": q.lang, "type": q.type, "answerable": False, "collection": True,
                "ms": (time.perf_counter() - started) * 1000, "mode": result.mode,
                "study_recall": len(cited & set(q.gold)) / len(q.gold) if q.gold else 1.0,
                "wrong_studies": sorted(cited - set(q.gold)), "missed_studies": sorted(set(q.gold) - cited),
                "fact_recall": fact_recall(result.text, q.facts), "refused": result.refused, "answer": result.text}
    return {"id": q.id, "lang": q.lang, "type": q.type, "answerable": q.answerable, "ms": (time.perf_counter() - started) * 1000,
            "rank": source_rank(result.passages, q.gold) if q.answerable else None,
            "fact_recall": fact_recall(result.text, q.facts) if q.answerable and not result.refused else (0.0 if q.facts else None),
            "citation_precision": citation_precision(result.citations, q.gold) if q.answerable else None,
            "refused": result.refused, "score": result.citations[0].score if result.citations else None,
            "answer": result.text}


def run_eval(questions: list[EvalQuestion], assistant: Any = None) -> dict[str, Any]:
    """Answer every question and compute the metrics by group."""
    if assistant is None:
        from .api import default_assistant

        assistant = default_assistant()
    assistant.answer("warm-up question about the studies")
    rows = [evaluate_one(assistant, q) for q in questions]
    groups: dict[str, list[dict[str, Any]]] = {"overall": rows}
    for key in ("lang", "type"):
        for value in sorted({r[key] for r in rows}):
            groups[value] = [r for r in rows if r[key] == value]
    return {"metrics": {name: summarise(group) for name, group in groups.items()}, "questions": rows}


def summarise(rows: list[dict[str, Any]]) -> dict[str, float]:
    """All metrics over a group of scored rows."""
    collection = [r for r in rows if r.get("collection")]
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"] and not r.get("collection")]
    out: dict[str, float] = {"n": len(rows)}
    if collection:
        out["study_recall"] = _mean(r["study_recall"] for r in collection)
        out["wrong_studies"] = sum(len(r["wrong_studies"]) for r in collection)
    if answerable:
        n = len(answerable)
        for k in KS:
            out[f"hit@{k}"] = round(sum(1 for r in answerable if r["rank"] and r["rank"] <= k) / n, 4)
        out["mrr"] = round(sum(1 / r["rank"] for r in answerable if r["rank"]) / n, 4)
        out["fact_recall"] = _mean(r["fact_recall"] for r in answerable)
        out["citation_precision"] = _mean(r["citation_precision"] for r in answerable)
        out["false_refusal_rate"] = round(sum(r["refused"] for r in answerable) / n, 4)
    if unanswerable:
        out["refusal_accuracy"] = round(sum(r["refused"] for r in unanswerable) / len(unanswerable), 4)
    out["median_ms"] = round(statistics.median(r["ms"] for r in rows), 1)
    return out


def _mean(values) -> float:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 4) if present else 0.0


def check_thresholds(report: dict[str, Any], thresholds: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """Each metric outside its bound ({"group": {"min": {...}, "max": {...}}}), as a readable line."""
    failures = []
    for group, bounds in _expand_card_fields(thresholds, report["metrics"]).items():
        metrics = report["metrics"].get(group)
        if metrics is None:
            failures.append(f"{group}: no questions in this group")
            continue
        for name, minimum in bounds.get("min", {}).items():
            if metrics.get(name, 0.0) < minimum:
                failures.append(f"{group} {name} = {metrics.get(name, 0.0):.3f} < {minimum}")
        for name, maximum in bounds.get("max", {}).items():
            if metrics.get(name, 1.0) > maximum:
                failures.append(f"{group} {name} = {metrics.get(name, 1.0):.3f} > {maximum}")
    return failures


def _expand_card_fields(thresholds: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
    expanded = {g: b for g, b in thresholds.items() if g != "card fields"}
    if "card fields" in thresholds:
        expanded.update({g: thresholds["card fields"] for g in metrics if g.startswith("card field: ")})
    return expanded


def add_card_metrics(report: dict[str, Any], card_result: dict[str, Any]) -> None:
    """Put the study-card figures into the report's metrics, where the thresholds can gate them."""
    report["metrics"]["cards"] = card_result["overall"]
    for name, rates in card_result["fields"].items():
        report["metrics"][f"card field: {name}"] = rates
    report["card_problems"] = card_result["problems"]


def run_ablation(questions: list[EvalQuestion], assistant: Any) -> dict[str, dict[str, float]]:
    """Overall metrics for each retrieval configuration, on the same index and model."""
    from .api import Assistant

    results = {}
    for name, overrides in ABLATIONS.items():
        variant = Assistant(assistant.settings.model_copy(update=overrides), embedder=assistant.embedder)
        results[name] = run_eval(questions, variant)["metrics"]["overall"]
    return results


COLUMNS = ["n", "hit@1", "hit@3", "hit@5", "mrr", "fact_recall", "citation_precision", "refusal_accuracy",
           "false_refusal_rate", "study_recall", "wrong_studies", "median_ms"]


def format_report(report: dict[str, Any]) -> str:
    """A plain-text table of the metrics, then the questions that missed."""
    lines = [f"{'group':<13}" + "".join(f"{c[:12]:>13}" for c in COLUMNS)]
    for group, metrics in report["metrics"].items():
        if group.startswith("card"):
            continue
        lines.append(f"{group:<13}" + "".join(f"{metrics.get(c, '-'):>13}" for c in COLUMNS))
    misses = _misses(report["questions"])
    if misses:
        lines.append("\nMisses:")
        lines += [f"- {q['id']} rank={q.get('rank')} facts={q['fact_recall']} refused={q['refused']}: {q['answer'][:140]}"
                  for q in misses]
    return "\n".join(lines)


def _misses(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [q for q in rows if (q.get("collection") and (q["study_recall"] < 1 or q["wrong_studies"])) or (q["answerable"] and (q["refused"] or not q["rank"] or q["rank"] > 5
            or (q["fact_recall"] is not None and q["fact_recall"] < 1))) or (not q["answerable"] and not q.get("collection") and not q["refused"])]


def markdown_report(report: dict[str, Any], ablation: dict[str, dict[str, float]] | None = None) -> str:
    """The metrics (and ablation, when run) as Markdown tables."""
    head = "| group | " + " | ".join(COLUMNS) + " |\n|" + "---|" * (len(COLUMNS) + 1) + "\n"
    body = "".join(f"| {g} | " + " | ".join(str(m.get(c, "")) for c in COLUMNS) + " |\n"
                   for g, m in report["metrics"].items() if not g.startswith("card"))
    text = "# Eval report\n\n" + head + body
    if ablation:
        cols = ["hit@1", "hit@5", "mrr", "fact_recall", "citation_precision", "false_refusal_rate", "refusal_accuracy"]
        text += "\n## Retrieval ablation (whole eval set)\n\n| retrieval | " + " | ".join(cols) + " |\n|"
        text += "---|" * (len(cols) + 1) + "\n"
        text += "".join(f"| {name} | " + " | ".join(str(m.get(c, "")) for c in cols) + " |\n" for name, m in ablation.items())
    misses = _misses(report["questions"])
    if misses:
        text += "\n## Misses\n\n" + "".join(f"- `{q['id']}` (rank {q.get('rank')}, facts {q['fact_recall']}, refused "
                                              f"{q['refused']}): {q['answer'][:160]}\n" for q in misses)
    return text
