"""The sentence ranker: a logistic model of whether a candidate sentence holds the answer.

Each candidate of the top passages is described by `FEATURES` (meaning and term evidence against the
question, each also relative to the best candidate's; the kind of value asked for; the passage's rank and
document; the evidence of the sentences beside it; phrase overlap: word pairs in English, character pairs
in Chinese, where word segmentation often differs between question and text) and scored as the
probability that it holds the answer. Weights, per question language (English, Chinese; others use the
English ones), and the probability a sentence besides the lead one needs to join the answer, live in
`ranker.json`, written by `evals/fit_ranker.py` from public training questions
(COVID-QA train, CMRC 2018's fit half) with their provenance, dev figures and a dev ablation.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..lexical import CHINESE_STOPWORDS, tokenize

if TYPE_CHECKING:
    from .extractive import Candidate

FEATURES = (
    "bias",
    "similarity",          # cosine of sentence and question (the question's focus words weighted up)
    "coverage",            # IDF share of the question's terms in the sentence (and its section heading)
    "similarity_gap",      # the same, minus the best candidate's
    "coverage_gap",
    "typed",               # holds the kind of value asked for (a count, a year, a duration…)
    "passage_rank",        # 1 / (1 + rank of its passage)
    "lead_document",       # from the best-ranked passage's document
    "off_topic",           # another document, without the terms that name the lead one
    "other_language",      # not in the question's language
    "log_length",          # log of its length in characters
    "neighbour_coverage",  # best coverage of the sentences just before and after it in the passage
    "has_number",
    "phrase_coverage",     # share of the question's focus terms and term pairs (Chinese: character pairs) in it,
                           # weighted by rarity among the candidates
    "phrase_gap",
)
MODEL_FILE = Path(__file__).with_name("ranker.json")
_NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万两]")
_CJK_OR_WORD = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+")


def phrases(text: str, lang: str) -> set[str]:
    """Search terms (stemmed) and pairs of neighbouring ones (English), or character pairs and non-Chinese
    words (Chinese)."""
    if lang == "zh":
        units = [u for u in _CJK_OR_WORD.findall(text.lower()) if u not in CHINESE_STOPWORDS]
        return {a + b for a, b in zip(units, units[1:])} | {u for u in units if u.isascii()}
    terms = tokenize(text)
    return set(terms) | {f"{a} {b}" for a, b in zip(terms, terms[1:])}


def candidate_features(candidates: Sequence[Candidate], focus: str, lang: str) -> np.ndarray:
    """The `FEATURES` of every candidate (one row each); `focus` is the question without the words naming its
    topic (those every candidate of the lead study shares), whose phrases tell the candidates apart."""
    wanted = phrases(focus, lang)
    present = [phrases(c.text, lang) for c in candidates]
    n = len(candidates)
    weight = {p: math.log((n + 1) / (sum(p in have for have in present) + 0.5)) for p in wanted}
    total = sum(weight.values()) or 1.0
    phrase = np.array([sum(weight[p] for p in wanted & have) / total for have in present])
    similarity = np.array([c.similarity for c in candidates])
    coverage = np.array([c.coverage for c in candidates])
    lead = candidates[0].passage.doc_id
    rows = []
    for i, c in enumerate(candidates):
        rows.append([
            1.0, c.similarity, c.coverage, c.similarity - similarity.max(), c.coverage - coverage.max(),
            float(c.typed), 1.0 / (1 + c.rank), float(c.passage.doc_id == lead), float(c.off_topic),
            float(c.lang != lang), math.log(max(1, len(c.text))), _neighbour_coverage(candidates, i),
            float(bool(_NUMBER.search(c.text))), phrase[i], phrase[i] - phrase.max(),
        ])
    return np.array(rows, dtype=np.float64)


def _neighbour_coverage(candidates: Sequence[Candidate], i: int) -> float:
    """The best coverage of the sentences of the same passage just before and after candidate i."""
    c = candidates[i]
    near = [o.coverage for o in candidates[max(0, i - 1): i + 2]
            if o is not c and o.passage is c.passage]
    return max(near, default=0.0)


@dataclass(frozen=True)
class Ranker:
    """Logistic weights over `FEATURES` and the probability an extra sentence needs to join the answer,
    per question language."""

    weights: dict[str, np.ndarray]
    extra_threshold: dict[str, float]
    adopted: dict[str, bool]

    def covers(self, lang: str) -> bool:
        """Whether the fitted weights decide for this language (else the hand-weighted score does)."""
        return self.adopted.get(lang if lang == "zh" else "en", False)

    def probabilities(self, features: np.ndarray, lang: str) -> np.ndarray:
        """P(each candidate holds the answer)."""
        w = self.weights.get(lang, self.weights["en"])
        return 1.0 / (1.0 + np.exp(-(features @ w)))

    def joins_answer(self, probability: float, lang: str) -> bool:
        """Whether a sentence besides the lead one is likely enough to hold the answer to be quoted too."""
        return probability >= self.extra_threshold.get(lang, self.extra_threshold["en"])


@lru_cache(maxsize=4)
def load_ranker(path: Path = MODEL_FILE) -> Ranker:
    """The fitted ranker from its data file."""
    data = json.loads(Path(path).read_text("utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path} was fitted on other features; run evals/fit_ranker.py again")
    return Ranker({lang: np.array(w, dtype=np.float64) for lang, w in data["weights"].items()},
                  {lang: float(t) for lang, t in data["extra_sentence_threshold"].items()},
                  {lang: bool(a) for lang, a in data["adopted"].items()})
