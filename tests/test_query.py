"""The question is read once into a typed Query, and one question runs over one pinned index snapshot."""

from __future__ import annotations

import re

import pytest

from assistant.patterns import cue, cues
from assistant.query import read_query


@pytest.mark.parametrize("question, intent", [
    ("How many staff were interviewed in the CFT study?", "fact"),
    ("What were the main themes reported by Balint group members?", "list"),
    ("Why did staff find the compassion circles helpful?", "list"),
    ("How did peer supporters describe their role?", "list"),
    ("Who wrote the Tele-Balint study?", "metadata"),
    ("What is the DOI of the peer support paper?", "metadata"),
    ("How does the CFT study differ from the Tele-Balint study?", "comparison"),
    ("How do the studies differ in design?", "collection"),
    ("Which studies used focus groups?", "collection"),
    ("Did the CFT group and the Balint group differ in length?", "comparison"),
    ("哪些因素影响了员工参加团体？", "list"),
    ("共访谈了多少名员工？", "fact"),
    # a plural asked-for noun after what/which makes a list, whatever the verb
    ("What themes emerged from the interviews with Tele-Balint participants?", "list"),
    ("What changes did participants suggest to improve the group?", "list"),
    ("Which staff outcomes deserve further investigation?", "list"),
    # "according to the authors" asks for a finding, not for the author list
    ("Which part of the peer support still needs clarification according to the authors?", "fact"),
    ("Authors?", "metadata"),
    ("Who are the authors of the Tele-Balint study?", "metadata"),
])
def test_intent(question, intent):
    assert read_query(question).intent == intent


def test_query_holds_language_types_terms_and_the_standalone_form():
    query = read_query("How long did it last?", standalone="What is Tele-Balint? How long did it last?",
                       sources=["a.txt"])
    assert query.lang == "en"
    assert query.answer_types == ("duration",)
    assert query.standalone.startswith("What is Tele-Balint?")
    assert query.sources == ("a.txt",)
    assert "last" in query.terms and "tele" not in " ".join(query.terms)  # terms are the question's own
    assert read_query("这项研究持续了多长时间？").lang == "zh"


@pytest.mark.parametrize("question, types, fields", [
    ("Who are the authors of the Balint study?", ["people"], ["authors"]),
    ("Who is the first author of the Tele-Balint study?", ["people"], ["authors"]),
    ("同情圈这篇论文的作者是谁？", ["people"], ["authors"]),
    # the authors as the ones who did something, not what is asked for
    ("Which azido-sugar did the authors add to the dendritic cell cultures?", [], []),
    ("What do the authors advise Balint group members to do?", [], []),
    ("When did the Chinese authorities share the sequence?", ["year"], []),
    ("When did the virus reappear in humans?", ["year"], []),
    ("Which journal did it appear in?", ["journal"], ["journal"]),
    ("On what date was the PEER trial registered?", ["identifier"], ["trial_registration"]),
    ("How many registered nurses took part?", ["count"], []),
    ("What percentage of staff completed all twelve sessions?", ["percentage"], []),
    ("男女生比例是多少？", ["percentage"], []),  # a share, not a bare count (CMRC trial)
    # "多大" is "how big": an age only of a person ("时多大", "多大了"); a size asked for is no missing age
    ("乍都节公园的面积有多大？", [], []),
    ("毛利幸松丸被拥立为下任当主时多大？", ["age"], []),
    ("他今年多大了？", ["age"], []),
    # pharmacy (药学) and "a significant cause" ask for no dose and no statistic (CMRC trial, COVID-QA train)
    ("在生物药学研究中，放线菌酮常被用来做什么？", [], []),
    ("呋塞米的用药方式是什么样的？", ["dose"], []),
    ("What is a significant cause of influenza-like illness among adults?", [], []),
    ("Was the difference between the groups statistically significant?", ["statistic"], []),
    ("该公司的注册资本是多少？", ["count"], []),
    ("How often did the groups meet?", ["frequency"], []),
    ("小组多久开展一次？", ["duration", "frequency"], []),
    ("How many staff dropped out?", ["attrition", "count"], []),
    ("How long did each interview with the practitioners last?", ["duration", "session_length"], []),
    ("How long did the CFT group last?", ["duration"], []),  # a programme's length is weeks, not minutes
    ("冰雪皇后什么时候退出了台湾市场？", ["year"], []),  # leaving a market is no dropout (CMRC trial)
    # 工作者 (worker), 合作者 and 创作者 hold 作者 but ask for no author list
    ("参加远程巴林特小组对临床工作者有哪些益处？", [], []),
    ("医务工作者是如何看待同伴支持的？", [], []),
    ("作者有哪些人？", ["people"], ["authors"]),
    # an identifier between Chinese characters (Chinese characters are word characters: no \b beside them)
    ("远程巴林特小组那篇论文的DOI是什么？", ["identifier"], ["doi"]),
    ("What DOI identifies the Tele-Balint paper?", ["identifier"], ["doi"]),
])
def test_answer_types_and_fields_are_what_the_question_asks_for(question, types, fields):
    query = read_query(question)
    assert list(query.answer_types) == types
    assert [name for name in cues()["metadata_fields"] if cue("metadata_fields", name).search(question)] == fields


