"""Chunk vectors pooled from the vectors of their sentences and their study's title.

With `STUDYQA_CHUNK_VECTORS=pooled` the indexer embeds every distinct sentence and title once, and a
chunk's vector is the length-weighted mean of its sentences' vectors and its title's vector, normalised.
The sentence vectors are needed anyway (the answerer reads them), so the chunk pass, which embeds the
same words again in longer rows, and each sentence twice where chunks overlap, is saved. The title's
weight is a data file (`pooling.json`) chosen on NFCorpus's dev queries, with its provenance.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

POOLING_FILE = Path(__file__).with_name("pooling.json")


@lru_cache(maxsize=1)
def title_weight() -> float:
    """How many characters of sentence one character of the title weighs in a pooled chunk vector."""
    return float(json.loads(POOLING_FILE.read_text("utf-8"))["title_weight"])


def pooled_vector(sentences: np.ndarray, lengths: np.ndarray, title: np.ndarray, title_length: int) -> np.ndarray:
    """The L2-normalised, length-weighted mean of a chunk's sentence vectors and its title's vector."""
    weights = np.asarray(lengths, dtype=np.float32)
    total = (sentences.astype(np.float32) * weights[:, None]).sum(axis=0) + title * (title_weight() * title_length)
    norm = float(np.linalg.norm(total))
    return (total / norm if norm else total).astype(np.float32)
