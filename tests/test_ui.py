"""The chat page: served on 127.0.0.1, answers through Gradio's API, shows document text as text."""

from __future__ import annotations

import urllib.request

import pytest

from assistant.types import Answer, Citation
from assistant.ui import build_app, render_answer

from .conftest import CFT, free_port


@pytest.fixture(scope="module")
def served(assistant):
    app = build_app(assistant)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, share=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


def test_page_is_served_on_loopback(served):
    with urllib.request.urlopen(served, timeout=30) as response:
        assert response.status == 200
        assert "gradio" in response.read().decode("utf-8", "replace").lower()


def test_chat_answers_with_citations_through_the_api(served):
    from gradio_client import Client

    client = Client(served, verbose=False)
    reply = client.predict("How many staff were interviewed in the CFT study?", api_name="/ask")
    assert "Eight staff" in reply
    assert "**[1]**" in reply and "Sources" in reply and CFT.replace("_", "\\_") in reply
    chinese = client.predict("同伴志愿者参加了几个焦点小组？", api_name="/ask")
    assert "两个焦点小组" in chinese


def test_document_text_is_rendered_inert():
    hostile = "<script>alert('x')</script><img src=x onerror=alert(1)> [link](javascript:alert(1))"
    result = Answer(question="q", text=f"{hostile} [1]", refused=False, passages=[], citations=[
        Citation(n=1, source="evil<b>.txt", title="<i>title</i>", text=hostile, quote=hostile, start=0, end=1, score=1.0)])
    html = render_answer(result)
    assert "<script>" not in html and "<img" not in html and "<i>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "\\[link\\]" in html
    assert "**[1]**" in html  # the citation marker itself stays a marker