def test_a_percentage_is_evidence_of_a_share():
    from assistant.answering.answer_types import matches_type

    assert matches_type("Of the 11,399 patients, 5606 (49.2%) were positive.", "percentage")
    assert matches_type("百分之六十的学生是女生。", "percentage")
    assert not matches_type("Of the 11,399 patients, 5606 were positive.", "percentage")
    # a ratio or a part of a whole states a share too, so a share question it answers is not refused
    for share in ("目前学校男女生比例约为1：7。", "12 of 26 clinicians were interviewed.", "Twelve out of 26 replied.",
                  "12/26 replied.", "Half of the staff attended.", "三成的学生是女生。"):
        assert matches_type(share, "percentage"), share
    assert not matches_type("We interviewed 22 practitioners in 2021.", "percentage")


def test_hours_and_minutes_are_durations_and_weekly_is_a_frequency():
    from assistant.answering.answer_types import matches_type

    assert matches_type("Interviews lasted 45 minutes.", "duration") and matches_type("每次约1小时。", "duration")
    assert matches_type("Groups met weekly.", "frequency") and matches_type("They met twice a month.", "frequency")
    assert matches_type("每两周举行一次。", "frequency") and not matches_type("The group ran for 12 weeks.", "frequency")
    assert matches_type("Pertussis is thought to peak every 2 to 4 years.", "frequency")  # COVID-QA train's one
    assert matches_type("One session per week.", "frequency") and not matches_type("per cent of staff", "frequency")
    assert matches_type("Twelve participants withdrew.", "attrition") and matches_type("98 completed the study.", "attrition")
    assert not matches_type("26 clinicians completed a questionnaire.", "attrition")
    assert matches_type("Interviews lasted 45-60 minutes.", "session_length") and matches_type("about one hour", "session_length")


def test_an_identifier_set_against_chinese_characters_is_identifier_evidence():
    from assistant.answering.answer_types import matches_type

    assert matches_type("该试验的注册号为NCT04639167。", "identifier") and matches_type("DOI:10.1186/s12888-025-06501-3", "identifier")
    assert not matches_type("该试验招募了120名参与者。", "identifier")
    assert not matches_type("a 12-week group", "session_length")


def test_a_year_counts_as_evidence_beside_chinese_characters():
    from assistant.answering.answer_types import matches_type

    assert matches_type("该公园于1990年建成。", "year") and matches_type("It opened in 1990.", "year")
    assert not matches_type("编号为219905的样本。", "year")


def test_a_number_counts_as_evidence_beside_chinese_characters_but_not_inside_a_word():
    from assistant.answering.answer_types import matches_type

    assert matches_type("2006年人口统计数据为1694人。", "count") and matches_type("Twelve staff took part.", "count")
    assert matches_type("12 nurses", "count") and not matches_type("The ABC123 form was used.", "count")
    assert not matches_type("Someone took part.", "count")  # "one" inside a word


def test_every_cue_in_the_vocabulary_file_compiles():
    data = cues()
    for name, pair in data["answer_types"].items():
        assert isinstance(cue("answer_types", name, "question"), re.Pattern)
        assert isinstance(cue("answer_types", name, "evidence"), re.Pattern)
    assert set(data["attribute_types"]) <= set(data["answer_types"])
    for name in data["metadata_fields"]:
        cue("metadata_fields", name)
    for name in data["intent"]:
        cue("intent", name)
    assert cue("answer_types", "count", "evidence").search("twenty-two nurses took part")


