"""Questions about a study's bibliographic fields, answered from the line where the page gives them.

"Who wrote …?", "What is the DOI …?", "Which journal …?", "When was it published?" and "What is the
registration number?" have an exact answer in the document's metadata. The answerer then prefers
the sentence of that document that contains the value, so the answer is still a cited quote.
"""

from __future__ import annotations

import re

from ..types import Document

FIELD_CUES = {
    "authors": re.compile(r"\bwho (wrote|authored)\b|author|\bwrote\b|作者|谁写", re.I),  # not any "who"
    "doi": re.compile(r"\bdoi\b", re.I),
    "trial_registration": re.compile(r"registration|registered|trial number|注册", re.I),
    "journal": re.compile(r"journal|published in|appear(ed)? in|期刊|发表在", re.I),
    "year": re.compile(r"\bpublish|publication|发表|出版", re.I),
}


def asked_values(question: str, doc: Document) -> list[str]:
    """The metadata values of `doc` that the question asks for, as they appear in its text."""
    values = []
    for field, cue in FIELD_CUES.items():
        if not cue.search(question):
            continue
        value = doc.authors[0] if field == "authors" and doc.authors else getattr(doc, field, None)
        if value and str(value) in doc.text:
            values.append(str(value))
    return values
