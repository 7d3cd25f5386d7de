"""Abbreviations a document defines ("dendritic cells (DCs)"), so that a sentence using one matches a
question using the words it stands for, and the other way round.

Papers define an abbreviation once and use it from then on; people asking about them write whichever form
they remember. The definitions are found the way Schwartz and Hearst (2003) describe: a short form in
parentheses after the words it abbreviates, each of its letters found in order, from the end, in those
words, its first letter opening one of them. Only English (Latin-script) definitions are read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .lexical import tokenize

_DEFINED = re.compile(r"\(\s*([A-Za-z0-9][\w.\-/+]{0,9}?)\s*[);,]")
_WORD = re.compile(r"[A-Za-z0-9][\w\-]*")
_CLAUSE_END = re.compile(r"[.;:!?()\[\]]\s")
MAX_EXTRA_WORDS = 5  # Schwartz and Hearst: the long form has at most min(|SF| + 5, 2 |SF|) words


@dataclass(frozen=True)
class Abbreviations:
    """A document's short forms (as written, plural forms too) and the terms of what each stands for."""

    terms_of: Mapping[str, frozenset[str]]  # short form -> the tokens of its long form
    short_terms_of: Mapping[str, frozenset[str]]  # short form -> its own tokens

    def expand(self, sentence: str, terms: set[str]) -> set[str]:
        """The sentence's terms with, for each defined short form it uses, the long form's terms, and for each
        long form it spells out, the short form's."""
        if not self.terms_of:
            return terms
        extra: set[str] = set()
        for word in set(_WORD.findall(sentence)) & self.terms_of.keys():
            extra |= self.terms_of[word]
        for short, long_terms in self.terms_of.items():
            if long_terms <= terms:
                extra |= self.short_terms_of[short]
        return terms | extra if extra else terms


NO_ABBREVIATIONS = Abbreviations({}, {})


def defined_abbreviations(text: str) -> Abbreviations:
    """The abbreviations the text defines, each short form with the first long form given for it."""
    found: dict[str, str] = {}
    for match in _DEFINED.finditer(text):
        short = match.group(1).rstrip(".-/")
        if short in found or not _is_short_form(short):
            continue
        long = long_form(short, _words_before(text, match.start()))
        if long:
            found[short] = long
            for variant in _number_variants(short):
                found.setdefault(variant, long)
    terms_of = {s: frozenset(tokenize(long)) for s, long in found.items()}
    short_terms = {s: frozenset(tokenize(s)) for s in found}
    kept = {s: t for s, t in terms_of.items() if t and short_terms[s] and not short_terms[s] & t}
    return Abbreviations(kept, {s: short_terms[s] for s in kept})


def long_form(short: str, before: str) -> str:
    """The words ending `before` that `short` abbreviates, or "" when its letters cannot all be found in them
    in order, the first opening a word."""
    words = before.split()
    letters = [ch.lower() for ch in short if ch.isalnum()]
    limit = min(len(letters) + MAX_EXTRA_WORDS, 2 * len(letters))
    candidate = " ".join(words[-limit:])
    low = candidate.lower()
    pos = len(low)
    for i in range(len(letters) - 1, -1, -1):
        ch = letters[i]
        pos = low.rfind(ch, 0, pos)
        while i == 0 and pos > 0 and low[pos - 1].isalnum():
            pos = low.rfind(ch, 0, pos)  # the first letter must open a word
        if pos < 0:
            return ""
    start = low.rfind(" ", 0, pos) + 1
    long = candidate[start:].strip(" ,")
    if len(long) <= len(short) or short.lower() in long.lower().split():
        return ""
    return long


def _is_short_form(short: str) -> bool:
    """Looks like an abbreviation: two to ten characters, a capital letter among them, mostly letters."""
    return (2 <= len(short) <= 10 and any(ch.isupper() for ch in short)
            and sum(ch.isalpha() for ch in short) >= max(1, len(short) // 2))


def _words_before(text: str, paren: int) -> str:
    """The clause before an opening parenthesis (the long form lies within it)."""
    window = text[max(0, paren - 200):paren]
    ends = list(_CLAUSE_END.finditer(window))
    return window[ends[-1].end():] if ends else window


def _number_variants(short: str) -> list[str]:
    """The short form's singular or plural ("DCs" and "DC"), which the text may use as well."""
    if short.endswith("s") and len(short) > 2 and short[-2].isupper():
        return [short[:-1]]
    if short[-1].isupper():
        return [short + "s"]
    return []
