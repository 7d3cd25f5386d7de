"""Cited extractive answers: verbatim quotes, markers that resolve, both languages, refusals, follow-ups."""

from __future__ import annotations

import re

import pytest

from assistant.answering.refusal import REFUSALS
from assistant.errors import InvalidQuestion
from assistant.text import detect_lang

from .conftest import BALINT, CFT, PEER


def assert_well_cited(result):
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", result.text)}
    assert markers == {c.n for c in result.citations}
    for citation in result.citations:
        assert citation.quote in citation.text  # every quote is verbatim in its passage
        assert citation.quote in result.text
        assert citation.source and citation.title


def test_cft_sample_size_is_answered_with_the_eight_staff_sentence(assistant):
    result = assistant.answer("How many staff were interviewed in the CFT study?")
    assert not result.refused and result.mode == "extractive"
    assert_well_cited(result)
    first = result.citations[0]
    assert first.source == CFT
    assert first.quote.startswith("Eight staff who attended a 12-week CFT group were interviewed")
    assert result.passages[0].source == CFT
    assert all(p.text and p.source and isinstance(p.score, float) for p in result.passages)


def test_citation_offsets_point_into_the_document(assistant):
    result = assistant.answer("Which software was used to code the peer volunteers' interviews?")
    citation = result.citations[0]
    doc = next(d for d in assistant.retriever.snapshot.documents.values() if d.source == citation.source)
    assert doc.text[citation.start : citation.end] == citation.quote
    assert "Nvivo" in citation.quote


def test_chinese_question_gets_a_chinese_answer_from_the_chinese_text(assistant):
    result = assistant.answer("同伴志愿者参加了几个焦点小组？")
    assert not result.refused
    assert_well_cited(result)
    assert result.citations[0].source == PEER
    assert "两个焦点小组" in result.text
    assert detect_lang(result.text) == "zh"


def test_english_question_gets_an_english_answer(assistant):
    result = assistant.answer("How many peer volunteers took part in the PEER process evaluation?")
    assert detect_lang(result.text) == "en"
    assert "Nine peer volunteers" in result.text


def test_unrelated_question_is_refused_but_shows_closest_passages(assistant):
    result = assistant.answer("What is the capital of France?")
    assert result.refused
    assert result.text == REFUSALS["en"]
    assert result.citations == [] and result.passages
    chinese = assistant.answer("今天的天气怎么样？")
    assert chinese.refused and chinese.text == REFUSALS["zh"]


def test_follow_up_uses_the_conversation_to_find_the_study(assistant):
    history = [
        {"role": "user", "content": "What did the Tele-Balint group study ask mental health clinicians?"},
        {"role": "assistant", "content": "It explored their experience of Tele-Balint groups."},
    ]
    result = assistant.answer("How many of them were interviewed?", history=history)
    assert result.passages[0].source == BALINT
    assert "12 of them were interviewed" in result.text


def test_sources_filter_restricts_the_answer(assistant):
    result = assistant.answer("How many people were interviewed?", sources=[BALINT])
    assert {p.source for p in result.passages} == {BALINT}


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01"])
def test_empty_questions_are_rejected_clearly(assistant, question):
    with pytest.raises(InvalidQuestion, match="empty"):
        assistant.answer(question)


def test_overlong_question_is_rejected_not_truncated(assistant):
    with pytest.raises(InvalidQuestion, match="limit"):
        assistant.answer("why " * 1000)


def test_answer_dict_has_the_documented_fields(assistant):
    data = assistant.answer("What design did the Balint group research use?").to_dict()
    assert {"text", "citations", "passages", "refused", "mode", "timings"} <= set(data)
    assert {"n", "source", "title", "text", "quote"} <= set(data["citations"][0])
    assert {"source", "text", "score"} <= set(data["passages"][0])


@pytest.mark.parametrize(
    "question",
    ["What was the average age of the peer volunteers?", "How much did each Balint session cost?",
     "参与者的平均年龄是多少？", "这些研究获得了哪些资助？",
     "How frequently were the compassion circles run?", "同伴支持小组多久举行一次？",
     "What was the attrition rate in the peer volunteer study?", "PEER研究中有多少名志愿者中途退出？",
     "How long did each interview in the between-session work study last?",
     "What proportion of the peer volunteers were men?", "What share of the CFT participants were nurses?"],
)
def test_questions_for_attributes_no_study_reports_are_refused(assistant, question):
    result = assistant.answer(question)
    assert result.refused and result.passages


def test_a_question_about_the_kind_of_study_leads_with_the_sentence_naming_its_design(assistant):
    # the compassion circles page's aim sentence ("This paper aims to discuss…") matches the question better
    result = assistant.answer("What type of study was the compassion circles paper?")
    assert not result.refused and "conceptual paper" in result.citations[0].quote


