"""A cited PDF page drawn locally with the quoted sentence highlighted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.pdf.render import RenderError, find_quote, normalise, render_cited_page

PAPER = Path("/work/shared/papers/10.1038_s41467-024-48375-1.pdf")
QUOTE = ("Here we have successfully induced a negative bias in decision-making in female primates performing a "
         "conflict decision-making task")
ELSEWHERE = "The capital of France is Paris, a city on the Seine."
SCALE = 1.5



def quote_region(page: int, text: str) -> tuple[int, int, int, int]:
    """Where PDFium's own search puts `text` on the page, as a pixel box (left, top, right, bottom)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(PAPER)
    sheet = pdf[page - 1]
    height = sheet.get_size()[1]
    textpage = sheet.get_textpage()
    at, count = textpage.search(text[:40], match_case=False).get_next()
    boxes = [textpage.get_charbox(i, loose=True) for i in range(at, at + count)]
    pdf.close()
    return (int(min(b[0] for b in boxes) * SCALE), int((height - max(b[3] for b in boxes)) * SCALE),
            int(max(b[2] for b in boxes) * SCALE), int((height - min(b[1] for b in boxes)) * SCALE))


def yellow(pixels: np.ndarray) -> np.ndarray:
    """Pixels where the highlight shows: red and green high, blue well below them."""
    r, g, b = (pixels[..., i].astype(int) for i in range(3))
    return (r > 200) & (g > 180) & (b < 190) & (r - b > 50)


def test_the_quoted_sentence_is_highlighted_on_its_page():
    import pypdfium2 as pdfium

    view = render_cited_page(PAPER, 1, QUOTE, scale=SCALE)
    plain = render_cited_page(PAPER, 1, ELSEWHERE, scale=SCALE)
    width, height = pdfium.PdfDocument(PAPER)[0].get_size()
    assert view.highlighted and not plain.highlighted
    assert view.image.size == plain.image.size
    assert abs(view.image.width / view.image.height - width / height) < 0.01

    marked, bare = np.asarray(view.image), np.asarray(plain.image)
    rows = np.flatnonzero((marked != bare).any(axis=(1, 2)))
    assert rows.size, "the highlight changed no pixels"
    left, top, right, bottom = quote_region(1, QUOTE)
    # the changed rows are one band: the quote's lines (two and a bit), nowhere else on the page
    assert top - 5 <= rows.min() and rows.max() <= bottom + 60
    assert rows.max() - rows.min() < 0.1 * view.image.height
    band = marked[top:bottom, left:right]
    assert yellow(band).mean() > 0.3
    assert not yellow(bare[top:bottom, left:right]).any()


def test_quote_with_citation_numbers_and_hyphenation_dropped_is_found():
    # the page has "Fronto-cingulate¹⁹ and fronto-striatal²⁰,²¹ interactions"; our text drops the numbers
    quote = ("Fronto-cingulate and fronto-striatal interactions have been implicated in both cognition and emotion, "
             "highlighting the potential role of dlPFC in emotional regulation.")
    assert render_cited_page(PAPER, 1, quote).highlighted


def test_a_quote_not_on_the_page_highlights_nothing():
    assert not render_cited_page(PAPER, 1, ELSEWHERE).highlighted
    assert not render_cited_page(PAPER, 2, QUOTE).highlighted


def test_missing_file_or_page_raises(tmp_path):
    with pytest.raises(RenderError, match="no PDF"):
        render_cited_page(tmp_path / "gone.pdf", 1, QUOTE)
    with pytest.raises(RenderError, match="no page 99"):
        render_cited_page(PAPER, 99, QUOTE)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(RenderError, match="cannot open"):
        render_cited_page(broken, 1, QUOTE)


def test_matching_ignores_case_spacing_ligatures_and_line_end_hyphens():
    page = normalise("The ef\ufb01cacy of deci-\nsion making  was  tested.")
    assert page == "theefficacyofdecisionmakingwastested"
    assert find_quote(page, normalise("efficacy of decision-making")) == (3, 27)
    assert find_quote(page, normalise("nothing like it")) is None


def test_sources_panel_shows_the_cited_pdf_page_beside_the_passage(tmp_path):
    from assistant.types import Answer, Citation, Document
    from assistant.ui_render import sources_html

    def panel(path: str, page: int) -> str:
        doc = Document("d1", Path(path).name or "notes.txt", QUOTE, "0" * 64, path=path)
        cite = Citation(1, doc.source, "A paper", QUOTE + " More.", QUOTE, 0, len(QUOTE), 0.5, page=page)
        return sources_html(Answer("q", "a [1]", [cite], [], False), {"d1": doc})

    shown = panel(str(PAPER), 1)
    assert '<img src="data:image/webp;base64,' in shown and "<figcaption>p. 1</figcaption>" in shown
    assert "<mark>" in shown.split('<figure')[0]  # the passage, with its quote marked, comes first
    for path, page in ((str(tmp_path / "gone.pdf"), 1), (str(PAPER), 99), ("", 0), (str(tmp_path / "a.txt"), 0)):
        assert "<img" not in panel(path, page)
    assert "p. 1 · " in panel(str(tmp_path / "gone.pdf"), 1)  # no picture, but still the page
