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
    "method": (
        re.compile(r"analy|method|approach|design|software|coded|framework|分析|方法|软件|设计|编码", re.I),
        re.compile(r"analys[ie]s|analy[sz]ed|design|methodolog|software|coded|thematic|framework|"
                   r"interview|questionnaire|分析|方法|软件|设计|编码|访谈", re.I),
    ),
}


def expected_types(question: str) -> list[str]:
    """The answer types a question asks for (often none)."""
    types = [name for name, (cue, _) in ANSWER_TYPES.items() if cue.search(question)]
    # "How many weeks" asks for a duration, not a bare count.
    return [t for t in types if not (t == "count" and "duration" in types)]


def matches_type(sentence: str, answer_type: str) -> bool:
    """Whether the sentence contains evidence of the given answer type."""
    return bool(ANSWER_TYPES[answer_type][1].search(sentence))
