"""Study cards: extraction against the gold table and on documents the rules have never seen, answers across
the collection, the surfaces (API, CLI, chat rendering), the card refresh and the optional LLM fill."""

from __future__ import annotations

import json
import re

import pytest

from assistant.api import Assistant
from assistant.cards import RULES_VERSION, extract_card
from assistant.cards.evaluate import evaluate_cards, load_gold
from assistant.cards.llm_fill import fill_with_llm
from assistant.cards.sample import counts_in
from assistant.cards.table import cards_table
from assistant.snapshot import load_snapshot, read_manifest, write_json_atomic
from assistant.types import Document
from assistant.ui_render import card_html, matching_sources, sources_html

from .conftest import BALINT, BSW, CFT, CIRCLES, PEER, ROOT, copy_sources
from .openai_server import FakeOpenAI

GOLD = ROOT / "evals" / "study_cards_gold.json"


def doc(text: str, source: str = "unseen.txt") -> Document:
    return Document(doc_id=source, source=source, text=text, sha256="0")


def card_values(text: str) -> dict[str, list[str]]:
    card = extract_card(doc(text))
    return {name: card.values(name) for name in card.fields if card.values(name)}


def test_bundled_cards_meet_the_gold_table_and_cite_exact_sentences(bundled_documents):
    cards = [extract_card(d) for d in bundled_documents.values()]
    result = evaluate_cards(cards, load_gold(GOLD))
    for name, rates in result["fields"].items():
        assert rates["precision"] >= 0.95 and rates["recall"] >= 0.85 and rates["evidence_ok"] == 1.0, (name, result["problems"])
    for card in cards:
        text = bundled_documents[card.source].text
        for values in card.fields.values():
            for value in values:
                for e in value.evidence:
                    assert text[e.start:e.end] == e.quote and e.match in e.quote


# Documents written for these tests; the rules were not tuned on them. Fields not listed must stay empty.
UNSEEN = {
    "english randomised trial, Australia": (
        "Mindfulness for ward nurses: a randomised controlled trial\n\n"
        "Background Nurses in acute wards report high stress. Methods In this randomised controlled trial, 120 nurses "
        "working in two Melbourne hospitals in Australia were randomly allocated to an eight-week mindfulness programme "
        "or a waitlist. Stress was measured with questionnaires at baseline and eight weeks. Outcomes were compared "
        "using linear mixed models.",
        {"design": ["randomised controlled trial"], "country": ["Australia"], "setting": ["hospital"],
         "population": ["nurses"], "sample_size": ["120"], "data_collection": ["questionnaires"],
         "analysis": ["statistical analysis"], "intervention": ["mindfulness"]}),
    "chinese qualitative interviews, China": (
        "护士职业倦怠体验的质性研究\n\n目的 了解三级医院护士的职业倦怠体验。方法 本研究采用质性研究方法，于2023年在中国上海市"
        "某三级甲等医院采用目的抽样法选取15名护士进行半结构化访谈，采用内容分析法进行资料分析。结果 提炼出3个主题。",
        {"design": ["qualitative"], "country": ["China"], "setting": ["hospital"], "population": ["nurses"],
         "sample_size": ["15"], "sample_counted": ["interviews: 15"], "data_collection": ["interviews"],
         "analysis": ["content analysis"]}),
    "english survey with N =, Canada": (
        "Moral distress among physicians in Canada: a cross-sectional survey\n\n"
        "A cross-sectional online survey was completed by physicians working in primary care across Canada (N = 312). "
        "Responses were analysed with descriptive statistics and logistic regression.",
        {"design": ["cross-sectional survey"], "country": ["Canada"], "setting": ["primary care"],
         "population": ["doctors"], "sample_size": ["312"], "data_collection": ["questionnaires"],
         "analysis": ["statistical analysis"]}),
    "english focus groups, no design named, Ireland": (
        "Midwives' experiences of Schwartz Rounds\n\n"
        "We held four focus groups with a total of 23 midwives from three maternity units in Ireland. "
        "Transcripts were analysed using interpretative phenomenological analysis. Midwives valued the Schwartz Rounds.",
        {"country": ["Ireland"], "population": ["midwives"], "sample_size": ["23"],
         "sample_counted": ["focus groups: 23"], "data_collection": ["focus groups"],
         "analysis": ["interpretative phenomenological analysis"], "intervention": ["Schwartz Rounds"]}),
    "chinese mixed methods with a subset, no country": (
        "社会工作者参与巴林特小组的混合方法研究\n\n本研究采用混合方法设计。共招募42名社会工作者完成问卷调查，其中十二名接受了深度访谈。"
        "采用主题分析法分析访谈资料。",
        {"design": ["mixed methods"], "population": ["social workers"], "sample_size": ["42"],
         "sample_counted": ["questionnaires: 42", "interviews: 12"], "data_collection": ["questionnaires", "interviews"],
         "analysis": ["thematic analysis"], "intervention": ["Balint groups"]}),
    "english systematic review: studies are not participants": (
        "Peer support for health workers: a systematic review\n\n"
        "This systematic review included 14 studies from the United States and Australia. Most studies reported benefits "
        "of peer support.",
        {"design": ["systematic review"], "country": ["United States", "Australia"], "intervention": ["peer support"]}),
    "editorial that states nothing": (
        "Why staff wellbeing matters\n\nThis editorial reflects on the pressures facing mental health staff today.",
        {}),
}


