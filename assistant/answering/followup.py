"""Resolve follow-up questions against the conversation, without an LLM.

Rule: when the new question has few terms of its own (three or fewer search terms) or refers back
("it", "they", "this study", "它", "该研究"...: `back_reference` in cues.json), the previous user question
is prepended, so that retrieval sees the subject the follow-up leaves out.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..lexical import tokenize
from ..patterns import cue


def needs_context(question: str) -> bool:
    """Whether a question leans on earlier turns for its subject."""
    return len(set(tokenize(question))) <= 3 or bool(cue("back_reference").search(question))


def condense(question: str, history: Sequence[dict[str, str]] | None) -> str:
    """A standalone search query for `question` given earlier {"role", "content"} messages."""
    if not history or not needs_context(question):
        return question
    earlier = [m.get("content", "") for m in history if m.get("role") == "user" and m.get("content")]
    return f"{earlier[-1]} {question}" if earlier else question
