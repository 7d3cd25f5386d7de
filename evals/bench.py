"""`studyqa bench`: speed and memory figures as JSON (a benchmark, never a test).

Sizes (`--sizes`, default all three; CI runs `bundled` only):
- `bundled`: the five bundled studies. Index build throughput (model already loaded) and its ratio to
  plain SentenceTransformer.encode on the same texts with the same batch size in the same run; an
  unchanged re-index; retrieve() and answer() over the eval questions; cold start of `studyqa --help`
  and of a first `studyqa ask`.
- `nfcorpus`: the NFCorpus corpus (3,633 abstracts, 9,106 chunks at the default chunking), indexed
  as `studyqa eval --beir` does (its store is reused), queried with its 323 test queries. The
  throughput ratio is also measured here on a fresh build of the first 400 abstracts, where the fixed
  costs of a build no longer dominate as they do at 40 chunks.
- `covidqa`: COVID-QA's train and dev papers indexed together (66 full papers, `../shared/qa/covidqa`),
  asked a fixed sample of 200 of their questions: answer() latency on long papers.
- `100k`: SciFact and NFCorpus together in short chunks (budget 40 tokens, overlap 16): 8,816 public
  abstracts, 107,236 chunks. Vectors are computed once and reused from the store, since at this size
  the benchmark measures retrieval, not embedding; the first build's own figures are kept beside it.
  Queried with both sets' test queries (623).
`--server` repeats the bundled and 100k query figures against a `chroma run` server on 127.0.0.1.
Each size's query phase runs in a child process so that its peak resident memory is its own.
"""

from __future__ import annotations

import argparse
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
from typing import Any

from assistant.locations import default_reports_dir

HERE = Path(__file__).resolve().parent
BENCH_DATA = HERE.parent.parent / "shared" / "bench"
REPORTS = default_reports_dir()
SCALE_SETS = ("scifact", "nfcorpus")
SCALE_CHUNKING = {"chunk_tokens": 40, "chunk_overlap": 16}
THROUGHPUT_SAMPLE_DOCS = 440  # 1,000+ chunks at the default chunking
SIZES = ("bundled", "nfcorpus", "100k", "covidqa")
QA_DATA = HERE.parent.parent / "shared" / "qa" / "covidqa"
COVIDQA_SAMPLE = 200  # questions of train and dev together, fixed sample
BUNDLED_ASK = "How many staff were interviewed in the CFT study?"


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
    subprocess.run(args, env=env, check=True, capture_output=True, timeout=900)
    return round(time.perf_counter() - started, 2)


def machine() -> str:
    """What the figures were measured on."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, no GPU used, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def settings_for(index_dir: Path, **overrides: Any):
    """Default settings pointed at `index_dir` (embedded Chroma unless a URL is given)."""
    from assistant.settings import get_settings

    return get_settings().model_copy(update={"index_dir": Path(index_dir), "chroma_url": None, **overrides})


# ---- collections -------------------------------------------------------------------------------

def beir_documents(name: str, bench_data: Path, prefix: bool = False, limit: int | None = None) -> list:
    """A BEIR set's documents, ids optionally prefixed with the set's name."""
    from assistant.beir import load_beir

    documents = load_beir(bench_data / name)[0][:limit]
    for doc in documents if prefix else []:
        doc.doc_id = doc.source = f"{name}/{doc.doc_id}"
    return documents


def beir_queries(names: tuple[str, ...], bench_data: Path) -> list[str]:
    """The test queries of the given sets, in file order."""
    from assistant.beir import load_beir

    return [text for name in names for text in load_beir(bench_data / name)[1].values()]


def covidqa_folder(settings) -> Path:
    """COVID-QA's train and dev contexts written as text files beside the size's store."""
    from assistant.qa_eval import load_squad

    folder = Path(settings.index_dir).parent / "covidqa-contexts"
    folder.mkdir(parents=True, exist_ok=True)
    for split in ("train", "dev"):
        for i, text in enumerate(load_squad(QA_DATA / f"{split}.json")[0]):
            path = folder / f"{split}-{i:04d}.txt"
            if not path.exists():
                path.write_text(text, "utf-8")
    return folder


def covidqa_questions() -> list[str]:
    """A fixed sample of COVID-QA's train and dev questions."""
    import random

    from assistant.qa_eval import load_squad

    questions = [q.question for split in ("train", "dev") for q in load_squad(QA_DATA / f"{split}.json")[1] if q.question]
    return random.Random(20261201).sample(questions, min(COVIDQA_SAMPLE, len(questions)))


