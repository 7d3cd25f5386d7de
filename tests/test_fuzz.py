"""Property tests on arbitrary text (English, Chinese, mixed scripts, JSON, noise): cleaning, chunking, citations.

No exceptions; offsets always valid; and no text lost between cleaning and chunks except what cleaning
removes by one of its rules (each dropped line is reported with its reason).
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.answering.citations import check_markers, citations_for, parse_markers
from assistant.chunking import chunk_document
from assistant.cleaning import clean_text, normalise_lines
from assistant.text import normalise_space
from assistant.types import Document, Passage

from .test_chunking import Tokens

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WORDS = ["compassion", "staff", "Balint", "group", "NHS", "peer", "support", "interview", "12-week", "(n = 8)"]
CHINESE = ["同伴", "支持", "焦点小组", "医护人员", "慈悲", "团体", "访谈", "。", "，", "巴林特"]
FURNITURE = ["Home", "Login", "Cookie settings", "Share this article", "Copyright © 2024", "Related articles",
             "PubMed", "Google Scholar", "DOI: 10.1000/xyz", "Download PDF", "Menu"]


@st.composite
def scraped_page(draw) -> str:
    """Text shaped like the bundled pages, with arbitrary Unicode mixed in."""
    lines = []
    for _ in range(draw(st.integers(0, 30))):
        kind = draw(st.sampled_from(["en", "zh", "mixed", "furniture", "json", "noise", "blank"]))
        if kind == "en":
            lines.append(" ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=40))) + ".")
        elif kind == "zh":
            lines.append("".join(draw(st.lists(st.sampled_from(CHINESE), min_size=1, max_size=40))))
        elif kind == "mixed":
            lines.append(" ".join(draw(st.lists(st.sampled_from(WORDS + CHINESE), min_size=1, max_size=30))))
        elif kind == "furniture":
            lines.append(draw(st.sampled_from(FURNITURE)))
        elif kind == "json":
            abstract = " ".join(draw(st.lists(st.sampled_from(WORDS + CHINESE), min_size=0, max_size=40)))
            lines.append(json.dumps({"abstract": abstract, "title": draw(st.text(max_size=20))}, ensure_ascii=False))
        elif kind == "noise":
            lines.append(draw(st.text(max_size=80)))
        else:
            lines.append("")
    separator = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return separator.join(lines)


@FUZZ
@given(raw=st.one_of(scraped_page(), st.text(max_size=400)))
def test_cleaning_only_removes_lines_and_says_why(raw):
    cleaned = clean_text(raw)
    lines = [line for line in normalise_lines(raw) if line.strip()]
    kept = {line.strip() for line in cleaned.kept}
    dropped = {line for line, reason in cleaned.dropped}
    assert all(reason for _, reason in cleaned.dropped)
    # Every non-blank input line is kept (perhaps joined to the line it continues) or dropped by a named
    # rule: nothing vanishes unexplained.
    assert all(line.strip() in kept or line in dropped or any(line.strip() in k for k in kept | dropped)
               for line in lines)
    # Every line of the output is a kept input line or an abstract recovered from embedded JSON.
    recovered = normalise_space(" ".join(str(r) for r in cleaned.records))
    for line in filter(None, cleaned.text.split("\n")):
        assert line in kept or normalise_space(line) in recovered or normalise_space(line) in normalise_space(raw)


@FUZZ
@given(raw=st.one_of(scraped_page(), st.text(max_size=400)), budget=st.sampled_from([32, 120, 200]),
       overlap=st.sampled_from([0, 40]))
def test_cleaned_text_reaches_the_chunks_whole(tokenizer, raw, budget, overlap):
    text = clean_text(raw).text
    doc = Document(doc_id="d", source="d.txt", text=text, sha256="0")
    chunks = chunk_document(doc, Tokens(tokenizer), budget, overlap)
    covered = [False] * len(text)
    for chunk in chunks:
        assert 0 <= chunk.start < chunk.end <= len(text) and text[chunk.start:chunk.end] == chunk.text
        covered[chunk.start:chunk.end] = [True] * (chunk.end - chunk.start)
    assert all(c or ch.isspace() for c, ch in zip(covered, text))


marker = st.builds(lambda nums, sep: "[" + sep.join(map(str, nums)) + "]",
                   st.lists(st.integers(0, 12), min_size=1, max_size=3), st.sampled_from([",", ", ", "，", "-", ";"]))
answer_text = st.lists(st.one_of(st.text(max_size=30), marker, st.sampled_from(["。", ". ", "[", "]", "[x]", "[]"])),
                       max_size=25).map("".join)


@FUZZ
@given(text=answer_text, passages=st.integers(0, 6))
def test_marker_checking_keeps_exactly_the_valid_numbers(text, passages):
    checked = check_markers(text, passages)
    assert set(checked.cited) <= set(range(1, passages + 1))
    assert not set(checked.invalid) & set(range(1, passages + 1))
    assert set(parse_markers(checked.text)) <= set(checked.cited)
    assert set(parse_markers(text)) <= set(checked.cited) | set(checked.invalid)


passage_text = st.lists(st.one_of(st.sampled_from(WORDS + CHINESE + [". ", "。", "\n"]), st.text(max_size=15)),
                        min_size=1, max_size=40).map("".join)


@FUZZ
@given(texts=st.lists(passage_text, min_size=1, max_size=4), answer=answer_text, offset=st.integers(0, 5000))
def test_citation_quotes_are_valid_slices_of_their_passages(texts, answer, offset):
    passages = [Passage(chunk_id=f"c{i}", doc_id="d", source="d.txt", title="t", text=t, start=offset,
                        end=offset + len(t), score=1.0) for i, t in enumerate(texts)]
    checked = check_markers(answer, len(passages))
    for citation in citations_for(checked.text, checked.cited, passages):
        passage = passages[citation.n - 1]
        assert passage.start <= citation.start <= citation.end <= passage.end
        assert citation.quote == passage.text[citation.start - passage.start:citation.end - passage.start]