def test_a_how_many_question_is_refused_when_no_sentence_counts_what_it_asks_about(assistant):
    # the PEER page counts volunteers and focus groups, never hours; the CFT page counts its staff
    refused = assistant.answer("How many hours of training did the PEER peer volunteers get?")
    assert refused.refused and refused.passages
    counted = assistant.answer("How many staff who attended the CFT group were interviewed?")
    assert not counted.refused and "Eight staff" in counted.text
    refused = assistant.answer("PEER项目的同伴志愿者每周需要投入多少小时？")
    assert refused.refused and refused.passages


@pytest.mark.parametrize("question, sentence, missing", [
    ("How many hours of training did they get?", "Nine peer volunteers were recruited.", "hours"),
    ("How many compassion circles were run?", "Eight staff attended a CFT group.", "compassion circles"),
    ("How many focus groups were held?", "Volunteers joined two focus groups (n = 8).", None),
    ("How many participants were in each focus group?", "Two focus groups (n = 8) were held.", None),
    # people are counted whatever the word; "of them" and "cases" give nothing to tell counts apart by
    ("How many patients took part?", "Focus groups were held with fifteen participants.", None),
    ("How many of them were interviewed?", "The study ran in 2020.", None),
    ("How many cases were reported?", "The study ran in 2020.", None),
    ("What did participants suggest?", "Nothing is counted here.", None),
    # "the number of" asks the same as "how many"
    ("What was the total number of focus groups in the study?", "Nine peer volunteers were recruited.", "focus groups"),
    ("What number of sessions did each group have?", "Each group met for 12 sessions.", None),
    ("What is the typical number of treatment sessions?", "Treatment is brief.", "treatment sessions"),
    # Chinese counts by a measure word, which a number must stand right before; 名, 位 and 人 count people alike
    ("同伴志愿者每周需要投入多少小时？", "招募了九名同伴志愿者参加两个焦点小组。", "小时"),
    ("每个小组通常有多少名成员？", "共有12人接受了访谈。", None),
    ("全香港共有几所高中书院？", "全港现有四所书院。", None),
    ("课程有多少个？", "在线课程超过1800多个。", None),
    ("婚礼耗资多少日圆？", "婚礼耗资5亿日圆。", None),
    ("一共归纳出几个主题？", "Qualitative analysis revealed 5 themes.", None),  # an English sentence: any number
    # not counts: "哪几" asks which, "第几" which in order, "几乎" is almost
    ("达曼的卫星城有哪几座？", "达曼的卫星城有Khobar。", None),
    ("这是第几张专辑？", "这是她的专辑。", None),
    ("几乎所有人都参加了吗？", "大家都参加了。", None),
])
def test_what_a_how_many_question_counts_must_follow_a_number(question, sentence, missing):
    from assistant.answering.answer_types import missing_count

    assert missing_count(question, [sentence]) == missing


def ranked_in_one_passage(embedder, text: str, question: str):
    """The candidates of one passage holding `text`, ranked for the question as the answerer ranks them."""
    from assistant.answering.extractive import rank_candidates
    from assistant.lexical import LexicalIndex
    from assistant.query import read_query
    from assistant.types import Passage

    passage = Passage(chunk_id="c", doc_id="d", source="s.txt", title="Study", text=text, start=0, end=len(text), score=1.0)
    lexical = LexicalIndex.build([text, "Other text about viruses.", "More text."])
    return rank_candidates(read_query(question), [passage], embedder.encode, lexical, embedder.encode([question])[0])


def test_a_how_many_question_weighs_up_the_sentence_counting_what_it_asks_about_not_any_number(embedder):
    text = ("Focus groups were conducted with fifteen participants attending one of two rehabilitation programmes. "
            "Two focus groups were carried out, one in each hospital.")

    def typed(question):
        return [c.typed for c in ranked_in_one_passage(embedder, text, question).candidates]

    assert typed("How many focus groups were held?") == [False, True]
    # people are counted whatever the word; a count of nothing named takes any number
    assert typed("How many patients took part?") == [True, False]
    assert typed("How many of them took part?") == [True, True]


def test_comparison_quotes_each_study(assistant):
    result = assistant.answer("How did the number of people interviewed differ between the CFT group study "
                              "and the Tele-Balint study?")
    assert {c.source for c in result.citations} == {CFT, BALINT}
    assert_well_cited(result)


def test_a_comparison_compares_documents_only_when_its_terms_are_split_between_them():
    from assistant.answering.extractive import splits_between_documents
    from assistant.lexical import tokenize
    from assistant.types import Passage

    def passage(doc, text):
        return Passage(f"{doc}-c", doc, f"{doc}.txt", doc, text, 0, len(text), 1.0)

    cft = passage("cft", "Eight staff attended the 12-week CFT group.")
    balint = passage("balint", "Twelve clinicians joined the Tele-Balint groups.")
    both = passage("both", "CFT groups ran for 12 weeks, Tele-Balint groups for a year.")
    terms = tokenize("Did the CFT group and the Tele-Balint group differ in length?")
    assert splits_between_documents(terms, [cft, balint])
    # the first document holds both things compared: the comparison is inside it
    assert not splits_between_documents(terms, [both, cft]) and not splits_between_documents(terms, [cft])