def ensure_collection(settings, size: str, bench_data: Path) -> dict:
    """Build the size's collection, reusing every vector already stored; what the build did."""
    from assistant.indexing import build_from_documents, build_index

    if size == "covidqa":
        folder = covidqa_folder(settings)
        report = build_index([folder], settings.model_copy(update={"sources_dir": folder}), progress=sys.stderr.isatty())
        return {"documents": report.documents, "chunks": report.chunks, "seconds": round(report.seconds, 1),
                "new_embeddings": report.new_embeddings, "peak_rss_mib": peak_rss_mib()}
    if size == "nfcorpus":
        documents = beir_documents("nfcorpus", bench_data)
    else:
        documents = [d for name in SCALE_SETS for d in beir_documents(name, bench_data, prefix=True)]
    record = Path(settings.index_dir) / "first-build.json"
    report = build_from_documents(documents, settings, progress=sys.stderr.isatty())
    build = {"documents": report.documents, "chunks": report.chunks, "seconds": round(report.seconds, 1),
             "new_embeddings": report.new_embeddings, "peak_rss_mib": peak_rss_mib()}
    if report.new_embeddings or not record.exists():
        record.write_text(json.dumps(build, indent=2))
    return {"this_run": build, "first_build": json.loads(record.read_text())}


def collection_overrides(size: str, reports: Path = REPORTS) -> dict[str, Any]:
    """A size's store (kept between runs; NFCorpus shares `eval --beir`'s) and chunking, as settings overrides."""
    if size == "nfcorpus":
        return {"index_dir": str(reports / "beir-nfcorpus")}
    if size == "covidqa":
        return {"index_dir": str(reports / "bench-stores" / "covidqa" / "store")}
    return {"index_dir": str(reports / "bench-stores" / "100k"), **SCALE_CHUNKING}


# ---- phases (each can run in a child process) --------------------------------------------------

def bench_throughput(settings, documents: list | None = None) -> dict:
    """Full build with the model loaded, plain-encode baseline on the same texts, unchanged re-index."""
    from assistant.embedding import get_embedder
    from assistant.indexing import build_from_documents, build_index, search_text
    from assistant.snapshot import load_snapshot

    embedder = get_embedder(settings.embedding_model, settings.device)  # loaded before timing
    plain_before = _plain_encode_seconds(embedder, settings, documents) if documents else None
    full = build_from_documents(documents, settings) if documents else build_index(settings=settings)
    snapshot = load_snapshot(settings.index_dir)
    texts = [search_text(snapshot.documents[c.doc_id], c) for c in snapshot.chunks]
    started = time.perf_counter()
    embedder.encode(texts, settings.embed_batch_size)
    plain_after = plain_s = time.perf_counter() - started
    if plain_before is not None:  # before and after the build, so that drift in machine speed cancels out
        plain_s = (plain_s + plain_before) / 2
    result = {
        "document_encoder": settings.document_encoder, "sentence_vectors": settings.stored_sentence_vectors,
        "chunk_vectors": settings.chunk_vectors, "encoder_cache": bool(settings.encoder_cache_dir),
        "documents": full.documents, "chunks": full.chunks, "build_s": round(full.seconds, 2),
        "build_chunks_per_s": round(full.chunks / full.seconds, 1),
        "plain_encode_chunks_per_s": round(len(texts) / plain_s, 1),
        "plain_encode_chunks_per_s_before_after": [round(len(texts) / t, 1) for t in (plain_before, plain_after) if t],
        "build_to_plain_encode_ratio": round((full.chunks / full.seconds) / (len(texts) / plain_s), 3),
    }
    if not documents:
        again = build_index(settings=settings)
        result.update({"reindex_unchanged_s": round(again.seconds, 3), "reindex_new_embeddings": again.new_embeddings,
                       "reindex_share_of_build": round(again.seconds / full.seconds, 4)})
    result["peak_rss_mib_indexing"] = peak_rss_mib()
    return result


def _plain_encode_seconds(embedder, settings, documents: list) -> float:
    """Seconds for plain encode of the chunk texts the build will embed."""
    from assistant.chunking import chunk_document
    from assistant.indexing import search_text

    budget = min(settings.chunk_tokens, embedder.max_content_tokens)
    texts = [search_text(d, c) for d in documents for c in chunk_document(d, embedder, budget, settings.chunk_overlap)]
    started = time.perf_counter()
    embedder.encode(texts, settings.embed_batch_size)
    return time.perf_counter() - started


