"""Cleaning keeps each study's abstracts once and removes scraped-page furniture, by general rules."""

from __future__ import annotations

import pytest

from assistant.cleaning import clean_text
from assistant.documents import read_document
from assistant.text import normalise_space

from .conftest import BALINT, BSW, CFT, CIRCLES, DATA, PEER

FURNITURE = [
    "扫码分享", "微信好友", "求助全文", "立即体验", "下载链接", "京ICP备", "Copyright ©", "科研通智能强力驱动",
    "Strongly Powered by AbleSci AI", "本文章由计算机程序翻译", '{"title"', "BibTeX", "GB/T 7714", "Suppr超能文献",
    "文献AI研究员", "https://figshare.com", "群 号", "Mindful self-compassion training program", "京公网安备",
    "引用次数", "收藏NIAID", "马上搜索", "大模型驱动", "快去分享给好友吧",
]

# First and last sentence of every abstract paragraph, English and Chinese, as the pages give them.
ABSTRACT_SENTENCES = {
    CFT: [
        "Healthcare staff can encounter empathy distress, burnout, and trauma",
        "Eight staff who attended a 12-week CFT group were interviewed",
        "Larger, mixed-method evaluations are recommended to explore the intervention’s broader impact and mechanisms.",
        "医疗从业人员常会遭遇共情耗竭、职业倦怠与创伤",
        "本研究采用反思性主题分析方法开展数据分析。",
        "未来建议开展更大规模的混合方法研究,以进一步探索该干预措施的更广泛影响与作用机制。",
    ],
    CIRCLES: [
        "Purpose This paper aims to discuss the importance of compassion in health care",
        "This conceptual paper is a discussion of the context of compassion in health care",
        "This paper is a contribution to developing a better understanding of the CCs model, implementation lessons and early insights into impact.",
        "本文旨在讨论同情在医疗保健中的重要性和同情圈(CCs)在支持它方面的经验",
        "本文有助于更好地理解CCs模式、实施经验教训和对影响的早期见解。",
    ],
    BSW: [
        "To address the growing demand for psychological treatment",
        "22 Psychological Well-being Practitioners (PWPs) from UK National Health Service (NHS) Talking Therapies services were interviewed.",
        "Findings underscore the importance of practitioner behaviours in optimising patient engagement between-sessions",
        "为满足对心理治疗日益增长的需求",
        "对来自英国国家医疗服务体系(NHS)谈话治疗服务的22名心理健康从业者(PWP)进行了访谈。",
        "研究结果强调了从业者行为在优化患者疗程间参与度方面的重要性",
    ],
    BALINT: [
        "Objective Balint groups provide a safe space for clinicians to discuss difficult cases",
        "26 mental health clinicians who had participated in Tele-Balint groups since March 2020 completed a semi-structured questionnaire, and 12 of them were interviewed.",
        "Members should maintain flexibility towards the Balint process",
    ],
    PEER: [
        "Peers with lived experiences of being in recovery of mental health difficulties volunteering in non-governmental organizations",
        "Nine peer volunteers were recruited for two focus groups (n = 8) and a telephone-based interview (n = 1).",
        "Two overarching themes were identified",
        "requires further clarification and exploration.",
        "ClinicalTrials.gov identifier: NCT04639167, Registered on Nov. 19, 2020.",
        "有心理健康问题康复经历的同伴在非政府组织(NGO)中志愿提供同伴支持",
        "招募了九名同伴志愿者参加两个焦点小组(n = 8)和一次电话访谈(n = 1)。",
        "确定了两个总体主题",
        "只有少数参与者寻求的用于社区参与的一对一同伴支持需要进一步明确和探索。",
        "ClinicalTrials.gov标识符:NCT04639167,于2020年11月19日注册。",
    ],
}


@pytest.mark.parametrize("source", sorted(ABSTRACT_SENTENCES))
def test_every_abstract_is_kept_exactly_once(bundled_documents, source):
    text = normalise_space(bundled_documents[source].text)
    for sentence in ABSTRACT_SENTENCES[source]:
        assert text.count(normalise_space(sentence)) == 1, sentence


@pytest.mark.parametrize("source", sorted(ABSTRACT_SENTENCES))
def test_site_furniture_is_removed(bundled_documents, source):
    text = bundled_documents[source].text
    for line in FURNITURE:
        assert line not in text


