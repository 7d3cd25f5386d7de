"""Compare ways of getting a paper's text from its PDF, on the real papers in `shared/papers/`.

Readers: ours (`assistant.pdf.read_pdf`: pypdfium2 plus our layout rules), raw pypdfium2
(`get_text_range`), pdfplumber (`extract_text`, default and `layout=True`) and pypdf (plain and
`extraction_mode="layout"`). Each reader runs once per paper after a warm-up; only extraction is timed.

Metrics, totals over the papers and per paper in the JSON:
- pages/s: pages (counted by PDFium) over the seconds spent extracting.
- hyphen-split words (lower is better): a word broken by a hyphen plus whitespace, or by a soft hyphen
  (U+00AD, U+FFFE), counted when its joined form occurs whole in the paper's reference vocabulary: the
  words that any reader other than ours, which mends hyphens, reads whole (`*_own` in the JSON uses the
  reader's own text instead). Glued words (a lower bound): missing word boundaries, counted in tokens
  that no other reader has and whose split into words the others read whole occurs, words separated,
  in another reader's text ("sgaccpacc", or a line-end compound mended into "braintraining").
- key-passage windows: for each LitQA2 key passage, the share of its 8-word windows (lowercase,
  letters and digits, hyphens dropped, NFKC) found in the reader's text; the mean over passages.
- furniture: lines (split again at sentence ends) with "creativecommons", "licensed under",
  "Page N of M" or bioRxiv's "certified by peer review".
- licences from the installed packages' metadata; socket use is blocked and counted during the run.

`python evals/compare_pdf_readers.py [--papers DIR] [--out evals/reports/pdf_readers.json]`
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import io
import json
import logging
import platform
import re
import socket
import sys
import time
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_PAPERS = HERE.parent.parent / "shared" / "papers"
DEFAULT_OUT = HERE / "reports" / "pdf_readers.json"
WINDOW = 8

# "horizon-\ntal", and pypdf's "horizon -\ntal" (spaces before a line-end hyphen)
HYPHEN_SPLIT = re.compile(r"([A-Za-z]{2,})(?:-\s+|[ \t]+-[ \t]*\r?\n\s*)([a-z]{2,})")
SOFT_SPLIT = re.compile(r"([A-Za-z]{2,})[\u00ad\ufffe]\s*([a-z]{2,})")
ANY_BREAK = re.compile(r"[A-Za-z]+(?:-\s+|[ \t]+-[ \t]*\r?\n\s*|[\u00ad\ufffe]\s*)[a-z]+")
WORD = re.compile(r"[A-Za-z]+")
HYPHENS = re.compile(r"[-\u00ad\ufffe\u2010\u2011]")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
FURNITURE = {
    "creativecommons": re.compile(r"creativecommons", re.I),
    "licensed under": re.compile(r"licensed\s+under", re.I),
    "Page N of M": re.compile(r"\bPage \d+ of \d+\b"),
    "certified by peer review": re.compile(r"certified\s+by\s+peer\s+review", re.I),
}
READER_PACKAGES = {
    "ours (pypdfium2 + layout rules)": ["pypdfium2"],
    "pypdfium2 raw get_text_range": ["pypdfium2"],
    "pdfplumber extract_text": ["pdfplumber", "pdfminer.six"],
    "pdfplumber extract_text(layout=True)": ["pdfplumber", "pdfminer.six"],
    "pypdf extract_text": ["pypdf"],
    "pypdf extract_text(layout)": ["pypdf"],
}
OURS = "ours (pypdfium2 + layout rules)"

network_attempts: list[str] = []


def block_network() -> None:
    """Make every socket connection or name lookup fail, and record it."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        network_attempts.append(repr(args[:2])[:120])
        raise OSError("network disabled by compare_pdf_readers")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.getaddrinfo = refuse  # type: ignore[assignment]
    socket.create_connection = refuse  # type: ignore[assignment]


def quiet_libraries() -> None:
    """Silence the font and structure warnings pypdf and pdfminer print."""
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")


def read_ours(data: bytes) -> str:
    """Our reader: pypdfium2 plus reading order, hyphen mending and furniture removal."""
    from assistant.pdf import read_pdf

    return read_pdf(data).text


