"""LangChain pieces: the index as a retriever, and the answer path as a Runnable chain.

    {question, history, sources}
      -> condense (follow-ups get the subject of the earlier turn)
      -> retrieve (hybrid passages)
      -> answer (extractive, cited)  -> Answer
"""

from __future__ import annotations

import time
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda

from .answering.extractive import extractive_answer
from .answering.followup import condense
from .types import Answer


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


def build_answer_chain(assistant: Any) -> Runnable:
    """The answer path as a Runnable: condense, retrieve, then answer extractively."""

    def prepare(inputs: dict[str, Any]) -> dict[str, Any]:
        return {**inputs, "query": condense(inputs["question"], inputs.get("history")), "t0": time.perf_counter()}

    def retrieve(state: dict[str, Any]) -> dict[str, Any]:
        passages = assistant.retriever.retrieve(state["query"], sources=state.get("sources"))
        return {**state, "passages": passages, "t1": time.perf_counter()}

    def answer(state: dict[str, Any]) -> Answer:
        retriever = assistant.retriever
        settings = assistant.settings
        extract = extractive_answer(
            state["question"], state["passages"], assistant.embed_sentences, retriever.snapshot.lexical.idf,
            retriever.embed_query(state["query"]), settings.refusal_threshold, settings.max_answer_sentences,
        )
        done = time.perf_counter()
        timings = {"retrieve_ms": round((state["t1"] - state["t0"]) * 1000, 2),
                   "answer_ms": round((done - state["t1"]) * 1000, 2)}
        return Answer(question=state["question"], text=extract.text, citations=extract.citations,
                      passages=state["passages"], refused=extract.refused, mode="extractive", timings=timings)

    return RunnableLambda(prepare) | RunnableLambda(retrieve) | RunnableLambda(answer)
