"""The PDF reader on real publishers' PDFs (../shared/papers) and on damaged copies of them."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from assistant.documents import read_document
from assistant.errors import UnreadableSource
from assistant.pdf import read_pdf
from assistant.pdf.layout import may_answer, section_of
from assistant.pdf.reader import open_pdf, read_pages

PAPERS = Path(__file__).resolve().parents[2] / "shared" / "papers"
PDFS = sorted(PAPERS.glob("*.pdf"))
FURNITURE = re.compile(r"(?i)creativecommons|licensed under|\bpage \d+ of \d+\b|certified by peer review|"
                       r"\bet al\.? [A-Z][\w ]+ \(\d{4}\) \d+:\d+")


@pytest.fixture(scope="module")
def papers():
    return {path.name: read_pdf(path.read_bytes()) for path in PDFS}


def test_all_thirteen_shared_papers_are_read_with_pages_and_sections(papers):
    assert len(papers) == 13
    for name, paper in papers.items():
        assert len(paper.page_starts) == paper.page_count > 1, name
        assert paper.page_starts == sorted(paper.page_starts) and paper.page_starts[-1] < len(paper.text), name
        named = [section for _, section in paper.sections]
        assert "Introduction" in named or "Methods" in named, (name, named)


def test_a_sentence_is_placed_on_the_page_it_is_printed_on(papers):
    from assistant.types import Document

    paper = papers["10.1186_s12915-024-01908-y.pdf"]
    doc = Document("d", "p.pdf", paper.text, "", page_starts=paper.page_starts)
    for sentence, page in (("Herein, we delved into the temporal landscape", 2),
                           ("Adenosine-to-inosine (A-to-I) RNA editing, catalyzed by", 1)):
        assert doc.page_at(paper.text.index(sentence)) == page


def test_a_subheading_set_a_little_larger_stands_apart_from_its_first_sentence(papers):
    # Nature Communications sets subheadings 6 % larger than the text, in a font of unknown weight
    text = papers["10.1038_s41467-024-48375-1.pdf"].text
    assert "\nMicrostimulation of the sgACC induced negative bias in conflict decision-making\nTwo monkeys" in text
    assert "decision-making Two monkeys" not in text
    text = papers["10.1038_s41467-023-40886-7.pdf"].text
    assert "\nTherapeutic tumor study with azido-labeled DC vaccines\nFemale C57BL/6 mice" in text
    # running text whose line happens to measure larger is no heading: a sentence ends inside it
    elife = papers["10.7554_eLife.91357.3.pdf"].text
    assert "\nJeanne Lawrence (Shopland et al., 2002" not in elife and "Jeanne Lawrence (Shopland et al., 2002" in elife


def test_a_subheading_in_a_heavier_font_than_the_text_stands_apart_from_its_first_sentence(papers):
    # Nucleic Acids Research sets subheadings in Univers at weight 500 over body text in Sabon at 400
    text = papers["10.1093_nar_gkae102.pdf"].text
    assert "\nIncorporation of 5FdUTP across inosine (HX) by polη is more efficient than opposite dG\nTo evaluate" in text
    assert "than opposite dG To evaluate" not in text


def test_a_numbered_subheading_set_like_the_text_stands_apart_from_its_paragraph(papers):
    # MDPI sets "2.1. In Vivo TNBC Tumor Murine Model" in the body's size, in italics, its paragraph indented
    paper = papers["10.3390_cancers14194849.pdf"]
    text = paper.text
    assert "\n2.1. In Vivo TNBC Tumor Murine Model\nFemale 7-week-old BALB/c mice" in text
    assert ("\n3.1. Antibiotics Administration Impacted TNBC Dox Responsiveness and Lung Metastasis Formation\n"
            "Patients with breast cancer") in text
    numbered = re.findall(r"(?m)^\d+\.\d+\. .*$", text)
    # each stands on its own line: none ends as a paragraph does
    assert len(numbered) >= 12 and not [line for line in numbered if line.endswith(".")]
    assert "Methods" in [name for _, name in paper.sections]


def test_a_subheading_set_like_the_text_stands_apart_when_the_space_above_its_paragraph_is_wider(papers):
    # a bioRxiv preprint sets subheadings in the body's size and weight, with half a line more space below them
    # than between the lines of a paragraph (the paper's leading is tight: 0.14 of a line)
    text = papers["10.1101_2024.02.01.578450.pdf"].text
    assert "\nNanopore long-read sequencing of DNA extracted from aged human brain\nThe 18 human frontal cortex" in text
    assert "\nSample collection\n18 postmortem frontal cortex samples" in text
    assert "aged human brain The 18 human" not in text


def test_space_wider_than_the_usual_leading_parts_paragraphs_only_in_the_body_size():
    from assistant.pdf.layout import lay_out
    from assistant.pdf.reader import Char, Line, Page

    def line(text: str, top: float, size: float = 10.0) -> Line:
        return Line(1, [Char(ch, 72 + 0.5 * size * i, top, 72 + 0.5 * size * (i + 1), top + size)
                        for i, ch in enumerate(text)])

    body = ["The first paragraph of running text goes on here", "over several lines, as paragraphs do,",
            "with the usual space between them,", "and it ends on this line of the page."]
    rows = [line(text, 100 + 11.5 * i) for i, text in enumerate(body)]  # leading: 1.5 of 10 points (0.15)
    rows += [line("A subheading in the body size", 151),  # 5 points above it (0.5 of a line): wider, not blank
             line("The next paragraph starts under the heading", 166), line("and goes on here.", 177.5),
             line("Small print in a note under the text, set apart by", 200, 8.0),
             line("the same space, stays one block of small print.", 212, 8.0)]
    text = lay_out([Page(1, 612, 792, rows)]).text
    assert text.startswith(" ".join(body) + "\nA subheading in the body size\nThe next paragraph starts")
    assert "\nSmall print in a note under the text, set apart by the same space, stays one block of small print." in text


def test_a_paragraph_broken_by_a_column_or_page_goes_on_however_its_next_line_starts(papers):
    text = papers["10.1101_2024.05.01.592108.pdf"].text  # a preprint whose paragraphs break at every page
    for sentence in ("mean age ± SD = 33.6 ± 10.4 years), consisting of 67 in the active NF group",
                     "Common inclusion criteria across studies are ages 18-65, current diagnosis of MDD",
                     "ethical principles of the Declaration of Helsinki"):
        assert sentence in text, sentence
    # a finished paragraph, or one stopped on an ordinary word before a capital, is not joined to what follows
    from assistant.pdf.layout import _goes_on
    assert _goes_on("as in", "Figure 2") and _goes_on("mean age ±", "SD = 33.6") and _goes_on("ages 18", "(n = 5)")
    assert not _goes_on("…dendritic cell vaccine", "Joonsu Han") and not _goes_on("A", "B")


def test_text_its_clipping_path_hides_is_not_read(papers):
    # MDPI places each figure as a whole page of the review manuscript clipped to the figure; the rest of that
    # page's text is invisible and would repeat whole paragraphs of the paper
    text = papers["10.3390_cancers14194849.pdf"].text
    for sentence in ("3.2. Doxorubicin Shifts the Gut Bacterial Microbiome", "Elevated visceral adiposity is associated",
                     "Figure 1. Combination of antibiotics and doxorubicin", "The intestinal epithelium is considered"):
        assert text.count(sentence) == 1, sentence
    assert "FOR PEER REVIEW" not in text


def test_text_outside_the_page_is_not_read():
    from assistant.pdf.layout import _in_side_margin
    from assistant.pdf.reader import Char, Line, Page

    def line(top: float) -> Line:
        return Line(1, [Char(ch, 100 + 6 * i, top, 106 + 6 * i, top + 10) for i, ch in enumerate("Hidden text")])

    page = Page(1, 600, 800, [])
    assert _in_side_margin(line(-30), page) and _in_side_margin(line(805), page)
    assert not _in_side_margin(line(400), page)


def test_only_a_clearly_heavier_font_than_the_body_counts_as_bold():
    from assistant.pdf.layout import _mark_bold_lines
    from assistant.pdf.reader import Char, Line

    def line(text: str, weight: int) -> Line:
        return Line(1, [Char(ch, 10 + i, 10, 15 + i, 20) for i, ch in enumerate(text)], weight=weight)

    body, medium, slightly, unknown = line("body text " * 20, 400), line("Heading", 500), line("Other", 440), line("x", 0)
    _mark_bold_lines([body, medium, slightly, unknown])
    assert (body.bold, medium.bold, slightly.bold, unknown.bold) == (False, True, False, False)
    unstated = [line("body text " * 20, 0), line("Anything", 500), line("Bold", 700)]
    _mark_bold_lines(unstated)
    assert [x.bold for x in unstated] == [False, False, True]  # body weight unknown: only the fixed threshold


def _within_line_forms(path: Path) -> Counter:
    pdf = open_pdf(path.read_bytes())
    counts: Counter = Counter()
    for page in read_pages(pdf):
        for line in page.lines:
            counts.update(w.lower() for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*|[A-Za-z]+", line.text))
    pdf.close()
    return counts


@pytest.mark.parametrize("path", PDFS, ids=[p.stem[:24] for p in PDFS])
def test_no_word_is_left_split_by_a_line_end_hyphen(papers, path):
    text = papers[path.name].text
    forms = _within_line_forms(path)
    words = Counter(re.findall(r"[a-z]+", text.lower()))
    split = [m.group(0) for m in re.finditer(r"\b([A-Za-z]{2,})-\s*([a-z]{2,})\b", text)
             if words[(m.group(1) + m.group(2)).lower()] and m.group(2) not in ("and", "or", "to")
             and forms[f"{m.group(1)}-{m.group(2)}".lower()] == 0
             and not any(f.endswith(f"{m.group(1)}-{m.group(2)}".lower()) for f in forms if "-" in f)]
    assert split == []


def test_no_running_header_licence_or_preprint_stamp_in_the_text(papers):
    for name, paper in papers.items():
        assert FURNITURE.findall(paper.text) == [], name


def test_acms_permission_block_is_furniture():
    from assistant.pdf.layout import lay_out
    from assistant.pdf.reader import Char, Line, Page

    def line(text: str, top: float, size: float = 9.0) -> Line:
        return Line(1, [Char(ch, 72 + i * 4.5, top, 76.5 + i * 4.5, top + size) for i, ch in enumerate(text)])

    prose = ["ACM's consolidated article template, introduced in 2017, provides a consistent style",
             "for use across ACM publications and incorporates accessibility functionality."]
    permission = ["Permission to make digital or hard copies of all or part of this work for personal or",
                  "classroom use is granted without fee provided that copies are not made for profit."]
    page = Page(1, 612, 792, [line(prose[0], 300), line(prose[1], 311), line(permission[0], 600, 7.0),
                              line(permission[1], 609, 7.0)])
    assert lay_out([page]).text == " ".join(prose)


def test_a_sidebar_naming_the_editor_is_furniture_and_the_sentence_it_broke_reads_as_one(papers):
    for name in ("10.7554_eLife.91357.3.pdf", "10.1128_msphere.00109-24.pdf"):  # eLife, ASM (mSphere)
        assert not re.search(r"(?m)^(Reviewing )?Editor:? [A-Z]", papers[name].text), name
    assert "transcribes a particular splice junction (Beyer et al., 1981" in papers["10.7554_eLife.91357.3.pdf"].text


def test_small_print_in_a_column_beside_the_text_never_breaks_a_sentence(papers):
    # ASM's first-page sidebar (editor, correspondence, conflicts) and a correspondence note set in the margin
    text = " ".join(papers["10.1128_msphere.00109-24.pdf"].text.split())
    assert "3.7% in North America, although species-level epidemiology data are uncommon (5)." in text
    assert "The authors declare no conflict of interest." in text  # kept, after the page's prose
    text = " ".join(papers["intpsychogeriatrics2014_stressful_life_events_dementia.pdf"].text.split())
    assert "approaches that promote continued independent living" in text
    # an abstract set smaller than the body, across the text's own column, stays where it is
    paper = papers["10.1186_s13059-023-02935-8.pdf"]
    starts = dict((name, start) for start, name in reversed(paper.sections))
    assert starts["Abstract"] < paper.text.index("Glucokinase (GCK) regulates insulin secretion") < starts["Introduction"]


def test_a_pointer_to_a_figure_on_another_page_is_dropped_so_its_caption_reads_as_one(papers):
    text = papers["10.1186_s12915-024-01908-y.pdf"].text  # BMC Biology: "(See figure on next page.)" above Fig. 1
    assert not re.search(r"(?i)see (figure|table) on (the )?(next|previous) page", text)
    assert re.search(r"(?m)^Fig\. 1 Genome-wide characterization", text)


def test_a_caption_never_breaks_a_sentence_that_runs_on_to_the_next_page(papers):
    text = " ".join(papers["10.3390_cancers14194849.pdf"].text.split())
    for sentence in ("whether administration of Dox shifted the gut microbiome.",
                     "can cause many health problems, including obesity, inflammatory bowel disease",
                     "showed reduced proliferation when compared with control mice"):
        assert sentence in text
    for paper in papers.values():  # captions move only within their own page: page offsets still ascend
        assert paper.page_starts == sorted(paper.page_starts)



def test_a_sentence_runs_on_across_a_page_that_holds_only_a_figure(papers):
    # eLife and Nature Communications set full-page figures inside a sentence; their captions follow it
    elife = " ".join(papers["10.7554_eLife.91357.3.pdf"].text.split())
    assert "some showing a lack of ordering (50.3% of intermediate transcripts of EEF2" in elife
    nature = " ".join(papers["10.1038_s41467-023-40886-7.pdf"].text.split())
    assert "antigen-specific CTL response in vivo in comparison with unlabeled DCs (Fig. 4a)." in nature
    assert "Fig. 3 | Metabolic glycan labeling improves the activation status" in nature  # the caption is kept
    for paper in papers.values():
        assert paper.page_starts == sorted(paper.page_starts) and min(paper.page_starts) == 0


def _synthetic_line(text: str, x: float, top: float, size: float):
    from assistant.pdf.reader import Char, Line

    return Line(1, [Char(ch, x + 0.5 * size * i, top, x + 0.5 * size * (i + 1), top + size)
                    for i, ch in enumerate(text)])


def _axis_numbers(top: float, left: float = 100.0, rows: int = 5):
    """Small, short pieces side by side (5 x 5 blocks of figure text): a figure's tick labels, or the pieces
    of a displayed equation set across the text's width."""
    return [_synthetic_line(str(10 * c + r), left + 80 * c, top + 14 * r, 6.0) for r in range(rows) for c in range(5)]


