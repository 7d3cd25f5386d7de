"""Answer quality on public question-answering sets in SQuAD format (COVID-QA, CMRC 2018).

Every context becomes a text file (a CMRC article's title as its first line) that the product indexes like
any user's document; each question is then asked of the whole collection through `Assistant.answer`. The
metrics follow `../shared/qa/README.md`:

- document hit@1 / hit@5: the gold context is the first / among the first five distinct sources retrieved;
- answer in passages: a gold answer string occurs in the top five passages (what retrieval allows);
- answer in answer: a gold answer string occurs in the answer text (markers removed, whitespace and case folded);
- answer token recall: the share of a gold answer's words (Chinese: characters) found in the answer, best gold;
- cited-document precision: of all citations given, the share that point to the gold context (micro average);
- refusal: with `unanswerable`, the collection holds one half of the contexts (split by position: even
  positions are half "a", odd ones half "b"); questions about the other half have no answer in it and
  should be refused, questions about the indexed half should not (false refusals).
"""

from __future__ import annotations

import json
import random
import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import StudyQAError
from .settings import Settings

SAMPLE_SEED = 20260423
TOP_PASSAGES = 5
HALVES = ("a", "b")
_MARKER = re.compile(r"\s*\[\d+\]")
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_\u3400-\u9fff\uf900-\ufaff]+")


@dataclass(frozen=True)
class QAItem:
    """One public question, its gold answers and the position of its context."""

    qid: str
    question: str
    answers: tuple[str, ...]
    context: int
    starts: tuple[int, ...] = ()  # where each answer stands in its context (SQuAD's answer_start, title included)


def load_squad(path: Path) -> tuple[list[str], list[QAItem]]:
    """The contexts (title first, when given) and the questions of a SQuAD-format file."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))["data"]
        contexts: list[str] = []
        items: list[QAItem] = []
        for article in data:
            title = (article.get("title") or "").strip()
            shift = len(title) + 1 if title else 0
            for paragraph in article["paragraphs"]:
                position = len(contexts)
                contexts.append(f"{title}\n{paragraph['context']}" if title else paragraph["context"])
                items += [QAItem(str(qa["id"]), qa["question"].strip(), tuple(a["text"] for a in qa["answers"]), position,
                                 tuple(int(a.get("answer_start", -1 - shift)) + shift for a in qa["answers"]))
                          for qa in paragraph["qas"]]
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise StudyQAError(f"{path} is not a SQuAD-format file ({type(exc).__name__}: {exc})") from None
    return contexts, items


def load_wordings(path: Path) -> dict[str, str]:
    """Other wordings of a set's questions by id, from JSON lines `{"qid": …, "question": …}` (a translation, say)."""
    try:
        rows = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]
        return {str(row["qid"]): row["question"].strip() for row in rows}
    except (OSError, KeyError, TypeError, AttributeError, ValueError) as exc:
        raise StudyQAError(f"{path} is not a JSON-lines file of {{\"qid\", \"question\"}} rows ({type(exc).__name__}: {exc})") from None


def reworded(items: list[QAItem], wordings: dict[str, str] | None) -> list[QAItem]:
    """The items asked in their other wording (unchanged when there are no wordings); every item needs one."""
    if wordings is None:
        return items
    missing = [item.qid for item in items if not wordings.get(item.qid)]
    if missing:
        raise StudyQAError(f"no other wording for {len(missing)} sampled question(s), first id {missing[0]!r}")
    return [replace(item, question=wordings[item.qid]) for item in items]


def answers_removed(contexts: list[str], items: list[QAItem]) -> list[str]:
    """The contexts `load_squad` read, each without the sentences that hold (part of) one of its gold answers:
    the study is still there, the detail asked for is not, so its questions should be refused."""
    from .text import sentence_spans

    spans: list[list[tuple[int, int] | None]] = [[] for _ in contexts]
    for item in items:
        spans[item.context] += [_span(contexts[item.context], gold, start) for gold, start in zip(item.answers, item.starts)]
    return [_without(text, own, sentence_spans(text)) for text, own in zip(contexts, spans)]


def _span(text: str, gold: str, start: int) -> tuple[int, int] | None:
    """Where a gold answer stands in its context: at its `answer_start` when the text is there, else its first
    occurrence (some COVID-QA offsets are off), else None."""
    if not gold.strip():
        return None
    if text[start:start + len(gold)] != gold:
        start = text.find(gold)
    return (start, start + len(gold)) if start >= 0 else None


