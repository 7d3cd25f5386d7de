"""Study cards: per-document facts (design, country, sample …) read at index time, each with its sentence."""

from __future__ import annotations

from typing import Any

from ..types import Document
from .extract import RULES_VERSION, extract_card
from .model import FIELD_LABELS, FIELDS, CardValue, Evidence, StudyCard

__all__ = ["FIELDS", "FIELD_LABELS", "RULES_VERSION", "CardValue", "Evidence", "StudyCard", "extract_card", "study_cards"]


def study_cards(documents: list[Document], settings: Any, llm: Any = None,
                reuse: dict[tuple[str, str, str], StudyCard] | None = None) -> list[StudyCard]:
    """A card per document: reused from `reuse` by (doc_id, sha256, reader versions) when present, else from the
    rules and then, when an LLM is given (STUDYQA_CARDS_LLM with a backend), its empty fields filled by the LLM."""
    reuse = reuse or {}
    return [reuse.get((doc.doc_id, doc.sha256, doc.reader)) or _new_card(doc, settings, llm) for doc in documents]


def _new_card(doc: Document, settings: Any, llm: Any) -> StudyCard:
    card = extract_card(doc)
    if llm is None:
        return card
    from .llm_fill import fill_with_llm

    return fill_with_llm(card, doc, llm, settings.prompts_dir)
