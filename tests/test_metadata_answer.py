"""Questions that ask for a bibliographic field are answered from the document's fields, cited to the line
that states the value; questions that only mention authors or publishing are not."""

from __future__ import annotations

from assistant.answering.metadata_answer import fields_asked_for


def test_which_questions_ask_for_a_field():
    assert fields_asked_for("In which journal did the homework study appear?") == ["journal"]
    assert fields_asked_for("What is the DOI of the Tele-Balint paper?") == ["doi"]
    assert fields_asked_for("Who is the first author of the PEER study?") == ["authors"]
    assert fields_asked_for("In what year was the peer volunteer study published?") == ["year"]
    assert fields_asked_for("PEER试验的注册号是什么？") == ["trial_registration"]
    # when a paper came out, asked in Chinese as in English ("when was … published", "publication date")
    for question in ("同情圈那篇论文是什么时候发表的？", "PEER研究的发表日期是什么？", "这篇论文哪天出版的？"):
        assert fields_asked_for(question) == ["year"], question
    assert fields_asked_for("参与者是什么时候开始参加小组的？") == []
    assert fields_asked_for("What did the authors of the compassion circles paper conclude?") == []
    assert fields_asked_for("What have earlier published studies found about Balint groups?") == []
    for question in ("What year were participants recruited?", "In what year was the survey conducted?",
                     "Which adverse events appeared in the treatment group?",
                     "How many patients registered at the clinic took part?"):
        assert fields_asked_for(question) == [], question


def test_a_journal_question_is_answered_from_the_field_and_cites_the_line(assistant):
    answer = assistant.answer("In which journal did the low-intensity CBT homework study appear?")
    assert answer.mode == "metadata" and not answer.refused
    assert "BMC Psychiatry" in answer.text and answer.citations
    assert "BMC Psychiatry" in answer.citations[0].quote


def test_a_registration_question_in_chinese_is_answered_in_chinese(assistant):
    answer = assistant.answer("PEER试验的注册号是什么？")
    assert answer.mode == "metadata" and "NCT04639167" in answer.text and "试验注册号" in answer.text
    assert "NCT04639167" in answer.citations[0].quote


def test_a_question_about_what_the_authors_found_goes_to_the_text(assistant):
    answer = assistant.answer("What did the authors of the compassion circles paper say circles offer staff?")
    assert answer.mode != "metadata"


def test_a_field_the_papers_record_does_not_state_is_refused_not_guessed(assistant):
    # the Tele-Balint page gives authors and a DOI but no journal or year; the CFT page only a year
    for question in ("In which journal was the Tele-Balint study published?", "What is the DOI of the CFT group study?",
                     "远程巴林特小组的研究发表在哪本期刊上？"):
        answer = assistant.answer(question)
        assert answer.refused and answer.mode == "metadata" and not answer.citations, question
    assert not assistant.answer("What DOI identifies the Tele-Balint paper?").refused


def test_a_page_without_any_bibliographic_record_answers_who_wrote_a_work_from_its_text(tmp_path, embedder):
    from assistant.api import Assistant
    from assistant.settings import Settings

    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "novel.txt").write_text(
        "Voltaire's friends\nThe Friends of Voltaire is a book written by Evelyn Beatrice Hall under the pen name "
        "S. G. Tallentyre. It was published in 1906 and describes the lives of ten of Voltaire's friends.\n", "utf-8")
    bot = Assistant(Settings(index_dir=tmp_path / "store", sources_dir=sources), embedder=embedder)
    bot.index()
    answer = bot.answer("Who wrote The Friends of Voltaire?")
    assert not answer.refused and "Evelyn Beatrice Hall" in answer.text
