"""Study cards: per-document facts (design, country, sample …) read at index time, each with its sentence."""

from __future__ import annotations

from typing import Any

from ..types import Document
from .extract import RULES_VERSION, extract_card
from .model import FIELD_LABELS, FIELDS, CardValue, Evidence, StudyCard

__all__ = ["FIELDS", "FIELD_LABELS", "RULES_VERSION", "CardValue", "Evidence", "StudyCard", "extract_card", "study_cards"]


def study_cards(documents: list[Document], settings: Any, llm: Any = None) -> list[StudyCard]:
    """A card per document from the rules, then (when enabled and configured) empty fields filled by the LLM."""
    cards = [extract_card(doc) for doc in documents]
    if llm is None:  # the indexer passes one only when STUDYQA_CARDS_LLM is on and a backend is configured
        return cards
    from .llm_fill import fill_with_llm

    return [fill_with_llm(card, doc, llm, settings.prompts_dir) for card, doc in zip(cards, documents)]