def read_pdfium_raw(data: bytes) -> str:
    """PDFium's own text of each page, in content-stream order, joined."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n".join(pages)
    finally:
        pdf.close()


def read_pdfplumber(data: bytes, layout: bool = False) -> str:
    """pdfplumber's `extract_text` of each page, joined."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text(layout=layout) or "" for page in pdf.pages)


def read_pypdf(data: bytes, mode: str = "plain") -> str:
    """pypdf's `extract_text` of each page (plain or layout mode), joined."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text(extraction_mode=mode) or "" for page in reader.pages)


READERS: dict[str, Callable[[bytes], str]] = {
    OURS: read_ours,
    "pypdfium2 raw get_text_range": read_pdfium_raw,
    "pdfplumber extract_text": read_pdfplumber,
    "pdfplumber extract_text(layout=True)": lambda data: read_pdfplumber(data, layout=True),
    "pypdf extract_text": read_pypdf,
    "pypdf extract_text(layout)": lambda data: read_pypdf(data, mode="layout"),
}


def page_count(data: bytes) -> int:
    """The number of pages, as PDFium counts them."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def warm_up(sample: bytes) -> None:
    """Import every library and run each reader once, untimed, on one small paper."""
    for read in READERS.values():
        read(sample)


def extract(read: Callable[[bytes], str], data: bytes) -> tuple[str, float, str | None]:
    """Run one reader on one PDF; its text, seconds taken and error, if any."""
    start = time.perf_counter()
    try:
        text = read(data)
        error = None
    except Exception as exc:  # noqa: BLE001 - a failing reader is a result, not a crash
        text, error = "", f"{type(exc).__name__}: {exc}"[:200]
    return text, time.perf_counter() - start, error


def whole_words(text: str) -> set[str]:
    """Lowercased words that the text reads whole (hyphen-broken fragments left out)."""
    return {w.lower() for w in WORD.findall(ANY_BREAK.sub(" ", text))}


def hyphen_splits(text: str, vocabulary: set[str]) -> tuple[int, list[str]]:
    """Hyphen- or soft-hyphen-split words whose joined form is in the vocabulary; count and examples."""
    found = [
        m.group(0)
        for pattern in (HYPHEN_SPLIT, SOFT_SPLIT)
        for m in pattern.finditer(text)
        if (m.group(1) + m.group(2)).lower() in vocabulary
    ]
    return len(found), found[:5]


def segment(token: str, vocabulary: set[str]) -> list[str] | None:
    """Split a token into the fewest vocabulary words (2+ letters, or 'a'), or None."""
    best: list[list[str] | None] = [[]] + [None] * len(token)
    for end in range(1, len(token) + 1):
        for start in range(max(0, end - 30), end):
            piece, before = token[start:end], best[start]
            if before is None or (len(piece) < 2 and piece != "a") or piece not in vocabulary:
                continue
            if best[end] is None or len(before) + 1 < len(best[end]):  # type: ignore[arg-type]
                best[end] = before + [piece]
    return best[-1]


def word_sequence(text: str) -> str:
    """Lowercased words separated by spaces, with a hyphen break kept as a barrier."""
    return " " + " ".join(w.lower() for w in WORD.findall(ANY_BREAK.sub(" | ", text))) + " "


def glued_words(text: str, others: list[str], vocabulary: set[str]) -> tuple[int, list[str]]:
    """Missing word boundaries: tokens that another reader reads as separate words, counted per join."""
    sequences = [word_sequence(other) for other in others]
    tokens = [w.lower() for w in WORD.findall(text)]
    joins: dict[str, int] = {}
    count, examples = 0, []
    for token in tokens:
        if token not in joins:
            parts = None if token in vocabulary or len(token) < 4 else segment(token, vocabulary)
            phrase = f" {' '.join(parts)} " if parts and len(parts) > 1 else None
            joins[token] = len(parts) - 1 if phrase and any(phrase in s for s in sequences) else 0  # type: ignore[arg-type]
        if joins[token]:
            count += joins[token]
            if len(examples) < 5 and token not in examples:
                examples.append(token)
    return count, examples