def bench_queries(settings, questions: list[tuple[str, list]], rounds: int) -> dict:
    """retrieve() and answer() latency over fixed questions, after one warm-up answer."""
    from assistant.api import Assistant

    assistant = Assistant(settings)
    started = time.perf_counter()
    assistant.answer(questions[0][0], questions[0][1])
    first_answer_s = time.perf_counter() - started
    retrieve_ms, answer_ms, cited = [], [], 0
    for _ in range(rounds):
        for question, history in questions:
            started = time.perf_counter()
            assistant.retrieve(question)
            retrieve_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            answer = assistant.answer(question, history)
            answer_ms.append((time.perf_counter() - started) * 1000)
            cited += bool(answer.citations)
    return {
        "queries": len(questions), "rounds": rounds, "chunks": len(assistant.retriever.snapshot.chunks),
        "query_encoder": type(assistant.embedder).__name__, "chroma": "server" if settings.chroma_url else "embedded",
        "first_answer_in_process_s": round(first_answer_s, 2),
        "retrieve_median_ms": round(statistics.median(retrieve_ms), 1), "retrieve_p95_ms": round(percentile(retrieve_ms, 0.95), 1),
        "answer_median_ms": round(statistics.median(answer_ms), 1), "answer_p95_ms": round(percentile(answer_ms, 0.95), 1),
        "answers_with_citations": round(cited / len(answer_ms), 3),
        "peak_rss_mib_answering": peak_rss_mib(),
    }


def bench_cold_start(index_dir: Path, question: str) -> dict:
    """Wall time of `studyqa --help` and of a first `studyqa ask` in fresh processes."""
    env = {**os.environ, "STUDYQA_INDEX_DIR": str(index_dir)}
    cli = [sys.executable, "-m", "assistant.cli"]
    return {"help_s": timed_command(cli + ["--help"], env), "first_ask_s": timed_command(cli + ["ask", question], env)}


def eval_questions() -> list[tuple[str, list]]:
    """The eval set's questions with their chat histories."""
    from assistant.evaluation import load_questions

    return [(q.question, q.history) for q in load_questions(HERE / "questions.jsonl")]


PHASES = {"throughput": bench_throughput, "queries": bench_queries, "collection": ensure_collection}


