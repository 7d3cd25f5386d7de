"""The wheel as a user installs it: built from this checkout, installed into a new virtual environment,
and run from an empty folder with an empty HOME. Nothing may be written next to the installed package.

The new environment reuses this one's installed dependencies through a `.pth` line (no network), but not
its editable install of the project: `assistant` must come from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import CFT, ROOT, free_port

SHIPPED = ["pyproject.toml", "README.md", "assistant", "prompts", "index/sources", "evals"]
PAPER = (
    "Peer mentoring for hospital pharmacists: a qualitative study\n\n"
    "Twelve hospital pharmacists in Leeds took part in a peer mentoring scheme for six months. "
    "Mentors met their mentees once a fortnight. Participants said the scheme reduced their sense of isolation "
    "and helped them speak up about workload.\n"
)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    for name in SHIPPED:
        target = source / name
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "reports", "store"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
    dist = base / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                    "-w", str(dist), str(source)], check=True, capture_output=True, timeout=600)
    wheel = next(dist.glob("studyqa-*.whl"))

    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    (purelib / "_studyqa_test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--ignore-installed",
                    str(wheel)], check=True, capture_output=True, timeout=600)

    home, work = base / "home", base / "work"
    home.mkdir()
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STUDYQA_", "XDG_", "PYTHON"))}
    env.update(HOME=str(home), HF_HUB_OFFLINE="1", PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    return {"venv": venv, "purelib": purelib, "home": home, "work": work, "env": env,
            "before": _files(purelib)}


def studyqa(installed, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(installed["venv"] / "bin" / "studyqa"), *args], cwd=installed["work"],
                          env=installed["env"], capture_output=True, text=True, timeout=timeout)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    result = subprocess.run([str(installed["venv"] / "bin" / "python"), "-c", "import assistant; print(assistant.__file__)"],
                            cwd=installed["work"], env=installed["env"], capture_output=True, text=True, check=True)
    assert Path(result.stdout.strip()).is_relative_to(installed["purelib"])
    assert studyqa(installed, "--version").stdout.startswith("studyqa ")
    # the data files the package reads beside its modules are in the wheel
    data = ("from assistant.fusion import load_fusion; from assistant.pooling import title_weight; "
            "print(load_fusion() is not None, title_weight() >= 0)")
    loaded = subprocess.run([str(installed["venv"] / "bin" / "python"), "-c", data], cwd=installed["work"],
                            env=installed["env"], capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == ["True", "True"]


def test_status_ask_studies_and_index_work_from_any_folder(installed):
    home = installed["home"]
    status = json.loads(studyqa(installed, "status", "--json").stdout)
    assert status["installed"].startswith("installed package at")
    assert Path(status["index_dir"]).is_relative_to(home) and status["indexed"] is False
    assert Path(status["log_file"]).is_relative_to(home)
    assert len(list(Path(status["sources_dir"]).glob("*.txt"))) == 5
    assert (Path(status["prompts_dir"]) / "system.md").is_file()

    asked = studyqa(installed, "ask", "--json", "How many staff were interviewed in the CFT study?")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert "Eight staff" in answer["text"] and answer["citations"][0]["source"] == CFT
    assert answer["citations"][0]["quote"] in answer["citations"][0]["text"]
    assert (Path(status["index_dir"]) / "manifest.json").is_file()

    studies = studyqa(installed, "studies", "--json")
    assert studies.returncode == 0, studies.stderr
    assert len(json.loads(studies.stdout)) == 5

    papers = home / "papers"
    papers.mkdir()
    (papers / "mentoring.txt").write_text(PAPER, "utf-8")
    (papers / "notes.xyz").write_text("not a document", "utf-8")
    indexed = studyqa(installed, "index", "--quiet", str(papers))
    assert indexed.returncode == 0, indexed.stderr
    assert indexed.stdout.startswith("Indexed 1 documents")
    assert indexed.stderr.strip().splitlines() == [f"skipped {papers / 'notes.xyz'}: unsupported file type '.xyz'"]
    about = json.loads(studyqa(installed, "ask", "--json", "How many pharmacists took part?").stdout)
    assert "Twelve hospital pharmacists" in about["text"] and about["citations"][0]["source"] == "mentoring.txt"


def test_commands_that_need_more_say_so_in_one_line(installed):
    bench = studyqa(installed, "bench", "--sizes", "nfcorpus")
    assert bench.returncode == 1 and bench.stderr.count("\n") == 1
    assert bench.stderr.startswith("studyqa: error:") and "--bench-data" in bench.stderr


def test_chat_serves_from_the_installed_package(installed):
    port = free_port()
    server = subprocess.Popen([str(installed["venv"] / "bin" / "studyqa"), "chat", "--port", str(port)],
                              cwd=installed["work"], env=installed["env"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    assert response.status == 200 and b"gradio" in response.read().lower()
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "the chat window did not come up"
                time.sleep(1)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_nothing_is_written_next_to_the_package_or_in_the_working_folder(installed):
    # runs last in this module: every command above has had its chance to write
    assert _files(installed["purelib"]) == installed["before"]
    assert list(installed["work"].iterdir()) == []
