"""Study Q&A assistant: cited answers about qualitative studies of support for mental-health staff.

Heavy libraries (torch, chromadb, langchain, gradio) load on first use, not on import.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.2.0"

__all__ = [
    "Answer",
    "Assistant",
    "Chunk",
    "Citation",
    "Document",
    "Passage",
    "Settings",
    "StudyCard",
    "StudyQAError",
    "answer",
    "build_index",
    "get_settings",
]

_LOCATIONS = {
    "Answer": "types",
    "Chunk": "types",
    "Citation": "types",
    "Document": "types",
    "Passage": "types",
    "Assistant": "api",
    "answer": "api",
    "Settings": "settings",
    "get_settings": "settings",
    "StudyQAError": "errors",
    "StudyCard": "cards.model",
    "build_index": "indexing",
}


def __getattr__(name: str) -> Any:
    if name in _LOCATIONS:
        return getattr(import_module(f".{_LOCATIONS[name]}", __name__), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
