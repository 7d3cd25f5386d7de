"""Learned fusion of the retrieval rankings: a logistic model over what the dense search, BM25 and the chunks'
best sentences say about each fetched chunk, fitted by `evals/fit_fusion.py` (weights in `fusion.json`).

Reciprocal rank fusion sees only ranks. The model also reads how far a chunk's cosine falls below the best
one, its BM25 score as a share of the best, its best sentence's cosine, whether it belongs to the document
the fused ranking puts first and how many fetched chunks that document has. It re-orders the chunks the
searches fetched; it never fetches others.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

FEATURES = (
    "bias",
    "dense_reciprocal_rank",     # 1 / (1 + rank) in the dense search, 0 when it did not fetch the chunk
    "lexical_reciprocal_rank",   # the same in BM25
    "sentence_reciprocal_rank",  # the same among the fetched chunks ranked by their best sentence
    "dense_gap",                 # cosine minus the dense search's best; MISSING_GAP when not fetched
    "lexical_share",             # BM25 score over the best one; 0 when not fetched
    "sentence_gap",              # best sentence's cosine minus the best chunk's; MISSING_GAP when none
    "fused_reciprocal_rank",     # 1 / (1 + rank) in the reciprocal-rank fusion
    "in_first_document",         # the chunk belongs to the document of the fusion's first chunk
    "log_document_chunks",       # log of how many fetched chunks its document has
)
MISSING_GAP = -0.3
WEIGHTS = Path(__file__).with_name("fusion.json")

Ranking = list[tuple[int, float]]


def fusion_features(fused: Ranking, dense: Ranking, lexical: Ranking, best_sentence: Ranking,
                    document_of: Callable[[int], str]) -> np.ndarray:
    """One row of FEATURES per chunk of the fused ranking, in its order."""
    ranks = [{pos: (rank, score) for rank, (pos, score) in enumerate(r, 1)} for r in (dense, lexical, best_sentence)]
    tops = [r[0][1] if r else 0.0 for r in (dense, lexical, best_sentence)]
    documents = [document_of(pos) for pos, _ in fused]
    per_document = Counter(documents)
    rows = []
    for fused_rank, ((pos, _), document) in enumerate(zip(fused, documents), 1):
        (d, l, s) = (r.get(pos) for r in ranks)
        rows.append([
            1.0,
            1 / (1 + d[0]) if d else 0.0, 1 / (1 + l[0]) if l else 0.0, 1 / (1 + s[0]) if s else 0.0,
            d[1] - tops[0] if d else MISSING_GAP, l[1] / tops[1] if l and tops[1] else 0.0,
            s[1] - tops[2] if s else MISSING_GAP,
            1 / (1 + fused_rank), float(document == documents[0]), math.log(per_document[document]),
        ])
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


@dataclass(frozen=True)
class LearnedFusion:
    """Per-language weights over FEATURES."""

    weights: dict[str, np.ndarray]

    def covers(self, lang: str) -> bool:
        """Whether weights were fitted for questions in this language."""
        return lang in self.weights

    def rerank(self, fused: Ranking, dense: Ranking, lexical: Ranking, best_sentence: Ranking,
               document_of: Callable[[int], str], lang: str) -> Ranking:
        """The fused chunks re-ordered by the model's probability that they hold the answer (ties keep the
        fusion's order)."""
        if not fused:
            return fused
        logits = fusion_features(fused, dense, lexical, best_sentence, document_of) @ self.weights[lang]
        probabilities = 1 / (1 + np.exp(-logits))
        order = sorted(range(len(fused)), key=lambda i: (-logits[i], i))
        return [(fused[i][0], float(probabilities[i])) for i in order]


@lru_cache(maxsize=1)
def load_fusion(path: Path = WEIGHTS) -> LearnedFusion | None:
    """The shipped weights, or None when the file is missing or was fitted on other features."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if tuple(data.get("features", ())) != FEATURES:
        return None
    return LearnedFusion({lang: np.array(w, dtype=np.float64) for lang, w in data.get("weights", {}).items()})


def weights_file(weights: dict[str, Sequence[float]], **report: object) -> str:
    """The JSON text of fusion.json: features, weights per language and what the fit reports."""
    return json.dumps({"features": list(FEATURES), "weights": {k: [round(float(x), 6) for x in v]
                                                                 for k, v in weights.items()}, **report},
                      indent=1, ensure_ascii=False) + "\n"