def test_keywords_list_and_dialog_texts_are_dropped(bundled_documents):
    balint = bundled_documents[BALINT].text
    assert not balint.startswith("心理健康")
    assert "认知心理学" not in balint
    assert "您的信息不完整" not in bundled_documents[CIRCLES].text


def test_unseen_html_journal_page_is_cleaned(tmp_path):
    doc = read_document(DATA / "unseen_journal_page.html")
    for kept in [
        "Reflective practice groups for ward nurses: a qualitative interview study",
        "Amelia R. Hughes, Tomasz Kowalski, Priya Natarajan",
        "Fourteen nurses from three acute medical wards in Leeds took part in semi-structured interviews.",
        "Future work should test attendance strategies across more sites.",
    ]:
        assert kept in doc.text
    for gone in ["cookies", "Share on", "Download PDF", "BibTeX", "Related articles", "Burnout among midwives",
                 "AI summariser", "newsletter", "© 2023", "ICP备", "Privacy policy", "Example Press"]:
        assert gone not in doc.text


def test_unseen_chinese_portal_page_is_cleaned():
    doc = read_document(DATA / "unseen_cn_portal.txt")
    chinese = "我们在杭州两个区评估了每月一次的同伴支持小组。"
    assert doc.text.count(chinese) == 1  # the page repeats its abstract; it is kept once
    assert "Forty-one nurses completed burnout questionnaires" in doc.text  # only in the JSON: recovered
    assert "同伴支持小组对社区精神卫生护士职业倦怠的影响" in doc.text
    for gone in ["首页", "期刊导航", "登录", "点击下载全文", "扫码", "相关推荐", "在线客服", "微信公众号", "版权所有",
                 "ICP备", "技术支持", '"doi"']:
        assert gone not in doc.text


def test_abstract_found_only_in_json_is_recovered():
    page = 'Site header\n{"title": "A study", "abstract": "Nurses valued the groups. They asked for more sessions and longer protected time away from the ward."}\nCopyright © 2020 Site'
    cleaned = clean_text(page)
    assert "They asked for more sessions and longer protected time away from the ward." in cleaned.text
    assert "Copyright" not in cleaned.text
    assert cleaned.records[0]["title"] == "A study"


def test_a_lone_utf16_half_in_embedded_json_is_dropped_so_the_page_is_indexed(tmp_path):
    # json.loads leaves "\\ud835" without its partner as a lone half, which the tokenizer refuses: the whole page
    # was once skipped for it
    from assistant.indexing import build_index
    from assistant.settings import get_settings

    page = ('Site header\n{"title": "Staff support \\ud835 groups", "abstract": "Nurses valued the \\udefc groups. '
            'They asked for more sessions and longer protected time away from the ward."}\nCopyright © 2020 Site')
    cleaned = clean_text(page)
    assert "Nurses valued the  groups." in cleaned.text and cleaned.records[0]["title"] == "Staff support  groups"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "page.txt").write_text(page, encoding="utf-8")
    settings = get_settings({"index_dir": tmp_path / "store", "sources_dir": tmp_path / "src"})
    report = build_index([tmp_path / "src"], settings)
    assert report.skipped == [] and report.chunks >= 1


def test_repeated_paragraph_is_kept_once():
    paragraph = "Participants described the group as a safe space. Several reported less isolation at work afterwards."
    cleaned = clean_text(f"{paragraph}\n\n{paragraph}\n")
    assert cleaned.text.count("safe space") == 1


