"""Metadata of the five bundled studies, and of pages the rules have never seen."""

from __future__ import annotations

import pytest

from assistant.documents import read_document
from assistant.metadata import make_label, surname

from .conftest import BALINT, BSW, CFT, CIRCLES, DATA, PEER

EXPECTED = {
    CFT: {"title": "Participant background characteristics (N = 8)", "first_author": None, "doi": "", "year": 2025,
          "journal": "", "trial": "", "langs": {"en", "zh"}},
    CIRCLES: {"title": "Cultivating compassion through compassion circles: learning from experience in mental health care in the NHS",
              "first_author": "M. Clark", "doi": "10.1108/jmhtep-03-2021-0030", "year": 2021,
              "journal": "The journal of mental health training, education, and practice", "trial": "",
              "langs": {"en", "zh"}},
    BSW: {"title": "", "label": "Bennion et al., BMC Psychiatry, 2025", "first_author": "Bennion Mia",
          "doi": "10.1186/s12888-025-06501-3", "year": 2025, "journal": "BMC Psychiatry", "trial": "",
          "langs": {"en", "zh"}},
    BALINT: {"title": "", "label": "Pan et al., doi:10.1177/00912174221092505", "first_author": "Jane Y Pan",
             "doi": "10.1177/00912174221092505", "year": None, "journal": "", "trial": "", "langs": {"en"}},
    PEER: {"title": "Intervention delivery in the 'Paths to everyday life' (PEER) trial: a qualitative study of the "
                    "perspectives of the peer volunteers with lived experiences of being in personal recovery of mental "
                    "health difficulties",
           "first_author": "Poulsen Chalotte Heinsvig", "doi": "10.1186/s12888-025-06982-2", "year": 2025,
           "journal": "BMC Psychiatry", "trial": "NCT04639167", "langs": {"en", "zh"}},
}


@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_bundled_metadata(bundled_documents, source):
    doc, want = bundled_documents[source], EXPECTED[source]
    assert doc.title == want["title"]
    if "label" in want:
        assert doc.label == want["label"]
        assert doc.display_title == want["label"]
    assert (doc.authors[0] if doc.authors else None) == want["first_author"]
    assert doc.doi == want["doi"]
    assert doc.year == want["year"]
    assert doc.journal == want["journal"]
    assert doc.trial_registration == want["trial"]
    assert set(doc.langs) == want["langs"]


def test_chinese_titles_are_kept_beside_english_ones(bundled_documents):
    assert bundled_documents[CIRCLES].title_zh == "通过同情圈培养同情:从NHS精神卫生保健的经验中学习"
    assert bundled_documents[PEER].title_zh.startswith("“通往日常生活之路”(PEER)试验中的干预措施实施")


def test_unseen_pages_metadata():
    html = read_document(DATA / "unseen_journal_page.html")
    assert html.title == "Reflective practice groups for ward nurses: a qualitative interview study"
    assert html.authors == ["Amelia R. Hughes", "Tomasz Kowalski", "Priya Natarajan"]
    assert (html.doi, html.journal, html.year) == ("10.9999/jnr.2023.0142", "Journal of Nursing Reflection", 2023)
    portal = read_document(DATA / "unseen_cn_portal.txt")
    assert portal.title.startswith("Peer support groups and burnout")
    assert portal.title_zh == "同伴支持小组对社区精神卫生护士职业倦怠的影响:一项混合方法研究"
    assert portal.authors[0] == "Xiaoming Wang"
    assert (portal.doi, portal.year) == ("10.8888/cmhn.2022.0077", 2022)


def test_trial_registration_and_labelled_dates_from_plain_text(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(
        "Mindfulness for theatre nurses\nA. Smith, B. Jones\nPublished: 14 May 2019\n\n"
        "We ran a pilot trial with forty nurses over eight weeks. Stress scores fell in the intervention arm. "
        "Trial registration: ISRCTN12345678.\n", "utf-8")
    doc = read_document(page)
    assert doc.trial_registration == "ISRCTN12345678"
    assert doc.year == 2019
    assert doc.title == "Mindfulness for theatre nurses"
    assert doc.label == "Smith et al., 2019"


@pytest.mark.parametrize(
    ("name", "pubmed", "expected"),
    [("M. Clark", False, "Clark"), ("Jane Y Pan", False, "Pan"), ("Bennion Mia", True, "Bennion"),
     ("Tom Howell", False, "Howell"),
     ("A. B.", False, "B."), ("", False, "")],  # initials only, or nothing: no StopIteration
)
def test_surname(name, pubmed, expected):
    assert surname(name, pubmed) == expected


def test_label_without_authors_or_venue_is_empty():
    assert make_label([], "", None, "", pubmed_order=False) == ""


def test_identifiers_set_against_chinese_characters_are_read_whole():
    from assistant.patterns import DOI, TRIAL_ID

    assert TRIAL_ID.search("该试验的注册号NCT04639167已公开。").group(0) == "NCT04639167"
    assert DOI.search("文章编号10.1177/00912174221092505号").group(0) == "10.1177/00912174221092505"
    assert DOI.search("DOI：10.1108/jmhtep-03-2021-0030。").group(0) == "10.1108/jmhtep-03-2021-0030"
    assert TRIAL_ID.search("ABCNCT04639167") is None and DOI.search("x10.1177/abc") is None
