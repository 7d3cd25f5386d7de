"""How rare a search term is in text at large, so that a question's unknown words can be weighed.

A word of the question that the collection never uses is a sign that the collection does not answer it,
but only when the word names something rare ("IFITM", "Bennison", "浮龙"): a five-document collection also
lacks plenty of ordinary words ("long", "propose"). `background_vocabulary.json` holds each term's Zipf
frequency in general English and Chinese text (from wordfreq's lists, made by
`evals/build_background_vocabulary.py`); rarity maps it to 0 (very common) … 1 (rare or unseen).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

VOCABULARY_FILE = Path(__file__).with_name("background_vocabulary.json")
COMMONEST_ZIPF = 7.0  # "the", "的": rarity 0
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def _zipf() -> dict[str, float]:
    return json.loads(VOCABULARY_FILE.read_text("utf-8"))["zipf"]


def listed(term: str) -> bool:
    """Whether general text uses the term (it is in the background vocabulary): a word, not a typing slip."""
    return term in _zipf()


@lru_cache(maxsize=65536)
def rarity(term: str) -> float:
    """0 for a term common in general text, 1 for one rare there or never seen."""
    zipf = _zipf().get(term)
    if zipf is None and _CJK.search(term) and len(term) > 1:
        # wordfreq lists "注册" and "号" but not "注册号": a compound is as rare as its rarest part
        pieces = _known_pieces(term)
        if pieces:
            return max(rarity(piece) for piece in pieces)
    return min(1.0, max(0.0, 1.0 - (zipf or 0.0) / COMMONEST_ZIPF))


def _known_pieces(term: str, longest: int = 4) -> list[str] | None:
    """The term cut into listed words, longest first from the left; None when some part is not listed."""
    table, pieces, start = _zipf(), [], 0
    while start < len(term):
        end = next((e for e in range(min(len(term), start + longest), start, -1) if term[start:e] in table), None)
        if end is None:
            return None
        pieces.append(term[start:end])
        start = end
    return pieces if len(pieces) > 1 else None