def normalised_words(text: str) -> list[str]:
    """Lowercase letters-and-digits words, hyphens dropped, after NFKC."""
    text = HYPHENS.sub("", unicodedata.normalize("NFKC", text).lower())
    return re.findall(r"[^\W_]+", text)


def window_share(passage: str, text: str) -> float:
    """Share of the passage's 8-word windows that occur, word for word, in the text."""
    words = normalised_words(passage)
    haystack = " " + " ".join(normalised_words(text)) + " "
    windows = [words[i : i + WINDOW] for i in range(max(1, len(words) - WINDOW + 1))]
    return sum(f" {' '.join(w)} " in haystack for w in windows) / len(windows)


def furniture_lines(text: str) -> dict[str, int]:
    """Lines (split again at sentence ends) carrying each kind of licence or running-header text."""
    pieces = [p for line in text.splitlines() for p in SENTENCE_END.split(line)]
    counts = {name: sum(bool(rx.search(p)) for p in pieces) for name, rx in FURNITURE.items()}
    counts["total"] = sum(any(rx.search(p) for rx in FURNITURE.values()) for p in pieces)
    return counts


def licence_of(package: str) -> dict[str, str]:
    """The installed package's version and licence as its metadata states it."""
    meta = metadata.metadata(package)
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License")]
    stated = meta.get("License-Expression") or (meta.get("License") or "").split("\n")[0] or ", ".join(classifiers)
    return {"version": metadata.version(package), "licence": stated or "unknown"}


def pdfium_licence() -> str:
    """The licence of the PDFium build bundled in pypdfium2, from its licence file."""
    dist = metadata.distribution("pypdfium2")
    files = [f for f in dist.files or [] if str(f).endswith("BUILD_LICENSES/pdfium.txt")]
    if not files:
        return "unknown"
    text = Path(dist.locate_file(files[0])).read_text(errors="replace")
    bsd3 = "Redistribution and use in source and binary forms" in text and "Neither the name" in text
    return "BSD-3-Clause" if bsd3 else "see BUILD_LICENSES/pdfium.txt"


