"""LangChain pieces: the index as a retriever, and the answer path as a Runnable chain.

    {question, history, sources}
      -> prepare   follow-ups made standalone (LLM condensation when configured, else the rule)
      -> route     a question across the collection ("which studies …") is answered from the study
                   cards of every indexed study; anything else goes on:
      -> retrieve  hybrid passages
      -> extract   the extractive answer; it also decides refusal from the evidence
      -> generate  the LLM's answer with checked markers, or the extractive one
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda

from .answering.answer_types import is_comparison
from .answering.citations import check_markers, citations_for
from .answering.extractive import extractive_answer
from .answering.followup import condense, needs_context
from .answering.llm import LLMUnavailable
from .answering.metadata_questions import asked_values
from .answering.refusal import REFUSALS, refusal_text
from .cards.answer import answer_from_cards
from .cards.questions import read_collection_question
from .text import detect_lang
from .types import Answer

State = dict[str, Any]


class StudyRetriever(BaseRetriever):
    """LangChain retriever over the study index; metadata carries source, title, offsets and score."""

    assistant: Any
    k: int = 5
    mode: str = "hybrid"
    sources: list[str] = []

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        passages = self.assistant.retrieve(query, self.k, self.mode, self.sources or None)
        return [
            LCDocument(page_content=p.text, metadata={k: v for k, v in p.to_dict().items() if k != "text"})
            for p in passages
        ]


def prepare(assistant: Any, inputs: State) -> State:
    """Detect the language and make a follow-up question standalone for retrieval."""
    question, history = inputs["question"], inputs.get("history") or []
    state = {**inputs, "lang": detect_lang(question) or "en", "notices": [], "t0": time.perf_counter()}
    query = condense(question, history)
    if assistant.llm and history and needs_context(question):
        try:
            query = assistant.llm.condense(question, history)
        except LLMUnavailable as exc:
            state["notices"].append(f"{exc}; follow-up resolved without the LLM")
    return {**state, "query": query}


def answer_about_collection(assistant: Any, state: State) -> Answer | None:
    """The answer from the study cards when the question asks across the collection, else None."""
    question = read_collection_question(state["question"])
    if question is None:
        return None
    retriever = assistant.retriever
    snapshot = retriever.snapshot
    cards = assistant.studies(state.get("sources"))

    def passage_for(evidence, card):
        pos = snapshot.chunk_covering(card.doc_id, evidence.start, evidence.end)
        return None if pos is None else retriever.passage_at(pos, 1.0)

    result = answer_from_cards(question, cards, passage_for)
    if result is not None:
        result.notice = "; ".join(state["notices"])
        result.timings = {"retrieve_ms": 0.0, "answer_ms": round((time.perf_counter() - state["t0"]) * 1000, 2)}
    return result


def retrieve(assistant: Any, state: State) -> State:
    """Passages for the standalone query (twice as many for a comparison of studies)."""
    k = assistant.settings.top_k * (2 if is_comparison(state["question"]) else 1)
    passages = assistant.retriever.retrieve(
        state["query"], k=k, mode=assistant.settings.retrieval_mode, dedupe=assistant.settings.dedupe,
        sources=state.get("sources"))
    preferred: list[str] = []
    also = []
    if passages and not is_comparison(state["question"]):
        retriever = assistant.retriever
        preferred = asked_values(state["question"], retriever.snapshot.documents[passages[0].doc_id])
        for value in preferred:
            if not any(value in p.text for p in passages):
                pos = retriever.chunk_containing(passages[0].doc_id, value)
                if pos is not None:
                    also.append(retriever.passage_at(pos, 0.0))
    return {**state, "passages": passages + also, "also": also, "preferred": preferred, "t1": time.perf_counter()}


def extract(assistant: Any, state: State) -> State:
    """The extractive answer (also the evidence check for refusing)."""
    retriever, settings = assistant.retriever, assistant.settings
    result = extractive_answer(
        state["question"], state["passages"], assistant.embed_sentences, retriever.snapshot.lexical.idf,
        retriever.embed_query(state["query"]), settings.refusal_threshold, settings.max_answer_sentences,
        preferred=state.get("preferred", []), known=retriever.snapshot.lexical.doc_freq.__contains__,
        also=state.get("also", []), standalone=state["query"], collection_size=retriever.snapshot.lexical.size)
    return {**state, "extract": result}


def finish_extractive(state: State, notice: str = "") -> Answer:
    """The Answer built from the extractive result."""
    extract_ = state["extract"]
    notices = state["notices"] + ([notice] if notice else [])
    return Answer(question=state["question"], text=extract_.text, citations=extract_.citations,
                  passages=state["passages"], refused=extract_.refused, mode="extractive",
                  notice="; ".join(notices), timings=_timings(state))


def finish_generated(assistant: Any, state: State, text: str, packed: list) -> Answer:
    """Check the LLM's markers; fall back to the extractive answer when none is valid."""
    if any(phrase in text for phrase in REFUSALS.values()):
        return Answer(question=state["question"], text=refusal_text(state["lang"]), citations=[],
                      passages=state["passages"], refused=True, mode=assistant.llm.name,
                      notice="; ".join(state["notices"]), timings=_timings(state))
    checked = check_markers(text, len(packed))
    notices = list(state["notices"])
    if checked.invalid:
        notices.append("removed citation markers that point to no passage: "
                       + ", ".join(f"[{n}]" for n in checked.invalid))
    if not checked.cited:
        return finish_extractive({**state, "notices": notices},
                                 "the model's answer cited no passage, so the extractive answer is shown")
    return Answer(question=state["question"], text=checked.text, citations=citations_for(checked.text, checked.cited, packed),
                  passages=state["passages"], refused=False, mode=assistant.llm.name, notice="; ".join(notices),
                  timings=_timings(state))


