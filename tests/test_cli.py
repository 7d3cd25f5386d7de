"""The `studyqa` command and `answer()` as a newcomer meets them: real processes, real model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from .conftest import CFT, ROOT, copy_sources

STUDYQA = [sys.executable, "-m", "assistant.cli"]


def run(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    env = {**os.environ, "STUDYQA_INDEX_DIR": str(base / "store"),
           "STUDYQA_SOURCES_DIR": str(copy_sources(base / "sources")), "HF_HUB_OFFLINE": "1"}
    return env


def test_help_is_instant_and_lists_the_commands(fresh_env):
    started = time.perf_counter()
    result = run(STUDYQA + ["--help"], fresh_env)
    assert result.returncode == 0
    for command in ("index", "ask", "status", "eval", "chat"):
        assert command in result.stdout
    assert time.perf_counter() - started < 30  # a sanity bound only; the benchmark measures the real figure


def test_answer_builds_the_index_on_first_use_then_cli_reuses_it(fresh_env):
    code = ("import json; from assistant import answer; "
            "a = answer('How many staff were interviewed in the CFT study?'); "
            "print(json.dumps({'text': a.text, 'sources': [c.source for c in a.citations]}))")
    first = run([sys.executable, "-c", code], fresh_env)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout.strip().splitlines()[-1])
    assert "Eight staff" in data["text"] and data["sources"][0] == CFT
    assert os.path.exists(os.path.join(fresh_env["STUDYQA_INDEX_DIR"], "manifest.json"))

    status = run(STUDYQA + ["status", "--json"], fresh_env)
    info = json.loads(status.stdout)
    assert info["index_dir"] == fresh_env["STUDYQA_INDEX_DIR"]
    assert info["documents"] == 5 and info["chunks"] > 5
    assert info["model"] == "sentence-transformers/all-MiniLM-L6-v2"

    asked = run(STUDYQA + ["ask", "--json", "同伴志愿者参加了几个焦点小组？"], fresh_env)
    answer = json.loads(asked.stdout)
    assert "两个焦点小组" in answer["text"] and answer["citations"][0]["quote"] in answer["citations"][0]["text"]
    assert {"text", "citations", "passages", "refused", "mode"} <= set(answer)

    plain = run(STUDYQA + ["ask", "How many staff were interviewed in the CFT study?"], fresh_env)
    assert "[1]" in plain.stdout and "Sources:" in plain.stdout and CFT in plain.stdout

    again = run(STUDYQA + ["index", "--quiet"], fresh_env)
    assert again.returncode == 0
    assert "Indexed 5 documents" in again.stdout and "0 new embeddings" in again.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(["ask", ""], "question is empty"), (["ask", "   "], "question is empty"),
     (["index", "/no/such/folder"], "no readable documents")],
)
def test_bad_input_gets_one_line_and_no_traceback(fresh_env, args, fragment):
    result = run(STUDYQA + args, fresh_env)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("studyqa: error:") and fragment in lines[-1]
    assert "Traceback" not in result.stderr


SHARED_PAPERS = ROOT.parent / "shared" / "papers"
NOISY_PDFS = ["datta2010_dvt_prophylaxis_trauma_systematic_review.pdf",
              "intpsychogeriatrics2014_stressful_life_events_dementia.pdf"]


def test_indexing_real_pdfs_prints_progress_skips_and_summary_and_nothing_else(tmp_path):
    papers = tmp_path / "papers"
    papers.mkdir()
    for name in NOISY_PDFS:
        (papers / name).write_bytes((SHARED_PAPERS / name).read_bytes())
    (papers / "damaged.pdf").write_bytes((SHARED_PAPERS / NOISY_PDFS[0]).read_bytes()[:3000])
    (papers / "notes.xyz").write_text("not a document", "utf-8")
    log = tmp_path / "logs" / "studyqa.log"
    env = {**os.environ, "STUDYQA_INDEX_DIR": str(tmp_path / "store"), "STUDYQA_LOG_FILE": str(log)}
    result = run(STUDYQA + ["index", str(papers)], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Indexed 2 documents") and result.stdout.count("\n") == 1
    lines = [line for line in result.stderr.replace("\r", "\n").splitlines() if line.strip()]
    skipped = [line for line in lines if line.startswith("skipped ")]
    assert sorted(line.split(":", 1)[0] for line in skipped) == [f"skipped {papers / name}" for name in ("damaged.pdf", "notes.xyz")]
    others = [line for line in lines if line not in skipped]
    assert others and all(line.startswith(("Embedding", "Reading")) for line in others), others
    assert f"read {NOISY_PDFS[1]}: 8 pages" in log.read_text("utf-8")  # the reader's notes went to the log file

    status = json.loads(run(STUDYQA + ["status", "--json"], env).stdout)
    assert status["log_file"] == str(log)


def test_verbose_shows_the_log_on_the_console(tmp_path):
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / NOISY_PDFS[1]).write_bytes((SHARED_PAPERS / NOISY_PDFS[1]).read_bytes())
    env = {**os.environ, "STUDYQA_INDEX_DIR": str(tmp_path / "store"), "STUDYQA_LOG_FILE": str(tmp_path / "log")}
    result = run(STUDYQA + ["--verbose", "index", "--quiet", str(papers)], env)
    assert result.returncode == 0 and "Indexed 1 documents" in result.stdout
    assert f"INFO assistant.documents: read {NOISY_PDFS[1]}: 8 pages" in result.stderr


def test_version_and_a_bad_setting_are_one_line(fresh_env):
    version = run(STUDYQA + ["--version"], fresh_env)
    assert version.returncode == 0 and version.stdout.strip().startswith("studyqa ")
    bad = run(STUDYQA + ["status"], {**fresh_env, "STUDYQA_TOP_K": "0"})
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == "studyqa: error: invalid setting top_k (STUDYQA_TOP_K): Input should be greater than or equal to 1"
