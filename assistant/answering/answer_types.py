"""What kind of answer a question expects, and whether a sentence holds one.

A question such as "How many staff were interviewed?" expects a count; a sentence with a number
in it is then more likely to answer than one that merely names the study. Each type is a pair of
patterns (question cue, sentence evidence) in English and Chinese.
"""

from __future__ import annotations

import re

_NUMBER_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|forty|fifty"
_ZH_NUMBER = r"[一二两三四五六七八九十百千\d]+"

ANSWER_TYPES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    # Attributes that studies often report. When a question asks for one and no retrieved sentence
    # holds any instance of it, the studies do not answer the question (see `ATTRIBUTE_TYPES`).
    "age": (
        re.compile(r"\bages?\b|how old|年龄|多大", re.I),
        re.compile(r"\baged\b|\bages?\b|years old|\bmean age|\bage range|岁|年龄", re.I),
    ),
    "cost": (
        re.compile(r"\bcosts?\b|\bprice|\bfees?\b|how much money|\bbudget|\bspend|费用|成本|价格|花费|多少钱", re.I),
        re.compile(r"\bcosts?\b|\bcosting|[£$€¥]\s?\d|\bprice|\bfees?\b|\bbudget|费用|成本|价格|元", re.I),
    ),
    "dose": (
        re.compile(r"\bdos(e|es|age)\b|medication|\bdrugs?\b|prescri|antidepressant|服用|剂量|药", re.I),
        re.compile(r"\bdos(e|es|age)\b|\bmg\b|medication|\bdrugs?\b|prescri|antidepressant|剂量|药物|服用", re.I),
    ),
    "statistic": (
        re.compile(r"statistical|\bp[- ]values?\b|t-test|anova|regression|effect size|significan|统计|显著", re.I),
        re.compile(r"statistic|\bp\s*[<=>]|t-test|anova|chi-square|regression|effect size|confidence interval|"
                   r"significan|统计|显著", re.I),
    ),
    "mortality": (
        re.compile(r"\bdied\b|\bdeaths?\b|\bdie\b|mortality|死亡|去世", re.I),
        re.compile(r"\bdied\b|\bdeaths?\b|mortality|死亡|去世", re.I),
    ),
    "funding": (
        re.compile(r"\bfund(ed|ing|er|s)?\b|\bgrants?\b|sponsor|资助|基金|赞助|经费", re.I),
        re.compile(r"\bfund(ed|ing|er|s)?\b|\bgrants?\b|sponsor|资助|基金|赞助|经费", re.I),
    ),
    "duration": (
        re.compile(r"how long|duration|多长时间|多久|持续了?多", re.I),
        re.compile(rf"\b(\d+|{_NUMBER_WORDS})[- ]?(weeks?|months?|years?|days?|sessions?)\b|{_ZH_NUMBER}\s*(周|个月|年|天|次)", re.I),
    ),
    "count": (
        re.compile(r"how many|number of|how much|多少|几个|几名|几位|几项|几次|几种", re.I),
        re.compile(rf"\b(\d+|{_NUMBER_WORDS})\b|{_ZH_NUMBER}\s*(名|个|位|项|次|种|组)", re.I),
    ),
    "year": (
        re.compile(r"\bwhen\b|which years?|what years?|what year|哪一?年|何时|什么时候", re.I),
        re.compile(r"\b(19|20)\d\d\b"),
    ),
    "people": (
        re.compile(r"\bwho\b|author|wrote|作者|谁", re.I),
        re.compile(r"^[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}\s*,\s*[A-Z]"),
    ),
    "identifier": (
        re.compile(r"\bdoi\b|registration|registered|identifier|trial number|注册号|注册|标识", re.I),
        re.compile(r"\b10\.\d{4,9}/\S+|\b(NCT\d{8}|ISRCTN\d+|ChiCTR\S+|ACTRN\d+)", re.I),
    ),
    "journal": (
        re.compile(r"journal|published in|appear(ed)? in|期刊|发表在", re.I),
        re.compile(r"^[A-Z][^.;]{1,100}\.\s+(19|20)\d\d\b|\bjournal\b|期刊", re.I),
    ),
    "place": (
        re.compile(r"\bwhere\b|which country|what country|location|哪里|哪个国家|在哪", re.I),
        re.compile(r"\b(in|from|at)\s+(the\s+)?[A-Z][a-z]+|国|省|市"),
    ),
    "design": (
        re.compile(r"\b(type|kind|sort) of (study|paper|article|research)|study design|\bdesign\b|类型|什么样的研究|研究设计", re.I),
        re.compile(r"qualitative|quantitative|mixed[- ]methods?|conceptual|randomi[sz]ed|\btrial\b|survey|"
                   r"cross-sectional|cohort|case study|质性|定性|定量|混合方法|概念性|随机|横断面", re.I),
    ),
    "analysis": (
        re.compile(r"analy|coded|coding|software|分析|编码|软件", re.I),
        re.compile(r"analys[ie]s|analy[sz]ed|thematic|framework|coded|coding|software|nvivo|分析|编码|软件", re.I),
    ),
    "collection": (
        re.compile(r"data collection|collect|gather|how were (the )?data|收集|采集", re.I),
        re.compile(r"interview|questionnaire|focus group|survey|observ|访谈|问卷|焦点小组|调查", re.I),
    ),
}


ATTRIBUTE_TYPES = frozenset({"age", "cost", "dose", "statistic", "mortality", "funding"})


def expected_types(question: str) -> list[str]:
    """The answer types a question asks for (often none)."""
    types = [name for name, (cue, _) in ANSWER_TYPES.items() if cue.search(question)]
    # "How many weeks" asks for a duration and "how much did it cost" for a cost, not a bare count.
    return [t for t in types if not (t == "count" and ({"duration", "cost"} & set(types)))]


def missing_attribute(question: str, sentences: list[str]) -> str | None:
    """An attribute the question asks for (age, cost, dose...) that none of the sentences mentions."""
    for answer_type in expected_types(question):
        if answer_type in ATTRIBUTE_TYPES and not any(matches_type(s, answer_type) for s in sentences):
            return answer_type
    return None


def matches_type(sentence: str, answer_type: str) -> bool:
    """Whether the sentence contains evidence of the given answer type."""
    return bool(ANSWER_TYPES[answer_type][1].search(sentence))


_COMPARISON = re.compile(
    r"\bcompar|\bdiffer|\bboth\b|\bversus\b|\bvs\.?\s|\bcontrast|\bwhereas\b|比较|区别|不同|分别|相比|异同|两者|二者", re.I)


def is_comparison(question: str) -> bool:
    """Whether the question compares studies (and so needs evidence from each)."""
    return bool(_COMPARISON.search(question))