def test_labels_in_a_drawn_figure_go_and_a_piece_of_a_sentence_beside_an_equation_stays():
    from assistant.pdf.layout import lay_out
    from assistant.pdf.reader import Page

    paragraph = ["Running text of the paper goes on here, over several lines of the body,",
                 "as paragraphs do, with ordinary words and a full stop at its end."]
    figure_page = [_synthetic_line(t, 72, 80 + 12 * i, 10.0) for i, t in enumerate(paragraph * 3)]
    figure_page += _axis_numbers(300) + [_synthetic_line("A", 90, 290, 12.0),
                                         _synthetic_line("Distance from transcription site (µm)", 200, 372, 10.0)]
    text = lay_out([Page(1, 612, 792, figure_page)]).text
    assert "Running text of the paper" in text and "Distance from transcription" not in text
    assert not any(line.strip() == "A" for line in text.splitlines())
    # equations set among the sentences: their pieces are figure text, the sentence around them is not
    equation_page = [_synthetic_line(t, 72, 80 + 12 * i, 10.0) for i, t in enumerate(paragraph * 3)]
    equation_page += [_synthetic_line("of the linear mixed model, where", 72, 160, 10.0)] + _axis_numbers(178, 66)
    equation_page += [_synthetic_line(t, 72, 250 + 12 * i, 10.0) for i, t in enumerate(paragraph * 2)]
    equation_page += [_synthetic_line("For the second model we have", 72, 282, 10.0)] + _axis_numbers(300, 66)
    text = lay_out([Page(1, 612, 792, equation_page)]).text
    assert "of the linear mixed model, where" in text and "For the second model we have" in text


