"""Answerers: the extractive default (no LLM) and its helpers."""