def generate(assistant: Any, state: State) -> Answer:
    """The final answer: from the LLM when one is configured and the evidence supports answering."""
    pieces = stream_answer(assistant, state)
    return next(piece for piece in pieces if isinstance(piece, Answer))


def stream_answer(assistant: Any, state: State) -> Iterator[str | Answer]:
    """Text pieces as they are produced, then the final Answer (which is authoritative)."""
    if assistant.llm is None or state["extract"].refused:
        yield state["extract"].text
        yield finish_extractive(state)
        return
    packed = assistant.llm.pack(state["passages"])
    pieces: list[str] = []
    try:
        for piece in assistant.llm.stream(state["question"], packed, state["lang"]):
            pieces.append(piece)
            yield piece
    except LLMUnavailable as exc:
        yield finish_extractive(state, f"{exc}; showing the extractive answer instead")
        return
    yield finish_generated(assistant, state, "".join(pieces), packed)


def _timings(state: State) -> dict[str, float]:
    done = time.perf_counter()
    return {"retrieve_ms": round((state["t1"] - state["t0"]) * 1000, 2),
            "answer_ms": round((done - state["t1"]) * 1000, 2)}


def build_answer_chain(assistant: Any) -> Runnable:
    """The answer path as a Runnable: prepare, then the study cards or retrieve, extract, generate."""
    passages = (RunnableLambda(lambda s: retrieve(assistant, s)) | RunnableLambda(lambda s: extract(assistant, s))
                | RunnableLambda(lambda s: generate(assistant, s)))

    def route(state: State):
        # a Runnable returned from a RunnableLambda is invoked with the same input
        return answer_about_collection(assistant, state) or passages

    return RunnableLambda(lambda x: prepare(assistant, x)) | RunnableLambda(route)


def stream_chain(assistant: Any, inputs: State) -> Iterator[str | Answer]:
    """Streaming version of the chain: text pieces, then the final Answer."""
    state = prepare(assistant, inputs)
    from_cards = answer_about_collection(assistant, state)
    if from_cards is not None:
        yield from_cards.text
        yield from_cards
        return
    yield from stream_answer(assistant, extract(assistant, retrieve(assistant, state)))
