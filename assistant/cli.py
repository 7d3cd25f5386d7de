"""`studyqa`: index sources, ask questions, list study cards, show status, run the eval gate, open the chat."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__
from .locations import bundled, checkout_root, default_reports_dir

EVALS = bundled("evals")


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="studyqa", description="Cited answers about the indexed research studies.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also show library warnings and logs on the console (they always go to the log file)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index = commands.add_parser("index", help="build or update the index from source files")
    index.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the bundled studies)")
    index.add_argument("--quiet", action="store_true", help="no progress bar")

    ask = commands.add_parser("ask", help="answer a question with cited passages")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer object as JSON")
    ask.add_argument("--source", action="append", dest="sources", metavar="FILE", help="only this source (repeatable)")

    status = commands.add_parser("status", help="where the index is and what it holds")
    status.add_argument("--json", action="store_true")

    evaluate = commands.add_parser("eval", help="retrieval and answer metrics on the eval set, gated by thresholds")
    evaluate.add_argument("--questions", type=Path, default=EVALS / "questions.jsonl")
    evaluate.add_argument("--thresholds", type=Path, default=EVALS / "thresholds.json")
    evaluate.add_argument("--cards-gold", type=Path, default=EVALS / "study_cards_gold.json",
                          help="gold study cards for the extraction figures (default evals/study_cards_gold.json)")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.add_argument("--report-dir", type=Path, default=default_reports_dir(),
                          help="where report.md and report.json are written (default evals/reports in a checkout, "
                               "else the user's data folder)")
    evaluate.add_argument("--ablation", action="store_true", help="also compare dense, BM25 and hybrid retrieval")
    evaluate.add_argument("--beir", type=Path, metavar="DIR",
                          help="instead: nDCG@10 and Recall@100 on a BEIR folder (indexed under the report dir)")
    evaluate.add_argument("--qa", type=Path, metavar="FILE.json",
                          help="instead: answer metrics on a SQuAD-format set (indexed under the report dir)")
    evaluate.add_argument("--papers", type=Path, metavar="DIR",
                          help="index a folder of PDFs and score evals/papers_questions.jsonl and papers_gold.json on it")
    evaluate.add_argument("--sample", type=int, metavar="N", help="with --qa: a fixed random sample of N questions")
    evaluate.add_argument("--half", choices=("a", "b"),
                          help="with --qa: index only this half of the contexts (even positions a, odd b)")
    evaluate.add_argument("--unanswerable", action="store_true",
                          help="with --qa: also ask the other half's questions, which should be refused")
    evaluate.add_argument("--answers-removed", action="store_true",
                          help="with --qa: also ask the questions of a copy of their contexts without the sentences "
                               "holding the answers, where they should be refused")
    evaluate.add_argument("--asked-as", type=Path, metavar="FILE.jsonl",
                          help="with --qa: ask each sampled question in the words this file gives for its id "
                               "(JSON lines {\"qid\", \"question\"}: a translation, say), scored against the same answers")
    evaluate.add_argument("--gate", metavar="NAME",
                          help="with --qa: check the metrics against this entry of evals/qa_thresholds.json")

    bench = commands.add_parser("bench", help="speed and memory figures as JSON")
    bench.add_argument("--sizes", default="bundled,nfcorpus,100k",
                       help="comma-separated: bundled, nfcorpus, 100k (default all; CI runs bundled)")
    bench.add_argument("--server", action="store_true", help="also measure against a `chroma run` server on 127.0.0.1")
    bench.add_argument("--rounds", type=int, default=3, help="passes over the eval questions (bundled size)")
    bench.add_argument("--bench-data", type=Path, default=_shared_bench(),
                       help="folder holding the BEIR sets scifact/ and nfcorpus/ (default ../shared/bench beside a checkout)")
    bench.add_argument("--out", type=Path, default=default_reports_dir() / "bench.json")

    studies = commands.add_parser("studies", help="the study card of every indexed document, as a table")
    studies.add_argument("--json", action="store_true", help="print the cards, with their cited sentences, as JSON")
    studies.add_argument("--source", action="append", dest="sources", metavar="FILE", help="only this source (repeatable)")

    chat = commands.add_parser("chat", help="open the chat window in a browser")
    chat.add_argument("--host", default="127.0.0.1")
    chat.add_argument("--port", type=int, default=7860)
    chat.add_argument("--share", action="store_true", help="also ask Gradio for a public share link (off by default)")
    return parser


def _shared_bench() -> Path | None:
    root = checkout_root()
    return root.parent / "shared" / "bench" if root else None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors are reported in one line, never as a traceback."""
    args = build_parser().parse_args(argv)
    from .errors import StudyQAError
    from .logs import configure_logging

    try:
        configure_logging(_log_file(), args.verbose)
        return _COMMANDS[args.command](args)
    except StudyQAError as exc:
        print(f"studyqa: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("studyqa: interrupted", file=sys.stderr)
        return 130


def _log_file() -> Path:
    from .settings import get_settings

    return get_settings().log_file


def _index(args: argparse.Namespace) -> int:
    from .indexing import build_index

    report = build_index(args.paths or None, progress=not args.quiet)
    for path, reason in report.skipped:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0


def _ask(args: argparse.Namespace) -> int:
    from .api import default_assistant

    result = default_assistant().answer(args.question, sources=args.sources)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(result.text)
    if result.notice:
        print(f"\n(note: {result.notice})")
    if result.citations:
        print("\nSources:")
        for c in result.citations:
            where = f"{c.source}, {c.page_label}" if c.page else c.source
            print(f"[{c.n}] {c.title} ({where})\n    \u201c{c.quote}\u201d")
    elif result.passages:
        print("\nClosest passages:")
        for i, p in enumerate(result.passages[:3], 1):
            print(f"- {p.title} ({p.source}): {p.text[:160]}...")
    return 0


def _status(args: argparse.Namespace) -> int:
    from .api import Assistant

    info = Assistant().status()
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:>11}: {value}")
    return 0


