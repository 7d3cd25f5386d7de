"""Recognise questions about the collection ("which studies …", "how many studies …", "compare the studies' …")
and read their conditions from the same vocabulary the cards are filled with.

A question goes to the cards when it asks across studies and names something a card holds: a value
("thematic analysis", "outside the UK", "more than 20 participants") or a field ("sample size",
"design"). Comparisons of named studies ("the CFT study and the Tele-Balint study") go to the cards
when every named study can be picked out by a card value; otherwise the passage path answers them. Where
one named study was done (its country or setting) is read from that study's card too (kind "study"), when
its card holds the field; other questions about one study keep the passage path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text import detect_lang
from ..answering.answer_types import is_comparison
from ..patterns import EN_NUMBER, ZH_NUMBER
from .numbers import parse_number
from .sample import PERSON
from .vocabulary import TERMS, Term

_COUNT = re.compile(r"\bhow many (?:of the )?(?:[\w-]+ )?(?:studies|papers|articles)\b|(?:多少|几)(?:项|篇)|(?:多少|几)个(?:研究|论文)",
                    re.I)
_WHICH = re.compile(
    r"\bwhich (?:of the )?(?:[\w-]+ ){0,2}?(?:studies|study|papers?|articles?)\b|\bwhat (?:studies|papers|articles)\b|"
    r"\b(?:list|name|show)\b.{0,25}\b(?:studies|papers)\b|\b(?:any|all) (?:of )?(?:the )?(?:studies|papers)\b|"
    r"哪(?:些|项|个|几项|一项|篇|几篇)(?:研究|论文)|列出.{0,8}(?:研究|论文)", re.I)
# Cues of a question about every study; comparison cues (shared with the passage path) count too when the
# question names studies or papers.
_ACROSS = re.compile(
    r"\b(?:each|every) (?:of the )?(?:[\w-]+ )?(?:studies|study|papers?)\b|"
    r"\b(?:the|these|all|both) (?:[\w-]+ )?(?:studies|papers)\b|\bacross (?:the )?(?:studies|papers)\b|"
    r"各项研究|每项研究|各研究|所有研究|这些研究|两项研究|有何不同", re.I)

_STUDIES = re.compile(r"\b(?:stud(?:y|ies)|papers?|articles?|trials?)\b|研究|论文", re.I)

ASKED = {
    "sample_size": r"sample sizes?|how many (?:people|participants|staff|clinicians|practitioners|volunteers|nurses|"
                   r"interviewees|were interviewed)|number of (?:people|participants)|heard from|样本量|样本|多少人|多少名|几名|几人",
    "design": r"\bdesigns?\b|\bstudy types?\b|\btypes? of (?:study|studies|paper)\b|\bkinds? of (?:study|paper)\b|"
              r"\bmethodolog|研究设计|研究类型|什么类型|哪种类型",
    "country": r"\bcountr(?:y|ies)\b|\bwhere\b|国家|在哪里|在哪儿",
    "setting": r"\bsettings?\b|场所|研究环境",
    "population": r"\bpopulations?\b|\bwho (?:took part|participated|was interviewed|were interviewed)|研究对象|参与者是谁",
    "data_collection": r"\bdata collection\b|\bcollect(?:ed)? (?:their |the )?data\b|数据收集|收集数据|资料收集",
    "analysis": r"\banaly[sz](?:is|es|ed|e)\b|\banalytic|分析方法|如何分析",
    "intervention": r"\binterventions?\b|干预措施",
}
# Asked of one study, where it was done goes to its card: the sentence that says so seldom has the question's
# words ("country", "setting"), while a design, a sample or an analysis is named in the sentence stating it,
# which the passage path finds (and "what did the analysis find?" asks for findings, not for a field).
ONE_STUDY_ASKED = {
    "country": r"\b(?:which|what|in which|in what) countr(?:y|ies)\b|在哪(?:个|些)国家|哪(?:个|些)国家|"
               r"^\s*where (?:was|were|is) [^?]{0,60}\b(?:done|conducted|carried out|based|held|run|performed|undertaken)\b",
    "setting": r"\b(?:which|what|in which|in what) (?:kinds? of )?settings?\b|在什么(?:场所|环境)|研究环境",
}
# Wordings that questions use but study texts state differently.
QUESTION_TERMS = {
    "design": [Term("randomised controlled trial", r"\brandomi[sz]ed (?:controlled )?trials?\b|\bRCTs?\b|\btrials\b",
                    r"随机对照试验|随机试验"),
               Term("qualitative", r"\bqualitative\b", r"质性|定性"),
               Term("systematic review", r"\breviews\b", r"综述")],
    "population": [Term("healthcare staff", r"\bstaff\b|\bhealth ?care workers\b", r"医护人员|员工|工作人员")],
    "country": [Term("United Kingdom", r"\bBritish\b|\bUK\b", r"英国")],
}
IDENTIFYING = ("intervention", "population", "country", "setting", "design")
_NEGATION_BEFORE = re.compile(
    r"(?:\boutside|\bnot|\bnon|\bother than|\bexcluding|\bexcept|\bwithout|\bapart from|\bbesides|\bdidn'?t|\bdon'?t"
    r"|非|不是|不在|没有|未)\W*(?:\w+\W+){0,3}$", re.I)
_NEGATION_AFTER = re.compile(r"^\W*(?:以外|之外)")
_OPS = {"more than": ">", "over": ">", "above": ">", "greater than": ">", "at least": ">=", "fewer than": "<",
        "less than": "<", "under": "<", "below": "<", "at most": "<=", "no more than": "<=", "超过": ">", "多于": ">",
        "大于": ">", "至少": ">=", "不少于": ">=", "少于": "<", "不足": "<", "小于": "<", "低于": "<", "不超过": "<=",
        "至多": "<="}
_EN_SIZE = re.compile(rf"\b(?P<op>no more than|more than|over|above|greater than|at least|fewer than|less than|under|"
                      rf"below|at most)\s+(?P<n>{EN_NUMBER})\s+(?:[\w-]+\s+)?(?:{PERSON})\b", re.I)
_ZH_SIZE = re.compile(rf"(?P<op>超过|多于|大于|至少|不少于|少于|不足|小于|低于|不超过|至多)\s*(?P<n>{ZH_NUMBER})\s*(?:名|人|位)")


@dataclass
class Condition:
    """A card value the question asks for (or, negated, asks to exclude)."""

    field: str
    value: str
    match: str
    negated: bool = False


@dataclass
class SizeCondition:
    """A bound on the number of participants."""

    op: str
    n: int
    match: str

    def holds(self, size: int) -> bool:
        """Whether a sample of `size` satisfies the bound."""
        return {">": size > self.n, ">=": size >= self.n, "<": size < self.n, "<=": size <= self.n}[self.op]


@dataclass
class CollectionQuestion:
    """What a question across the collection asks: the conditions, the fields to show, and how to answer."""

    question: str
    lang: str
    kind: str  # "count", "which", "compare" (named studies), "each" (every study) or "study" (one named study)
    conditions: list[Condition] = field(default_factory=list)
    sizes: list[SizeCondition] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)


def read_collection_question(question: str, lang: str | None = None,
                             compares: bool | None = None) -> CollectionQuestion | None:
    """The question's conditions when it asks about the collection of studies, else None (`lang`, `compares`:
    the question's language and whether it has a comparison cue, when already known)."""
    counting, which = bool(_COUNT.search(question)), bool(_WHICH.search(question))
    compares = is_comparison(question) if compares is None else compares
    across = bool(_ACROSS.search(question)) or (compares and _names_studies(question))
    lang = lang or detect_lang(question) or "en"
    if not (counting or which or across):
        return _about_one_study(question, lang)
    conditions = _conditions(question)
    sizes = _sizes(question)
    asked = [name for name, cue in ASKED.items() if re.search(cue, question, re.I)]
    if "sample_size" in asked:
        conditions = [c for c in conditions if c.field != "data_collection"]  # "how many were interviewed"
    if (counting or which) and (conditions or sizes):
        return CollectionQuestion(question, lang, "count" if counting else "which", conditions, sizes, asked)
    if not asked or counting:
        return None
    named = [c for c in conditions if c.field in IDENTIFYING and not c.negated]
    kind = "compare" if named else "each"
    return CollectionQuestion(question, lang, kind, named if named else conditions, sizes, asked)


