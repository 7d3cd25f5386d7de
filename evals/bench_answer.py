"""Benchmark (not a test): latency of extractive answer() over the eval set, printed as JSON.

Run: `make bench` (or `.venv/bin/python evals/bench_answer.py [--rounds N] [--out FILE]`).
The model and index are loaded and one question answered before timing (warm-up); each round asks
every eval question once, with its history.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from assistant.api import Assistant
from assistant.evaluation import load_questions

HERE = Path(__file__).resolve().parent


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "reports" / "bench_answer.json")
    args = parser.parse_args()
    questions = load_questions(HERE / "questions.jsonl")
    assistant = Assistant()
    started = time.perf_counter()
    assistant.answer("How many staff were interviewed in the CFT study?")
    warmup_s = time.perf_counter() - started
    times = []
    for _ in range(args.rounds):
        for q in questions:
            t0 = time.perf_counter()
            assistant.answer(q.question, q.history)
            times.append((time.perf_counter() - t0) * 1000)
    result = {
        "benchmark": "answer() extractive, eval set", "questions": len(questions), "rounds": args.rounds,
        "calls": len(times), "median_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1), "first_call_s_including_load": round(warmup_s, 2),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, {platform.python_version()}",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
