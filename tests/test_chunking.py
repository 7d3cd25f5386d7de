"""Chunks are exact slices of the cleaned text and never exceed the embedding model's window."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_document
from assistant.embedding import count_tokens, token_ends
from assistant.types import Document

WINDOW = 254  # all-MiniLM-L6-v2 reads 256 word pieces, two of them [CLS] and [SEP]

ENGLISH_WORDS = ["staff", "compassion", "group", "therapy", "interviewed", "participants", "NHS", "12-week",
                 "well-being", "self-criticism", "reflexive", "thematic", "analysis", "peer", "volunteers",
                 "supercalifragilisticexpialidocious", "(n", "=", "8)", "e.g.", "Dr.", "et", "al.", "2025"]
CHINESE_PIECES = ["医护人员", "关怀取向治疗", "团体", "干预", "访谈", "同伴志愿者", "焦点小组", "质性研究", "反思性主题分析",
                  "心理健康", "NHS", "CFT", "8名", "12周", "“", "”", "(", ")"]
SEPARATORS = [". ", "。", "！", "？", "; ", "；", "\n", "\n\n", " ", ", ", "，", "、"]


class Tokens:
    """The real packaged tokenizer behind the chunker's TokenCounter protocol."""

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer

    def count_tokens(self, texts):
        return count_tokens(self.tokenizer, texts)

    def token_ends(self, text):
        return token_ends(self.tokenizer, text)


@st.composite
def mixed_text(draw) -> str:
    pieces = []
    for _ in range(draw(st.integers(1, 40))):
        kind = draw(st.sampled_from(["en", "zh", "heading", "run-on", "noise"]))
        if kind == "en":
            pieces.append(" ".join(draw(st.lists(st.sampled_from(ENGLISH_WORDS), min_size=1, max_size=30))))
        elif kind == "zh":
            pieces.append("".join(draw(st.lists(st.sampled_from(CHINESE_PIECES), min_size=1, max_size=40))))
        elif kind == "heading":
            pieces.append(draw(st.sampled_from(["\nMETHODS\n", "\n摘要\n", "\nResults:\n", "\n结论\n"])))
        elif kind == "run-on":  # far longer than the window, no punctuation at all
            word = draw(st.sampled_from(["经历", "compassion", "x"]))
            pieces.append((word + ("" if word == "经历" else " ")) * draw(st.integers(150, 400)))
        else:
            pieces.append(draw(st.text(min_size=0, max_size=60)))
        pieces.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(pieces)


def as_document(text: str) -> Document:
    return Document(doc_id="doc", source="doc.txt", text=text, sha256="0")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mixed_text(), budget=st.sampled_from([32, 120, 200, 254]), overlap=st.sampled_from([0, 16, 40]))
def test_chunks_are_exact_slices_within_the_window(tokenizer, text, budget, overlap):
    doc = as_document(text)
    chunks = chunk_document(doc, Tokens(tokenizer), budget, overlap)
    counts = count_tokens(tokenizer, [c.text for c in chunks])
    for chunk, tokens in zip(chunks, counts):
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip()
        assert tokens <= budget <= WINDOW
    # Nothing is lost: every non-space character of the text lies inside some chunk.
    covered = [False] * len(text)
    for chunk in chunks:
        covered[chunk.start : chunk.end] = [True] * (chunk.end - chunk.start)
    assert all(c or ch.isspace() for c, ch in zip(covered, text))
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def test_bundled_documents_chunk_by_language_and_section(bundled_documents, tokenizer):
    for doc in bundled_documents.values():
        chunks = chunk_document(doc, Tokens(tokenizer), 200, 40)
        assert chunks
        for chunk, tokens in zip(chunks, count_tokens(tokenizer, [c.text for c in chunks])):
            assert tokens <= 200
            assert doc.text[chunk.start : chunk.end] == chunk.text
            assert chunk.lang in {"en", "zh"}
    peer = next(d for d in bundled_documents.values() if d.trial_registration)
    sections = {c.section for c in chunk_document(peer, Tokens(tokenizer), 200, 40)}
    assert {"METHODS", "RESULTS", "方法", "结论"} <= sections


def test_chunk_ids_are_stable_and_change_with_content(tokenizer):
    counter = Tokens(tokenizer)
    first = chunk_document(as_document("One sentence here. Another one there."), counter, 200)
    again = chunk_document(as_document("One sentence here. Another one there."), counter, 200)
    edited = chunk_document(as_document("One sentence here. A different one."), counter, 200)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert first[0].chunk_id != edited[0].chunk_id


def test_overlap_repeats_trailing_sentences(tokenizer):
    sentences = [f"Sentence number {i} talks about compassion focused therapy groups for staff." for i in range(30)]
    chunks = chunk_document(as_document(" ".join(sentences)), Tokens(tokenizer), 60, 20)
    assert len(chunks) > 3
    assert all(a.end > b.start for a, b in zip(chunks, chunks[1:]))  # consecutive chunks share text


@pytest.mark.parametrize("budget", [16, 64])
def test_long_unpunctuated_chinese_is_cut_to_fit(tokenizer, budget):
    text = "团体干预" * 500
    chunks = chunk_document(as_document(text), Tokens(tokenizer), budget)
    assert "".join(c.text for c in chunks) == text
    assert max(count_tokens(tokenizer, [c.text for c in chunks])) <= budget


def test_an_over_long_sentence_is_cut_between_words_so_its_chunks_keep_their_budget(tokenizer):
    # found by the property test above: cut at "“NHS|NHS", the halves count 1 + 1 tokens, joined "NHSNHS" 3
    text = "医护人员" * 7 + "团体团体团体同伴志愿者反思性主题分析“NHSNHS医护人员团体. "
    chunks = chunk_document(as_document(text), Tokens(tokenizer), 32, 0)
    assert all(n <= 32 for n in count_tokens(tokenizer, [c.text for c in chunks]))
    assert not any(c.text.endswith("NHS") for c in chunks)