def test_a_comparison_inside_one_document_is_answered_from_that_document(assistant):
    # "分别" (respectively) is a comparison cue, but both PEER themes are in the PEER page alone
    result = assistant.answer("PEER研究的两个主要主题分别是什么？")
    assert not result.refused and {c.source for c in result.citations} == {PEER}


def test_metadata_question_quotes_the_line_giving_the_value(assistant):
    result = assistant.answer("同情圈这篇论文的作者是谁？")
    assert not result.refused and "M. Clark" in result.citations[0].quote
    doi = assistant.answer("What DOI identifies the Tele-Balint paper?")
    assert "10.1177/00912174221092505" in doi.text


def test_an_overview_sentence_answers_only_a_question_about_the_study_as_a_whole(assistant):
    from assistant.patterns import cue
    from assistant.query import read_query

    overview = cue("overview_sentence")
    assert overview.search("This paper aims to discuss the importance of compassion in health care.")
    assert overview.search("The purpose of this study was to explore staff views.")
    assert not overview.search("Participants found the group beneficial.")
    assert read_query("What was the aim of the CFT study?").asks_overview
    assert not read_query("What limitation do the authors note?").asks_overview
    aim = assistant.answer("What was the aim of the compassion circles paper?")
    assert aim.citations[0].quote.startswith("This paper aims to discuss")
    other = assistant.answer("What limitation of the evidence on compassion circles do the authors note?")
    assert not other.refused and not any(overview.search(c.quote) for c in other.citations)


def test_a_chinese_overview_sentence_gives_way_to_the_one_that_answers(assistant):
    from assistant.patterns import cue

    overview = cue("overview_sentence")
    assert overview.search("本文旨在讨论同情在医疗保健中的重要性和同情圈(CCs)在支持它方面的经验。")
    assert overview.search("本研究采用质性研究方法,针对NHS员工开展的CFT团体干预进行了评估。")
    assert not overview.search("参与者提出的改进建议包括缩小团体规模。")
    for question in ("依据已有的经验，同情圈给精神卫生机构的员工带来了哪些好处？", "同情圈对员工有哪些益处？",
                     "按照目前的经验，同情圈可以为员工做些什么？"):
        answer = assistant.answer(question)
        assert not answer.refused and not any(overview.search(c.quote) for c in answer.citations), question


@pytest.mark.parametrize("sentence, kept", [
    ("Eight staff who attended a 12-week CFT group were interviewed about their experiences and suggestions for "
     "improvement.", "Eight staff who attended a 12-week CFT group were interviewed about"),
    ("Sessions were guided by a semistructured interview schedule covering participants' experiences of the programme.",
     "Sessions were guided by a semistructured interview schedule covering"),
    ("对8名医护人员进行访谈,内容涵盖其学习核心CFT理念的经历以及改进建议。", "对8名医护人员进行访谈,内容涵盖"),
    ("Participants were asked on arrival to sign a consent form.", None),
    ("Suggestions included smaller group sizes and booster sessions.", None),
])
def test_where_a_sentence_starts_listing_the_topics_interviews_asked_about(sentence, kept):
    from assistant.patterns import cue

    found = cue("announced_topics").search(sentence)
    assert (sentence[:found.end()] if found else None) == kept


def test_the_topics_an_interview_asked_about_are_no_evidence_of_what_it_found(assistant):
    # the interview sentence names "suggestions for improvement" among its topics; the finding names them
    answer = assistant.answer("Which suggestions for improving the CFT group were made?")
    assert not answer.refused
    assert any(c.quote.startswith("Suggestions included smaller group sizes") for c in answer.citations)
    assert not answer.citations[0].quote.startswith("Eight staff who attended")
    # the same sentence still answers what it states before its topics
    count = assistant.answer("How many staff were interviewed in the CFT study?")
    assert count.citations[0].quote.startswith("Eight staff who attended a 12-week CFT group were interviewed")


@pytest.mark.parametrize("sentence, question, names", [
    ("Mice received Ampicillin, Colistin and Vancomycin in their water.", "Which antibiotics did the mice receive?",
     {"Ampicillin", "Colistin", "Vancomycin"}),
    ("Labelled cells expressed more CD86 and MHCII; PubMed and EMBASE were searched with DefenseFinder.",
     "Which markers did labelled cells express?", {"CD86", "MHCII", "PubMed", "EMBASE", "DefenseFinder"}),
    ("Eight CFT staff were interviewed.", "Which CFT staff were interviewed?", set()),  # the question's own name
    ("Several staff were interviewed.", "Which staff were interviewed?", set()),  # a sentence's first word
])
def test_the_names_a_sentence_holds_that_the_question_does_not(sentence, question, names):
    from assistant.answering.answer_types import new_names

    assert new_names(sentence, question) == names


