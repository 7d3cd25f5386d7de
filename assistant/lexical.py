"""BM25 over chunks with bm25s: English words stemmed, Chinese segmented with jieba."""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from pathlib import Path

import numpy as np

from .answering.background import listed

log = logging.getLogger(__name__)

ENGLISH_STOPWORDS = frozenset(
    """a an and are as at be been but by can did do does for from had has have how i if in into is it its
    of on or our she so that the their them then there these they this those to was we were what when where
    which who whom why will with would you your about after also any both each more most other over same
    such than too very between during through under until up out all many much say says said still
    study studies paper""".split()
)
CHINESE_STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 也 都 而 其 之 对 为 以 于 中 上 下 等 这 那 一 个 有 被 把 将 并 从 该 这些 那些 "
    "它 它们 他们 她 他 我 我们 你 什么 哪些 哪个 哪 多少 怎样 如何 吗 呢 吧 啊 研究 本研究".split()
)
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CJK_RUN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
_jieba_lock = threading.Lock()
# British -ise/-isation spellings match their -ize forms (randomised ~ randomized).
TYPO_MIN_LENGTH = 7  # shorter words one edit apart are often different words ("H7N9"/"H7N7" hold digits anyway)
_BRITISH_ISE = re.compile(r"^(\w{4,})is(?=e[ds]?$|ing$|ations?$)")


class _Stemmer:
    _instance = None

    @classmethod
    def get(cls):
        if cls._instance is None:
            import Stemmer

            cls._instance = Stemmer.Stemmer("english")
        return cls._instance


def _jieba():
    import jieba

    with _jieba_lock:
        if not jieba.dt.initialized:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
    return jieba


def tokenize(text: str) -> list[str]:
    """Search terms: lower-cased stemmed English words and jieba-segmented Chinese words."""
    stemmer = _Stemmer.get()
    terms: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if _CJK_RUN.match(token):
            terms.extend(w for w in _jieba().cut_for_search(token) if w not in CHINESE_STOPWORDS)
        else:
            lower = _BRITISH_ISE.sub(r"\1iz", token.lower())
            if lower not in ENGLISH_STOPWORDS and (len(lower) > 1 or lower.isdigit()):
                terms.append(stemmer.stemWord(lower))
    return terms


def _one_edit(word: str) -> set[str]:
    """Every string one typing slip from the word: two neighbours swapped or a letter changed anywhere, a letter
    dropped or added inside it. Not at its ends: a stem one letter longer or shorter there is another form of
    the word or another word ("attende" of attendees is not "attend")."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    n = len(word)
    swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(n - 1)}
    changed = {word[:i] + c + word[i + 1:] for i in range(n) for c in letters}
    dropped = {word[:i] + word[i + 1:] for i in range(1, n - 1)}
    added = {word[:i] + c + word[i:] for i in range(1, n) for c in letters}
    return (swapped | changed | dropped | added) - {word}


class LexicalIndex:
    """A BM25 index over a list of texts, addressed by position."""

    def __init__(self, bm25, doc_freq: dict[str, int], size: int) -> None:
        self._bm25 = bm25
        self.doc_freq = doc_freq
        self.size = size
        self._spellings: dict[str, str] = {}

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        """Index the texts (positions are their ids)."""
        import bm25s

        corpus = [tokenize(t) for t in texts]
        doc_freq: Counter[str] = Counter()
        for terms in corpus:
            doc_freq.update(set(terms))
        bm25 = bm25s.BM25()
        bm25.index(corpus or [[]], show_progress=False)
        return cls(bm25, dict(doc_freq), len(texts))

    def save(self, folder: Path) -> None:
        """Write the index under `folder`."""
        import json

        self._bm25.save(str(folder), show_progress=False)
        (folder / "doc_freq.json").write_text(json.dumps({"size": self.size, "df": self.doc_freq}), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        """Read an index written by `save`."""
        import json

        import bm25s

        data = json.loads((folder / "doc_freq.json").read_text("utf-8"))
        return cls(bm25s.BM25.load(str(folder), show_progress=False), data["df"], data["size"])

    def spelled(self, term: str) -> str:
        """The term as the collection spells it: an unknown word of letters, TYPO_MIN_LENGTH or longer, one
        typing slip (see _one_edit) from a known term becomes that term (the most frequent, if several):
        "carageenan" finds "carrageenan", "zanamavir" "zanamivir", "iockdown" "lockdown". A word of general
        English (in the background vocabulary) is no slip, and other terms stay as they are too."""
        if term in self.doc_freq or len(term) < TYPO_MIN_LENGTH or not term.isascii() or not term.isalpha():
            return term
        found = self._spellings.get(term)
        if found is None and listed(term):  # a word of its own ("profess"), however close to "process"
            found = self._spellings[term] = term
        if found is None:
            known = [t for t in _one_edit(term) if t in self.doc_freq]
            found = self._spellings[term] = max(known, key=lambda t: (self.doc_freq[t], t)) if known else term
        return found

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term (unknown terms count as rare)."""
        df = self.doc_freq.get(term, 0)
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (position, score) pairs with a positive score; `allowed` is a boolean mask."""
        terms = [t for t in map(self.spelled, tokenize(query)) if t in self.doc_freq]
        if not terms or not self.size:
            return []
        scores = self._bm25.get_scores(terms)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        k = min(k, self.size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
