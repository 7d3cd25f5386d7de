"""Patterns shared across modules: identifiers (DOI, trial registrations), written numbers, and the cue
vocabularies of the question reader and the answerer, which live as data in `cues.json`."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .text import CHINESE_TEXT

CUES_FILE = Path(__file__).with_name("cues.json")

# A DOI as it is printed (up to the first space, quote or Chinese character) and the registries' trial ids.
# Their edges are "no letter or digit", not \b: Chinese characters are word characters, so "注册号NCT04639167"
# has no word boundary before the id.
DOI = re.compile(rf"(?<![A-Za-z0-9.])10\.\d{{4,9}}/[^\s\"'<>,;{CHINESE_TEXT}]+", re.IGNORECASE)
TRIAL_ID = re.compile(
    r"(?<![A-Za-z0-9])(NCT\d{8}|ISRCTN\d{8}|ChiCTR-?[A-Z]*-?\d{6,}|ACTRN\d{14}|DRKS\d{8}|CTRI/\d{4}/\d+/\d+|"
    r"\d{4}-\d{6}-\d{2})(?![A-Za-z0-9])"
)
# Looser, for telling a line that carries an identifier (cleaning keeps such short lines).
IDENTIFIER = re.compile(r"(?<![A-Za-z0-9.])10\.\d{4,9}/\S+|(?<![A-Za-z0-9])(NCT\d{8}|ISRCTN\d{6,}|ChiCTR[-\w]+|ACTRN\d{10,})",
                        re.IGNORECASE)

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# A number as written in each language: digits, English words ("twenty-two", "a hundred"), Chinese numerals.
EN_NUMBER = (r"\d{1,6}(?:,\d{3})?|(?:" + "|".join(sorted(_TENS, key=len, reverse=True)) + r")(?:[- ](?:"
             + "|".join(_UNITS[1:10]) + r"))?|" + "|".join(sorted(_UNITS[1:], key=len, reverse=True))
             + r"|(?:a|one|two|three|four|five) hundred(?: (?:and )?\w+(?:[- ]\w+)?)?")
ZH_NUMBER = r"\d{1,6}|[零〇一二两三四五六七八九十百千]+"


@lru_cache(maxsize=1)
def cues() -> dict[str, Any]:
    """The cue vocabularies, as written in `cues.json`."""
    return json.loads(CUES_FILE.read_text("utf-8"))


def cue_pattern(source: str) -> re.Pattern[str]:
    """A cue from `cues.json` compiled, its number placeholders and shared fragments filled in."""
    for name, fragment in cues().get("shared", {}).items():
        source = source.replace("{" + name + "}", f"(?:{fragment})")
    return re.compile(source.replace("{en_number}", f"(?:{EN_NUMBER})").replace("{zh_number}", f"(?:{ZH_NUMBER})"))


@lru_cache(maxsize=None)
def cue(*path: str) -> re.Pattern[str]:
    """The compiled cue at a path of keys in `cues.json`, e.g. cue("intent", "list")."""
    node: Any = cues()
    for key in path:
        node = node[key]
    return cue_pattern(node)
