"""LangChain pieces: the index as a retriever, and the answer pipeline as a Runnable.

The Runnable wraps `pipeline.answer_pieces`, the one path from question to `Answer` (see pipeline.py);
`Assistant.answer()` invokes it and `Assistant.stream()` runs the same pipeline piece by piece.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda

from .pipeline import answer_pieces, final_answer
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
    """The answer pipeline as a Runnable: {question, history, sources} -> Answer."""

    def run(inputs: dict[str, Any]) -> Answer:
        return final_answer(answer_pieces(assistant, inputs["question"], inputs.get("history") or [],
                                          inputs.get("sources")))

    return RunnableLambda(run, name="studyqa_answer")
