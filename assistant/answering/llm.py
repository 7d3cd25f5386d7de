"""LLM backends through LangChain: any OpenAI-compatible endpoint, or Ollama's native API.

The prompt (files in `prompts/`) numbers the passages and fences them as data, asks for a marker on
every claim, a refusal when unsupported, and the question's language. Passages are packed into a
token budget counted where the model reads them (tiktoken, offline-safe). Every failure of the
model (connection, timeout, HTTP error, a broken stream) surfaces as `LLMUnavailable`, which the
caller turns into the extractive answer with a notice.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path

from ..errors import ConfigError, StudyQAError
from ..settings import Settings
from ..tokens import llm_token_counter
from ..types import Passage
from .refusal import refusal_text

LANGUAGE_NAMES = {"en": "English", "zh": "Chinese (简体中文)"}


class LLMUnavailable(StudyQAError):
    """The LLM gave no usable reply; the reason is short enough for a notice."""


class LLMAnswerer:
    """Generates cited answers with a configured chat model."""

    def __init__(self, settings: Settings, count_fallback) -> None:
        if not settings.llm_model:
            raise ConfigError("STUDYQA_LLM_MODEL must name the model when STUDYQA_LLM_BACKEND is set")
        self.settings = settings
        self._count_fallback = count_fallback

    @property
    def name(self) -> str:
        """How answers from this model are labelled (`Answer.mode`)."""
        return f"{self.settings.llm_backend}:{self.settings.llm_model}"

    @cached_property
    def chat_model(self):
        """The LangChain chat model for the configured backend."""
        s = self.settings
        if s.llm_backend == "ollama":
            from langchain_ollama import ChatOllama

            return ChatOllama(model=s.llm_model, base_url=s.llm_base_url, temperature=s.llm_temperature,
                              client_kwargs={"timeout": s.llm_timeout})
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=s.llm_model, base_url=s.llm_base_url, api_key=os.environ.get(s.llm_api_key_env) or "none",
                          timeout=s.llm_timeout, max_retries=0, temperature=s.llm_temperature)

    @cached_property
    def _prompts(self):
        from langchain_core.prompts import ChatPromptTemplate, PromptTemplate

        folder = Path(self.settings.prompts_dir)
        answer = ChatPromptTemplate.from_messages(
            [("system", _read(folder / "system.md")), ("human", _read(folder / "answer.md"))])
        return answer, PromptTemplate.from_template(_read(folder / "condense.md"))

    @cached_property
    def count_tokens(self):
        """Token counter for the model's context (tiktoken where its table is cached)."""
        return llm_token_counter(self.settings.llm_model, self._count_fallback)[0]

    def pack(self, passages: Sequence[Passage]) -> list[Passage]:
        """The best-ranked passages that fit the context budget (at least one)."""
        packed, used = [], 0
        for passage in passages:
            cost = self.count_tokens(format_passage(len(packed) + 1, passage))
            if packed and used + cost > self.settings.llm_context_tokens:
                break
            packed.append(passage)
            used += cost
        return packed

    def messages(self, question: str, passages: Sequence[Passage], lang: str):
        """The chat messages for a question over numbered, fenced passages."""
        prompt, _ = self._prompts
        return prompt.format_messages(
            refusal=refusal_text(lang), language=LANGUAGE_NAMES.get(lang, "English"),
            max_sentences=self.settings.max_answer_sentences + 1, question=question,
            passages="\n\n".join(format_passage(i, p) for i, p in enumerate(passages, 1)))

    def stream(self, question: str, passages: Sequence[Passage], lang: str) -> Iterator[str]:
        """Text pieces as the model writes them; raises LLMUnavailable on any failure."""
        received = 0
        try:
            for chunk in self.chat_model.stream(self.messages(question, passages, lang)):
                if chunk.content:
                    piece = chunk.content if isinstance(chunk.content, str) else str(chunk.content)
                    received += len(piece)
                    yield piece
        except Exception as exc:  # noqa: BLE001 - every client error means the same to the user: fall back
            if received:
                raise LLMUnavailable(f"the LLM reply broke off after {received} characters") from None
            raise LLMUnavailable(describe_failure(exc)) from None

    def complete(self, prompt: str) -> str:
        """The model's whole reply to one prompt; raises LLMUnavailable on any failure."""
        try:
            return str(self.chat_model.invoke(prompt).content)
        except Exception as exc:  # noqa: BLE001
            raise LLMUnavailable(describe_failure(exc)) from None

    def condense(self, question: str, history: Sequence[dict[str, str]]) -> str:
        """A standalone version of a follow-up question, written by the model."""
        _, prompt = self._prompts
        lines = [f"{m.get('role', 'user')}: {m.get('content', '')}" for m in history[-6:]]
        try:
            reply = self.chat_model.invoke(prompt.format(history="\n".join(lines), question=question))
        except Exception as exc:  # noqa: BLE001
            raise LLMUnavailable(describe_failure(exc)) from None
        text = str(reply.content).strip().splitlines()
        return text[0].strip() if text and text[0].strip() else question


def format_passage(n: int, passage: Passage) -> str:
    """One passage, numbered and fenced so that its text reads as data."""
    # A document cannot close its fence, open a fake one, or break out of the tag's attributes.
    body = re.sub(r"<(\s*/?\s*)passage", r"< \1passage", passage.text, flags=re.IGNORECASE)
    title, source = (_attribute(v) for v in (passage.title, passage.source))
    return f'<passage n="{n}" source="{source}" title="{title}">\n{body}\n</passage>'


def _attribute(value: str) -> str:
    return value.replace('"', "'").replace("<", "(").replace(">", ")").replace("\n", " ")


def describe_failure(exc: Exception) -> str:
    """A short, user-readable reason for an LLM failure."""
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    name = type(exc).__name__
    if status:
        return f"HTTP {status} from the LLM endpoint"
    if "timeout" in name.lower() or "timed out" in str(exc).lower():
        return "the LLM did not answer in time"
    if "connect" in name.lower() or "connection" in str(exc).lower():
        return "cannot connect to the LLM endpoint"
    return f"the LLM reply broke off ({name})"


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"prompt template missing: {path} ({exc.strerror})") from None
