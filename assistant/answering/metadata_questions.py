"""Questions about a study's bibliographic fields, answered from the line where the page gives them.

"Who wrote …?", "What is the DOI …?", "Which journal …?", "When was it published?" and "What is the
registration number?" have an exact answer in the document's metadata. The answerer then prefers
the sentence of that document that contains the value, so the answer is still a cited quote.
"""

from __future__ import annotations

from ..patterns import cue, cues
from ..types import Document


def asked_fields(question: str) -> list[str]:
    """The bibliographic fields a question asks for (`metadata_fields` in cues.json; not every "who")."""
    return [name for name in cues()["metadata_fields"] if cue("metadata_fields", name).search(question)]


def asked_values(fields: list[str] | tuple[str, ...], doc: Document) -> list[str]:
    """The values of `doc` for the asked metadata `fields`, as they appear in its text."""
    values = []
    for field in fields:
        value = doc.authors[0] if field == "authors" and doc.authors else getattr(doc, field, None)
        if value and str(value) in doc.text:
            values.append(str(value))
    return values
