"""The no-answer decision: a logistic model of whether the collection answers a question at all.

It reads what the ranked candidate sentences show (`FEATURES`: how well the best ones match the question
in meaning and in rare terms, and how much of the question names things the collection never mentions)
and gives the probability that the question is answerable; below the fitted threshold for the question's
language (English or Chinese; other languages use the English one) the answerer refuses. Weights and
thresholds live in `no_answer.json`, written by `evals/fit_no_answer.py` from public
questions (COVID-QA train, CMRC 2018's fit half) asked of collections that hold their context (answerable)
or lack it (unanswerable), with the data's provenance and the dev figures.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .extractive import Ranked

FEATURES = (
    "bias",
    "chinese",             # the question is Chinese (the dense model reads it poorly)
    "best_score",          # the lead sentence's score (the hand-weighted score or the ranker's probability, see ranker.py)
    "best_score_zh",       # the same for Chinese questions (their scores come from the fitted ranker)
    "best_coverage",       # IDF share of the question's terms in the lead sentence
    "best_coverage_zh",
    "max_coverage",        # the same, best over all candidates
    "best_similarity_en",  # cosine of the lead sentence and the question (non-Chinese questions)
    "max_similarity_en",
    "unknown_rarity",      # summed rarity (in general text) of question terms the collection never uses
    "unknown_rarity_zh",
    "best_typed",          # the lead sentence holds the kind of value asked for
    "log_chunks",          # log10 of the collection's chunk count: small collections lack many ordinary words
    "unknown_rarity_x_log_chunks",
    "lead_document_coverage",  # IDF share of the question's terms in the lead document's retrieved passages
    "dense_top",               # the best passage's cosine with the question
    "lexical_top",             # the best passage's BM25 score per unit of the question's summed IDF
    "top_documents_agree",     # dense and lexical search put the same document first
    "unknown_share",           # unknown_rarity as a share of the summed rarity of all the question's terms (0 for a gloss)
    "unknown_share_zh",
)
MODEL_FILE = Path(__file__).with_name("no_answer.json")


@dataclass(frozen=True)
class RetrievalEvidence:
    """How strongly the retrieved passages match the question as a whole (read by the no-answer model)."""

    lead_document_coverage: float = 0.0  # IDF share of the question's terms in the lead document's passages
    dense_top: float = 0.0  # the best passage's cosine with the question
    lexical_top: float = 0.0  # the best BM25 score, per unit of the question's summed IDF
    top_documents_agree: bool = False  # the dense and the lexical search put the same document first


def question_features(ranked: Ranked) -> np.ndarray:
    """The `FEATURES` of one question's ranked candidates."""
    best, zh = ranked.best, float(ranked.lang == "zh")
    size = math.log10(1 + ranked.collection_size)
    max_coverage = max(c.coverage for c in ranked.candidates)
    max_similarity = max(c.similarity for c in ranked.candidates)
    evidence = ranked.retrieval or RetrievalEvidence()
    # a gloss's words are the dictionary's, not the asker's: the share of them unknown says little
    share = ranked.unknown_rarity / ranked.question_rarity if ranked.question_rarity and not ranked.query.gloss else 0.0
    return np.array([
        1.0, zh, best.score, best.score * zh, best.coverage, best.coverage * zh, max_coverage, best.similarity * (1 - zh),
        max_similarity * (1 - zh), ranked.unknown_rarity, ranked.unknown_rarity * zh, float(best.typed),
        size, ranked.unknown_rarity * size, evidence.lead_document_coverage, evidence.dense_top, evidence.lexical_top,
        float(evidence.top_documents_agree), share, share * zh,
    ])


@dataclass(frozen=True)
class NoAnswer:
    """Logistic weights over `FEATURES` and, per language, the answerable-probability below which to refuse."""

    weights: np.ndarray
    thresholds: dict[str, float]

    def probability(self, ranked: Ranked) -> float:
        """P(the collection answers the question)."""
        return float(1.0 / (1.0 + np.exp(-(question_features(ranked) @ self.weights))))

    def refuses(self, ranked: Ranked) -> bool:
        """Whether the evidence is too weak to answer."""
        return self.probability(ranked) < self.thresholds["zh" if ranked.lang == "zh" else "en"]


@lru_cache(maxsize=4)
def load_no_answer(path: Path = MODEL_FILE) -> NoAnswer:
    """The fitted model from its data file."""
    data = json.loads(Path(path).read_text("utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path} was fitted on other features; run evals/fit_no_answer.py again")
    return NoAnswer(np.array(data["weights"], dtype=np.float64), {k: float(v) for k, v in data["thresholds"].items()})

