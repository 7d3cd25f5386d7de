"""Answer a question about the collection from every study's card, each listed study with its cited sentence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ..types import Answer, Citation, Passage
from .model import FIELD_LABELS, FIELD_LABELS_ZH, Evidence, StudyCard
from .questions import CollectionQuestion, Condition
from .vocabulary import ZH_NAMES, implied

PassageFor = Callable[[Evidence, StudyCard], Passage | None]


@dataclass
class Shown:
    """One value shown for a study, with the evidence that states it."""

    field: str
    value: str
    evidence: Evidence
    provenance: str = ""


def answer_from_cards(question: CollectionQuestion, cards: list[StudyCard], passage_for: PassageFor) -> Answer | None:
    """The cited answer, or None when the question names studies the cards cannot pick out."""
    listed, unknown = select(question, cards)
    if question.kind == "compare" and len(listed) < 2:
        return None
    if question.kind == "study" and (len(listed) != 1 or not any(listed[0].fields.get(a) for a in question.asked)):
        return None  # not one study, or its card does not hold what is asked: the passages may
    zh = question.lang == "zh"
    lines = [] if question.kind == "study" else [_headline(question, len(listed), len(cards), zh)]
    citations: list[Citation] = []
    passages: list[Passage] = []
    for card in listed:
        shown = _shown_values(question, card, zh)
        lines.append(_study_line(card, shown, citations, passages, passage_for, zh, listed=question.kind != "study"))
    if not listed and question.conditions:
        lines.append(_what_cards_hold(question.conditions[0].field, cards, zh))
    if unknown:
        titles = "; ".join(c.title for c in unknown)
        lines.append(f"未说明（无法判断）：{titles}" if zh else f"Not stated, so not counted: {titles}")
    return Answer(question=question.question, text="\n".join(lines), citations=citations, passages=passages,
                  refused=False, mode="study cards")


def select(question: CollectionQuestion, cards: list[StudyCard]) -> tuple[list[StudyCard], list[StudyCard]]:
    """(the studies the answer lists, the studies whose cards do not say enough to decide)."""
    if question.kind == "each":
        return list(cards), []
    if question.kind in ("compare", "study"):
        return [c for c in cards if any(_holds(c, cond) for cond in question.conditions)], []
    listed, unknown = [], []
    for card in cards:
        stated = [c for c in question.conditions if card.fields.get(c.field)]
        size = card.sample_size()
        if not all(_holds(card, c) for c in stated) or (size is not None and not all(s.holds(size) for s in question.sizes)):
            continue
        if len(stated) < len(question.conditions) or (question.sizes and size is None):
            unknown.append(card)
        else:
            listed.append(card)
    return listed, unknown


def _holds(card: StudyCard, condition: Condition) -> bool:
    return card.has(condition.field, condition.value) != condition.negated


def _headline(question: CollectionQuestion, matched: int, total: int, zh: bool) -> str:
    labels = FIELD_LABELS_ZH if zh else FIELD_LABELS
    parts = [f"{labels[c.field]}{'：' if zh else ': '}{('非' if zh else 'not ') if c.negated else ''}"
             f"{ZH_NAMES.get(c.value, c.value) if zh else c.value}" for c in question.conditions]
    parts += [s.match for s in question.sizes]
    condition = ("；" if zh else "; ").join(parts)
    if question.kind == "each":
        asked = ("、" if zh else ", ").join(labels[a] for a in question.asked)
        return f"已索引的{total}项研究（{asked}）：" if zh else f"All {total} indexed studies ({asked.lower()}):"
    if question.kind == "compare":
        return f"比较的{matched}项研究（{condition}）：" if zh else f"The {matched} studies compared ({condition}):"
    if matched == 0:
        return f"已索引的{total}项研究中没有符合条件的（{condition}）。" if zh else \
            f"None of the {total} indexed studies match ({condition})."
    return f"已索引的{total}项研究中有{matched}项符合（{condition}）：" if zh else \
        f"{matched} of the {total} indexed studies match ({condition}):"


def _shown_values(question: CollectionQuestion, card: StudyCard, zh: bool) -> list[Shown]:
    lang = "zh" if zh else "en"
    fields = list(question.asked)
    if question.kind in ("which", "count"):
        fields = [c.field for c in question.conditions] + (["sample_size"] if question.sizes else []) + fields
    if "sample_size" in fields:
        fields.append("sample_counted")
    shown: list[Shown] = []
    for name in dict.fromkeys(fields):
        wanted = [c.value for c in question.conditions if c.field == name and not c.negated]
        for value in card.fields.get(name, []):
            if question.kind in ("each", "compare", "study") or not wanted or any(w in implied(name, value.value) for w in wanted):
                shown.append(Shown(name, value.value, value.best_evidence(lang), value.provenance))
    return shown


def _study_line(card: StudyCard, shown: list[Shown], citations: list[Citation], passages: list[Passage],
                passage_for: PassageFor, zh: bool, listed: bool = True) -> str:
    labels = FIELD_LABELS_ZH if zh else FIELD_LABELS
    head = ("- " if listed else "") + card.title + (f" ({card.year})" if card.year else "")
    if not shown:
        return head + ("：未说明" if zh else ": not stated")
    grouped: dict[str, list[str]] = {}
    for item in shown:
        grouped.setdefault(item.field, []).append(display_value(item, zh))
    values = ("；" if zh else "; ").join(f"{labels[name]}{'：' if zh else ': '}{('、' if zh else ', ').join(vals)}"
                                        for name, vals in grouped.items())
    quotes = []
    for evidence in _covering_quotes(shown):
        n = len(citations) + 1
        passage = passage_for(evidence, card)
        text = passage.text if passage and evidence.quote in passage.text else evidence.quote
        citations.append(Citation(n=n, source=card.source, title=card.title, text=text, quote=evidence.quote,
                                  start=evidence.start, end=evidence.end, score=1.0,
                                  page=passage.page_at(evidence.start) if passage else 0))
        if passage and all(p.chunk_id != passage.chunk_id for p in passages):
            passages.append(passage)
        quotes.append(f"“{evidence.quote}” [{n}]")
    return f"{head}{'：' if zh else ' — '}{values}. " + " ".join(quotes)


def display_value(item: Shown, zh: bool) -> str:
    """The value in the reader's language, saying where it came from when not from the study's own text."""
    text = ZH_NAMES.get(item.value, item.value) if zh else item.value
    if item.provenance == "author affiliation":
        text += "（据作者单位）" if zh else " (from the author affiliation)"
    elif item.provenance:
        text += f"（{item.provenance} 填写）" if zh else f" (filled by {item.provenance})"
    return text


def _covering_quotes(shown: list[Shown]) -> list[Evidence]:
    """Few sentences that together state every shown value (a sentence stating several comes first)."""
    by_start: dict[int, Evidence] = {s.evidence.start: s.evidence for s in shown}
    covers = Counter(s.evidence.start for s in shown)
    return [by_start[start] for start in sorted(by_start, key=lambda st: (-covers[st], st))]


def _what_cards_hold(field: str, cards: list[StudyCard], zh: bool) -> str:
    counts = Counter(v for card in cards for v in card.values(field))
    held = ", ".join(f"{ZH_NAMES.get(value, value) if zh else value} ({n})"
                     for value, n in counts.most_common()) or ("无" if zh else "none")
    label = (FIELD_LABELS_ZH if zh else FIELD_LABELS)[field]
    return f"各研究卡片记录的{label}：{held}" if zh else f"{label} recorded on the cards: {held}."

