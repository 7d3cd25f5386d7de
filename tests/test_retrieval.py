"""Dense, lexical and hybrid retrieval, fusion, near-duplicate removal and the LangChain retriever."""

from __future__ import annotations

from pathlib import Path

from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from assistant.retrieval import fuse, remove_near_duplicates
from assistant.types import Passage

from .conftest import BALINT, BSW, PEER


def test_each_retriever_works_alone_and_fused(assistant):
    question = "How many Psychological Well-being Practitioners were interviewed?"
    for mode in ("dense", "lexical", "hybrid"):
        passages = assistant.retrieve(question, k=3, mode=mode)
        assert passages and passages[0].source == BSW, mode
    hybrid = assistant.retrieve(question, k=5)
    assert any(p.dense_rank for p in hybrid) and any(p.lexical_rank for p in hybrid)
    # each passage keeps the score each search gave it: a cosine from the dense one, BM25 from the lexical one
    for p in hybrid:
        assert (p.dense_rank is None) == (p.dense_score is None) and (p.lexical_rank is None) == (p.lexical_score is None)
        assert p.dense_score is None or -1.0 <= p.dense_score <= 1.0
        assert p.lexical_score is None or p.lexical_score > 0.0


def test_lexical_search_finds_exact_identifiers_and_chinese_terms(assistant):
    assert assistant.retrieve("NCT04639167", k=1, mode="lexical")[0].source == PEER
    assert assistant.retrieve("焦点小组", k=1, mode="lexical")[0].source == PEER


def test_a_misspelt_word_finds_the_word_the_collection_uses():
    from assistant.lexical import LexicalIndex

    index = LexicalIndex.build(["Carrageenan nasal spray was given with zanamivir.", "The process of attending.",
                                "Italy went into lockdown in March."])
    # one typing slip in a word of letters no dictionary lists: the collection's spelling (COVID-QA's questions
    # write "carageenan", "Zanamavir", "Iockdown")
    assert [index.spelled(t) for t in ("carageenan", "zanamavir", "iockdown")] == ["carrageenan", "zanamivir", "lockdown"]
    assert index.search("Is carageenan given with Zanamavir?", k=3)[0][0] == 0
    assert index.search("When did Italy go into Iockdown?", k=3)[0][0] == 2
    # a word of general English is no slip ("profess" of profession is not "process"), nor a short one, nor a
    # stem one letter longer at an end (often another form of the word: "attende" of attendees, "attend")
    assert [index.spelled(t) for t in ("profess", "proces", "zanamivirs", "xzanamivir")] == [
        "profess", "proces", "zanamivirs", "xzanamivir"]


def test_fusion_rewards_agreement():
    fused = fuse([[(1, 0.9), (2, 0.8)], [(2, 5.0), (3, 4.0)]], k=60)
    assert [item for item, _ in fused] == [2, 1, 3]
    weighted = fuse([[(1, 0.9)], [(3, 4.0)]], k=60, weights=[0.25, 1.0])
    assert weighted[0][0] == 3


def test_with_the_default_constant_a_first_place_outweighs_a_middling_place_in_both_rankings():
    from assistant.settings import Settings

    dense = [(1, 0.0), (9, 0.0), (7, 0.0), (3, 0.0)]
    lexical = [(2, 0.0), (8, 0.0), (6, 0.0), (3, 0.0)]  # 3 is fourth in both, 1 and 2 first in one each
    assert fuse([dense, lexical], k=60)[0][0] == 3
    assert [item for item, _ in fuse([dense, lexical], k=Settings().rrf_k)][:2] == [1, 2]


def test_the_fusion_choice_reports_every_combination_on_the_indexed_questions(tmp_path, embedder, monkeypatch):
    from .test_qa_eval import indexed_squad

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "evals"))
    from choose_fusion import fusion_figures

    bot, items = indexed_squad(tmp_path, embedder)
    figures = fusion_figures(bot, items, {0, 1, 2, 3}, [60, 1], [0.0, 0.5], [20])
    assert set(figures) == {"60/0.0/20", "60/0.5/20", "1/0.0/20", "1/0.5/20"}
    assert all(f["questions"] == 4 and f["answer_in_passages"] == 1.0 and f["doc_hit@5"] == 1.0
               for f in figures.values())
    assert bot.retriever.settings is bot.settings  # the retriever is left with the settings it had


