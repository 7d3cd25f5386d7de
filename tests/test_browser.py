"""The chat window in a real browser: Playwright driving Debian's Chromium, headless.

Screenshots of the main states are saved under tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest

from assistant.api import Assistant

from .conftest import CFT, copy_sources, serving

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PAPER = Path("/work/shared/papers/10.1038_s41467-024-48375-1.pdf")
HOSTILE = (
    "Paramedic art therapy pilot\n\n"
    "Seventeen paramedics joined a six-week art therapy circle in Bergen. <script>window.__pwned = 1; alert('xss')</script> "
    "Participants said drawing after difficult call-outs helped them talk. <img src=x onerror=\"window.__pwned = 2; alert(2)\"> "
    "The facilitators were two art therapists. [click](javascript:alert(3)) Attendance stayed high throughout.\n"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory, embedder):
    assert CHROMIUM.exists(), "make test installs Debian's chromium; elsewhere install Chromium and set CHROMIUM_PATH"
    base = tmp_path_factory.mktemp("browser")
    bot = Assistant({"index_dir": base / "store", "sources_dir": copy_sources(base / "sources")}, embedder=embedder)
    bot.index()
    with serving(bot) as url:
        yield url, base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


def open_chat(browser, url: str):
    """A fresh browser context on the chat page, ready for a question; returns (context, page)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#question textarea", timeout=60_000)
    return context, page


@pytest.fixture
def page(site, browser):
    url, _ = site
    context, page = open_chat(browser, url)
    yield page
    context.close()


def ask(page, question: str) -> str:
    """Type a question, wait for the cited (or refused) answer, return the last bot message's text."""
    before = page.locator("#chat .bot").count() if page.locator("#chat .bot").count() else 0
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .bot').length > n && !document.querySelector('#chat .pending')"
        " && document.querySelector('#status').innerText.includes('Answer mode')", arg=before, timeout=60_000)
    page.wait_for_timeout(300)
    return page.locator("#chat .bot").last.inner_text()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_english_and_chinese_questions_get_cited_answers(page):
    english = ask(page, "How many staff were interviewed in the CFT study?")
    assert "Eight staff who attended a 12-week CFT group" in english and "[1]" in english
    assert CFT in page.inner_text("#sources")
    assert "extractive" in page.inner_text("#status")
    shot(page, "01-english-answer")
    chinese = ask(page, "同伴志愿者参加了几个焦点小组？")
    assert "两个焦点小组" in chinese and "[1]" in chinese
    shot(page, "02-chinese-answer")


def test_opening_a_citation_highlights_the_quoted_sentence(page):
    answer = ask(page, "Which software was used to code the peer volunteers' interviews?")
    page.locator("#sources summary").first.click()
    highlighted = page.locator("#sources details[open] mark")
    highlighted.wait_for(state="visible")
    quote = highlighted.inner_text()
    assert "Nvivo" in quote and quote.strip() in answer
    shot(page, "03-citation-open")


def test_refusal_shows_the_closest_passages(page):
    answer = ask(page, "What is the capital of France?")
    assert "could not find an answer" in answer
    assert "Closest passages" in page.inner_text("#sources")


def upload(page, path: Path) -> str:
    page.get_by_role("tab", name="Add documents").click()
    page.set_input_files("#upload input[type=file]", str(path))
    page.wait_for_timeout(500)
    page.click("#add")
    page.wait_for_function("() => /Added|\u274c|\u26a0/.test(document.querySelector('#upload-status').innerText)",
                           timeout=120_000)
    return page.inner_text("#upload-status")


def test_uploaded_document_can_be_asked_about_and_its_html_stays_text(page, tmp_path):
    doc = tmp_path / "paramedic_art_therapy.txt"
    doc.write_text(HOSTILE, "utf-8")
    status = upload(page, doc)
    assert "Added 1 file" in status
    shot(page, "04-upload")
    page.get_by_role("tab", name="Sources").click()
    answer = ask(page, "How many paramedics joined the art therapy circle?")
    assert "Seventeen paramedics" in answer
    page.locator("#sources summary").first.click()
    sources = page.inner_text("#sources")
    assert "paramedic_art_therapy.txt" in sources
    assert "<script>" in sources or "<img src=x" in sources  # shown as characters
    assert page.evaluate("() => window.__pwned === undefined")
    assert page.dialogs == []
    assert page.locator("#chat script, #sources script, #chat img[src=x], #sources img[src=x]").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    shot(page, "05-hostile-document-escaped")


