"""Answer quality on real papers: a folder of PDFs, a gold metadata table and questions with the page
that answers each (`evals/papers_gold.json`, `evals/papers_questions.jsonl`).

Figures:
- metadata accuracy: title, first author's surname, year, journal and DOI of every gold paper, field by
  field (title and journal compared case- and punctuation-blind; the journal may be any of its aliases);
- fact recall: share of an answerable question's facts found in the answer (refused: 0);
- cited page right: of the answerable questions whose answer cites the gold paper, the share whose first
  such citation is on a page that states the answer;
- answering sentence's page right: of those whose answer quotes a sentence holding a fact, the share whose
  first such sentence is cited to a page that states the answer (what a reader checking the fact opens; the
  first citation may be a sentence of context before it, on an earlier page);
- cited-document precision: of all citations, the share pointing at a gold paper;
- key passage in top five (LitQA2): half or more of the key passage's 8-word windows lie in one of the
  five passages retrieved;
- unanswerable refused, false refusals, median answer() milliseconds.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

from .evaluation import fact_recall
from .settings import Settings

WINDOW = 8


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def _words(text: str) -> list[str]:
    return [w for w in (re.sub(r"[^0-9a-z]", "", t) for t in text.lower().replace("-", " ").split()) if w]


def metadata_accuracy(documents: list[Any], gold: list[dict[str, Any]]) -> dict[str, Any]:
    """Field-by-field agreement of the indexed documents' metadata with the gold table."""
    by_source = {doc.source: doc for doc in documents}
    rows = []
    for paper in gold:
        doc = by_source.get(paper["file"])
        surname = doc.authors[0].split()[-1].lower() if doc and doc.authors else ""
        journals = {_norm(j) for j in [paper["journal"], *paper.get("journal_aliases", [])]}
        rows.append({"file": paper["file"], "indexed": doc is not None,
                     "title": bool(doc) and _norm(doc.title) == _norm(paper["title"]),
                     "first_author": surname == paper["first_author_surname"].lower(),
                     "year": bool(doc) and doc.year == paper["year"],
                     "journal": bool(doc) and _norm(doc.journal) in journals,
                     "doi": bool(doc) and doc.doi.lower() == paper["doi"].lower()})
    fields = ("title", "first_author", "year", "journal", "doi")
    right = sum(row[f] for row in rows for f in fields)
    return {"papers": len(rows), "indexed": sum(r["indexed"] for r in rows),
            "field_accuracy": round(right / (len(rows) * len(fields)), 4) if rows else 0.0,
            "by_field": {f: round(sum(r[f] for r in rows) / len(rows), 4) for f in fields} if rows else {},
            "wrong": [{"file": r["file"], "fields": [f for f in fields if not r[f]]} for r in rows
                      if not all(r[f] for f in fields)]}


def key_passage_found(key: str, passages: list[Any]) -> bool:
    """Half or more of the key passage's 8-word windows lie in one passage."""
    words = _words(key)
    windows = {"".join(words[i:i + WINDOW]) for i in range(max(1, len(words) - WINDOW + 1))}
    return any(sum(w in text for w in windows) >= 0.5 * len(windows)
               for text in (_norm(p.text) for p in passages))


def score_question(question: dict[str, Any], answer: Any) -> dict[str, Any]:
    """Per-question figures."""
    gold = set(question["gold"])
    cited = [c for c in answer.citations if c.source in gold]
    pages = set(question.get("pages") or [question.get("page")])
    row = {"id": question["id"], "type": question["type"], "lang": question["lang"], "refused": answer.refused,
           "answer": answer.text, "citations": len(answer.citations),
           "cited_gold": sum(c.source in gold for c in answer.citations),
           "cited_page": cited[0].page if cited else None, "answer_ms": answer.timings.get("total_ms", 0.0)}
    if gold:
        row["fact_recall"] = 0.0 if answer.refused else fact_recall(answer.text, question["facts"])
        row["page_right"] = (cited[0].page in pages) if cited else None
        holding = [c for c in cited if fact_recall(c.quote, question["facts"])]
        row["fact_page_right"] = (holding[0].page in pages) if holding else None
    if question.get("key_passage"):
        row["key_in_top5"] = key_passage_found(question["key_passage"], answer.passages[:5])
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The set's figures from per-question rows."""
    answerable = [r for r in rows if "fact_recall" in r]
    unanswerable = [r for r in rows if "fact_recall" not in r]
    paged = [r for r in answerable if r["page_right"] is not None]
    fact_paged = [r for r in answerable if r.get("fact_page_right") is not None]
    litqa = [r for r in rows if "key_in_top5" in r]
    citations = sum(r["citations"] for r in answerable)
    times = sorted(r["answer_ms"] for r in rows)
    mean = lambda values: round(sum(values) / len(values), 4) if values else 0.0  # noqa: E731
    return {
        "questions": len(rows), "answerable": len(answerable),
        "fact_recall": mean([r["fact_recall"] for r in answerable]),
        "fact_recall_zh": mean([r["fact_recall"] for r in answerable if r["lang"] == "zh"]),
        "cited_page_right": mean([r["page_right"] for r in paged]), "paged_answers": len(paged),
        "fact_page_right": mean([r["fact_page_right"] for r in fact_paged]), "fact_paged_answers": len(fact_paged),
        "cited_doc_precision": round(sum(r["cited_gold"] for r in answerable) / citations, 4) if citations else 0.0,
        "false_refusals": mean([r["refused"] for r in answerable]),
        "unanswerable_refused": mean([r["refused"] for r in unanswerable]),
        "litqa2_key_in_top5": sum(r["key_in_top5"] for r in litqa), "litqa2_questions": len(litqa),
        "median_answer_ms": round(statistics.median(times), 1) if times else 0.0,
    }


def run_papers_eval(folder: Path, questions_path: Path, gold_path: Path, settings: Settings,
                    progress: bool = False) -> dict[str, Any]:
    """Index the folder's papers, check their metadata and ask every question through the public API."""
    from .api import Assistant
    from .indexing import build_index

    started = time.perf_counter()
    report = build_index([folder], settings.model_copy(update={"sources_dir": folder}), progress=progress)
    index_seconds = round(time.perf_counter() - started, 1)
    assistant = Assistant(settings.model_copy(update={"sources_dir": folder}))
    gold = json.loads(Path(gold_path).read_text("utf-8"))["papers"]
    questions = [json.loads(line) for line in Path(questions_path).read_text("utf-8").splitlines() if line.strip()]
    rows = []
    for question in questions:
        began = time.perf_counter()
        answer = assistant.answer(question["question"])
        answer.timings["total_ms"] = round((time.perf_counter() - began) * 1000, 2)
        rows.append(score_question(question, answer))
    metrics = summarise(rows)
    metadata = metadata_accuracy(list(assistant.retriever.snapshot.documents.values()), gold)
    metrics["metadata_field_accuracy"] = metadata["field_accuracy"]
    return {"folder": str(folder), "documents": report.documents, "chunks": report.chunks,
            "index_seconds": index_seconds, "skipped": report.skipped, "metrics": metrics,
            "metadata": metadata, "questions": rows}