@pytest.mark.parametrize("question, asks", [
    ("Which antibiotics made up the cocktail used to deplete the gut microbiota?", True),
    ("What medium was used to collect the sputum samples?", True),
    ("What is IFITM?", False),
    ("What did the authors find?", False),
    ("How many staff were interviewed?", False),
])
def test_a_question_asking_which_thing_it_is(question, asks):
    from assistant.query import read_query

    assert read_query(question).asks_name is asks


def test_a_which_thing_question_weighs_up_sentences_naming_new_things_unless_it_asks_for_a_list(embedder):
    from assistant.answering import extractive

    text = ("The antibiotics in the cocktail given to the mice were chosen to deplete their gut bacteria. "
            "The antibiotics in the cocktail given to the mice were Ampicillin, Colistin and Vancomycin.")

    def scores(question):
        return [(c.new_names, c.hand_score) for c in ranked_in_one_passage(embedder, text, question).candidates]

    asked = "Which antibiotics were in the cocktail given to the mice?"
    (plain_names, plain), (named_names, named) = scores(asked)
    assert (plain_names, named_names) == (0, 3)
    original = extractive.NAME_BONUS
    try:
        extractive.NAME_BONUS = 0.0
        (_, plain_without), (_, named_without) = scores(asked)
    finally:
        extractive.NAME_BONUS = original
    assert plain == pytest.approx(plain_without) and named == pytest.approx(named_without + original)
    # a list question asks for descriptions, not names: "What changes did participants suggest?"
    assert all(n == 0 for n, _ in scores("What changes were made to the cocktail given to the mice?"))


def test_answers_stay_short(assistant):
    result = assistant.answer("What did participants say about the CFT group?")
    assert len(result.citations) <= assistant.settings.max_answer_sentences
    assert len(result.text) <= 900


def test_every_eval_answer_is_in_the_question_language_when_the_study_has_it(assistant):
    from assistant.evaluation import load_questions

    from .conftest import ROOT

    has_chinese = {d.source for d in assistant.retriever.snapshot.documents.values() if "zh" in d.langs}
    for q in load_questions(ROOT / "evals" / "questions.jsonl"):
        result = assistant.answer(q.question, q.history)
        # metadata, comparisons and lists of studies quote titles and sentences as each page gives them
        # (test_cards checks that lists of studies quote the Chinese sentence where a page has one)
        if result.refused or q.type in ("metadata", "comparison", "collection"):
            continue
        if q.lang == "en" or set(q.gold) <= has_chinese:
            assert detect_lang(result.text) == q.lang, (q.id, result.text[:80])


@pytest.mark.parametrize("question", [
    "How often did the compassion circles meet?",  # the page title shares most of its words
    "Who facilitated the compassion circles?",     # "who", but not a question about the authors
    "What are the background characteristics of the CFT participants?",  # a table caption's words
    "How many participants dropped out?",  # the CFT page's title line, "… (N = 8)." with its full stop
])
def test_titles_captions_and_author_lines_never_answer_other_questions(assistant, question):
    result = assistant.answer(question)
    titles = {d.display_title for d in assistant.retriever.snapshot.documents.values()}
    for citation in result.citations:
        assert citation.quote.rstrip(".") not in titles, citation.quote
        assert re.search(r"[.!?。！？；…][\"'”’)）\]]*$", citation.quote), citation.quote
        assert not re.match(r"^(?:[A-Z][\w.'-]*\.?\s?){1,4},\s*[A-Z]", citation.quote), citation.quote


def test_front_matter_gives_metadata_but_never_answers(assistant):
    # the PEER page: a Chinese title, its English title as a sentence of its own, authors, journal line, Abstract
    retriever = assistant.retriever
    doc = next(d for d in retriever.snapshot.documents.values() if d.source.startswith("004_"))
    english_title = "Intervention delivery in the 'Paths to everyday life' (PEER) trial"
    assert 0 < retriever.body_start(doc.doc_id) < doc.text.index("Nine peer volunteers") and (
        doc.text.index(english_title) < retriever.body_start(doc.doc_id))
    result = assistant.answer("What was the aim of the PEER trial?")
    front = [p for p in result.passages if english_title in p.text]
    assert front and all(p.front_matter for p in front)
    assert not result.refused and all(english_title not in c.quote for c in result.citations)
    journal = assistant.answer("Which journal published the PEER trial study?")
    assert "BMC Psychiatry" in journal.text


