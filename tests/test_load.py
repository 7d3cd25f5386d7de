"""Load and soak through the app's API: a real `studyqa chat` process, driven by gradio_client.

Full size: 20 concurrent clients asking 200 questions in all, then 500 sequential questions. CI runs
it scaled by STUDYQA_SOAK_SCALE (the Makefile sets 0.25); the full-size command is
`STUDYQA_SOAK_SCALE=1 .venv/bin/pytest tests/test_load.py`. Figures go to evals/reports/soak.json.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.evaluation import load_questions

from .conftest import ROOT, free_port

SCALE = float(os.environ.get("STUDYQA_SOAK_SCALE", "1"))
CONCURRENT_CLIENTS = 20
CONCURRENT_QUESTIONS = max(CONCURRENT_CLIENTS, round(200 * SCALE))
SEQUENTIAL_QUESTIONS = max(40, round(500 * SCALE))
WINDOW = max(20, round(100 * SCALE))  # "the first and the last hundred", scaled


def rss_mib(pid: int) -> float:
    """Resident memory of a process now, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def app(assistant, tmp_path_factory):
    """`studyqa chat` serving a copy of the shared index on a free loopback port."""
    base = tmp_path_factory.mktemp("soak")
    shutil.copytree(assistant.settings.index_dir, base / "store")
    port = free_port()
    env = {**os.environ, "STUDYQA_INDEX_DIR": str(base / "store"), "STUDYQA_SOURCES_DIR": str(assistant.settings.sources_dir),
           "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    log = open(base / "chat.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "chat", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            assert proc.poll() is None and time.time() < deadline, (base / "chat.log").read_text()[-2000:]
            time.sleep(0.5)
    yield url, proc.pid
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def test_concurrent_clients_then_a_long_sequential_run(app):
    from gradio_client import Client

    url, pid = app
    answerable = [q.question for q in load_questions(ROOT / "evals" / "questions.jsonl")
                  if q.answerable and not q.history]
    errors: list[str] = []
    rss: list[float] = []
    latencies: list[float] = []

    def ask(client, question: str) -> None:
        started = time.perf_counter()
        try:
            data = client.predict(question, None, api_name="/answer")
        except Exception as exc:  # noqa: BLE001 - every failure is counted, none may happen
            errors.append(f"{question}: {type(exc).__name__}: {exc}")
            return
        latencies.append(time.perf_counter() - started)
        if data["refused"] or not data["citations"] or f"[{data['citations'][0]['n']}]" not in data["text"]:
            errors.append(f"{question}: answered without citations: {data['text'][:80]}")
        rss.append(rss_mib(pid))

    clients = [Client(url, verbose=False) for _ in range(CONCURRENT_CLIENTS)]
    # every question once first, so that what loads on first use (the Chinese gloss dictionaries, about 120 MiB,
    # once a Chinese question needs its English gloss) is in before the first window: the windows compare steady
    # states, and growth between them is a leak
    for question in answerable:
        ask(clients[0], question)
    rss.clear()
    latencies.clear()
    def client_share(k: int) -> None:
        # each client serves one thread, as a browser tab is one session asking one thing at a time. gradio_client
        # shares one event stream between the calls of a Client; with two threads calling one Client at once, one
        # call of 50 ended in the client's CancelledError on 2026-12-07 while the server logged nothing (not seen
        # again in 2,200 such calls, but no browser does that)
        for i in range(k, CONCURRENT_QUESTIONS, CONCURRENT_CLIENTS):
            ask(clients[k], answerable[i % len(answerable)])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENT_CLIENTS) as pool:
        list(pool.map(client_share, range(CONCURRENT_CLIENTS)))
    concurrent_s = time.perf_counter() - started
    for i in range(SEQUENTIAL_QUESTIONS):
        ask(clients[0], answerable[(i * 7) % len(answerable)])

    total = CONCURRENT_QUESTIONS + SEQUENTIAL_QUESTIONS
    first, last = max(rss[:WINDOW]), max(rss[-WINDOW:])
    figures = {"scale": SCALE, "concurrent_clients": CONCURRENT_CLIENTS, "concurrent_questions": CONCURRENT_QUESTIONS,
               "sequential_questions": SEQUENTIAL_QUESTIONS, "errors": len(errors),
               "concurrent_questions_per_s": round(CONCURRENT_QUESTIONS / concurrent_s, 2),
               "sequential_median_ms": round(statistics.median(latencies[-SEQUENTIAL_QUESTIONS:]) * 1000, 1),
               "rss_mib_first_window": round(first, 1), "rss_mib_last_window": round(last, 1),
               "rss_growth": round(last / first - 1, 4), "window": WINDOW}
    report = ROOT / "evals" / "reports" / "soak.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures))
    assert errors == [], errors[:5]
    assert len(latencies) == total
    assert last < first * 1.10, figures
