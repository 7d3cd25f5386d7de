"""What the fitting scripts share: collections indexed through the product, the product's ranking of a
question's candidate sentences, and an L2-regularised logistic regression."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
QA = HERE.parent.parent / "shared" / "qa"
WORK = HERE / "reports" / "fit"
OWN = HERE / "train_questions.jsonl"


def squad_collection(name: str, path: Path, indexed, answers_removed: bool = False) -> tuple[Any, list[Any], set[int]]:
    """An assistant over the contexts of a SQuAD-format set for which `indexed(position)` holds (built under
    WORK/name), the set's questions, and the indexed positions; with `answers_removed`, each context less the
    sentences holding its gold answers (qa_eval.answers_removed)."""
    from assistant.api import Assistant
    from assistant.indexing import build_index
    from assistant.qa_eval import answers_removed as without_answers
    from assistant.qa_eval import load_squad, prepare_collection
    from assistant.settings import get_settings

    contexts, items = load_squad(path)
    if answers_removed:
        contexts = without_answers(contexts, items)
    keep = {i for i in range(len(contexts)) if indexed(i)}
    folder = prepare_collection(contexts, keep, WORK / name / "contexts")
    settings = get_settings({"index_dir": WORK / name / "store", "sources_dir": folder})
    build_index([folder], settings)
    return Assistant(settings), items, keep


def own_collection() -> Any:
    """An assistant over a copy of the bundled studies (built under WORK/own), for our own training questions."""
    from assistant.api import Assistant
    from assistant.locations import bundled
    from assistant.settings import get_settings

    folder = WORK / "own" / "contexts"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(bundled("sources"), folder)
    assistant = Assistant(get_settings({"index_dir": WORK / "own" / "store", "sources_dir": folder}))
    assistant.index()
    return assistant


def rank(assistant: Any, question: str, prose_only: bool = True, fitted: bool = True) -> tuple[Any, Any]:
    """The question's `Query` and its candidate sentences as the product ranks them (None when there are none);
    with `fitted` off, by the hand-weighted score (so that a stale ranker.json does not stop a refit)."""
    from assistant.answering.extractive import rank_candidates
    from assistant.query import read_query

    query = read_query(question)
    retriever = assistant.retriever
    found = retriever.search(question)
    ranked = rank_candidates(query, found.passages, assistant.embed_sentences,
                             retriever.snapshot.lexical, retriever.embed_query(question), prose_only=prose_only,
                             fitted=fitted, stored=retriever.sentence_vectors if assistant.settings.stored_sentence_vectors else None,
                             english_documents=retriever.snapshot.english_documents(), searched=found.evidence,
                             abbreviations=retriever.snapshot.abbreviations if assistant.settings.read_abbreviations else None)
    return query, ranked


def fit_logistic(features: np.ndarray, labels: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weights of an L2-regularised logistic regression (bias not shrunk), by Newton's method."""
    weights = np.zeros(features.shape[1])
    penalty = l2 * np.eye(features.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(features @ weights)))
        gradient = features.T @ (p - labels) + penalty @ weights
        hessian = (features * (p * (1 - p))[:, None]).T @ features + penalty
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights


def sha256(path: Path) -> str:
    """The file's sha256, for a fitted model's provenance."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
