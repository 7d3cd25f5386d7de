"""Abbreviations a document defines: found, and matched both ways when sentences are scored."""

from __future__ import annotations

import pytest

from assistant.abbreviations import defined_abbreviations, long_form
from assistant.lexical import tokenize

TEXT = ("We labelled dendritic cells (DCs) with azido-sugars. Middle East respiratory syndrome coronavirus "
        "(MERS-CoV) spreads between camels. Staff joined compassion-focused therapy (CFT) groups. "
        "The interferon-induced transmembrane (IFITM) proteins act. Eight staff (n = 8) took part (Table 1), as in 2019 (see Fig. 2). "
        "Participants (PWPs) were interviewed.")


@pytest.mark.parametrize("short, long", [
    ("DCs", "dendritic cells"),
    ("DC", "dendritic cells"),  # its singular, which the text may use later
    ("MERS-CoV", "Middle East respiratory syndrome coronavirus"),
    ("CFT", "compassion-focused therapy"),
    ("IFITM", "interferon-induced transmembrane"),
])
def test_the_abbreviations_a_text_defines_are_found(short, long):
    found = defined_abbreviations(TEXT)
    assert found.terms_of[short] == frozenset(tokenize(long))


@pytest.mark.parametrize("short", ["n = 8", "Table 1", "see Fig. 2", "PWPs", "2019"])
def test_a_parenthesis_whose_letters_the_words_before_do_not_spell_defines_nothing(short):
    assert short not in defined_abbreviations(TEXT).terms_of


def test_the_long_form_starts_at_the_word_opening_with_the_first_letter():
    assert long_form("HIIT", "we tested high-intensity interval training") == "high-intensity interval training"
    assert long_form("ACE2", "it binds angiotensin-converting enzyme 2") == "angiotensin-converting enzyme 2"
    assert long_form("XYZ", "nothing here spells it") == ""


def test_a_sentence_matches_what_its_abbreviation_stands_for_and_the_other_way_round():
    found = defined_abbreviations(TEXT)
    short_used = "DCs were incubated for three days."
    assert {"dendrit", "cell"} <= found.expand(short_used, set(tokenize(short_used)))
    long_used = "The dendritic cells were incubated."
    assert "dcs" in found.expand(long_used, set(tokenize(long_used)))
    plain = "Nothing abbreviated here."
    assert found.expand(plain, set(tokenize(plain))) == set(tokenize(plain))


def test_an_abbreviation_is_matched_only_as_written():
    found = defined_abbreviations("Data were read by the central analysis tool (CAT).")
    lower = "The cat sat on the mat."
    assert found.expand(lower, set(tokenize(lower))) == set(tokenize(lower))


def test_a_sentence_using_the_abbreviation_covers_the_question_spelling_it_out(embedder):
    from assistant.abbreviations import NO_ABBREVIATIONS
    from assistant.answering.extractive import rank_candidates
    from assistant.lexical import LexicalIndex
    from assistant.query import read_query
    from assistant.types import Passage

    text = ("We studied dendritic cells (DCs) from mice. The cultures were kept warm. "
            "DCs were pretreated with Ac4ManNAz for three days.")
    passage = Passage(chunk_id="c", doc_id="d", source="s.txt", title="Study", text=text, start=0, end=len(text),
                      score=1.0)
    lexical = LexicalIndex.build([text, "Other text about viruses.", "More text about cultures."])
    question = "Which sugar were the dendritic cells pretreated with?"

    def coverage(abbreviations):
        ranked = rank_candidates(read_query(question), [passage], embedder.encode, lexical,
                                 embedder.encode([question])[0], abbreviations=abbreviations)
        return next(c.coverage for c in ranked.candidates if c.text.startswith("DCs were"))

    assert coverage(lambda doc_id: defined_abbreviations(text)) > coverage(lambda doc_id: NO_ABBREVIATIONS)
