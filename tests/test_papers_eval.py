"""Per-question figures of the papers eval: which citation's page is scored."""

from __future__ import annotations

from assistant.papers_eval import score_question, summarise
from assistant.types import Answer, Citation

QUESTION = {"id": "q", "type": "fact", "lang": "en", "gold": ["paper.pdf"], "facts": [["1.4 μM"]], "pages": [5]}


def _answer(*quotes_and_pages: tuple[str, int]) -> Answer:
    citations = [Citation(n=n, source="paper.pdf", title="T", text=quote, quote=quote, start=0, end=len(quote),
                          score=0.5, page=page) for n, (quote, page) in enumerate(quotes_and_pages, 1)]
    text = " ".join(f"{quote} [{c.n}]" for (quote, _), c in zip(quotes_and_pages, citations))
    return Answer(question="?", text=text, citations=citations, passages=[], refused=False)


def test_the_first_citation_and_the_sentence_holding_the_fact_are_scored_apart():
    context, finding = ("Cells were treated with 1 and 10 μM 5-FU.", 4), ("The IC50 was 1.4 μM.", 5)
    row = score_question(QUESTION, _answer(context, finding))
    assert row["fact_recall"] == 1.0 and row["page_right"] is False and row["fact_page_right"] is True
    assert score_question(QUESTION, _answer(finding, context))["page_right"] is True


def test_an_answer_without_the_fact_has_no_answering_sentence_page():
    row = score_question(QUESTION, _answer(("Cells were treated with 5-FU.", 5)))
    assert row["page_right"] is True and row["fact_page_right"] is None
    metrics = summarise([row, score_question(QUESTION, _answer(("The IC50 was 1.4 μM.", 3)))])
    assert metrics["cited_page_right"] == 0.5 and metrics["fact_page_right"] == 0.0 and metrics["fact_paged_answers"] == 1