def test_a_journal_citation_line_never_answers():
    from assistant.answering.extractive import _sentences
    from assistant.cleaning import looks_like_citation
    from assistant.types import Passage

    # the between-session work page has no Abstract heading, so its journal line is not front matter
    text = ("BMC Psychiatry. 2025 Jan 28;25(1):79. doi: 10.1186/s12888-025-06501-3. Low-intensity interventions "
            "reduce practitioner contact. The trial ran from 2019 to 2021; 12 (30%) dropped out.")
    passage = Passage(chunk_id="c", doc_id="d", source="s.txt", title="A page", text=text, start=0, end=len(text),
                      score=1.0)
    prose = {c.text[:15]: c.prose for c in _sentences(passage, 0)}
    assert prose == {"BMC Psychiatry.": False, "Low-intensity i": True, "The trial ran f": True}
    assert looks_like_citation("Lancet 2020;395:497-506.") and looks_like_citation("Nature. 2019 Mar;567(7748):e3.")
    assert not looks_like_citation("In 2020, 35 of 40 staff (88%) attended: most came weekly.")


def test_a_question_in_the_text_never_answers():
    from assistant.answering.extractive import _sentences
    from assistant.types import Passage

    # an FAQ's or a vignette's question heading repeats the question asked word for word and answers nothing
    text = ("What kind of data does spatstat handle? Spatstat is mainly designed for analysing spatial point "
            "patterns. Does packaging by a helper virus protect the genome (Taylor, 2009)? 参与者为什么退出“小组”？"
            "多数参与者因为排班冲突而退出。")
    passage = Passage(chunk_id="c", doc_id="d", source="s.pdf", title="A vignette", text=text, start=0, end=len(text),
                      score=1.0)
    prose = {c.text[:12]: c.prose for c in _sentences(passage, 0)}
    assert prose == {"What kind of": False, "Spatstat is ": True, "Does packagi": False, "参与者为什么退出“小组”": False,
                     "多数参与者因为排班冲突而": True}


def test_a_title_line_is_the_title_whatever_its_spacing_case_or_final_full_stop():
    from assistant.answering.extractive import _same_text

    assert _same_text("Participant background characteristics (N = 8).", "Participant background characteristics (N = 8)")
    assert _same_text("同伴支持的质性研究。", "同伴支持的质性研究") and _same_text("A  Title", "a title")
    assert not _same_text("Participant background characteristics (N = 8).", "Participant background")


def test_a_legend_sentence_opening_with_a_panel_letter_never_answers():
    from assistant.answering.extractive import _sentences
    from assistant.types import Passage

    # a chunk that starts inside a figure legend, so no "Figure 2" opens its paragraph
    text = ("(B) Tumor volumes of control and doxorubicin treated mice over four weeks. (C) Lung metastases counted "
            "in each mouse at the end of treatment. Doxorubicin reduced tumor growth by half in the treated mice. "
            "Treatment was given (a) weekly or (b) twice a week, as described in the methods.")
    passage = Passage(chunk_id="c", doc_id="d", source="s.pdf", title="A paper", text=text, start=0, end=len(text),
                      score=1.0, section="Results")
    prose = {c.text[:12]: c.prose for c in _sentences(passage, 0)}
    assert prose == {"(B) Tumor vo": False, "(C) Lung met": False, "Doxorubicin ": True, "Treatment wa": True}


def test_a_whole_pdf_line_without_a_sentence_end_is_a_heading_not_an_answer():
    from assistant.answering.extractive import _sentences
    from assistant.types import Passage

    # the PDF reader sets each paragraph on one line; a subheading stays a line of its own, however long
    text = ("Overall, our results suggest that mRNA trafficking is gene specific.\n"
            "Dispersal is not an inherent trait of individual introns and can vary with transcription level\n"
            "We wondered whether the degree of dispersal was a fixed property of each intron.\n"
            "Participants highlighted the need to be organised and to keep a routine with their medication:\n"
            "We next measured the size of the cloud around each transcription site in the cells treated for")

    def prose(page: int) -> dict[str, bool]:
        passage = Passage(chunk_id="c", doc_id="d", source="s.pdf", title="A paper", text=text, start=0,
                          end=len(text), score=1.0, section="Results", page=page)
        return {c.text[:12]: c.prose for c in _sentences(passage, 0)}

    # a line that ends with a colon introduces a quotation; a passage's last fragment was cut by the chunker
    assert prose(3) == {"Overall, our": True, "Dispersal is": False, "We wondered ": True, "Participants": True,
                        "We next meas": True}
    assert prose(0)["Dispersal is"]  # a web page's hard-wrapped line may be running text


