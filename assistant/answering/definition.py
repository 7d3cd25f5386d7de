"""Questions that ask what a thing is ("What is R0?", "什么是标准杆？"), and the sentences that say it.

Such a question's answer is the sentence that defines its subject: the subject followed by a copula ("R0
is…", "标准杆，是…"), set in apposition ("hepcidin, a peptide hormone"), named by the sentence ("…known as
R0", "…称为小鸟球"), or, for an abbreviation, spelled out before it ("basic reproduction number (R0)").
Question forms and sentence patterns live in `assistant/cues.json` ("definition"); the answerer lets a
defining sentence lead when it scores close enough to the best one (extractive.TYPED_LEAD_SHARE).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..patterns import cue, cues

MAX_TERM_WORDS = 4  # "What is the first day of symptom onset?" names no thing; "What is disease resilience?" does
MAX_TERM_CHARS_CHINESE = 12
# a parenthesis after the subject (its abbreviation, Latin name or other language) before the copula
_BRACKETS = r"(?:\s*[（(][^（）()]{0,80}[)）])*"


def defined_term(question: str, lang: str) -> str:
    """The subject a "what is X?" question asks to define, or "" when the question asks something else."""
    zh = lang == "zh"
    match = cue("definition", "question", "zh" if zh else "en").match(question)
    if not match:
        return ""
    term = next(group for group in match.groups() if group)
    term = term.strip(" \"'“”《》「」")
    term = re.sub(r"\s*[（(][^（）()]*[)）]\s*$", "", term)  # "nuclear receptors (NRs)": the name without its abbreviation
    if not term or cue("definition", "not_a_term", "zh" if zh else "en").search(term):
        return ""
    too_long = len(term) > MAX_TERM_CHARS_CHINESE if zh else len(term.split()) > MAX_TERM_WORDS
    return "" if too_long else term


def defines(sentence: str, term: str, lang: str) -> bool:
    """Whether the sentence defines the term (see the module's docstring)."""
    return any(pattern.search(sentence) for pattern in _evidence(term, "zh" if lang == "zh" else "en"))


@lru_cache(maxsize=256)
def _evidence(term: str, lang: str) -> tuple[re.Pattern[str], ...]:
    spec = cues()["definition"]
    sources = list(spec["evidence"][lang])
    if lang == "en" and re.match(spec["abbreviation"], term):
        sources.append(spec["abbreviation_evidence"])
    escaped = re.escape(term).replace(r"\ ", r"\s+")
    return tuple(re.compile(source.replace("{term}", escaped).replace("{brackets}", _BRACKETS)) for source in sources)
