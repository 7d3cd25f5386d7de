"""Sentence splitting and language detection for English and Chinese."""

from __future__ import annotations

from assistant.text import detect_lang, detect_langs, sentence_spans


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_english_sentences_respect_abbreviations_initials_and_citations():
    text = ("Registered on Nov. 19, 2020. M. Clark et al. wrote it. "
            "BMC Psychiatry. 2025 Jan 28;25(1):79. doi: 10.1186/s12888-025-06501-3.\nEight staff took part.")
    assert sentences(text) == [
        "Registered on Nov. 19, 2020.",
        "M. Clark et al. wrote it.",
        "BMC Psychiatry. 2025 Jan 28;25(1):79. doi: 10.1186/s12888-025-06501-3.",
        "Eight staff took part.",
    ]
    # a species left unnamed ("sp.", "spp.") goes on with its strain
    assert sentences("Dox reduced Ruminococcus sp. 5_1_39BFAA bacteria. Acinetobacter spp. are Gram-negative.") == [
        "Dox reduced Ruminococcus sp. 5_1_39BFAA bacteria.", "Acinetobacter spp. are Gram-negative."]
    # "e.g." and "i.e." whole (only their last letter was once looked up, so each ended a sentence)
    assert sentences("Locations are fixed (e.g. temperature records), i.e. not random. Made in the U.S. for us.") == [
        "Locations are fixed (e.g. temperature records), i.e. not random.", "Made in the U.S. for us."]
    # ... and spaced, as some typesetting sets them ("e. g." ended two sentences)
    assert sentences("Made for given platforms (e. g. Affymetrix), i. e. arrays. The next one.") == [
        "Made for given platforms (e. g. Affymetrix), i. e. arrays.", "The next one."]


def test_chinese_sentences_split_at_full_width_marks():
    assert sentences("本研究采用质性方法。对8名人员进行访谈；结果如下！是否有效？") == [
        "本研究采用质性方法。", "对8名人员进行访谈；结果如下！", "是否有效？"]


def test_a_semicolon_joins_clauses_of_one_sentence_in_chinese_as_in_english():
    # CMRC answers often run across a 分号 (one company split "into two: one …；the other …")
    assert sentences("公司拆分成两家：一家名为甲，营运北美；另一家名为乙，经营国际市场。其后上市。") == [
        "公司拆分成两家：一家名为甲，营运北美；另一家名为乙，经营国际市场。", "其后上市。"]
    assert sentences("Staff met weekly; managers joined monthly. Then it ended.") == [
        "Staff met weekly; managers joined monthly.", "Then it ended."]


def test_language_detection():
    assert detect_lang("How many staff were interviewed?") == "en"
    assert detect_lang("有多少名医护人员接受了访谈？") == "zh"
    assert detect_lang("CFT团体干预持续了多长时间？") == "zh"
    assert detect_lang("1234 !!") == ""
    assert set(detect_langs("Eight staff. 八名员工参加。")) == {"en", "zh"}
