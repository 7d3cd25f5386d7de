"""What kind of answer a question expects, and whether a sentence holds one.

A question such as "How many staff were interviewed?" expects a count; a sentence with a number
in it is then more likely to answer than one that merely names the study. Each type is a pair of
patterns (question cue, sentence evidence) in English and Chinese, kept in `assistant/cues.json`.
"""

from __future__ import annotations

from functools import lru_cache

from ..patterns import cue, cues


@lru_cache(maxsize=1)
def answer_type_names() -> tuple[str, ...]:
    """The answer types, in the order of the vocabulary file."""
    return tuple(cues()["answer_types"])


@lru_cache(maxsize=1)
def attribute_types() -> frozenset[str]:
    """Attributes that studies often report (age, cost, dose…): when a question asks for one and no retrieved
    sentence holds any instance of it, the studies do not answer the question."""
    return frozenset(cues()["attribute_types"])


def expected_types(question: str) -> list[str]:
    """The answer types a question asks for (often none)."""
    types = [name for name in answer_type_names() if cue("answer_types", name, "question").search(question)]
    # "How many weeks" asks for a duration, "how much did it cost" for a cost, "占多少" for a share, not a bare count.
    return [t for t in types if not (t == "count" and ({"duration", "cost", "percentage"} & set(types)))]


def missing_attribute(types: list[str] | tuple[str, ...], sentences: list[str]) -> str | None:
    """An attribute among the expected `types` (age, cost, dose...) that none of the sentences mentions."""
    for answer_type in types:
        if answer_type in attribute_types() and not any(matches_type(s, answer_type) for s in sentences):
            return answer_type
    return None


def matches_type(sentence: str, answer_type: str) -> bool:
    """Whether the sentence contains evidence of the given answer type."""
    return bool(cue("answer_types", answer_type, "evidence").search(sentence))


def is_comparison(question: str) -> bool:
    """Whether the question compares studies (and so needs evidence from each)."""
    return bool(cue("comparison").search(question))
