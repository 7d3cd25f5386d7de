"""The chat page: served on 127.0.0.1, answers through Gradio's API, shows document text as text."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from concurrent.futures import ThreadPoolExecutor

from assistant.errors import ConfigError
from assistant.types import Answer, Citation
from assistant.ui import build_app, parse_auth, serve
from assistant.ui_render import answer_markdown, sources_html

from .conftest import CFT, PEER, free_port, serving


@pytest.fixture(scope="module")
def served(assistant):
    with serving(assistant) as url:
        yield url


def test_page_is_served_on_loopback(served):
    with urllib.request.urlopen(served, timeout=30) as response:
        assert response.status == 200
        assert "gradio" in response.read().decode("utf-8", "replace").lower()


def test_api_returns_the_answer_as_structured_data(served):
    from gradio_client import Client

    client = Client(served, verbose=False)
    data = client.predict("How many staff were interviewed in the CFT study?", None, api_name="/answer")
    assert "Eight staff" in data["text"] and data["citations"][0]["source"] == CFT
    assert data["citations"][0]["quote"] in data["citations"][0]["text"]
    assert {"passages", "refused", "mode", "notice"} <= set(data)
    chinese = client.predict("同伴志愿者参加了几个焦点小组？", [PEER], api_name="/answer")
    assert "两个焦点小组" in chinese["text"] and {p["source"] for p in chinese["passages"]} == {PEER}


def test_ten_concurrent_clients_all_get_cited_answers(served):
    from gradio_client import Client

    questions = ["How many staff were interviewed in the CFT study?", "同伴志愿者参加了几个焦点小组？",
                 "Which software was used to code the peer volunteers' interviews?",
                 "How many clinicians filled in the questionnaire about Tele-Balint groups?",
                 "What kind of article is the compassion circles paper?"] * 2

    def one(question: str) -> dict:
        return Client(served, verbose=False).predict(question, None, api_name="/answer")

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(one, questions))
    assert len(results) == 10
    for result in results:
        assert not result["refused"] and result["citations"]
        assert all(f"[{c['n']}]" in result["text"] for c in result["citations"])


def test_server_side_upload_limits_explain_rejections(served, tmp_path):
    from gradio_client import Client, handle_file

    slides = tmp_path / "slides.pptx"
    slides.write_bytes(b"not a document")
    client = Client(served, verbose=False)
    with pytest.raises(Exception, match="Invalid file type"):
        client.predict([handle_file(str(slides))], api_name="/add_documents")
    notes = tmp_path / "notes.md"
    notes.write_text("Ward nurses in Leeds valued protected reflective time.", "utf-8")
    status, _, _ = client.predict([handle_file(str(notes))], api_name="/add_documents")
    assert "Added 1 file" in status


def test_login_refuses_a_wrong_password(assistant):
    from gradio_client import Client

    app = build_app(assistant)
    port = free_port()
    serve(app, "127.0.0.1", port, "alice:s3cret", block=False)
    url = f"http://127.0.0.1:{port}/"
    try:
        with pytest.raises(ValueError, match="Could not login"):
            Client(url, auth=("alice", "wrong"), verbose=False)
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(f"{url}config", timeout=30)
        assert denied.value.code == 401
        Client(url, auth=("alice", "s3cret"), verbose=False)
    finally:
        app.close()


def test_auth_setting_must_be_user_colon_password():
    assert parse_auth("alice:s3:cret") == ("alice", "s3:cret")
    assert parse_auth(None) is None
    with pytest.raises(ConfigError):
        parse_auth("alice")


def test_document_text_is_rendered_inert():
    hostile = "<script>alert('x')</script><img src=x onerror=alert(1)> [link](javascript:alert(1))"
    result = Answer(question="q", text=f"{hostile} [1]", refused=False, passages=[], citations=[
        Citation(n=1, source="evil<b>.txt", title="<i>title</i>", text=hostile, quote=hostile, start=0, end=1, score=1.0)])
    for rendered in (answer_markdown(result), sources_html(result, {})):
        assert "<script>" not in rendered and "<img" not in rendered and "<i>" not in rendered
        assert "<b>" not in rendered and "&lt;script&gt;" in rendered
    assert "\\[link\\]" in answer_markdown(result)
    assert "(#source-1)" in answer_markdown(result)  # the marker itself stays a link to its source
    assert "<mark>" in sources_html(result, {})
