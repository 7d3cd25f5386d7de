"""Study-card extraction against a gold table: precision and recall per field, and whether each cited sentence
states the value.

Gold format (JSON): {source file: {field: {value: [[alternatives], ...]}}}. A field missing from a study's
entry, or given as {}, means the page does not state it. Each inner list is one thing the cited
sentence must contain (any one of the alternatives, case-insensitive), e.g. [["8", "Eight", "八"], ["interview", "访谈"]].
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import StudyQAError
from ..text import normalise_space
from .model import FIELDS, StudyCard


def load_gold(path: Path) -> dict[str, dict[str, dict[str, list[list[str]]]]]:
    """Read the gold table; a malformed file is one clear error."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise StudyQAError(f"cannot read the study-card gold table {path}: {exc}") from None
    return {source: entry for source, entry in data.items() if not source.startswith("_")}


def evaluate_cards(cards: list[StudyCard], gold: dict[str, dict[str, dict[str, list[list[str]]]]]) -> dict[str, Any]:
    """Per-field and overall precision, recall and evidence accuracy, with every disagreement listed."""
    by_source = {c.source: c for c in cards}
    counts = {name: {"tp": 0, "fp": 0, "fn": 0, "evidence_ok": 0, "evidence": 0} for name in FIELDS}
    problems: list[str] = []
    for source, entry in gold.items():
        card = by_source.get(source)
        if card is None:
            problems.append(f"{source}: not indexed")
            continue
        for name in FIELDS:
            expected = entry.get(name, {})
            got = {v.value: v for v in card.fields.get(name, [])}
            for value, value_card in got.items():
                if value not in expected:
                    counts[name]["fp"] += 1
                    problems.append(f"{source} {name}: extracted {value!r}, not in the gold table")
                    continue
                counts[name]["tp"] += 1
                for evidence in value_card.evidence:
                    counts[name]["evidence"] += 1
                    if states(evidence.quote, expected[value]):
                        counts[name]["evidence_ok"] += 1
                    else:
                        problems.append(f"{source} {name}={value!r}: cited sentence does not state it: {evidence.quote[:80]}")
            for value in expected:
                if value not in got:
                    counts[name]["fn"] += 1
                    problems.append(f"{source} {name}: missed {value!r}")
    fields = {name: _rates(c) for name, c in counts.items()}
    total = {key: sum(c[key] for c in counts.values()) for key in ("tp", "fp", "fn", "evidence_ok", "evidence")}
    return {"fields": fields, "overall": _rates(total), "problems": problems}


def states(quote: str, groups: list[list[str]]) -> bool:
    """Whether the sentence contains one alternative of every group."""
    lowered = normalise_space(quote).lower()  # pages use thin and no-break spaces ("n\u2009=\u20098")
    return all(any(normalise_space(alt).lower() in lowered for alt in group) for group in groups)


def _rates(c: dict[str, int]) -> dict[str, float]:
    extracted, expected = c["tp"] + c["fp"], c["tp"] + c["fn"]
    return {"precision": round(c["tp"] / extracted, 4) if extracted else 1.0,
            "recall": round(c["tp"] / expected, 4) if expected else 1.0,
            "evidence_ok": round(c["evidence_ok"] / c["evidence"], 4) if c["evidence"] else 1.0,
            "values": expected, "extracted": extracted}


def format_card_report(result: dict[str, Any]) -> str:
    """A plain-text table of the per-field figures, then the disagreements."""
    lines = [f"{'card field':<17}{'precision':>10}{'recall':>8}{'evidence':>10}{'gold':>6}{'found':>7}"]
    for name, r in list(result["fields"].items()) + [("overall", result["overall"])]:
        lines.append(f"{name:<17}{r['precision']:>10}{r['recall']:>8}{r['evidence_ok']:>10}{r['values']:>6}{r['extracted']:>7}")
    if result["problems"]:
        lines += ["", "Card disagreements:"] + [f"- {p}" for p in result["problems"]]
    return "\n".join(lines)