def test_a_caption_continued_in_a_block_of_its_own_is_caption_not_prose(papers):
    # the rest of a caption, broken over to the next page or column, is never joined into the paper's prose
    elife = " ".join(papers["10.7554_eLife.91357.3.pdf"].text.split())
    assert "a lack of z-sections" not in elife and "0.3 µm step distance." in elife
    nature = papers["10.1038_s41467-023-40886-7.pdf"].text
    assert "in vivo in same treatment" not in " ".join(nature.split())
    assert re.search(r"(?m)^same treatment as in g \(n = 4\)\.", nature)


def test_panel_letters_and_axis_titles_of_a_drawn_figure_are_not_prose(papers):
    elife = papers["10.7554_eLife.91357.3.pdf"].text
    for label in ("I", "F", "Not Expanded", "x distance (pixels)", "Distance from Transcription Site (µm)"):
        assert not re.search(rf"(?m)^{re.escape(label)}$", elife), label
    assert not re.search(r"(?m)^(meropenem|ciprofloxacin|gentamicin)$", papers["10.1128_msphere.00109-24.pdf"].text)
    # short lines of prose on pages without a drawn figure stay (a bioRxiv preprint set in pieces)
    assert "several meta-analyses" in papers["10.1101_2024.05.01.592108.pdf"].text

