"""What kind of answer a question expects, and whether a sentence holds one.

A question such as "How many staff were interviewed?" expects a count; a sentence with a number
in it is then more likely to answer than one that merely names the study. Each type is a pair of
patterns (question cue, sentence evidence) in English and Chinese, kept in `assistant/cues.json`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ..lexical import tokenize
from ..patterns import ZH_NUMBER, cue, cues
from ..text import CJK_CHAR

_WORD = re.compile(r"[\w'-]+")
_N_EQUALS = re.compile(r"\bn\s*=\s*$", re.IGNORECASE)
_CAPITALISED = re.compile(r"[A-Z][a-z]+")
NEAR_WORDS = 4  # "22 Psychological Well-being Practitioners": a count's thing follows within a few words


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


def missing_count(question: str, sentences: list[str]) -> str | None:
    """The things an English "how many <things>?" question asks to count (or the measure word a Chinese one counts
    by, see _missing_chinese_count), when no sentence puts a number just
    before one of their words ("Eight staff", "22 Psychological Well-being Practitioners") or gives one after
    them ("two focus groups (n = 8)"): the studies do not count them. People count as people whatever the
    word ("fifteen participants" answers how many patients)."""
    counted_in_chinese = cue("counted_things", "zh_question").search(question)
    if counted_in_chinese:
        return _missing_chinese_count(counted_in_chinese.group("measure"), sentences)
    words = counted_words(question)
    if words is None or any(counts(sentence, words) for sentence in sentences):
        return None
    return " ".join(words)


def counted_words(question: str) -> tuple[str, ...] | None:
    """The words naming what an English "how many <things>?" question counts, or None when it names nothing to
    tell counts apart by ("how many of them", "how many cases")."""
    asked = cue("counted_things", "question").search(question)
    words = tuple(_WORD.findall(asked.group("things"))) if asked else ()
    if not tokenize(" ".join(words)) or any(cue("counted_things", "generic").match(word) for word in words):
        return None
    return words


def counts(sentence: str, things: Sequence[str]) -> bool:
    """Whether the sentence puts a number just before one of the things' words ("Eight staff") or gives one after
    them ("two focus groups (n = 8)"), people counting as people whatever the word."""
    number = cue("counted_things", "number")
    for found in number.finditer(sentence):
        after = _WORD.findall(sentence[found.end():found.end() + 120])[:NEAR_WORDS]
        before = _WORD.findall(sentence[max(0, found.start() - 120):found.start()])[-NEAR_WORDS - 1:]
        sample = bool(_N_EQUALS.search(sentence[:found.start()]))  # "n = 8" counts people, or what it follows
        if _counts(things, after) or (sample and (_counts(things, before) or _name_people(things))):
            return True
    return False


def _missing_chinese_count(measure: str, sentences: list[str]) -> str | None:
    """The measure word a Chinese question counts by ("多少名成员" counts by 名), when no sentence puts a number
    right before it ("8名", "两个", "30多个", "3万人"; 名, 位 and 人 count people alike). A sentence in English counts
    with any number: the measure word has no English form to look for."""
    people = cue("counted_things", "zh_people")
    units = "名|位|人" if people.match(measure) else re.escape(measure)
    counted = re.compile(rf"(?:{ZH_NUMBER})(?:[.,．]\d+)?\s*(?:万|亿)?(?:多|余|来)?\s*(?:{units})")
    english_number = cue("counted_things", "number")
    for sentence in sentences:
        if counted.search(sentence) or (not CJK_CHAR.search(sentence) and english_number.search(sentence)):
            return None
    return measure


def _counts(things: Sequence[str], near: list[str]) -> bool:
    """Whether the words near a number name the things asked about: one of their words, or any word for people
    when they are people ("fifteen participants" counts patients)."""
    if set(tokenize(" ".join(things))) & set(tokenize(" ".join(near))):
        return True
    return _name_people(things) and _name_people(near)


def _name_people(words: Sequence[str]) -> bool:
    return any(cue("counted_things", "people").match(word) for word in words)


def matches_type(sentence: str, answer_type: str) -> bool:
    """Whether the sentence contains evidence of the given answer type."""
    return bool(cue("answer_types", answer_type, "evidence").search(sentence))


def is_comparison(question: str) -> bool:
    """Whether the question compares studies (and so needs evidence from each)."""
    return bool(cue("comparison").search(question))


def new_names(sentence: str, question: str) -> set[str]:
    """Words of the sentence that look like names (`name_token`: CD86, Ac4ManNAz, EMBASE, PubMed) and that the
    question does not use: what a "which thing?" question asks for. A capitalised word opening the sentence (or
    a clause after a full stop or colon) is no name."""
    asked = _words_of(question)
    found = set()
    for match in cue("name_token").finditer(sentence):
        word = match.group(0)
        if word.casefold() in asked:
            continue
        before = sentence[:match.start()].rstrip()
        if _CAPITALISED.fullmatch(word) and (not before or before[-1] in ".:"):
            continue
        found.add(word)
    return found


@lru_cache(maxsize=64)
def _words_of(question: str) -> frozenset[str]:
    """The question's words, case-folded (read once per question, not once per candidate sentence)."""
    return frozenset(w.casefold() for w in _WORD.findall(question))