def _without(text: str, spans: list[tuple[int, int] | None], sentences: list[tuple[int, int]]) -> str:
    """The text less every sentence that overlaps one of the spans."""
    cut = [(a, b) for a, b in sentences if any(s is not None and b > s[0] and a < s[1] for s in spans)]
    parts, last = [], 0
    for a, b in cut:
        parts.append(text[last:a])
        last = b
    return "".join(parts) + text[last:]


def source_name(position: int) -> str:
    """The file name a context is indexed under."""
    return f"{position:04d}.txt"


def half_of(position: int) -> str:
    """Which half a context belongs to: 'a' for even positions, 'b' for odd ones."""
    return HALVES[position % 2]


def sample(items: list[QAItem], size: int | None) -> list[QAItem]:
    """A fixed random sample (the same on every run), or all items."""
    if size is None or size >= len(items):
        return list(items)
    return random.Random(SAMPLE_SEED).sample(items, size)


def fold(text: str) -> str:
    """Lower case, answer markers removed, whitespace runs made one space (none between Chinese characters)."""
    text = _MARKER.sub("", text).lower()
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])", "", text)


def tokens(text: str) -> set[str]:
    """Words, and single Chinese characters, of a folded text."""
    return set(_TOKEN.findall(fold(text)))


def token_recall(gold: str, answer: str) -> float:
    """Share of the gold answer's tokens present in the answer."""
    wanted = tokens(gold)
    return len(wanted & tokens(answer)) / len(wanted) if wanted else 0.0


def contains_any(golds: tuple[str, ...], text: str) -> bool:
    """Whether some gold answer occurs in the text, both folded."""
    folded = fold(text)
    return any(fold(g) and fold(g) in folded for g in golds)


def passage_figures(item: QAItem, passages: Sequence[Any]) -> dict[str, bool]:
    """Whether the gold context is the first or among the first five distinct sources of the ranked passages, and
    whether a gold answer occurs in the top five passages."""
    gold = source_name(item.context)
    sources = list(dict.fromkeys(p.source for p in passages))
    return {"hit@1": sources[:1] == [gold], "hit@5": gold in sources[:TOP_PASSAGES],
            "in_passages": contains_any(item.answers, " \n".join(p.text for p in passages[:TOP_PASSAGES]))}


def score_answerable(item: QAItem, answer: Any) -> dict[str, Any]:
    """Per-question figures for an answerable question."""
    gold = source_name(item.context)
    cited = [c.source for c in answer.citations]
    return {
        "qid": item.qid, "question": item.question, "refused": answer.refused, **passage_figures(item, answer.passages),
        "in_answer": not answer.refused and contains_any(item.answers, answer.text),
        "in_first_quote": not answer.refused and bool(answer.citations)
        and contains_any(item.answers, answer.citations[0].quote),
        "token_recall": 0.0 if answer.refused else max(token_recall(g, answer.text) for g in item.answers),
        "citations": len(cited), "cited_gold": sum(s == gold for s in cited),
        "answer_chars": len(_MARKER.sub("", answer.text)), "answer_ms": answer.timings.get("total_ms", 0.0),
        "answer": answer.text,
    }


def summarize(rows: list[dict[str, Any]], unanswerable: list[dict[str, Any]]) -> dict[str, Any]:
    """The set's metrics from per-question rows."""
    n = len(rows)
    mean = lambda key: round(sum(float(r[key]) for r in rows) / n, 4) if n else 0.0  # noqa: E731
    answered = [r for r in rows if not r["refused"]]
    citations = sum(r["citations"] for r in rows)
    times = sorted(r["answer_ms"] for r in rows + unanswerable)
    metrics = {
        "questions": n, "doc_hit@1": mean("hit@1"), "doc_hit@5": mean("hit@5"),
        "answer_in_passages": mean("in_passages"), "answer_in_answer": mean("in_answer"),
        "answer_token_recall": mean("token_recall"),
        # the answer comes first: its first quoted sentence holds a gold answer
        "answer_in_first_quote": mean("in_first_quote"),
        "cited_doc_precision": round(sum(r["cited_gold"] for r in rows) / citations, 4) if citations else 0.0,
        "median_answer_chars": statistics.median(r["answer_chars"] for r in answered) if answered else 0,
        "false_refusals": mean("refused"),
        "median_answer_ms": round(statistics.median(times), 1) if times else 0.0,
        "p95_answer_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1) if times else 0.0,
    }
    if unanswerable:
        metrics["unanswerable"] = len(unanswerable)
        metrics["unanswerable_refused"] = round(sum(r["refused"] for r in unanswerable) / len(unanswerable), 4)
    return metrics