def test_metadata_of_a_two_column_paper_comes_from_its_first_page_not_its_references(papers):
    meta = papers["10.1186_s12915-024-01908-y.pdf"].metadata
    assert meta.title == ("Temporal landscape and translational regulation of A-to-I RNA editing in mouse retina "
                          "development")
    assert meta.authors[0] == "Ludong Yang" and meta.year == 2024 and meta.journal == "BMC Biology"
    assert meta.doi == "10.1186/s12915-024-01908-y"


def test_section_names_and_what_back_matter_may_answer():
    assert section_of("2. Materials and methods") == "Methods" and section_of("Competing interests") == "Declarations"
    assert section_of("Temporal changes of A-to-I editing") == ""
    assert not may_answer("References", "How many patients were included?")
    assert not may_answer("Declarations", "How many patients were included?")
    assert may_answer("Declarations", "Who funded the study?") and may_answer("Results", "How many patients?")


def test_back_matter_whose_label_runs_into_its_first_line_still_starts_its_section(papers):
    from assistant.pdf.layout import _run_in_back_matter

    assert _run_in_back_matter("References 1. Kudsk KA, Fabian TC") == ("References", "1. Kudsk KA, Fabian TC")
    assert _run_in_back_matter("Competing interests The authors declare") == ("Competing interests", "The authors declare")
    assert _run_in_back_matter("Funding was provided by the trust.") is None  # a sentence, not a label
    assert _run_in_back_matter("Methods We interviewed eight staff.") is None  # structured abstracts: not here
    paper = papers["datta2010_dvt_prophylaxis_trauma_systematic_review.pdf"]  # BioMed Central, 2010: run-in labels

    def section_at(needle):
        offset = paper.text.index(needle)
        return [name for start, name in paper.sections if start <= offset][-1]

    assert section_at("Kudsk KA, Fabian TC") == "References"
    assert section_at("The authors declare that they have no competing interests") == "Declarations"
    assert section_at("Pharmacologic anticoagulation") == "Conclusions"


def test_a_rotated_page_reads_as_the_upright_one(tmp_path):
    import io

    from pypdf import PdfReader, PdfWriter

    source = PAPERS / "10.1038_s41467-024-48375-1.pdf"
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source.read_bytes())))
    for page in writer.pages:
        page.rotate(90)
    out = io.BytesIO()
    writer.write(out)
    upright, turned = read_pdf(source.read_bytes()), read_pdf(out.getvalue())
    # PDFium orders a turned page's title lines differently; the running text and the furniture rules hold
    sentence = "The dorsolateral prefrontal cortex (dlPFC) is crucial for regulation of emotion that is known to aid"
    assert sentence in upright.text and sentence in turned.text
    assert FURNITURE.findall(turned.text) == [] and turned.metadata.doi == upright.metadata.doi


def test_chinese_lines_join_without_a_space_and_a_chinese_sentence_goes_on_across_blocks():
    from collections import Counter

    from assistant.pdf.layout import _goes_on, _runs_on, join_lines

    lines = ["使用 pdflatex 命令可不依赖宏包，支持原来需要宏", "包扩展的图片格式（但 pdflatex 命", "令仍不支持 .eps 格式）。"]
    assert join_lines(lines, Counter()) == "使用 pdflatex 命令可不依赖宏包，支持原来需要宏包扩展的图片格式（但 pdflatex 命令仍不支持 .eps 格式）。"
    assert join_lines(["第二章讲述在 LaTeX 中如何书写", "LaTeX 的文字。"], Counter()) == "第二章讲述在 LaTeX 中如何书写 LaTeX 的文字。"
    assert join_lines(["The model was fitted", "with lme4."], Counter()) == "The model was fitted with lme4."
    assert _runs_on("如果两个可选参数都不用的话，则使用默认的") and not _runs_on("定理序号由这个计数器管理。")
    assert _goes_on("如果两个可选参数都不用的话，则使用默认的", "与定理相同的计数器。")
    assert not _goes_on("The last line of a paragraph", "Another paragraph starts here.")


def test_a_chinese_sentence_broken_by_a_page_reads_whole_with_every_character():
    from assistant.pdf.layout import lay_out
    from assistant.pdf.reader import Char, Line, Page

    def line(page: int, text: str, top: float) -> Line:
        return Line(page, [Char(ch, 72 + 10 * i, top, 82 + 10 * i, top + 10) for i, ch in enumerate(text)])

    first = "这是第一页上的一段很长的中文文字，它在页面的末尾还没有结束，以及许多其他"
    pages = [Page(1, 612, 792, [line(1, first[:30], 300), line(1, first[30:], 314)]),
             Page(2, 612, 792, [line(2, "的扩展。这是第二页上的下一句话，它结束了这一段。", 300)])]
    laid = lay_out(pages)
    assert laid.text == first + "的扩展。这是第二页上的下一句话，它结束了这一段。"
    assert laid.text[laid.page_starts[1]:].startswith("的扩展")


