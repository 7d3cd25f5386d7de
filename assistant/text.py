"""Small text helpers shared by cleaning, chunking and answering: scripts, languages, sentences."""

from __future__ import annotations

import re
from collections.abc import Iterator

CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Chinese characters with CJK punctuation and full-width forms (，。：（）), as a character-class body: what
# Chinese sets without spaces between words
CHINESE_TEXT = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
LATIN_LETTER = re.compile(r"[A-Za-z]")
# A sentence ends at . ! ? (followed by space/end) or at Chinese 。！？ (wherever they are),
# optionally followed by closing quotes/brackets; line breaks always end a sentence. A semicolon (; or ；)
# joins clauses of one sentence: splitting at ； cut CMRC answers in two (dev: answer in answer +0.02).
_SENTENCE_END = re.compile(r"(?:[.!?](?=\s|$)|[。！？!?])[\"'”’）)\]]*|\n+")
# "BMC Psychiatry. 2025 Jan 28;25(1):79. doi: 10..." is one reference, not three sentences.
_CITATION_CONTINUES = re.compile(r"[ \t]+(?:(?:19|20)\d\d[ \t]+[A-Z][a-z]{2}\b|doi:)")
_WORD_BEFORE_DOT = re.compile(r"(\w+(?:\.\w+)*)\.$")  # "e.g." and "U.S." whole, not their last letter
# "e. g." and "i. e." as some typesetting spaces them: neither dot ends a sentence
_SPACED_ABBREVIATION = re.compile(r"(?<![A-Za-z])(?:e\. ?g|i\. ?e)\.")
# A full stop after these is an abbreviation, not the end of a sentence.
ABBREVIATIONS = frozenset(
    "al e.g eg i.e ie vs cf etc dr mr mrs ms prof no nos fig figs vol pp approx sp spp "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def count_cjk(text: str) -> int:
    """Number of CJK ideographs in the text."""
    return len(CJK_CHAR.findall(text))


def detect_lang(text: str) -> str:
    """'zh' when Chinese characters dominate, 'en' when Latin letters do, '' for neither."""
    cjk = count_cjk(text)
    latin = len(LATIN_LETTER.findall(text))
    if cjk == 0 and latin == 0:
        return ""
    # One ideograph carries about as much as a short English word (~4 letters).
    return "zh" if cjk * 4 >= latin else "en"


def detect_langs(text: str, min_share: float = 0.1) -> list[str]:
    """Languages that make up at least `min_share` of the text, most present first."""
    cjk = count_cjk(text) * 4
    latin = len(LATIN_LETTER.findall(text))
    total = cjk + latin
    if not total:
        return []
    shares = {"en": latin / total, "zh": cjk / total}
    return [lang for lang, share in sorted(shares.items(), key=lambda kv: -kv[1]) if share >= min_share]


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield (start, end) offsets of the sentences in text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    pos = start
    for match in _SENTENCE_END.finditer(text, start, end):
        if _is_abbreviation(text, pos, match.start(), match.group()):
            continue
        yield from _trimmed(text, pos, match.end())
        pos = match.end()
    yield from _trimmed(text, pos, end)


def _is_abbreviation(text: str, sentence_start: int, dot: int, ending: str) -> bool:
    if not ending.startswith("."):
        return False
    if _CITATION_CONTINUES.match(text, dot + 1):
        return True
    spaced = _SPACED_ABBREVIATION.finditer(text, max(sentence_start, dot - 4), dot + 5)
    if any(m.start() <= dot < m.end() for m in spaced):
        return True
    word = _WORD_BEFORE_DOT.search(text, max(sentence_start, dot - 12), dot + 1)
    if not word:
        return False
    token = word.group(1)
    last = token.rsplit(".", 1)[-1]
    return token.lower() in ABBREVIATIONS or last.lower() in ABBREVIATIONS or (len(last) == 1 and last.isupper())


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


def normalise_space(text: str) -> str:
    """Collapse all whitespace runs to single spaces."""
    return " ".join(text.split())
