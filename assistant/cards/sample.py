"""Sample size from the sentences that report it, with how it was counted.

A count is a number followed by people ("22 Psychological Well-being Practitioners", "九名同伴志愿者",
"Participants (n = 17)"). It is counted as interviews, focus groups or questionnaires by the nearest
such word in its sentence; "12 of them" / "其中12名" marks a subset of an earlier count. A sentence that
breaks its count down ("two focus groups (n = 8) and a telephone-based interview (n = 1)") gives the
total in its headline number and the breakdown in the `n =` parts. Numbers of invited, eligible or
screened people are not samples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..patterns import EN_NUMBER, ZH_NUMBER
from .numbers import parse_number

PERSON = (r"participants?|people|persons|individuals|respondents|interviewees|informants|staff|employees|members|"
          r"volunteers|clinicians|practitioners|nurses|doctors|physicians|psychiatrists|psychologists|therapists|"
          r"midwives|students|patients|workers|managers|carers|caregivers|PWPs|professionals|counsell?ors|"
          r"paramedics|residents|trainees|social workers|GPs|leaders|facilitators|peers")
_BETWEEN = (r"(?:(?!(?:with|of|from|in|at|for|and|or|to|by|were|was|who|had|have|focus|groups?|interviews?|sessions?|"
            r"studies|themes?|weeks?|months?|years?|days?|hours?|items?|questions?|times)\b)[A-Za-z'’()-]+\s+){0,5}?")
_EN_COUNT = re.compile(rf"(?<![\w.-])(?P<n>{EN_NUMBER})\s+{_BETWEEN}(?P<noun>{PERSON})\b", re.I)
_EN_SUBSET = re.compile(rf"(?<![\w.-])(?P<n>{EN_NUMBER}) of (?:them|these|those|whom)\b", re.I)
_EN_ACTED = re.compile(rf"(?<![\w.-])(?P<n>{EN_NUMBER})\s+(?:agreed to (?:take part|participate)|took part|participated|"
                       rf"consented|enrolled|were (?:interviewed|recruited|included))\b", re.I)
_EN_TOTAL_N = re.compile(r"(?<![\w-])[Nn]\s*=\s*(?P<n>\d{1,6})\b")
_ZH_COUNT = re.compile(rf"(?P<sub>其中)?(?P<n>{ZH_NUMBER})\s*(?:名|位|例|人(?!次))")
_ZH_TOTAL = re.compile(rf"样本(?:量|数)?为\s*(?P<n>{ZH_NUMBER})")
_BREAKDOWN = re.compile(
    r"(?P<method>focus[- ]groups?|(?:telephone[- ]?(?:based )?)?interviews?|questionnaires?|surveys?|焦点小组|访谈|问卷)"
    r"\s*[(（]\s*[nN]\s*=\s*(?P<n>\d{1,6})\s*[)）]", re.I)
_METHODS = [("focus groups", re.compile(r"focus[- ]groups?|焦点小组|焦点团体", re.I)),
            ("interviews", re.compile(r"interview\w*|访谈", re.I)),
            ("questionnaires", re.compile(r"questionnaires?|surveys?\b|问卷", re.I))]
_CLAUSE_END = re.compile(r"[,;，；]")
_NOT_A_SAMPLE = re.compile(r"\b(?:invited|approached|eligible|screened|contacted|declined)\b|邀请|符合条件|筛查", re.I)


@dataclass
class Count:
    """One reported count: `unit` is "participants" or how it was counted; `span` is within the sentence."""

    n: int
    unit: str
    span: tuple[int, int]
    subset: bool = False
    total: bool = False


def counts_in(sentence: str) -> list[Count]:
    """Every count of people the sentence reports."""
    breakdown = [Count(int(m["n"]), _method_of(m["method"]), m.span()) for m in _BREAKDOWN.finditer(sentence)]
    taken = [c.span for c in breakdown]
    found = list(breakdown)
    for pattern, subset in ((_EN_SUBSET, True), (_EN_COUNT, False), (_EN_ACTED, False), (_ZH_COUNT, None),
                            (_ZH_TOTAL, False), (_EN_TOTAL_N, False)):
        for m in pattern.finditer(sentence):
            n = parse_number(m["n"])
            if not n or _overlaps(m.span(), taken) or _not_a_sample(sentence, m.span()):
                continue
            is_subset = bool(m.groupdict().get("sub")) if subset is None else subset
            headline = pattern in (_ZH_TOTAL, _EN_TOTAL_N) or bool(breakdown)
            unit = "participants" if headline and not is_subset else _nearest_method(sentence, m.span())
            found.append(Count(n, unit, m.span(), subset=is_subset, total=headline and not is_subset))
            taken.append(m.span())
    return sorted(found, key=lambda c: c.span)


def _not_a_sample(sentence: str, span: tuple[int, int]) -> bool:
    """"40 staff invited", "eligible: 52" – people counted before the study, not its sample."""
    clause = _CLAUSE_END.split(sentence[:span[0]])[-1]
    before = " ".join(clause.split()[-1:])  # the word just before: "invited 40 staff", "eligible: 52"
    before = before[-6:] if re.search(r"[\u4e00-\u9fff]", before) else before
    after = _CLAUSE_END.split(sentence[span[1]:span[1] + 25], maxsplit=1)[0]
    return bool(_NOT_A_SAMPLE.search(f"{before} {sentence[span[0]:span[1]]}{after}"))


def _method_of(word: str) -> str:
    return next(name for name, pattern in _METHODS if pattern.search(word))


def _nearest_method(sentence: str, span: tuple[int, int]) -> str:
    """The counting method named later in the count's own clause, else the nearest one in the sentence."""
    clause = _CLAUSE_END.split(sentence[span[1]:], maxsplit=1)[0]
    later = [(m.start(), name) for name, pattern in _METHODS if (m := pattern.search(clause))]
    if later:
        return min(later)[1]
    best, distance = "participants", None
    for name, pattern in _METHODS:
        for m in pattern.finditer(sentence):
            gap = m.start() - span[1] if m.start() >= span[1] else span[0] - m.end()
            if distance is None or gap < distance:
                best, distance = name, gap
    return best


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)