def _one_line_pdf(text: bytes, font: bytes = b"Helvetica", to_unicode: dict[int, str] | None = None,
                  differences: bytes = b"", content: bytes = b"") -> bytes:
    """A one-page PDF showing `text` (a PDF string's bytes) in a standard font, with no Unicode map, or with one
    mapping the given codes to UTF-16 code units written in hex (`to_unicode`); `differences` is the body of an
    /Encoding's /Differences array (glyph names for codes); `content` replaces the page's content stream."""
    content = content or b"BT /F1 12 Tf 72 700 Td (" + text + b") Tj ET"
    unicode_map = b" /ToUnicode 6 0 R" if to_unicode else b""
    if differences:
        unicode_map += b" /Encoding << /Type /Encoding /Differences [" + differences + b"] >>"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
               b"/Contents 5 0 R >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /" + font + unicode_map + b" >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    if to_unicode:
        pairs = b"".join(b"<%02X> <%s>\n" % (code, units.encode()) for code, units in to_unicode.items())
        cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Map def "
                b"1 begincodespacerange <00> <FF> endcodespacerange\n%d beginbfchar\n" % len(to_unicode) + pairs
                + b"endbfchar endcmap CMapName currentdict /CMap defineresource pop end end")
        objects.append(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_ligatures_quotes_and_dashes_of_latex_t1_fonts_without_a_unicode_map_read_as_letters():
    # the codes LaTeX's T1 encoding gives ff, ffi, quotes and an en dash, as PDFium passes them on unmapped
    paper = read_pdf(_one_line_pdf(b"Roundo\\033 error: a di\\033erent coe\\036cient, \\020wins\\021 in 65\\02585%."))
    assert paper.text.strip() == "Roundoff error: a different coefficient, \u201cwins\u201d in 65\u201385%."


def test_letters_a_font_maps_to_dingbats_by_their_glyph_names_read_as_letters():
    # pdfTeX's bitmap fonts name glyphs "a<code>"; Ghostscript's Unicode maps read those names as ZapfDingbats
    # glyphs ("P❡♥❛❧✐③❡❞"), and such papers were skipped as unreadable
    text = b"Penalized least squares, \\034tting mixed models"
    codes = sorted(set(text.replace(b"\\034", b"\x1c")) - set(b" ,"))
    dingbats = {code: "%04X" % (0x2761 + i) for i, code in enumerate(codes)}
    names = b" ".join(b"%d /a%d" % (code, code) for code in codes)
    paper = read_pdf(_one_line_pdf(text, to_unicode=dingbats, differences=names))
    assert paper.text.strip() == "Penalized least squares, fitting mixed models"
    # without the glyph names nothing says which letter a symbol stands for: still refused
    with pytest.raises(UnreadableSource, match="symbols instead of letters"):
        read_pdf(_one_line_pdf(text, to_unicode=dingbats))


def test_raised_affiliation_letters_leave_names_and_raised_digits_after_units_stay():
    # LaTeX's PNAS-style templates set affiliation letters at 0.76 of the name's size, a little larger than
    # reference numbers: "Dirk Eddelbuettela" was read as the first author's name
    def raised(mark: bytes) -> bytes:
        return b"/F1 7.6 Tf 4.5 Ts (" + mark + b") Tj /F1 10 Tf 0 Ts "

    content = (b"BT /F1 10 Tf 72 700 Td (Dirk Eddelbuettel) Tj " + raised(b"a") + b"( and Romain Francois) Tj "
               + raised(b"b") + b"0 -40 Td (Volumes were recorded in mm) Tj " + raised(b"3") + b"(.) Tj ET")
    lines = read_pdf(_one_line_pdf(b"", content=content)).text.split("\n")
    assert [line.strip() for line in lines if line.strip()] == ["Dirk Eddelbuettel and Romain Francois",
                                                               "Volumes were recorded in mm3."]


def test_raised_powers_and_charges_stay_as_superscripts_and_reference_marks_go():
    # "R^2", "cm^2", "10^-5" and "Ca^2+" lost their raised part with the reference numbers ("R = 0.61",
    # "(500 cm)", "10-5", "Ca+"), and a reference list after a name ending in a digit ran into it ("IL-1536,37")
    def raised(mark: bytes) -> bytes:
        return b"/F1 6 Tf 4.5 Ts (" + mark + b") Tj /F1 10 Tf 0 Ts "

    rows = [(b"Fit was good, R", b"2", b" = 0.61 as reported."), (b"Plates of 500 cm", b"2", b" held water."),
            (b"We found a P value of 1.7 \327 10", b"-5", b" in all."), (b"In the presence of Ca", b"2+", b" ions."),
            (b"A rate of 4 s", b"-1", b" at rest."), (b"Conjugation of IL-15", b"36,37", b" onto cells."),
            (b"As reported before", b"12", b" and since."), (b"Yang Bo", b"1", b" and Hua Wang.")]
    content = b"BT /F1 10 Tf 72 700 Td " + b"0 -60 Td ".join(
        b"(" + before + b") Tj " + raised(mark) + b"(" + after + b") Tj " for before, mark, after in rows) + b"ET"
    lines = [line.strip() for line in read_pdf(_one_line_pdf(b"", content=content)).text.split("\n") if line.strip()]
    assert lines == ["Fit was good, R\u00b2 = 0.61 as reported.", "Plates of 500 cm\u00b2 held water.",
                     "We found a P value of 1.7 \u00d7 10\u207b\u2075 in all.", "In the presence of Ca\u00b2\u207a ions.",
                     "A rate of 4 s\u207b\u00b9 at rest.", "Conjugation of IL-15 onto cells.", "As reported before and since.",
                     "Yang Bo and Hua Wang."]


def test_a_footnote_mark_with_its_bracket_goes_whole():
    # AIP's journals mark authors and titles "a)", "b)", the bracket set a little larger than the letter (0.79 and
    # 0.70 of the line): "A. Author, ) B. Author, )" was read as one author; a raised index in brackets stays
    def raised(size: bytes, text: bytes) -> bytes:
        return b"/F1 " + size + b" Tf 4.2 Ts (" + text + b") Tj "

    normal = b"/F1 10 Tf 0 Ts "
    rows = [b"(A. Author,) Tj " + raised(b"7", b"1, b") + raised(b"7.9", b"\\)") + normal + b"( B. Author) Tj ",
            b"(Sample Title: with Forced Linebreak) Tj " + raised(b"7", b"a") + raised(b"7.9", b"\\)") + normal,
            b"(In what follows X) Tj " + raised(b"7", b"\\(i\\)") + normal + b"( is the estimate.) Tj "]
    content = b"BT /F1 10 Tf 72 700 Td " + b"0 -60 Td ".join(rows) + b"ET"
    lines = [line.strip() for line in read_pdf(_one_line_pdf(b"", content=content)).text.split("\n") if line.strip()]
    assert lines == ["A. Author, B. Author", "Sample Title: with Forced Linebreak", "In what follows X(i) is the estimate."]


def test_unicode_maps_read_from_bfchar_and_both_kinds_of_bfrange():
    from assistant.pdf.symbol_fonts import _unicode_map

    cmap = (b"2 beginbfchar\n<41> <2761>\n<42> <00660069>\nendbfchar\n2 beginbfrange\n<61> <63> <2701>\n"
            b"<70> <71> [<2710> <D835DEFC>]\nendbfrange")
    assert _unicode_map(cmap) == {0x41: "\u2761", 0x42: "fi", 0x61: "\u2701", 0x62: "\u2702", 0x63: "\u2703",
                                  0x70: "\u2710", 0x71: "\U0001d6fc"}


def test_mathematical_letters_beyond_the_basic_plane_read_whole_and_plain(tmp_path):
    # PDFium hands on a character beyond the Basic Multilingual Plane as two UTF-16 halves at two indices (ACM's
    # LaTeX samples set 𝛼 and 𝜔 so); no tokenizer accepts a lone half, so such a paper was once skipped whole
    from assistant.embedding import get_embedder
    from assistant.settings import get_settings

    data = _one_line_pdf(b"from A to B, with C < 0.05", to_unicode={0x41: "D835DEFC", 0x42: "D835DF14", 0x43: "D835DC5D"})
    path = tmp_path / "maths.pdf"
    path.write_bytes(data)
    text = read_document(path).text
    assert text.strip() == "from \u03b1 to \u03c9, with p < 0.05"
    settings = get_settings()
    assert get_embedder(settings.embedding_model, settings.device).count_tokens([text])[0] > 0


def test_code_units_become_whole_characters():
    from assistant.pdf.reader import whole_characters

    assert whole_characters(["a", "\ud835", "\udefc", "b"]) == ["a", "\u03b1", "", "b"]
    assert whole_characters(["\U0001d45d", "\U0001f600", "x"]) == ["p", "\U0001f600", "x"]  # whole already
    assert whole_characters(["\udc00", "a", "\ud835"]) == ["", "a", ""]  # halves without partners
    assert whole_characters(["", "\n", "\u00ad"]) == ["", "\n", "\u00ad"]


def test_a_pdf_whose_fonts_give_symbols_instead_of_letters_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "symbols.pdf"
    path.write_bytes(_one_line_pdf(b"Penalized least squares versus generalized least squares", b"ZapfDingbats"))
    with pytest.raises(UnreadableSource, match="symbols instead of letters"):
        read_document(path)


def _first_page(rows: list[tuple[str, float]]):
    """A page one of centred lines (text, font size), top to bottom."""
    from assistant.pdf.reader import Char, Line, Page

    lines, top = [], 100.0
    for text, size in rows:
        left = 306 - len(text) * size * 0.25
        lines.append(Line(1, [Char(ch, left + i * size * 0.5, top, left + (i + 1) * size * 0.5, top + size)
                              for i, ch in enumerate(text)]))
        top += size * 1.4
    return [Page(1, 612, 792, lines)]


def test_an_affiliation_centred_under_the_author_is_no_part_of_the_name():
    from assistant.pdf.metadata import paper_metadata

    for place in ("Mayo Clinic", "Universität Innsbruck", "GKX Associates Inc", "Gentleman Lab"):
        pages = _first_page([("Population contrasts", 15.4), ("Terry M Therneau", 10.7), (place, 10.8),
                             ("February 6, 2023", 10.7), ("This vignette covers population contrasts in the Cox model.", 9.4)])
        meta = paper_metadata(pages, {}, {}, " ".join(line.text for line in pages[0].lines))
        assert meta.title == "Population contrasts" and meta.authors == ["Terry M Therneau"], place
        assert meta.label == "Therneau"


def test_a_numbered_section_heading_set_larger_than_the_title_is_not_the_title():
    # LaTeX's article class: the title at 14.8 pt, "1 Introduction" and "2 Preliminaries" at 15.7 pt
    from assistant.pdf.metadata import paper_metadata

    pages = _first_page([("An Introduction to Bioconductor's ExpressionSet Class", 14.8),
                         ("Seth Falcon, Martin Morgan, and Robert Gentleman", 13.1), ("6 October, 2006", 13.1),
                         ("1 Introduction", 15.7), ("Biobase is part of the Bioconductor project and holds classes.", 11.0),
                         ("2 Preliminaries", 15.7), ("2.1 Installing Packages", 13.1),
                         ("Visit the project's site and follow the instructions there.", 11.0)])
    meta = paper_metadata(pages, {}, {}, " ".join(line.text for line in pages[0].lines))
    assert meta.title == "An Introduction to Bioconductor's ExpressionSet Class"
    assert meta.authors == ["Seth Falcon", "Martin Morgan", "Robert Gentleman"]
    # a title that starts with a number and stands first is still the title
    pages = _first_page([("10 things you didn't know about GenomicRanges", 15.4), ("Hervé Pagès", 10.7),
                         ("1 Introduction", 15.7), ("These slides show ten things about ranges.", 10.0)])
    assert paper_metadata(pages, {}, {}, "").title == "10 things you didn't know about GenomicRanges"


def test_a_title_loses_the_marks_of_its_footnotes():
    from assistant.pdf.metadata import paper_metadata

    for printed, title in (("AIAA\u2217 LaTeX Package Users Manual\u2020", "AIAA LaTeX Package Users Manual"),
                           ("This is a specimen title\u22c6,\u22c6\u22c6", "This is a specimen title"),
                           ("Dose, timing and response: a trial*", "Dose, timing and response: a trial")):
        pages = _first_page([(printed, 15.0), ("Ann Author", 10.0), ("The abstract reads like running text.", 9.0)])
        assert paper_metadata(pages, {}, {}, printed).title == title


@pytest.mark.parametrize("line, year", [
    ("Published: 12 March 2024", 2024), ("Publication date: August 2018.", 2018), ("Posted May 01, 2024", 2024),
    ("Received 16 Sep 2013; accepted 18 Sep 2013", 2013), ("Accepted in Quantum 2017-05-09", 2017),
    ("This article was originally published as Leisch (2004b) in a journal.", 2004),
    # prose that goes on after the word is no publication date (an ASME template's first page)
    ("The author has published in ASME journals since 1984. The intended use of the class is shown.", None),
])
def test_a_year_is_read_from_a_publication_date_not_from_prose(line, year):
    from assistant.pdf.metadata import paper_metadata

    pages = _first_page([("A Template for Journal Papers", 15.0), ("John H. Lienhard", 10.0), (line, 9.0),
                         ("The abstract of the paper reads like running text and ends with a full stop.", 9.0)])
    assert paper_metadata(pages, {}, {}, " ".join(ln.text for ln in pages[0].lines)).year == year


def test_an_address_is_never_read_as_authors():
    from assistant.pdf.metadata import paper_metadata

    def authors(rows: list[tuple[str, float]]) -> list[str]:
        pages = _first_page([("This is a specimen title", 15.0), *rows,
                             ("The abstract of the paper reads like running text and ends with a full stop.", 9.0)])
        return paper_metadata(pages, {}, {}, " ".join(line.text for line in pages[0].lines)).authors

    assert authors([("CV Radhakrishnan", 10.0), ("Elsevier B.V., Radarweg 29, 1043 NX Amsterdam, The Netherlands", 10.0)]) \
        == ["CV Radhakrishnan"]
    assert authors([("One Research Road, Ridge, NY 11961", 10.0)]) == []
    assert authors([("Royal Astronomical Society, Burlington House, Piccadilly, London", 10.0)]) == []
    assert authors([("Ann Author1,2, Second Author3", 10.0)]) == ["Ann Author", "Second Author"]  # marks are no address


def test_a_running_head_as_large_as_the_title_is_not_the_title():
    # an APA manuscript: "SAMPLE DOCUMENT" and the page number atop every page, in the title's size
    from assistant.pdf.metadata import paper_metadata
    from assistant.pdf.reader import Char, Line, Page

    def line(page: int, text: str, top: float, left: float = 72.0) -> Line:
        return Line(page, [Char(ch, left + i * 6, top, left + (i + 1) * 6, top + 12) for i, ch in enumerate(text)])

    body = "The abstract of the manuscript reads like running text and ends with a full stop."
    pages = [Page(1, 612, 792, [line(1, "SAMPLE DOCUMENT", 37), line(1, "1", 37, 530),
                                line(1, "Sample APA-Style Document Using the apa7 Package", 198, 150),
                                line(1, "Daniel A. Weiss", 246, 250), line(1, body, 300)])]
    pages += [Page(n, 612, 792, [line(n, "SAMPLE DOCUMENT", 37), line(n, str(n), 37, 530), line(n, body, 100)])
              for n in (2, 3)]
    meta = paper_metadata(pages, {}, {}, " ".join(ln.text for page in pages for ln in page.lines))
    assert meta.title == "Sample APA-Style Document Using the apa7 Package"
    assert meta.authors == ["Daniel A. Weiss"]


def test_authors_one_a_line_with_footnote_marks_are_each_read():
    # ACM's sigconf: each author on a line of its own, marked with ∗ for a footnote
    from assistant.pdf.metadata import paper_metadata

    pages = _first_page([("The Name of the Title Is Hope", 16.0), ("Ben Trovato\u2217", 11.2), ("G.K.M. Tobin\u2217", 11.2),
                         ("trovato@corporation.com", 9.3), ("Institute for Clarity in Documentation", 9.3),
                         ("A clear and well-documented document is presented as an article formatted for publication.", 9.0)])
    meta = paper_metadata(pages, {}, {}, " ".join(line.text for line in pages[0].lines))
    assert meta.authors == ["Ben Trovato", "G.K.M. Tobin"]


def test_an_author_line_written_into_the_title_field_is_not_the_title():
    from assistant.pdf.metadata import paper_metadata

    pages = _first_page([("Adjusted Survival Curves", 15.4), ("Terry Therneau, Elizabeth Atkinson", 10.9),
                         ("We describe how adjusted survival curves are computed and when they mislead.", 9.4)])
    text = " ".join(line.text for line in pages[0].lines)
    meta = paper_metadata(pages, {"Title": "Terry Therneau, Elizabeth Atkinson"}, {}, text)
    assert meta.title == "Adjusted Survival Curves" and meta.authors == ["Terry Therneau", "Elizabeth Atkinson"]
    titled = paper_metadata(pages, {"Title": "Adjusted Survival Curves in the Cox Model"}, {}, text)
    assert titled.title == "Adjusted Survival Curves"  # a title field page one does not print is not used either


def test_damaged_copies_are_refused_with_a_reason_and_never_crash(tmp_path):
    source = (PAPERS / "tully2010_patient_experiences_heart_failure_programmes_qualitative.pdf").read_bytes()
    damaged = {"truncated.pdf": source[: len(source) // 3], "header-only.pdf": source[:1024],
               "garbled.pdf": source[:2000] + bytes(range(256)) * 40 + source[-2000:],
               "not-a-pdf.pdf": b"%PDF-1.7\n" + b"\x00\xff" * 500}
    for name, data in damaged.items():
        path = tmp_path / name
        path.write_bytes(data)
        try:
            doc = read_document(path)
        except UnreadableSource as exc:
            assert str(exc) and "\n" not in str(exc), name
        else:  # PDFium can recover part of a damaged file: what it reads must still be well formed
            assert doc.text and len(doc.page_starts) >= 1, name


def test_indexing_the_papers_gives_every_chunk_and_citation_a_page_and_never_answers_from_references(tmp_path):
    from assistant.api import Assistant
    from assistant.indexing import build_index
    from assistant.settings import Settings

    folder = tmp_path / "papers"
    folder.mkdir()
    for name in ("tully2010_patient_experiences_heart_failure_programmes_qualitative.pdf",
                 "10.1038_s41467-024-48375-1.pdf"):
        (folder / name).write_bytes((PAPERS / name).read_bytes())
    settings = Settings(index_dir=tmp_path / "store", sources_dir=folder)
    report = build_index([folder], settings)
    assert report.documents == 2 and not report.skipped
    assistant = Assistant(settings)
    chunks = assistant.retriever.snapshot.chunks
    assert all(c.page >= 1 and c.page_end >= c.page for c in chunks)
    assert any(c.section == "References" for c in chunks)
    for question in ("How many participants took part in the heart failure focus groups?",
                     "What did microstimulation of the subgenual cingulate cortex do to decision-making?",
                     "Which earlier studies reported heart failure rehabilitation outcomes?"):
        answer = assistant.answer(question)
        assert all(p.section != "References" for p in answer.passages)
        assert all(c.page >= 1 for c in answer.citations)
    # the reference list leaves the rankings before fusion: a passage's ranks count only chunks that may answer
    retriever, question = assistant.retriever, "Which earlier studies reported heart failure rehabilitation outcomes?"
    dense = retriever.dense(question, 20)
    assert any(chunks[pos].section == "References" for pos, _ in dense)
    answering = [pos for pos, _ in dense if may_answer(chunks[pos].section, question)]
    ranked = [p for p in retriever.retrieve(question) if p.dense_rank]
    assert ranked and all(chunks[answering[p.dense_rank - 1]].chunk_id == p.chunk_id for p in ranked)
    doi = assistant.answer("What is the DOI of the paper on patient experiences of heart failure programmes?")
    assert doi.mode == "metadata" and "10.1155/2010/157939" in doi.text
    assert "10.1155/2010/157939" in doi.citations[0].quote and doi.citations[0].page == 1
    cards = assistant.studies()
    for card in cards:
        for values in card.fields.values():
            for value in values:
                for evidence in value.evidence:
                    doc = assistant.retriever.snapshot.documents[card.doc_id]
                    assert doc.section_at(evidence.start) != "References"


def test_an_xmp_creator_entry_listing_several_authors_gives_each_name():
    from assistant.pdf.metadata import _listed_authors, _norm, listed_names

    names = listed_names({"creator": ["Trevor Hastie; Kenneth Tay"]}, {"Author": "ignored when XMP lists names"})
    assert names == ["Trevor Hastie", " Kenneth Tay"]
    page_one = _norm("The family Argument for glmnet Trevor Hastie Kenneth Tay")
    assert _listed_authors(names, page_one) == ["Trevor Hastie", "Kenneth Tay"]
    assert listed_names({}, {"Author": "A. Smith and B. Jones"}) == ["A. Smith", "B. Jones"]


def test_a_suspended_hyphen_at_a_line_end_keeps_its_hyphen_and_space():
    from assistant.pdf.layout import join_lines

    lines = ["Use one-", "or two-tailed tests before pre-", "and post-test for a 2-", "to 3-fold change in expec-",
             "tations or an up-", "to-date list."]
    assert join_lines(lines, Counter()) == ("Use one- or two-tailed tests before pre- and post-test for a 2- to 3-fold "
                                            "change in expectations or an up-to-date list.")