@pytest.mark.parametrize("line, label, rest", [
    ("Purpose This paper aims to discuss the importance of compassion in health care.", "Purpose",
     "This paper aims to discuss the importance of compassion in health care."),
    ("Research limitations/implications The sample was small and drawn from one trust.",
     "Research limitations/implications", "The sample was small and drawn from one trust."),
    ("Objective: To explore how clinicians experience online Balint groups.", "Objective",
     "To explore how clinicians experience online Balint groups."),
    ("Objective: to explore how clinicians experience online Balint groups.", "Objective",
     "to explore how clinicians experience online Balint groups."),
    ("Results 12 participants took part in three focus groups.", "Results",
     "12 participants took part in three focus groups."),
    ("目的：探讨同伴支持对精神卫生工作人员的影响及其体验。", "目的", "探讨同伴支持对精神卫生工作人员的影响及其体验。"),
    # Emerald's labels translated, run into the sentence with nothing between them
    ("设计/方法/方法这篇概念性论文讨论了卫生保健中的同情心背景。", "设计/方法/方法", "这篇概念性论文讨论了卫生保健中的同情心背景。"),
    ("原创性/价值本文有助于更好地理解这一模式。", "原创性/价值", "本文有助于更好地理解这一模式。"),
])
def test_a_section_label_run_into_its_sentence_becomes_a_heading(line, label, rest):
    from assistant.cleaning import split_glued_labels

    assert split_glued_labels([line]) == [label, rest]
    cleaned = clean_text(f"Title of the study\n{line}\nMore text follows here, as it does in any abstract.")
    assert f"\n{label}\n{rest}" in cleaned.text


def test_labels_inside_a_structured_abstract_line_become_headings():
    from assistant.cleaning import split_glued_labels

    assert split_glued_labels(["Abstract Background Staff were offered weekly groups."]) == [
        "Abstract", "Background", "Staff were offered weekly groups."]
    assert split_glued_labels(["目的：探讨同伴支持的作用。方法：对十二名员工进行访谈。"]) == [
        "目的", "探讨同伴支持的作用。", "方法", "对十二名员工进行访谈。"]

    line = ("Objective Balint groups provide a safe space for clinicians. Methods Twelve clinicians were "
            "interviewed online. Conclusions Tele-Balint group participation was found to be beneficial.")
    assert split_glued_labels([line]) == [
        "Objective", "Balint groups provide a safe space for clinicians.", "Methods",
        "Twelve clinicians were interviewed online.", "Conclusions", "Tele-Balint group participation was found to be beneficial."]


@pytest.mark.parametrize("line", [
    "Results showed that staff valued the groups a great deal.",  # the word starts the sentence itself
    "Staff met weekly. Results showed that they valued it.",
    "Methods",
    "Purpose Built",  # too short to be a sentence
    "Setting Up Balint Groups for Junior Doctors in the NHS",  # a title: no sentence follows
    "其他/未知占参与者的一半。",  # slashed words that are no section label
    "方法很简单，就是每周见一次面。",  # a label word alone starting a sentence
])
def test_lines_that_only_start_with_a_label_word_are_left_alone(line):
    from assistant.cleaning import split_glued_labels

    assert split_glued_labels([line]) == [line]


def test_a_sentence_hard_wrapped_across_lines_is_one_line_again():
    from assistant.text import sentence_spans

    raw = ("Report 13: Estimating the number of infections\n\n"
           "In Italy, our results suggest that, cumulatively, 5.9 [1.9-15.2] million people have been\n"
           "infected as of March 28th, giving an attack rate of 9.8% of the\n"
           "population.\n"
           "Methods\n"
           "we fitted a Bayesian model.\n"
           "A list follows:\n"
           "first item of it")
    text = clean_text(raw).text
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert ("In Italy, our results suggest that, cumulatively, 5.9 [1.9-15.2] million people have been infected "
            "as of March 28th, giving an attack rate of 9.8% of the population.") in sentences
    assert "Methods" in sentences and "we fitted a Bayesian model." in sentences  # a heading stays apart
    assert "follows: first" not in text and "first item of it" in text  # nothing runs on after a colon


def test_a_word_hyphenated_at_a_line_end_is_joined_keeping_its_hyphen():
    text = clean_text("We estimate the effect of non-\npharmaceutical interventions on the time-\n"
                      "varying reproduction number in eleven countries.").text
    assert text == ("We estimate the effect of non-pharmaceutical interventions on the time-varying reproduction "
                    "number in eleven countries.")


def test_lines_that_end_a_sentence_or_start_in_capitals_stay_apart():
    text = clean_text("The first sentence ends here.\nthen one starts in lower case after a full stop.\n"
                      "A line without a full stop\nAnother line in capitals that is long enough to keep").text
    assert text.splitlines() == ["The first sentence ends here.", "then one starts in lower case after a full stop.",
                                 "A line without a full stop", "Another line in capitals that is long enough to keep"]
