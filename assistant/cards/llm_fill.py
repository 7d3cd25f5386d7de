"""Optionally, an LLM fills the card fields the rules left empty; each value must quote the document verbatim.

Off by default (`STUDYQA_CARDS_LLM=true` with an LLM backend turns it on). A value is kept only when
its quote occurs word for word in the cleaned text and contains the value; it is marked with the
model's name (`CardValue.by`), so rules and model are never confused. Any failure leaves the card
as the rules made it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..text import detect_lang
from ..types import Document
from .model import FIELDS, CardValue, Evidence, StudyCard

FILLABLE = tuple(f for f in FIELDS if f != "sample_counted")
_JSON_OBJECT = re.compile(r"\{.*\}", re.S)


def fill_with_llm(card: StudyCard, doc: Document, llm, prompts_dir: Path, max_chars: int = 12000) -> StudyCard:
    """The card with empty fields filled from the model's cited reply (unchanged when it gives nothing usable)."""
    from ..answering.llm import LLMUnavailable

    empty = [f for f in FILLABLE if not card.fields.get(f)]
    if not empty:
        return card
    template = (Path(prompts_dir) / "card_fields.md").read_text("utf-8")
    prompt = template.replace("{fields}", ", ".join(empty)).replace("{text}", doc.text[:max_chars])
    try:
        reply = llm.complete(prompt)
    except LLMUnavailable:
        return card
    for name, value in parse_reply(reply, empty, doc, llm.name).items():
        card.fields[name] = [value]
    return card


def parse_reply(reply: str, wanted: list[str], doc: Document, by: str) -> dict[str, CardValue]:
    """The usable values of a reply `{"field": {"value": ..., "quote": ...}}`: verbatim quote that holds the value."""
    match = _JSON_OBJECT.search(reply or "")
    try:
        data = json.loads(match.group()) if match else {}
    except ValueError:
        return {}
    values = {}
    for name in wanted:
        item = data.get(name) if isinstance(data, dict) else None
        if not isinstance(item, dict):
            continue
        value, quote = str(item.get("value") or "").strip(), str(item.get("quote") or "").strip()
        start = doc.text.find(quote) if quote else -1
        if not value or start < 0 or value.lower() not in quote.lower():
            continue
        at = quote.lower().index(value.lower())
        evidence = Evidence(quote, start, start + len(quote), quote[at:at + len(value)], detect_lang(quote) or "en", by)
        values[name] = CardValue(value, [evidence], by=by)
    return values
