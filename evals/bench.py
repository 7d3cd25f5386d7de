"""`studyqa bench`: speed and memory figures as JSON (a benchmark, never a test).

Measured on the bundled studies (the size CI runs):
- index build throughput (chunks/s, model already loaded) and its ratio to plain
  SentenceTransformer.encode on the same texts with the same batch size, in the same run;
- a re-index of the unchanged collection: seconds and embeddings computed;
- retrieve() and answer() (extractive) median and 95th percentile over the eval questions;
- cold start: wall time of `studyqa --help` and of a first `studyqa ask` (model load included);
- peak resident memory of this process after indexing and after answering.
Larger collections (NFCorpus, 100,000 chunks) are the next step; `studyqa eval --beir` covers quality.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def timed_command(args: list[str], env: dict[str, str]) -> float:
    """Wall seconds of a command, which must succeed."""
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True, timeout=600)
    return round(time.perf_counter() - started, 2)


def bench_index(settings) -> dict:
    """Full build, plain-encode baseline, unchanged re-index."""
    from assistant.embedding import get_embedder
    from assistant.indexing import build_index, search_text
    from assistant.snapshot import load_snapshot

    embedder = get_embedder(settings.embedding_model, settings.device)  # loaded before timing
    full = build_index(settings=settings)
    snapshot = load_snapshot(settings.index_dir)
    texts = [search_text(snapshot.documents[c.doc_id], c) for c in snapshot.chunks]
    started = time.perf_counter()
    embedder.encode(texts, settings.embed_batch_size)
    plain_s = time.perf_counter() - started
    again = build_index(settings=settings)
    return {
        "documents": full.documents, "chunks": full.chunks, "build_s": round(full.seconds, 2),
        "build_chunks_per_s": round(full.chunks / full.seconds, 1),
        "plain_encode_chunks_per_s": round(len(texts) / plain_s, 1),
        "build_to_plain_encode_ratio": round((full.chunks / full.seconds) / (len(texts) / plain_s), 3),
        "reindex_unchanged_s": round(again.seconds, 3), "reindex_new_embeddings": again.new_embeddings,
        "reindex_share_of_build": round(again.seconds / full.seconds, 4),
        "peak_rss_mib_after_indexing": peak_rss_mib(),
    }


def bench_queries(settings, rounds: int) -> dict:
    """retrieve() and answer() latency over the eval questions, after warm-up."""
    from assistant.api import Assistant
    from assistant.evaluation import load_questions

    questions = load_questions(HERE / "questions.jsonl")
    assistant = Assistant(settings)
    assistant.answer(questions[0].question)
    retrieve_ms, answer_ms = [], []
    for _ in range(rounds):
        for q in questions:
            started = time.perf_counter()
            assistant.retrieve(q.question)
            retrieve_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            assistant.answer(q.question, q.history)
            answer_ms.append((time.perf_counter() - started) * 1000)
    return {
        "queries": len(questions), "rounds": rounds,
        "retrieve_median_ms": round(statistics.median(retrieve_ms), 1), "retrieve_p95_ms": round(percentile(retrieve_ms, 0.95), 1),
        "answer_median_ms": round(statistics.median(answer_ms), 1), "answer_p95_ms": round(percentile(answer_ms, 0.95), 1),
        "peak_rss_mib_after_answering": peak_rss_mib(),
    }


def bench_cold_start(index_dir: Path) -> dict:
    """Wall time of `studyqa --help` and of a first `studyqa ask` in fresh processes."""
    env = {**os.environ, "STUDYQA_INDEX_DIR": str(index_dir)}
    cli = [sys.executable, "-m", "assistant.cli"]
    return {"help_s": timed_command(cli + ["--help"], env),
            "first_ask_s": timed_command(cli + ["ask", "How many staff were interviewed in the CFT study?"], env)}


def run(rounds: int = 3, out: Path | None = None) -> dict:
    """Every figure for the bundled studies, written to `out` as JSON."""
    from assistant.settings import get_settings

    with tempfile.TemporaryDirectory(prefix="studyqa-bench-") as tmp:
        settings = get_settings().model_copy(update={"index_dir": Path(tmp) / "store", "chroma_url": None})
        result = {"size": "bundled studies", "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                  f"Python {platform.python_version()}"}
        result["index"] = bench_index(settings)
        result["queries"] = bench_queries(settings, rounds)
        result["cold_start"] = bench_cold_start(settings.index_dir)
    out = out or HERE / "reports" / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return result
