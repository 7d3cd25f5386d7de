"""The cards as a plain-text table for the terminal (cells wrap; only long titles are shortened)."""

from __future__ import annotations

import textwrap

from .model import StudyCard

COLUMNS = [("Study", 24), ("Design", 16), ("Country", 14), ("Setting", 16), ("Population", 18), ("N (counted as)", 18),
           ("Data collection", 15), ("Analysis", 18), ("Intervention", 18)]


def card_cells(card: StudyCard) -> list[str]:
    """One card's values, one string per column; '—' where the page does not say."""
    def joined(name: str) -> str:
        values = []
        for value in card.fields.get(name, []):
            note = "affiliation" if value.provenance == "author affiliation" else value.provenance
            values.append(value.value + (f" ({note})" if note else ""))
        return ", ".join(values) or "—"

    size = joined("sample_size")
    counted = card.values("sample_counted")
    if counted:
        size += f" ({'; '.join(counted)})"
    title = card.title if len(card.title) <= 60 else card.title[:59] + "…"
    return [f"{card.source} {title}", joined("design"), joined("country"), joined("setting"), joined("population"),
            size, joined("data_collection"), joined("analysis"), joined("intervention")]


def cards_table(cards: list[StudyCard]) -> str:
    """Every card as one (multi-line) row."""
    if not cards:
        return "No studies are indexed."
    rows = [[name for name, _ in COLUMNS]] + [card_cells(c) for c in cards]
    lines = []
    for i, row in enumerate(rows):
        wrapped = [textwrap.wrap(cell, width) or [""] for cell, (_, width) in zip(row, COLUMNS)]
        for line in range(max(len(w) for w in wrapped)):
            lines.append(" | ".join((w[line] if line < len(w) else "").ljust(width)
                                    for w, (_, width) in zip(wrapped, COLUMNS)).rstrip())
        if i == 0:
            lines.append("-+-".join("-" * width for _, width in COLUMNS))
    return "\n".join(lines)