def _names_studies(question: str) -> bool:
    """Whether the question names studies, not one: a plural ("the trials") or two mentions ("the CFT study and
    the PEER trial"). A comparison inside one paper ("How do low-intensity interventions differ from standard
    therapy, according to the BMC Psychiatry paper?") is a question for its passages, not for every card."""
    found = _STUDIES.findall(question)
    return len(found) >= 2 or any(word.lower() in {"studies", "papers", "articles", "trials"} for word in found)


def _about_one_study(question: str, lang: str) -> CollectionQuestion | None:
    """Where or in what setting one named study was done ("Which country was the Tele-Balint study conducted
    in?"): a card field of the study a card value picks out (kind "study"), else None."""
    asked = [name for name, cue in ONE_STUDY_ASKED.items() if re.search(cue, question, re.I)]
    if not asked or len(_STUDIES.findall(question)) != 1:  # two named studies are a comparison
        return None
    named = [c for c in _conditions(question) if c.field in IDENTIFYING and c.field not in asked and not c.negated]
    return CollectionQuestion(question, lang, "study", named, [], asked) if named else None


# The more specific reading of a word wins: "NHS" is a setting before it is a country.
_FIELD_ORDER = ("setting", "intervention", "population", "design", "data_collection", "analysis", "country")


def _conditions(question: str) -> list[Condition]:
    found: list[Condition] = []
    used: list[tuple[int, int]] = []
    for name in _FIELD_ORDER:
        for term in QUESTION_TERMS.get(name, []) + TERMS[name]:
            match = next((m for p in term.patterns() if (m := p.search(question))), None)
            if match is None or any(c.field == name and c.value == term.value for c in found):
                continue
            if any(c.field != name and span == match.span() for c, span in zip(found, used)):
                continue
            used.append(match.span())
            negated = bool(_NEGATION_BEFORE.search(question[:match.start()]) or _NEGATION_AFTER.search(question[match.end():]))
            found.append(Condition(name, term.value, match.group(), negated))
    return found


def _sizes(question: str) -> list[SizeCondition]:
    sizes = []
    for pattern in (_EN_SIZE, _ZH_SIZE):
        for m in pattern.finditer(question):
            n = parse_number(m["n"])
            if n is not None:
                sizes.append(SizeCondition(_OPS[m["op"].lower()], n, m.group()))
    return sizes