@pytest.mark.parametrize("name", list(UNSEEN))
def test_unseen_documents_get_exactly_what_they_state(name):
    text, expected = UNSEEN[name]
    got = card_values(text)
    assert {k: sorted(v) for k, v in got.items()} == {k: sorted(v) for k, v in expected.items()}


@pytest.mark.parametrize("sentence, expected", [
    ("We interviewed eighteen clinical psychologists working in the NHS.", [(18, "interviews")]),
    ("Participants (n = 17) completed the questionnaire.", [(17, "participants")]),
    ("A total of 31 participants took part.", [(31, "participants")]),
    ("Of the 40 staff invited, 25 agreed to take part.", [(25, "participants")]),
    ("Fifty-two nurses were eligible and 30 were interviewed.", [(30, "interviews")]),
    ("Twenty-two practitioners were interviewed by telephone.", [(22, "interviews")]),
    ("共纳入患者60例。", [(60, "participants")]),
    ("样本量为45人。", [(45, "participants")]),
    ("对十二名医生进行了半结构化访谈。", [(12, "interviews")]),
    ("符合条件的52名护士中，30名接受了访谈。", [(30, "interviews")]),
    ("The 12-week group met in 2020 and 5 themes were found.", []),
])
def test_sample_size_phrasings(sentence, expected):
    assert [(c.n, c.unit) for c in counts_in(sentence)] == expected


def cited(result) -> set[str]:
    return {c.source for c in result.citations}


def check_citations(assistant, result) -> None:
    docs = {d.source: d for d in assistant.retriever.snapshot.documents.values()}
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", result.text)}
    assert markers == {c.n for c in result.citations}
    for c in result.citations:
        assert docs[c.source].text[c.start:c.end] == c.quote and c.quote in c.text


@pytest.mark.parametrize("question, studies, headline", [
    ("Which studies were done outside the UK?", {BALINT, PEER}, "2 of the 5 indexed studies match"),
    ("How many studies used thematic analysis?", {CFT, PEER}, "2 of the 5"),
    ("Which studies interviewed NHS staff?", {CFT, BSW}, "2 of the 5"),
    ("Which studies had at least 22 participants?", {BSW, BALINT}, "2 of the 5"),
    ("Which studies did not use interviews?", set(), "None of the 5"),
    ("Which studies were randomised controlled trials?", set(), "None of the 5"),
    ("How many people did each study hear from?", {CFT, BSW, BALINT, PEER}, "All 5 indexed studies"),
    ("哪些研究使用了焦点小组？", {PEER}, "有1项符合"),
    ("哪些研究在英国开展？", {CFT, CIRCLES, BSW}, "有3项符合"),
])
def test_questions_across_the_collection_list_every_qualifying_study(assistant, question, studies, headline):
    result = assistant.answer(question)
    assert result.mode == "study cards" and not result.refused
    assert cited(result) == studies and headline in result.text
    check_citations(assistant, result)


def test_chinese_questions_quote_the_chinese_sentence_where_the_page_has_one(assistant):
    from assistant.text import detect_lang

    result = assistant.answer("哪些研究采用了主题分析？")
    assert cited(result) == {CFT, PEER} and all(detect_lang(c.quote) == "zh" for c in result.citations)
    assert "主题分析" in result.text and result.text.startswith("已索引的5项研究中有2项符合")