def _beir(args: argparse.Namespace) -> int:
    from .beir import run_beir
    from .settings import get_settings

    name = args.beir.resolve().name
    settings = get_settings().model_copy(update={"index_dir": args.report_dir / f"beir-{name}", "chroma_url": None})
    results = run_beir(args.beir, settings, progress=True)
    args.report_dir.mkdir(parents=True, exist_ok=True)
    (args.report_dir / f"beir-{name}.json").write_text(json.dumps(results, indent=2), "utf-8")
    print(json.dumps(results, indent=2))
    return 0


def _qa(args: argparse.Namespace) -> int:
    from .qa_eval import load_wordings, run_qa_eval
    from .settings import get_settings

    key = f"qa-{args.qa.resolve().parent.name}-{args.qa.stem}-{args.half or ('a' if args.unanswerable else 'all')}"
    wordings = load_wordings(args.asked_as) if args.asked_as else None
    report = f"{key}-{args.asked_as.stem}" if args.asked_as else key  # the collection is the same, the report is not
    settings = get_settings().model_copy(update={"index_dir": args.report_dir / key / "store", "chroma_url": None})
    result = run_qa_eval(args.qa, settings, args.sample, args.half, args.unanswerable, progress=True,
                         remove_answers=args.answers_removed, wordings=wordings)
    args.report_dir.mkdir(parents=True, exist_ok=True)
    (args.report_dir / f"{report}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")
    print(json.dumps({k: v for k, v in result.items() if not k.endswith("questions")}, ensure_ascii=False, indent=2))
    return _gate(args.gate, result["metrics"]) if args.gate else 0