def test_a_passage_that_starts_inside_a_legend_never_answers_from_it():
    from assistant.answering.extractive import _sentences
    from assistant.retrieval import opens_in_caption
    from assistant.types import Passage

    document = ("Dox responders showed more Akkermansia muciniphila before treatment.\n"
                "Figure 3. Baseline microbiome of responders. (A) Tumor area. Proportional abundance of bacterial "
                "species before treatment in responders and nonresponders, (G) Roseburia intestinalis.\n"
                "Mice that received Dox were stratified into responders and nonresponders.")
    chunk_start = document.index("Proportional abundance")
    assert opens_in_caption(document, chunk_start)
    assert not opens_in_caption(document, 0) and not opens_in_caption(document, document.index("Mice that"))
    assert not opens_in_caption(document, document.index("Figure 3."))  # the legend's own first line says so
    text = document[chunk_start:]
    passage = Passage(chunk_id="c", doc_id="d", source="s.pdf", title="A paper", text=text, start=chunk_start,
                      end=len(document), score=1.0, section="Results", page=7, opens_in_caption=True)
    prose = {c.text[:12]: c.prose for c in _sentences(passage, 0)}
    assert prose == {"Proportional": False, "Mice that re": True}


@pytest.mark.parametrize("question, lang, term", [
    ("What is R0?", "en", "R0"),
    ("What are nuclear receptors (NRs)?", "en", "nuclear receptors"),
    ("What is a lockdown?", "en", "lockdown"),
    ("What does PHEIC stand for?", "en", "PHEIC"),
    ("什么是标准杆？", "zh", "标准杆"),
    ("翼尖小翼是什么？", "zh", "翼尖小翼"),
    # a clause, an attribute of something, or a question of another form asks for no definition
    ("What is the role of ACE2 in infection?", "en", ""),
    ("What was the number of participants in the study?", "en", ""),
    ("How is R0 estimated?", "en", ""),
    ("“乡里制”的特点是什么？", "zh", ""),
    ("牛车水是位于哪个国家？", "zh", ""),
])
def test_a_what_is_question_names_the_term_it_asks_to_define(question, lang, term):
    from assistant.answering.definition import defined_term
    from assistant.query import read_query

    assert defined_term(question, lang) == term
    assert read_query(question).defines == term


@pytest.mark.parametrize("sentence, term, lang, defining", [
    ("The basic reproduction number (R0) was estimated at 2.2.", "R0", "en", True),
    ("Enfuvirtide (T20), is the first HIV fusion inhibitor approved for treatment.", "Enfuvirtide", "en", True),
    ("Hepcidin, a peptide hormone, regulates iron.", "hepcidin", "en", True),
    ("Alphaviruses are positive-sense, single-stranded RNA viruses.", "alphavirus", "en", True),
    ("This measure is known as R0 in the literature.", "R0", "en", True),
    ("Estimates of R0 varied between studies.", "R0", "en", False),
    ("牛车水（；）是新加坡的唐人街。", "牛车水", "zh", True),
    ("标准杆，是一个高尔夫球运动术语。", "标准杆", "zh", True),
    ("总杆数低于标准杆数一杆完成比赛，称为小鸟球。", "小鸟球", "zh", True),
    ("每个洞的标准杆数由该洞场地大小决定。", "标准杆", "zh", False),
])
def test_a_defining_sentence_is_told_from_one_that_only_mentions_the_term(sentence, term, lang, defining):
    from assistant.answering.definition import defines

    assert defines(sentence, term, lang) == defining


def test_the_sentence_defining_what_a_question_asks_about_leads_the_answer(embedder):
    from assistant.answering.extractive import rank_candidates
    from assistant.lexical import LexicalIndex
    from assistant.query import read_query
    from assistant.types import Passage

    text = ("标准杆数由每个洞的长度决定。总杆数等于标准杆数，称为平标准杆。"
            "标准杆，是一个高尔夫球运动术语，用以定义某一球洞从开球到完成进洞所需要的挥杆次数。选手的标准杆成绩记录在记分卡上。")
    question = "什么是标准杆？"
    passage = Passage(chunk_id="c", doc_id="d", source="s.txt", title="高尔夫", text=text, start=0, end=len(text), score=1.0)
    ranked = rank_candidates(read_query(question), [passage], embedder.encode, LexicalIndex.build([text]),
                             embedder.encode([question])[0])
    best_scored = max(ranked.candidates, key=lambda c: c.score)
    # the defining sentence is not the best scored, yet close enough to it to lead
    assert not best_scored.defining and ranked.best.text.startswith("标准杆，是一个高尔夫球运动术语")