def child_phase(phase: str, **kwargs: Any) -> dict:
    """Run one phase in a fresh Python process; its JSON result plus that process's peak memory."""
    script = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, json.dumps(kwargs)]
    proc = subprocess.Popen(script, stdout=subprocess.PIPE, text=True, cwd=HERE.parent)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        from assistant.errors import StudyQAError

        raise StudyQAError(f"bench phase {phase} failed with exit code {proc.returncode} (its error is above)")
    result = json.loads(out.strip().splitlines()[-1])
    result["process_peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    return result


def _phase_main(phase: str, raw: str) -> None:
    kwargs = json.loads(raw)
    settings = settings_for(**kwargs.pop("settings"))
    if phase == "queries" and kwargs.get("questions") == "eval":
        kwargs["questions"] = eval_questions()
    elif phase == "queries" and kwargs.get("questions") == "covidqa":
        kwargs["questions"] = [(q, []) for q in covidqa_questions()]
    elif phase == "queries":
        kwargs["questions"] = [(q, []) for q in beir_queries(tuple(kwargs.pop("sets")), Path(kwargs.pop("bench_data")))]
    elif phase == "throughput" and "sample" in kwargs:
        name, limit, data = kwargs.pop("sample")
        kwargs["documents"] = beir_documents(name, Path(data), limit=limit)
    elif phase == "collection":
        kwargs["bench_data"] = Path(kwargs["bench_data"])
    print(json.dumps(PHASES[phase](settings, **kwargs)))


# ---- Chroma server ------------------------------------------------------------------------------

# ---- sizes --------------------------------------------------------------------------------------

def bench_bundled(rounds: int, server: bool) -> dict:
    """Every figure on the five bundled studies."""
    from assistant.store import local_chroma_server

    with tempfile.TemporaryDirectory(prefix="studyqa-bench-") as tmp:
        store = Path(tmp) / "store"
        result = {"throughput": child_phase("throughput", settings={"index_dir": str(store)})}
        result["queries"] = child_phase("queries", settings={"index_dir": str(store)}, questions="eval", rounds=rounds)
        result["cold_start"] = bench_cold_start(store, BUNDLED_ASK)
        if server:
            with local_chroma_server(Path(tmp) / "server") as url:
                remote = {"index_dir": str(Path(tmp) / "remote"), "chroma_url": url}
                result["server_throughput"] = child_phase("throughput", settings=remote)
                result["server_queries"] = child_phase("queries", settings=remote, questions="eval", rounds=rounds)
    return result


# (name, settings) of the builds compared on the same NFCorpus sample, each beside plain encode
THROUGHPUT_VARIANTS = (
    ("onnx", {"document_encoder": "onnx"}),
    ("onnx-int8", {"document_encoder": "onnx-int8"}),
    ("onnx-int8_chunks_only", {"document_encoder": "onnx-int8", "stored_sentence_vectors": False}),
    ("onnx-int8_pooled", {"document_encoder": "onnx-int8", "chunk_vectors": "pooled"}),
)


def bench_throughput_samples(bench_data: Path) -> dict:
    """Each build variant on the same texts and batch size, in one run. The machine-wide ONNX copy is made
    first (its one-off cost reported apart), so every variant starts from it; the last sample repeats the
    pooled build from an empty cache, paying the export and quantisation itself."""
    result: dict[str, Any] = {}
    sample = ["nfcorpus", THROUGHPUT_SAMPLE_DOCS, str(bench_data)]
    with tempfile.TemporaryDirectory(prefix="studyqa-bench-") as tmp:
        cache = str(Path(tmp) / "encoder-cache")
        result["encoder_copy_one_off"] = child_phase(
            "throughput", settings={"index_dir": str(Path(tmp) / "warm-up"), "encoder_cache_dir": cache},
            sample=["nfcorpus", 2, str(bench_data)])
        for name, overrides in THROUGHPUT_VARIANTS:
            result[f"throughput_sample_{name}"] = child_phase(
                "throughput", settings={"index_dir": str(Path(tmp) / name), "encoder_cache_dir": cache, **overrides},
                sample=sample)
        result["throughput_sample_onnx-int8_pooled_cold"] = child_phase(
            "throughput", settings={"index_dir": str(Path(tmp) / "cold"), "encoder_cache_dir": None,
                                    "document_encoder": "onnx-int8", "chunk_vectors": "pooled"}, sample=sample)
    return result


def bench_public(size: str, bench_data: Path, reports: Path, server: bool) -> dict:
    """Latency and memory on a public collection (NFCorpus, or the 100,000-chunk one)."""
    from assistant.store import local_chroma_server

    base = collection_overrides(size, reports)
    index_dir = Path(base["index_dir"])
    sets = ["nfcorpus"] if size == "nfcorpus" else list(SCALE_SETS)
    result: dict[str, Any] = {"collection": child_phase("collection", settings=base, size=size, bench_data=str(bench_data))}
    if size == "covidqa":
        result["queries"] = child_phase("queries", settings=base, questions="covidqa", rounds=1)
        result["cold_start"] = bench_cold_start(index_dir, covidqa_questions()[0])
        return result
    result["queries"] = child_phase("queries", settings=base, sets=sets, bench_data=str(bench_data), rounds=1)
    result["cold_start"] = bench_cold_start(index_dir, beir_queries(tuple(sets), bench_data)[0])
    if size == "nfcorpus":
        result.update(bench_throughput_samples(bench_data))
    if server:
        with local_chroma_server(index_dir / "chroma") as url:
            result["server_queries"] = child_phase("queries", settings={**base, "chroma_url": url}, sets=sets,
                                                   bench_data=str(bench_data), rounds=1)
    return result


def run(rounds: int = 3, out: Path | None = None, sizes: tuple[str, ...] = ("bundled",), server: bool = False,
        bench_data: Path = BENCH_DATA, reports: Path = REPORTS) -> dict:
    """The figures for each requested size, written to `out` as JSON."""
    from assistant.errors import StudyQAError

    unknown = set(sizes) - set(SIZES)
    if unknown:
        raise StudyQAError(f"unknown bench size {', '.join(sorted(unknown))}; choose from {', '.join(SIZES)}")
    if set(sizes) - {"bundled"} and not all((Path(bench_data) / name / "corpus.jsonl").exists() for name in SCALE_SETS):
        raise StudyQAError(f"the public sets are not in {bench_data}; run with --sizes bundled or pass --bench-data")
    result: dict[str, Any] = {"machine": machine(), "date": time.strftime("%Y-%m-%d")}
    for size in sizes:
        started = time.perf_counter()
        if size == "bundled":
            result[size] = bench_bundled(rounds, server)
        else:
            result[size] = bench_public(size, Path(bench_data), Path(reports), server)
        result[size]["bench_wall_s"] = round(time.perf_counter() - started, 1)
    out = out or reports / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="one benchmark phase (used by `studyqa bench`)")
    parser.add_argument("--phase", choices=sorted(PHASES), required=True)
    parser.add_argument("kwargs")
    arguments = parser.parse_args()
    _phase_main(arguments.phase, arguments.kwargs)
