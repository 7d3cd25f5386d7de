"""Retrieval quality on public BEIR sets (corpus.jsonl, queries.jsonl, qrels_test.tsv): nDCG@10 and Recall@100.

The corpus goes through the product's own chunking, embedding, Chroma and BM25 (no cleaning: BEIR text is
already clean). A document's rank is the rank of its best chunk. As in BEIR and MTEB, only queries in the
test qrels are evaluated, gains are linear in the graded relevance, and the ideal ranking for nDCG is built
from every judged document.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import time
from pathlib import Path
from typing import Any

from .errors import StudyQAError
from .settings import Settings
from .types import Document

DEPTH = 100
CHUNK_DEPTH = 300
BEIR_MODES = ("dense", "lexical", "hybrid")


def load_beir(folder: Path, split: str = "test") -> tuple[list[Document], dict[str, str], dict[str, dict[str, int]]]:
    """Documents, the split's queries and their graded judgements."""
    folder = Path(folder)
    try:
        qrels: dict[str, dict[str, int]] = {}
        with open(folder / f"qrels_{split}.tsv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
        queries = {q["_id"]: q["text"] for q in map(json.loads, open(folder / "queries.jsonl", encoding="utf-8"))
                   if q["_id"] in qrels}
        documents = [_document(d) for d in map(json.loads, open(folder / "corpus.jsonl", encoding="utf-8"))]
    except (OSError, KeyError, ValueError) as exc:
        raise StudyQAError(f"{folder} is not a BEIR folder (corpus.jsonl, queries.jsonl, qrels_{split}.tsv): {exc}") from None
    return documents, queries, qrels


def _document(record: dict[str, Any]) -> Document:
    title, body = (record.get("title") or "").strip(), (record.get("text") or "").strip()
    text = f"{title}\n{body}" if title else body
    return Document(doc_id=str(record["_id"]), source=str(record["_id"]), text=text, title=title,
                    sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), langs=["en"])


def ndcg_at_k(ranked: list[str], judged: dict[str, int], k: int = 10) -> float:
    """nDCG@k with linear gains; the ideal ranking uses all judged documents."""
    dcg = sum(judged.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(judged.values(), reverse=True)[:k]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 0.0


def recall_at_k(ranked: list[str], judged: dict[str, int], k: int = DEPTH) -> float:
    """Share of the relevant documents found in the top k."""
    relevant = {doc for doc, grade in judged.items() if grade > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def rank_documents(retriever: Any, query: str, mode: str, depth: int = DEPTH) -> list[str]:
    """Document ids by the rank of their best chunk, for one retrieval mode."""
    dense = retriever.dense(query, CHUNK_DEPTH) if mode in ("dense", "hybrid") else []
    lexical = retriever.lexical(query, CHUNK_DEPTH) if mode in ("lexical", "hybrid") else []
    ranked = retriever.hybrid(query, dense, lexical) if mode == "hybrid" else (dense or lexical)
    chunks = retriever.snapshot.chunks
    return list(dict.fromkeys(chunks[pos].doc_id for pos, _ in ranked))[:depth]


def run_beir(folder: Path, settings: Settings, progress: bool = False) -> dict[str, Any]:
    """Index a BEIR set (reusing stored vectors) and score each retrieval mode on its test queries."""
    from .api import Assistant
    from .indexing import build_from_documents

    documents, queries, qrels = load_beir(folder)
    report = build_from_documents(documents, settings, progress=progress)
    retriever = Assistant(settings).retriever
    results: dict[str, Any] = {"dataset": Path(folder).name, "documents": len(documents), "chunks": report.chunks,
                               "queries": len(queries), "index_seconds": round(report.seconds, 1),
                               "new_embeddings": report.new_embeddings, "modes": {}}
    for mode in BEIR_MODES:
        started = time.perf_counter()
        rankings = {qid: rank_documents(retriever, text, mode) for qid, text in queries.items()}
        results["modes"][mode] = {
            "ndcg@10": round(sum(ndcg_at_k(rankings[q], qrels[q]) for q in queries) / len(queries), 4),
            "recall@100": round(sum(recall_at_k(rankings[q], qrels[q]) for q in queries) / len(queries), 4),
            "ms_per_query": round((time.perf_counter() - started) * 1000 / len(queries), 1),
        }
    return results
