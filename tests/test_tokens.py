"""LLM context counting: tiktoken from its offline cache, else the embedding tokenizer, said once."""

from __future__ import annotations

import logging

from assistant import tokens

from .conftest import ROOT

SHARED_TIKTOKEN = ROOT.parent / "shared" / "tiktoken"


def test_cached_tables_are_used_offline(monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(SHARED_TIKTOKEN))
    tokens.llm_token_counter.cache_clear()
    count, kind = tokens.llm_token_counter("gpt-4o", len)
    assert kind == "tiktoken:o200k_base"
    assert count("Eight staff were interviewed.") == 5
    assert tokens.llm_token_counter("some-local-llama", len)[1] == "tiktoken:cl100k_base"


def test_missing_tables_fall_back_with_one_log_line(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    tokens.llm_token_counter.cache_clear()
    fallback = lambda text: 42  # noqa: E731
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            count, kind = tokens.llm_token_counter("some-local-llama", fallback)
    assert kind == "embedding tokenizer" and count("anything") == 42
    assert len([r for r in caplog.records if "not available offline" in r.message]) == 1
    tokens.llm_token_counter.cache_clear()
