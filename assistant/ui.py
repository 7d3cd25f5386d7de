"""The chat window: a Gradio chat that answers with numbered, quoted sources."""

from __future__ import annotations

import html
import os
import re
from typing import Any

from .types import Answer

EXAMPLES = [
    "How many staff were interviewed in the CFT study?",
    "What barriers to between-session work did practitioners describe?",
    "同伴志愿者参加了几个焦点小组？",
]
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def as_text(value: str) -> str:
    """Document text made inert for the chat's Markdown/HTML renderer: shown, never interpreted."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(value, quote=False))


def render_answer(result: Answer) -> str:
    """The answer and its sources as Markdown, document text escaped."""
    body = re.sub(r"\[(\d+)\]", r"**[\1]**", _escape_keep_markers(result.text))
    lines = [body, ""]
    if result.citations:
        lines.append("**Sources**")
        for c in result.citations:
            lines.append(f"- **[{c.n}]** {as_text(c.title)} ({as_text(c.source)}): \u201c{as_text(c.quote)}\u201d")
    elif result.passages:
        lines.append("**Closest passages**")
        for p in result.passages[:3]:
            lines.append(f"- {as_text(p.title)} ({as_text(p.source)}): {as_text(p.text[:200])}\u2026")
    lines.append(f"\n<sub>mode: {as_text(result.mode)}</sub>")
    if result.notice:
        lines.append(f"\n<sub>note: {as_text(result.notice)}</sub>")
    return "\n".join(lines)


def _escape_keep_markers(text: str) -> str:
    parts = re.split(r"(\[\d+\])", text)
    return "".join(part if re.fullmatch(r"\[\d+\]", part) else as_text(part) for part in parts)


def build_app(assistant: Any = None):
    """The Gradio Blocks app around an Assistant (the default one when none is given)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from .api import default_assistant
    from .errors import StudyQAError

    assistant = assistant or default_assistant()

    def respond(message: str, history: list[dict[str, Any]]) -> str:
        turns = [{"role": m["role"], "content": _plain(m.get("content"))} for m in history or []]
        try:
            return render_answer(assistant.answer(message, turns))
        except StudyQAError as exc:
            return f"\u26a0\ufe0f {as_text(str(exc))}"

    return gr.ChatInterface(
        respond,
        title="Study Q&A",
        description="Ask about the indexed studies of support for mental-health staff, in English or Chinese. "
        "Every answer quotes its sources.",
        examples=EXAMPLES,
        cache_examples=False,
        api_name="ask",
    )


def _plain(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_plain(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content)
    return str(content or "")


def launch(host: str = "127.0.0.1", port: int = 7860) -> None:
    """Serve the chat on host:port (loopback by default, never a public share link)."""
    from .api import default_assistant
    from .errors import ConfigError

    assistant = default_assistant()
    _ = assistant.retriever  # build or load the index before the page opens
    app = build_app(assistant)
    try:
        app.launch(server_name=host, server_port=port, share=False, inbrowser=False, show_error=False)
    except OSError as exc:
        raise ConfigError(f"cannot serve on {host}:{port} ({exc}); choose another --port") from None
