"""Write the background vocabulary (assistant/answering/background_vocabulary.json) from wordfreq's lists.

    pip install wordfreq && python evals/build_background_vocabulary.py

How common each term is in text at large, as a Zipf frequency (log10 of occurrences per billion words):
wordfreq's "large" English and Chinese lists (wordfreq 3.x, Apache-2.0 code; its data combines Wikipedia,
subtitles, news, books and web text under CC BY-SA 4.0, so this derived table is CC BY-SA 4.0 too). English
words are stemmed as the product's search index stems them (a stem keeps its most frequent word's figure);
Chinese words are kept as jieba segments them. Words under MIN_ZIPF are left out: the product treats a
missing term as rare, which they are.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "assistant" / "answering" / "background_vocabulary.json"
MIN_ZIPF = 2.0
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def main() -> None:
    import wordfreq

    from assistant.lexical import tokenize

    table: dict[str, float] = {}
    for lang in ("en", "zh"):
        for word in wordfreq.iter_wordlist(lang, wordlist="large"):
            zipf = wordfreq.zipf_frequency(word, lang, wordlist="large")
            if zipf < MIN_ZIPF:
                break  # the list is in descending frequency
            if lang == "zh" and not _CJK.search(word):
                continue
            terms = tokenize(word) if lang == "en" else [word]
            for term in terms[:1] if len(terms) == 1 else []:
                table[term] = max(table.get(term, 0.0), round(zipf, 2))
    OUT.write_text(json.dumps({
        "source": f"wordfreq {getattr(wordfreq, '__version__', '3.x')} large lists (en, zh), CC BY-SA 4.0",
        "min_zipf": MIN_ZIPF, "zipf": dict(sorted(table.items())),
    }, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    print(f"{len(table)} terms -> {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