@pytest.mark.parametrize("question", ["同伴志愿者参加了几个焦点小组？", "How many staff were interviewed in the CFT study?",
                                      "What kind of paper is it?", "What study design did the Balint group research use?"])
def test_questions_about_one_study_are_not_collection_questions(question):
    from assistant.cards.questions import read_collection_question

    assert read_collection_question(question) is None


@pytest.mark.parametrize("question, study, value", [
    ("Which country was the Tele-Balint study conducted in?", BALINT, "Country: Singapore"),
    ("Where was the Tele-Balint study done?", BALINT, "Country: Singapore"),
    ("In which country was the PEER peer-support trial conducted?", PEER, "Country: Denmark"),
    ("In what setting was the CFT group study run?", CFT, "Setting: NHS"),
    ("巴林特小组研究是在哪个国家进行的？", BALINT, "国家：新加坡"),
])
def test_where_one_named_study_was_done_comes_from_its_card(assistant, question, study, value):
    result = assistant.answer(question)
    assert result.mode == "study cards" and cited(result) == {study} and value in result.text
    assert not result.text.startswith(("-", "The ", "All ", "比较", "已索引"))  # one study: no list headline
    check_citations(assistant, result)


@pytest.mark.parametrize("question", [
    "Where did participants feel safe in the CFT study?",  # "where" that does not ask where the study was done
    "In which countries were the Tele-Balint study and the PEER study conducted?",  # two studies: a comparison
    "Which country was it conducted in?",  # no study named
    "What did the analysis of the Tele-Balint study find?",  # asks for findings, not a card field
])
def test_other_questions_about_one_study_stay_off_the_cards(question):
    from assistant.cards.questions import read_collection_question

    assert read_collection_question(question) is None


@pytest.mark.parametrize("question, across", [
    ("How do guided self-help interventions differ from usual care, according to the BMC Psychiatry paper?", False),
    ("How does the intervention in this study differ from standard therapy?", False),
    ("How do the studies differ in their interventions?", True),  # a plural names several
    ("How does the intervention of the CFT study differ from that of the PEER trial?", True),  # two named
])
def test_a_comparison_inside_one_paper_is_not_a_question_about_every_study(question, across):
    from assistant.cards.questions import read_collection_question

    assert (read_collection_question(question) is not None) == across


def test_a_card_without_the_asked_field_leaves_the_question_to_the_passages():
    from assistant.cards.answer import answer_from_cards
    from assistant.cards.questions import read_collection_question

    card = extract_card(doc("Balint groups were offered to ward nurses. Eight nurses were interviewed.", "balint.txt"))
    question = read_collection_question("Which country was the Balint group study conducted in?")
    assert question is not None and question.kind == "study" and not card.values("country")
    assert answer_from_cards(question, [card], lambda evidence, card: None) is None


def test_unknown_fields_are_said_not_guessed(assistant):
    result = assistant.answer("Which studies used focus groups?")
    assert cited(result) == {PEER}
    assert "Not stated, so not counted: Cultivating compassion" in result.text  # the conceptual paper


def test_comparing_named_studies_uses_their_cards(assistant):
    result = assistant.answer("Compare the analysis approaches of the CFT group study and the peer volunteer study.")
    assert result.mode == "study cards" and cited(result) == {CFT, PEER}
    assert "Reflexive thematic analysis was conducted." in result.text


def test_other_questions_keep_the_passage_path(assistant):
    for question in ("How many staff were interviewed in the CFT study?",
                     "How did data collection differ between the between-session work study and the Tele-Balint study?"):
        assert assistant.answer(question).mode == "extractive"


def test_the_source_filter_limits_the_collection(assistant):
    result = assistant.answer("Which studies were done outside the UK?", sources=[BALINT, CFT])
    assert cited(result) == {BALINT} and "1 of the 2 indexed studies" in result.text


def test_studies_api_table_and_chat_rendering(assistant):
    cards = assistant.studies()
    assert [c.source for c in cards] == [CFT, CIRCLES, BSW, BALINT, PEER]
    assert cards[3].values("country") == ["Singapore"] and cards[4].sample_size() == 9
    table = cards_table(cards)
    assert "mixed methods" in table and "Denmark" in table and "(affiliation)" in table and "—" in table
    assert matching_sources(cards, {"country": "United Kingdom", "design": "Any"}) == {CFT, CIRCLES, BSW}
    assert matching_sources(cards, {"setting": "NHS", "analysis": "framework analysis"}) == {BSW}
    result = assistant.answer("How many staff were interviewed in the CFT study?")
    page = sources_html(result, assistant.retriever.snapshot.documents, {c.source: c for c in cards})
    assert "Study cards" in page and "Reflexive thematic analysis was conducted." in page