def test_a_sentence_of_another_document_lacking_the_asked_name_never_leads(embedder):
    from assistant.answering.extractive import rank_candidates
    from assistant.lexical import LexicalIndex
    from assistant.query import read_query
    from assistant.types import Passage

    asked = ("牛车水是新加坡的唐人街，位于欧南区，为新加坡的著名旅游景点之一。此后随着新加坡的发展，牛车水变得过度拥挤。"
             "牛车水地铁站位于宝塔街。1822年，莱佛士制定了城市规划，其中就将牛车水定为华人移民的居住区。")
    other = "天生三桥位于重庆武隆县仙女山镇，是重庆直辖市级风景名胜区，重庆武隆岩溶国家地质公园的一部分，也被评为中国国家5A级旅游景区。"
    lexical = LexicalIndex.build([asked, other, "武隆县是重庆市的一个县，位于重庆东南部。"])
    question = "牛车水是位于哪个国家？"
    passages = [Passage(chunk_id=f"{doc}-c", doc_id=doc, source=f"{doc}.txt", title=doc, text=text, start=0,
                        end=len(text), score=1.0) for doc, text in (("niucheshui", asked), ("sanqiao", other))]
    ranked = rank_candidates(read_query(question), passages, embedder.encode, lexical, embedder.encode([question])[0])
    stranger = next(c for c in ranked.candidates if c.passage.doc_id == "sanqiao")
    # it shares "位于" and "国家" with the question, but not the name of what is asked about, which is rarer
    assert stranger.off_topic and stranger.score == max(c.score for c in ranked.candidates)
    assert ranked.best.passage.doc_id == "niucheshui"


def test_the_word_only_the_asked_study_has_names_it_not_the_rarer_word_two_studies_share(embedder):
    from assistant.answering.extractive import rank_candidates
    from assistant.lexical import LexicalIndex
    from assistant.query import read_query
    from assistant.types import Passage

    circles = ["Compassion circles gave staff a space to reflect together.", "The circles helped staff with compassion.",
               "Circles were held in several wards, and compassion for colleagues grew."]
    therapy = "Eight staff who attended a compassion-focused therapy group were interviewed."
    # in the collection "circles" is the commoner word (many chunks), "staff" the rarer one
    lexical = LexicalIndex.build([*circles, therapy, *[f"Circles of care, note {i}." for i in range(6)]])
    question = "How many compassion circles were run, and how many staff attended them?"
    passages = [Passage(chunk_id=f"{doc}-{i}", doc_id=doc, source=f"{doc}.txt", title=doc, text=text, start=0,
                        end=len(text), score=1.0)
                for i, (doc, text) in enumerate([("cc", " ".join(circles)), ("cft", therapy)])]
    ranked = rank_candidates(read_query(question), passages, embedder.encode, lexical, embedder.encode([question])[0])
    stranger = next(c for c in ranked.candidates if c.passage.doc_id == "cft")
    # the other study's count shares "staff" and "attended"; "circles", which only the asked study has, names it
    assert stranger.off_topic and ranked.best.passage.doc_id == "cc"


def test_the_study_a_question_names_leads_though_another_study_came_first():
    from assistant.answering.extractive import named_study_first
    from assistant.lexical import tokenize
    from assistant.types import Passage

    def passage(doc: str, text: str) -> Passage:
        return Passage(f"{doc}-c", doc, f"{doc}.txt", "", text, 0, len(text), 1.0)

    peer = passage("peer", "Interview data were analysed in NVivo by two researchers.")
    bsw = passage("bsw", "Practitioners described between-session work and the barriers to it in interviews.")
    cft = passage("cft", "Eight staff were interviewed about the group.")
    pool = [peer, bsw, cft, passage("bsw", "Framework analysis was used.")]
    asked = set(tokenize("How were the interview data analysed in the between-session work study?"))
    assert [p.doc_id for p in named_study_first(pool, asked)] == ["bsw", "bsw", "peer", "cft"]
    # no word names one study (or the first already has it): the order stays
    assert named_study_first(pool, set(tokenize("How were the interview data analysed?"))) == pool
    assert named_study_first([bsw, peer], asked) == [bsw, peer]


def test_the_subject_an_article_opens_with_is_its_topic_not_what_is_asked(embedder):
    from dataclasses import replace

    from assistant.answering.extractive import rank_candidates
    from assistant.lexical import LexicalIndex
    from assistant.query import read_query
    from assistant.types import Passage

    # the article names its subject once, as it opens, then says "本鱼" (this fish)
    text = ("斯氏腔吻鳕为辐鳍鱼纲鳕形目鼠尾鳕科的其中一种。本鱼分布于西太平洋地区，包括南日本、中国南海、台湾及菲律宾。"
            "本鱼头部腹面光滑无鳞，眼窝极大，口小。生活在混浊的泥沙底质上，几乎是以多毛类为食。")
    others = ["雷公藤是卫矛科雷公藤属的植物，主要分布于东亚地区。", "蓝线裸顶鲷为辐鳍鱼纲鲈形目龙占鱼科的其中一个种，以甲壳类为食。"]
    lexical = LexicalIndex.build([text, *others])
    question = "斯氏腔吻鳕分布在哪些地区？"
    passage = Passage(chunk_id="c", doc_id="d", source="0052.txt", title="0052.txt", text=text, start=0, end=len(text),
                      score=1.0)

    def coverage(p: Passage) -> dict[str, float]:
        ranked = rank_candidates(read_query(question), [p], embedder.encode, lexical, embedder.encode([question])[0])
        return {c.text[:5]: c.coverage for c in ranked.candidates}

    # counted as asked about, the once-named subject outweighs what is asked; as the topic, it no longer does
    named_once, opened = coverage(passage), coverage(replace(passage, opening="斯氏腔吻鳕为辐鳍鱼纲鳕形目鼠尾鳕科的其中一种。"))
    assert named_once["斯氏腔吻鳕"] > named_once["本鱼分布于"]
    assert opened["本鱼分布于"] > opened["斯氏腔吻鳕"]