def test_library_lists_documents_and_filter_restricts_answers(page):
    page.get_by_role("tab", name="Library").click()
    library = page.inner_text("#library")
    for name in ("000_fa970a844f2b6e05.txt", "Bennion et al., BMC Psychiatry, 2025", "Chunks"):
        assert name in library
    page.get_by_label("Participant background characteristics (N = 8) (000_fa970a844f2b6e05.txt)").check()
    shot(page, "06-library")
    page.get_by_role("tab", name="Sources").click()
    ask(page, "How many people were interviewed?")
    sources = page.inner_text("#sources")
    assert CFT in sources and "004_" not in sources and "003_" not in sources


def test_follow_up_uses_the_conversation_and_clear_starts_over(page):
    ask(page, "What did the Tele-Balint group study ask mental health clinicians?")
    follow = ask(page, "How many of them were interviewed?")
    assert "12 of them were interviewed" in follow
    page.click("#clear")
    page.wait_for_function("() => document.querySelectorAll('#chat .bot').length === 0", timeout=30_000)
    assert "Sources of the latest answer appear here." in page.inner_text("#sources")


def test_answer_shows_the_cited_studys_card_and_library_filters_by_card_fields(page):
    ask(page, "Which studies were done outside the UK?")
    sources = page.inner_text("#sources")
    assert "Study cards" in sources and "Singapore" in sources and "Denmark" in sources
    page.get_by_role("tab", name="Library").click()
    page.click("#filter-country input")
    page.get_by_role("option", name="Singapore").click()
    page.wait_for_function("() => document.querySelector('#shown').innerText.startsWith('1 of ')", timeout=30_000)
    library = page.inner_text("#library")
    assert "003_28219f0a5b59faca.txt" in library and "000_fa970a844f2b6e05.txt" not in library
    page.click("#use-shown")
    page.wait_for_function("() => document.querySelector('#filter input[type=checkbox]:checked') !== null", timeout=30_000)
    shot(page, "07-card-filter")


@pytest.fixture(scope="module")
def pdf_site(tmp_path_factory, embedder):
    base = tmp_path_factory.mktemp("browser-pdf")
    (base / "sources").mkdir()
    shutil.copy(PAPER, base / "sources")
    bot = Assistant({"index_dir": base / "store", "sources_dir": base / "sources"}, embedder=embedder)
    bot.index()
    with serving(bot) as url:
        yield url


def test_cited_pdf_page_is_shown_with_the_quoted_sentence_highlighted(pdf_site, browser):
    import io

    import numpy as np
    from PIL import Image

    context, page = open_chat(browser, pdf_site)
    try:
        answer = ask(page, "How did microstimulation of the subgenual cingulate cortex affect decision-making "
                           "in the primates?")
        assert "[1]" in answer and "microstimulating the subgenual cingulate cortex" in answer
        page.locator("#sources summary").first.click()
        figure = page.locator("#sources details[open] figure.page-view")
        figure.wait_for(state="visible")
        assert figure.locator("figcaption").inner_text().startswith("p. ")
        image = figure.locator("img")
        src = image.get_attribute("src")
        assert src
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        small = image.bounding_box()
        blockquote = page.locator("#sources details[open] .cited blockquote").bounding_box()
        # beside the passage: to its right, level with it
        assert small["x"] >= blockquote["x"] + blockquote["width"] and small["y"] < blockquote["y"] + 50
        shot(page, "08-cited-pdf-page")
        image.click()  # enlarges the page over the window
        page.wait_for_function("img => img.getBoundingClientRect().height > 900", arg=image.element_handle())
        shot(page, "09-cited-pdf-page-enlarged")
        # the bytes the browser shows, fetched by the page itself (a data: URI or a served file alike)
        encoded = page.evaluate("""async src => {
            const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
            let text = "";
            for (const b of bytes) text += String.fromCharCode(b);
            return btoa(text);
        }""", src)
    finally:
        context.close()
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))).convert("RGB")).astype(int)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    highlight = (r > 200) & (g > 180) & (b < 190) & (r - b > 50)
    assert highlight.sum() > 5_000  # a few lines' worth of yellow, not a stray speck