def prepare_collection(contexts: list[str], keep: set[int], folder: Path) -> Path:
    """Write the kept contexts as text files into `folder` (and remove any others left from an earlier run)."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {source_name(i): contexts[i] for i in keep}
    for old in folder.glob("*.txt"):
        if old.name not in wanted:
            old.unlink()
    for name, text in wanted.items():
        path = folder / name
        if not path.exists() or path.read_text("utf-8") != text:
            path.write_text(text, "utf-8")
    return folder


def run_qa_eval(path: Path, settings: Settings, size: int | None = None, half: str | None = None,
                unanswerable: bool = False, progress: bool = False, remove_answers: bool = False,
                wordings: dict[str, str] | None = None) -> dict[str, Any]:
    """Index the set's contexts (all, or one half) and score sampled questions through the public API; with
    `remove_answers`, ask the same questions again of a second collection holding the same contexts less the
    sentences with their gold answers (`answers_removed`), where each should be refused. With `wordings`
    (question id -> text, see load_wordings) the sampled questions are asked in those words instead: the same
    sample, answers and contexts, so a translated set is scored against the original's gold answers."""
    contexts, items = load_squad(path)
    indexed_half = half or ("a" if unanswerable else None)
    keep = {i for i in range(len(contexts)) if indexed_half is None or half_of(i) == indexed_half}
    assistant, chunks = _collection(contexts, keep, Path(settings.index_dir).parent, settings, progress)
    asked = reworded(sample([q for q in items if q.context in keep and q.question], size), wordings)
    others = [q for q in items if q.context not in keep and q.question] if unanswerable else []
    rows = [score_answerable(q, _ask(assistant, q.question)) for q in asked]
    refusals = [_refusal(q, assistant) for q in reworded(sample(others, size), wordings)]
    result = {"dataset": str(path), "contexts": len(keep), "chunks": chunks, "half": indexed_half or "all",
              "empty_questions_skipped": sum(not q.question for q in items),
              "metrics": summarize(rows, refusals), "questions": rows, "unanswerable_questions": refusals}
    if remove_answers:
        without, _ = _collection(answers_removed(contexts, items), keep, Path(settings.index_dir).parent / "answers-removed",
                                 settings, progress)
        removed = [_refusal(q, without) for q in asked]
        result["metrics"]["answers_removed"] = len(removed)
        result["metrics"]["answers_removed_refused"] = round(sum(r["refused"] for r in removed) / len(removed), 4) if removed else 0.0
        result["answers_removed_questions"] = removed
    return result


def _collection(contexts: list[str], keep: set[int], folder: Path, settings: Settings, progress: bool) -> tuple[Any, int]:
    """An assistant over the kept contexts, written to folder/contexts and indexed in folder/store, and its
    chunk count."""
    from .api import Assistant
    from .indexing import build_index

    sources = prepare_collection(contexts, keep, folder / "contexts")
    settings = settings.model_copy(update={"sources_dir": sources, "index_dir": folder / "store"})
    report = build_index([sources], settings, progress=progress)
    return Assistant(settings), report.chunks


def _refusal(item: QAItem, assistant: Any) -> dict[str, Any]:
    """Per-question figures for a question the collection cannot answer."""
    answer = _ask(assistant, item.question)
    return {"qid": item.qid, "question": item.question, "refused": answer.refused, "answer": answer.text,
            "answer_ms": answer.timings.get("total_ms", 0.0)}


def _ask(assistant: Any, question: str) -> Any:
    started = time.perf_counter()
    answer = assistant.answer(question)
    answer.timings["total_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return answer


def check_qa_thresholds(metrics: dict[str, Any], limits: dict[str, float]) -> list[str]:
    """Failures against `min_<metric>` / `max_<metric>` limits."""
    failures = []
    for key, limit in limits.items():
        bound, _, metric = key.partition("_")
        value = metrics.get(metric)
        if value is None:
            failures.append(f"{metric}: not measured")
        elif (bound == "min" and value < limit) or (bound == "max" and value > limit):
            failures.append(f"{metric} = {value} ({bound} {limit})")
    return failures