def _papers(args: argparse.Namespace) -> int:
    from .papers_eval import run_papers_eval
    from .settings import get_settings

    settings = get_settings().model_copy(update={"index_dir": args.report_dir / "papers" / "store", "chroma_url": None})
    result = run_papers_eval(args.papers, EVALS / "papers_questions.jsonl", EVALS / "papers_gold.json", settings,
                             progress=True)
    args.report_dir.mkdir(parents=True, exist_ok=True)
    (args.report_dir / "papers.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "questions"}, ensure_ascii=False, indent=2))
    return _gate(args.gate, result["metrics"]) if args.gate else 0


def _gate(name: str, metrics: dict) -> int:
    from .errors import StudyQAError
    from .qa_eval import check_qa_thresholds

    limits = json.loads((EVALS / "qa_thresholds.json").read_text("utf-8")).get(name)
    if limits is None:
        raise StudyQAError(f"no entry {name!r} in {EVALS / 'qa_thresholds.json'}")
    failures = check_qa_thresholds(metrics, limits)
    for failure in failures:
        print(f"qa gate {name}: {failure}", file=sys.stderr)
    print(f"qa gate {name}: {'FAIL' if failures else 'PASS'}", file=sys.stderr)
    return 1 if failures else 0


def _eval(args: argparse.Namespace) -> int:
    if args.beir:
        return _beir(args)
    if args.qa:
        return _qa(args)
    if args.papers:
        return _papers(args)
    from .api import default_assistant
    from .evaluation import check_thresholds, format_report, load_questions, markdown_report, run_ablation, run_eval

    from .cards.evaluate import evaluate_cards, format_card_report, load_gold
    from .evaluation import add_card_metrics

    questions = load_questions(args.questions)
    assistant = default_assistant()
    report = run_eval(questions, assistant)
    card_result = evaluate_cards(assistant.studies(), load_gold(args.cards_gold))
    add_card_metrics(report, card_result)
    ablation = run_ablation(questions, assistant) if args.ablation else None
    failures = check_thresholds(report, json.loads(args.thresholds.read_text("utf-8")))
    args.report_dir.mkdir(parents=True, exist_ok=True)
    (args.report_dir / "report.json").write_text(
        json.dumps({**report, "ablation": ablation}, ensure_ascii=False, indent=2), "utf-8")
    (args.report_dir / "report.md").write_text(markdown_report(report, ablation), "utf-8")
    print(json.dumps(report["metrics"], ensure_ascii=False, indent=2) if args.json
          else format_report(report) + "\n\n" + format_card_report(card_result))
    if ablation:
        print("\n" + markdown_report({"metrics": {}, "questions": []}, ablation).split("## ", 1)[1])
    for failure in failures:
        print(f"eval gate: {failure}", file=sys.stderr)
    print("eval gate: FAIL" if failures else "eval gate: PASS", file=sys.stderr)
    return 1 if failures else 0


def _bench(args: argparse.Namespace) -> int:
    import importlib.util

    from .errors import StudyQAError

    path = EVALS / "bench.py"
    spec = importlib.util.spec_from_file_location("studyqa_bench", path)
    if spec is None or not path.exists():
        raise StudyQAError(f"studyqa bench needs the source checkout ({path} is missing)")
    sizes = tuple(s.strip() for s in args.sizes.split(",") if s.strip())
    if args.bench_data is None and set(sizes) - {"bundled"}:
        raise StudyQAError("the nfcorpus and 100k sizes need the BEIR sets: pass --bench-data DIR, or --sizes bundled")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print(json.dumps(module.run(args.rounds, args.out, sizes, args.server, args.bench_data), indent=2))
    return 0


def _studies(args: argparse.Namespace) -> int:
    from .api import default_assistant
    from .cards.table import cards_table

    cards = default_assistant().studies(args.sources)
    if args.json:
        print(json.dumps([c.to_dict() for c in cards], ensure_ascii=False, indent=2))
    else:
        print(cards_table(cards))
    return 0


def _chat(args: argparse.Namespace) -> int:
    from .ui import launch

    launch(host=args.host, port=args.port, share=args.share)
    return 0


_COMMANDS = {"index": _index, "ask": _ask, "status": _status, "eval": _eval, "bench": _bench, "studies": _studies,
             "chat": _chat}

if __name__ == "__main__":
    sys.exit(main())
