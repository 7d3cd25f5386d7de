"""Citation markers in generated text: keep those that point to a passage, drop and report the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..lexical import tokenize
from ..text import sentence_spans
from ..types import Citation, Passage

MARKER_GROUP = re.compile(r"\s?\[(\d+(?:\s*[,;，、-]\s*\d+)*)\]")


@dataclass
class CheckedText:
    """Generated text with only valid markers, and what was removed."""

    text: str
    cited: list[int] = field(default_factory=list)
    invalid: list[int] = field(default_factory=list)


def parse_markers(text: str) -> list[int]:
    """Every passage number cited in the text, in order, duplicates removed."""
    numbers: list[int] = []
    for group in MARKER_GROUP.finditer(text):
        numbers.extend(int(n) for n in re.findall(r"\d+", group.group(1)))
    return list(dict.fromkeys(numbers))


def check_markers(text: str, passage_count: int) -> CheckedText:
    """Rewrite markers as [n][m], keeping numbers 1..passage_count; report the others."""
    result = CheckedText(text="")
    invalid: list[int] = []

    def rewrite(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        kept = [n for n in numbers if 1 <= n <= passage_count]
        invalid.extend(n for n in numbers if not 1 <= n <= passage_count)
        result.cited.extend(kept)
        spacer = " " if match.group(0).startswith(" ") and kept else ""
        return spacer + "".join(f"[{n}]" for n in kept)

    cleaned = MARKER_GROUP.sub(rewrite, text)
    result.text = re.sub(r"[ \t]+([.,;:!?。，；])", r"\1", cleaned).strip()
    result.cited = list(dict.fromkeys(result.cited))
    result.invalid = list(dict.fromkeys(invalid))
    return result


def citations_for(text: str, cited: list[int], passages: list[Passage]) -> list[Citation]:
    """A citation per cited passage; its quote is the passage sentence closest to the claim citing it."""
    citations = []
    for n in cited:
        passage = passages[n - 1]
        claim = " ".join(_claims_citing(text, n))
        start, end = _best_sentence(passage.text, claim)
        citations.append(Citation(n=n, source=passage.source, title=passage.title, text=passage.text,
                                  quote=passage.text[start:end], start=passage.start + start,
                                  end=passage.start + end, score=passage.score, page=passage.page_at(passage.start + start)))
    return citations


def _claims_citing(text: str, n: int) -> list[str]:
    marker = f"[{n}]"
    return [text[a:b] for a, b in sentence_spans(text) if marker in text[a:b]] or [text]


def _best_sentence(passage: str, claim: str) -> tuple[int, int]:
    claim_terms = set(tokenize(claim))
    spans = list(sentence_spans(passage)) or [(0, len(passage))]
    return max(spans, key=lambda span: len(claim_terms & set(tokenize(passage[span[0]:span[1]]))))