def test_one_answer_reads_the_question_once_and_the_index_manifest_once(assistant, monkeypatch):
    import assistant.pipeline as pipeline
    import assistant.snapshot as snapshot

    assistant.answer("warm-up: how many staff were interviewed in the CFT study?")
    reads, stats = [], []
    real_read, real_signature = pipeline.read_query, snapshot.manifest_signature
    monkeypatch.setattr(pipeline, "read_query", lambda *a, **k: reads.append(a) or real_read(*a, **k))
    monkeypatch.setattr(snapshot, "manifest_signature", lambda *a: stats.append(a) or real_signature(*a))
    result = assistant.answer("How many staff were interviewed in the CFT study?")
    assert not result.refused
    assert len(reads) == 1
    assert len(stats) == 1  # one index generation, pinned for the whole question


def test_the_question_language_is_detected_once_per_answer(assistant, monkeypatch):
    import assistant.query as query_module

    question = "How many staff were interviewed in the CFT study?"
    seen = []
    real = query_module.detect_lang
    monkeypatch.setattr(query_module, "detect_lang", lambda text: seen.append(text) or real(text))
    for module in ("assistant.cards.questions", "assistant.answering.extractive", "assistant.retrieval"):
        monkeypatch.setattr(f"{module}.detect_lang", lambda text: seen.append(text) or real(text))
    assistant.answer(question)
    assert seen.count(question) == 1


def test_stream_and_answer_run_the_same_pipeline(assistant):
    question = "What did staff say about the Tele-Balint groups?"
    streamed = list(assistant.stream(question))
    final = streamed[-1]
    answered = assistant.answer(question)
    assert final.text == answered.text and [c.quote for c in final.citations] == [c.quote for c in answered.citations]


def test_a_fact_question_quotes_at_most_two_sentences(assistant):
    result = assistant.answer("How many staff were interviewed in the CFT study?")
    assert not result.refused and 1 <= len(result.citations) <= 2


@pytest.mark.parametrize("asked, direct", [
    ("Can you tell me what Carrageenan is?", "What is Carrageenan?"),
    ("Could you please explain what microtubule severing enzymes are?", "What are microtubule severing enzymes?"),
    ("Can you define disease resilience?", "What is disease resilience?"),
    ("Can you give an example of a case-based measure?", "What is an example of a case-based measure?"),
    ("Can you give some examples of non-pharmaceutical interventions?",
     "What are some examples of non-pharmaceutical interventions?"),
    ("Can you explain how the groups were run?", "How the groups were run?"),
    ("Could you describe the role of peer supporters?", "Describe the role of peer supporters?"),
    ("Do you know which platform was used?", "Which platform was used?"),
    ("I'd like to know how many staff were interviewed.", "How many staff were interviewed?"),
    ("Please tell me the sample size", "What is the sample size?"),
    ("请问同情圈是什么？", "同情圈是什么？"),
    ("你能告诉我研究访谈了多少人吗？", "研究访谈了多少人？"),
])
def test_a_request_wrapped_around_a_question_is_taken_off(asked, direct):
    from assistant.query import direct_question

    assert direct_question(asked) == direct


@pytest.mark.parametrize("question", [
    "What is R0?", "Can CFT help staff with self-criticism?", "Could staff attend the groups online?",
    "How many staff were interviewed in the CFT study?", "研究采用了什么设计？", "Can you?",
    # a follow-up goes on from the conversation, which condense() reads whole
    "Can you tell me more?", "Can you explain?", "Can you list them?", "Could you tell me about that?", "你能告诉我吗？",
])
def test_a_direct_question_is_left_as_it_is(question):
    from assistant.query import direct_question

    assert direct_question(question) == question


def test_a_wrapped_question_gets_the_answer_of_the_direct_one(assistant):
    direct = assistant.answer("How many staff were interviewed in the CFT study?")
    wrapped = assistant.answer("Can you tell me how many staff were interviewed in the CFT study?")
    assert not direct.refused and wrapped.text == direct.text
    assert wrapped.question == "How many staff were interviewed in the CFT study?"