@pytest.mark.parametrize("sentence, announces", [
    ("Qualitative analysis revealed 5 themes.", True),
    ("Two overarching themes were identified:", True),
    ("Three main barriers emerged.", True),
    ("确定了两个总体主题：", True),
    ("分析得出五个主题。", True),
    ("The first 4: professional and personal growth of clinicians, and psychological safety.", False),
    ("We found 5 themes in the data and they matter a lot for practice.", False),
    ("The study enrolled 26 clinicians.", False),
])
def test_a_sentence_that_announces_items_it_does_not_name(sentence, announces):
    from assistant.patterns import cue

    assert bool(cue("announced_items").search(sentence)) == announces


def test_a_list_answer_quotes_the_sentence_naming_what_the_one_before_announced(assistant):
    result = assistant.answer("What themes came out of the qualitative analysis of Tele-Balint groups?")
    quotes = [c.quote for c in result.citations]
    announced = quotes.index("Qualitative analysis revealed 5 themes.")
    assert quotes[announced + 1].startswith("The first 4: professional and personal growth of clinicians")
    # a factoid answer keeps what it quoted: the naming sentence joins only where there is room
    result = assistant.answer("What material did the Tele-Balint researchers analyse qualitatively?")
    assert "Qualitative analysis of interview transcripts was performed." in result.text


def test_an_announced_list_too_long_to_quote_costs_the_answer_nothing():
    import re

    from assistant.answering.extractive import MAX_ANSWER_CHARS, Candidate, _with_announced_items
    from assistant.types import Passage

    names = "The first theme was " + "growth, " * (MAX_ANSWER_CHARS // 8) + "and safety."
    text = f"Staff valued the groups. Qualitative analysis revealed 5 themes. {names} Groups met monthly."
    passage = Passage(chunk_id="c", doc_id="d", source="s.txt", title="t", text=text, start=0, end=len(text), score=1.0)
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^.]+(?:\.(?=\s|$))", text)]
    cands = [Candidate(passage, s + (text[s] == " "), e, "en", 0, score=1.0 - i / 10) for i, (s, e) in enumerate(spans)]
    lead, announcing, naming, other = cands
    kept = _with_announced_items([lead, announcing, other], cands, max_sentences=3, wants_list=True)
    assert kept == [lead, announcing, other]  # the naming sentence does not fit, so nothing is given up for it
    short = Candidate(passage, naming.start, naming.start + 30, "en", 0, score=0.5)  # a naming sentence that fits
    assert _with_announced_items([lead, announcing, other], [lead, announcing, short, other], 3, True) == [lead, announcing, short]


def test_the_lead_sentence_is_quoted_first_and_sentences_that_stand_together_read_as_written():
    from assistant.answering.extractive import Candidate, lead_first
    from assistant.types import Passage

    first = "Staff were recruited from two wards. Groups met weekly. They ran for a year."
    later = "In total, 42 staff took part. Most were nurses."
    methods = Passage(chunk_id="c1", doc_id="d", source="s.pdf", title="t", text=first, start=0, end=len(first),
                      score=1.0, page=3)
    results = Passage(chunk_id="c2", doc_id="d", source="s.pdf", title="t", text=later, start=500,
                      end=500 + len(later), score=0.9, page=5)

    def sentence(passage: Passage, text: str) -> Candidate:
        start = passage.text.index(text)
        return Candidate(passage, start, start + len(text), "en", 0)

    recruited, weekly, year = (sentence(methods, s) for s in
                               ("Staff were recruited from two wards.", "Groups met weekly.", "They ran for a year."))
    total, nurses = sentence(results, "In total, 42 staff took part."), sentence(results, "Most were nurses.")
    # the lead (on page 5) comes first, though the other sentence stands earlier in the paper
    assert lead_first([recruited, total], total) == [total, recruited]
    # adjacent sentences keep the document's order, whichever of them leads
    assert lead_first([nurses, total], nurses) == [total, nurses]
    assert lead_first([year, weekly, total], year) == [weekly, year, total]
    # a gap between two sentences of one passage parts them
    assert lead_first([recruited, year], year) == [year, recruited]