def passage(chunk_id: str, text: str) -> Passage:
    return Passage(chunk_id=chunk_id, doc_id="d", source="s.txt", title="t", text=text, start=0, end=len(text), score=1.0)


def test_near_duplicates_are_removed_keeping_the_better_ranked():
    text = "Nine peer volunteers were recruited for two focus groups and a telephone interview."
    passages = [passage("a", text), passage("b", text.replace("Nine", "9")), passage("c", "Something else entirely.")]
    assert [p.chunk_id for p in remove_near_duplicates(passages, 0.7)] == ["a", "c"]


def test_hybrid_results_have_no_near_duplicates(assistant):
    passages = assistant.retrieve("compassion", k=10, mode="hybrid")
    assert len(remove_near_duplicates(passages, assistant.settings.duplicate_threshold)) == len(passages)


def test_langchain_retriever_returns_documents_with_metadata(assistant):
    retriever = assistant.as_retriever(k=2)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("Tele-Balint groups in Singapore")
    assert len(docs) == 2 and all(isinstance(d, LCDocument) for d in docs)
    assert docs[0].metadata["source"] == BALINT
    assert {"title", "score", "start", "end", "chunk_id"} <= set(docs[0].metadata)
    only = assistant.as_retriever(k=3, sources=[PEER]).invoke("interviews")
    assert {d.metadata["source"] for d in only} == {PEER}


def test_chunks_are_also_ranked_by_their_best_sentence(assistant):
    from assistant.text import sentence_spans

    retriever = assistant.retriever
    chunks = retriever.snapshot.chunks
    sentences = [[c.text[s:e] for s, e in sentence_spans(c.text)] for c in chunks]
    target = next(i for i, found in enumerate(sentences) if len(found) >= 3)
    sentence = max(sentences[target], key=len)
    ranked = retriever.by_best_sentence(sentence, set(range(len(chunks))))
    assert len(ranked) == len(chunks) and [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
    # the chunk holding the sentence (or an overlapping one holding it too) comes first, near cosine 1
    assert sentence in chunks[ranked[0][0]].text and ranked[0][1] > 0.95


def test_the_best_sentence_vote_can_be_turned_off(assistant):
    from assistant.api import Assistant

    question = "How many Psychological Well-being Practitioners were interviewed?"
    off = Assistant(assistant.settings.model_copy(update={"sentence_vote": 0.0}))
    assert off.retriever.by_best_sentence(question, {0, 1, 2}) == []
    assert off.retrieve(question, k=3)[0].source == BSW
    assert assistant.retriever.by_best_sentence(question, {0, 1, 2}) and assistant.retrieve(question, k=3)[0].source == BSW


def test_a_chunk_without_sentences_gets_no_vote_and_the_others_still_do(assistant, monkeypatch):
    import numpy as np

    from assistant.snapshot import SentenceVectors

    snapshot = assistant.retriever.snapshot
    original = snapshot.sentence_vectors
    empty = SentenceVectors(np.zeros((0, 2), dtype=np.int64), np.zeros((0, 384), dtype=np.float16))
    monkeypatch.setattr(snapshot, "sentence_vectors", lambda pos: empty if pos == 0 else original(pos))
    ranked = assistant.retriever.by_best_sentence("Who facilitated the groups?", {0, 1, 2})
    assert sorted(pos for pos, _ in ranked) == [1, 2]


def test_a_passage_carries_its_documents_opening_sentence(assistant):
    passage = assistant.retriever.retrieve("peer volunteers co-facilitating groups")[0]
    doc = assistant.retriever.snapshot.documents[passage.doc_id]
    first_line = doc.text.split("\n", 1)[0]
    assert passage.opening and first_line.startswith(passage.opening) and "\n" not in passage.opening
