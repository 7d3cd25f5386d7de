"""The eval gate: retrieval hit@k and MRR by source, and fact recall in answers, overall and per language.

A question's gold is a list of source file names; a passage ranking is turned into a ranking of
distinct sources (first appearance), and the rank of the first gold source gives hit@k and MRR.
A fact is a list of alternative spellings; it is recalled when any of them occurs in the answer
text (case-insensitive, whitespace-normalised).
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


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a JSONL eval set; a malformed line is reported with its number."""
    questions = []
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except OSError as exc:
        raise StudyQAError(f"cannot read eval set {path}: {exc.strerror}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            questions.append(EvalQuestion(**json.loads(line)))
        except (ValueError, TypeError) as exc:
            raise StudyQAError(f"{path}:{number}: not a valid eval question ({exc})") from None
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


def run_eval(questions: list[EvalQuestion], assistant: Any = None) -> dict[str, Any]:
    """Answer every question and compute the metrics, overall and by language."""
    if assistant is None:
        from .api import default_assistant

        assistant = default_assistant()
    assistant.answer("warm-up question about the studies")
    rows = []
    for q in questions:
        started = time.perf_counter()
        result = assistant.answer(q.question, q.history)
        elapsed = (time.perf_counter() - started) * 1000
        rank = source_rank(result.passages, q.gold)
        rows.append({"id": q.id, "lang": q.lang, "type": q.type, "rank": rank, "ms": elapsed,
                     "fact_recall": fact_recall(result.text, q.facts), "refused": result.refused,
                     "answer": result.text})
    groups = {"overall": rows, **{lang: [r for r in rows if r["lang"] == lang] for lang in sorted({r["lang"] for r in rows})}}
    return {"metrics": {name: summarise(group) for name, group in groups.items() if group}, "questions": rows}


def summarise(rows: list[dict[str, Any]]) -> dict[str, float]:
    """hit@k, MRR, fact recall and timing over a group of result rows."""
    n = len(rows)
    out: dict[str, float] = {"n": n}
    for k in KS:
        out[f"hit@{k}"] = round(sum(1 for r in rows if r["rank"] and r["rank"] <= k) / n, 4)
    out["mrr"] = round(sum(1 / r["rank"] for r in rows if r["rank"]) / n, 4)
    recalls = [r["fact_recall"] for r in rows if r["fact_recall"] is not None]
    out["fact_recall"] = round(sum(recalls) / len(recalls), 4) if recalls else 0.0
    out["median_ms"] = round(statistics.median(r["ms"] for r in rows), 1)
    return out


def check_thresholds(report: dict[str, Any], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """Each metric below its threshold, as a readable line (empty when the gate passes)."""
    failures = []
    for group, limits in thresholds.items():
        metrics = report["metrics"].get(group)
        if metrics is None:
            failures.append(f"{group}: no questions in this group")
            continue
        for name, minimum in limits.items():
            if metrics.get(name, 0.0) < minimum:
                failures.append(f"{group} {name} = {metrics.get(name, 0.0):.3f} < {minimum}")
    return failures


def format_report(report: dict[str, Any]) -> str:
    """A plain-text table of the metrics, then the questions that missed."""
    cols = ["n", "hit@1", "hit@3", "hit@5", "mrr", "fact_recall", "median_ms"]
    lines = [f"{'group':<8}" + "".join(f"{c:>12}" for c in cols)]
    for group, metrics in report["metrics"].items():
        lines.append(f"{group:<8}" + "".join(f"{metrics[c]:>12}" for c in cols))
    misses = [q for q in report["questions"] if not q["rank"] or q["rank"] > 5 or (q["fact_recall"] is not None and q["fact_recall"] < 1)]
    if misses:
        lines.append("\nMisses (retrieval beyond top 5 or facts missing):")
        lines += [f"- {q['id']} rank={q['rank']} facts={q['fact_recall']}: {q['answer'][:160]}" for q in misses]
    return "\n".join(lines)
