"""Numbers as studies write them: digits, English words ("Twenty-two") and Chinese numerals (十二, 两)."""

from __future__ import annotations

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_WORDS = {word: n for n, word in enumerate(_UNITS)} | _TENS
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}


def parse_number(text: str) -> int | None:
    """The value of a written number in English words, Chinese numerals or digits; None if it is not one."""
    text = text.strip().lower().replace(",", "")
    if text.isdigit():
        return int(text)
    if text and all(ch in _ZH_DIGITS or ch in _ZH_UNITS for ch in text):
        return _parse_chinese(text)
    return _parse_english(text)


def _parse_english(text: str) -> int | None:
    total, current = 0, 0
    for word in text.replace("-", " ").split():
        if word == "and":
            continue
        if word == "a":
            current = 1
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _WORDS:
            current += _WORDS[word]
        else:
            return None
    total += current
    return total or None


def _parse_chinese(text: str) -> int | None:
    total, digit = 0, None
    for ch in text:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch] if digit is None else digit * 10 + _ZH_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _ZH_UNITS[ch]
            digit = None
    total += digit or 0
    return total or None