def test_card_html_shows_document_text_as_text():
    hostile = doc("<script>alert(1)</script> In this qualitative study, 9 nurses were interviewed in <b>Norway</b>.")
    page = card_html(extract_card(hostile))
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>" not in page


def test_cli_prints_the_table_and_json(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "STUDYQA_INDEX_DIR": str(tmp_path / "store"),
           "STUDYQA_SOURCES_DIR": str(copy_sources(tmp_path / "sources")), "HF_HUB_OFFLINE": "1"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "assistant.cli", *a], env=env, capture_output=True,  # noqa: E731
                                    text=True, timeout=300, cwd=ROOT)
    table = run("studies")
    assert table.returncode == 0 and "Singapore" in table.stdout and "framework analysis" in table.stdout
    data = json.loads(run("studies", "--json").stdout)
    assert len(data) == 5 and all(set(d["fields"]) >= {"design", "sample_size", "intervention"} for d in data)
    one = json.loads(run("studies", "--json", "--source", PEER).stdout)
    assert [d["source"] for d in one] == [PEER]


def test_new_rules_refresh_cards_without_embedding(tmp_path, embedder):
    bot = Assistant({"index_dir": tmp_path / "store", "sources_dir": copy_sources(tmp_path / "sources")}, embedder=embedder)
    bot.index()
    manifest = read_manifest(bot.settings.index_dir)
    write_json_atomic(bot.settings.index_dir / "manifest.json", {**manifest, "cards_version": "old"})
    (bot.settings.index_dir / manifest["generation"] / "cards.json").unlink()
    assert load_snapshot(bot.settings.index_dir).cards  # an index without cards.json still has cards
    report = bot.index()
    assert report.new_embeddings == 0
    fresh = read_manifest(bot.settings.index_dir)
    assert fresh["cards_version"] == RULES_VERSION and fresh["generation"] != manifest["generation"]
    assert (bot.settings.index_dir / fresh["generation"] / "cards.json").exists()
    assert [p.name for p in bot.settings.index_dir.glob("gen-*")] == [fresh["generation"]]


def test_an_llm_fills_only_empty_fields_with_verbatim_quotes():
    from assistant.answering.llm import LLMAnswerer
    from assistant.settings import Settings

    text = "Why staff wellbeing matters\n\nThis editorial reflects on the pressures facing mental health staff today."
    card = extract_card(doc(text))
    with FakeOpenAI() as server:
        server.queue({"content": json.dumps({
            "design": {"value": "editorial", "quote": "This editorial reflects on the pressures facing mental health staff today."},
            "country": {"value": "Wales", "quote": "This study took place in Wales."},  # not in the text: dropped
            "population": {"value": "nurses", "quote": "This editorial reflects on the pressures facing mental health staff today."},
        })})
        llm = LLMAnswerer(Settings(llm_backend="openai", llm_base_url=server.url, llm_model="test-model", llm_timeout=5),
                          lambda t: len(t.split()))
        filled = fill_with_llm(card, doc(text), llm, ROOT / "prompts")
        prompt = server.requests[0]["messages"][-1]["content"]
    assert "design" in prompt and "<document>" in prompt
    assert filled.values("design") == ["editorial"] and filled.fields["design"][0].by == "openai:test-model"
    assert not filled.values("country") and not filled.values("population")


def test_a_rebuild_reads_cards_only_for_changed_documents(tmp_path, embedder, monkeypatch):
    import assistant.cards as cards_module

    sources = copy_sources(tmp_path / "sources")
    bot = Assistant({"index_dir": tmp_path / "store", "sources_dir": sources}, embedder=embedder)
    bot.index()
    read = []
    real = cards_module.extract_card
    monkeypatch.setattr(cards_module, "extract_card", lambda d: read.append(d.source) or real(d))
    (sources / BALINT).write_text((sources / BALINT).read_text("utf-8") + "\nThe groups met in Singapore.\n", "utf-8")
    bot.index()
    assert read == [BALINT]
    assert [c.source for c in bot.studies()] == [CFT, CIRCLES, BSW, BALINT, PEER]
    assert bot.studies([PEER])[0].sample_size() == 9