def ours_version() -> dict[str, str]:
    """Our reader's version string and a digest of its sources, since its rules change over time."""
    import hashlib

    import assistant.pdf as package

    digest = hashlib.sha256()
    for source in sorted(Path(package.__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return {"PDF_READER_VERSION": package.PDF_READER_VERSION, "sources_sha256": digest.hexdigest()[:16]}


def load_passages(papers: Path) -> list[dict[str, str]]:
    """LitQA2 key passages with the file name of the paper each comes from."""
    rows = []
    for line in (papers / "litqa2_questions.jsonl").read_text().splitlines():
        if line.strip():
            item = json.loads(line)
            doi = item["sources"][0].split("doi.org/")[-1]
            rows.append({"id": item["id"], "file": doi.replace("/", "_") + ".pdf", "passage": item["key-passage"]})
    return rows


def score_paper(texts: dict[str, str], passages: list[str]) -> dict[str, dict[str, Any]]:
    """Every metric for every reader's text of one paper."""
    vocabulary = set().union(*(whole_words(t) for name, t in texts.items() if name != OURS))
    scores = {}
    for name, text in texts.items():
        others = [t for other, t in texts.items() if other != name]
        other_vocab = set().union(*(whole_words(t) for t in others))
        split, split_examples = hyphen_splits(text, vocabulary)
        split_own, _ = hyphen_splits(text, whole_words(text))
        glued, glued_examples = glued_words(text, others, other_vocab)
        scores[name] = {
            "characters": len(text),
            "hyphen_split_words": split,
            "hyphen_split_words_own": split_own,
            "hyphen_split_examples": split_examples,
            "glued_words": glued,
            "glued_examples": glued_examples,
            "passage_windows": [round(window_share(p, text), 4) for p in passages],
            "furniture": furniture_lines(text),
        }
    return scores


def run(papers: Path) -> dict[str, Any]:
    """Read every paper with every reader and gather per-paper and total figures."""
    files = sorted(papers.glob("*.pdf"))
    passages = load_passages(papers)
    warm_up(min(files, key=lambda f: f.stat().st_size).read_bytes())
    per_paper: dict[str, Any] = {}
    for path in files:
        data = path.read_bytes()
        texts, timing, errors = {}, {}, {}
        for name, read in READERS.items():
            texts[name], timing[name], errors[name] = extract(read, data)
        mine = [p["passage"] for p in passages if p["file"] == path.name]
        scores = score_paper(texts, mine)
        for name in READERS:
            scores[name].update(seconds=round(timing[name], 4), error=errors[name])
        per_paper[path.name] = {"pages": page_count(data), "key_passages": len(mine), "readers": scores}
        print(f"read {path.name}: " + ", ".join(f"{n.split()[0]} {timing[n]:.1f}s" for n in READERS), file=sys.stderr)
    return per_paper


def totals(per_paper: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Totals over papers for each reader."""
    pages = sum(p["pages"] for p in per_paper.values())
    out = {}
    for name in READERS:
        rows = [p["readers"][name] for p in per_paper.values()]
        seconds = sum(r["seconds"] for r in rows)
        shares = [s for r in rows for s in r["passage_windows"]]
        out[name] = {
            "pages": pages,
            "seconds": round(seconds, 2),
            "pages_per_second": round(pages / seconds, 1) if seconds else None,
            "hyphen_split_words": sum(r["hyphen_split_words"] for r in rows),
            "hyphen_split_words_own": sum(r["hyphen_split_words_own"] for r in rows),
            "glued_words": sum(r["glued_words"] for r in rows),
            "key_passages": len(shares),
            "passage_windows_mean": round(sum(shares) / len(shares), 3) if shares else None,
            "passages_whole": sum(s == 1.0 for s in shares),
            "furniture_lines": sum(r["furniture"]["total"] for r in rows),
            "furniture_by_kind": {k: sum(r["furniture"][k] for r in rows) for k in FURNITURE},
            "errors": {f: p["readers"][name]["error"] for f, p in per_paper.items() if p["readers"][name]["error"]},
            "packages": {pkg: licence_of(pkg) for pkg in READER_PACKAGES[name]},
        }
    return out


def licence_cell(packages: dict[str, dict[str, str]]) -> str:
    """A table cell naming each package, its version and licence."""
    cell = "; ".join(f"{pkg} {v['version']}: {v['licence']}" for pkg, v in packages.items())
    return cell + (f" (PDFium: {pdfium_licence()})" if "pypdfium2" in packages else "")


def markdown(summary: dict[str, dict[str, Any]]) -> str:
    """One table row per reader."""
    head = (
        "| reader | pages/s (pages, s) | hyphen-split words (own-text) | glued words (joins) "
        "| key-passage windows found (whole) | furniture lines | licence |\n|---|---|---|---|---|---|---|"
    )
    rows = [
        f"| {name} | {s['pages_per_second']} ({s['pages']}, {s['seconds']}) "
        f"| {s['hyphen_split_words']} ({s['hyphen_split_words_own']}) | {s['glued_words']} "
        f"| {s['passage_windows_mean']} ({s['passages_whole']}/{s['key_passages']}) "
        f"| {s['furniture_lines']} | {licence_cell(s['packages'])} |"
        for name, s in summary.items()
    ]
    return "\n".join([head, *rows])


def main(argv: list[str] | None = None) -> None:
    """Run the comparison, print the markdown table and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=Path, default=DEFAULT_PAPERS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    block_network()
    quiet_libraries()
    version = ours_version()
    per_paper = run(args.papers)
    if ours_version() != version:
        print("warning: assistant/pdf sources changed during the run", file=sys.stderr)
    summary = totals(per_paper)
    report = {
        "papers_dir": str(args.papers),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
        "pdfium_licence": pdfium_licence(),
        "ours_version": version,
        "ours_sources_changed_during_run": ours_version() != version,
        "network_attempts_during_run": network_attempts,
        "summary": summary,
        "papers": per_paper,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print(markdown(summary))
    print(f"\nnetwork connections attempted during the run: {len(network_attempts)}; report: {args.out}")


if __name__ == "__main__":
    main()
