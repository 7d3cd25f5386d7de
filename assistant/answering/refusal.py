"""The refusal phrase, one constant per language that code, evals and tests share."""

from __future__ import annotations

REFUSALS = {
    "en": "I could not find an answer to that in the indexed studies.",
    "zh": "在已索引的研究中没有找到这个问题的答案。",
}


def refusal_text(lang: str) -> str:
    """The refusal in the question's language (English when unknown)."""
    return REFUSALS.get(lang, REFUSALS["en"])
