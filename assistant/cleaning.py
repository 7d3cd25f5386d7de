"""Strip scraped-page furniture from raw text, keep the study's own text once.

The rules are general, not a list of known lines:
1. Embedded JSON records are parsed (for metadata) and removed from the text.
2. Each line is scored: site-furniture vocabulary (share, QR, login, copyright, licence numbers,
   download/export, adverts for translation or AI tools), links and e-mail addresses, and shortness.
   Short lines are dropped unless they are recognisable section headings or carry a DOI/trial id.
3. Smoothing: a run of short, non-prose lines boxed in by furniture on both sides is furniture too
   (promotional blurbs and dialog texts sit between widgets).
4. Repeated blocks: a line whose text already appeared (or is contained in an earlier kept block)
   is dropped, so an abstract that a page repeats is kept once.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .patterns import DOI, IDENTIFIER

CLEANING_VERSION = "8"  # bump when cleaning changes what text a page gives: indexes re-read those files
from .text import CJK_CHAR, count_cjk, normalise_space

SECTION_HEADINGS = frozenset(
    h.strip()
    for h in """abstract|background|introduction|objective|objectives|aim|aims|purpose|method|methods|
    methodology|design|design/methodology/approach|setting|participants|results|findings|discussion|
    conclusion|conclusions|limitations|research limitations/implications|practical implications|
    social implications|originality/value|trial registration|keywords|key words|authors|
    author information|affiliations|摘要|背景|目的|方法|结果|结论|讨论|引言|试验注册|关键词|作者|
    作者信息|机构信息|出版信息|标识|研究设计""".replace("\n", "").split("|")
)
_HEADING_WORDS = frozenset(w for h in SECTION_HEADINGS for w in h.split())
# What common Chinese metadata labels mean, so that English questions can match them.
HEADING_ALIASES = {
    "作者": "authors", "作者信息": "authors", "机构信息": "affiliation institution",
    "出版信息": "publication journal published", "标识": "identifier DOI", "试验注册": "trial registration",
    "关键词": "keywords", "摘要": "abstract",
}
# A structured abstract's label run into its sentence ("Purpose This paper aims…", "Objective: to explore…",
# "目的：探讨…"), at the start of a line or after the previous sentence's end (see split_glued_labels).
_GLUED_LABEL = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=[。！？]))(?P<label>(?i:" + "|".join(re.escape(h) for h in sorted(SECTION_HEADINGS, key=len, reverse=True))
    + r"))(?P<sep>\s*[:：]\s*|\s+)(?=\S)"
)
# The same labels translated into Chinese run straight into the sentence, with no space to tell where the
# label ends: "设计/方法/方法这篇概念性论文讨论了…", "原创性/价值在国家NHS指导中…" (Emerald's "Design/methodology/
# approach", "Originality/value"). Label words joined by slashes after a sentence's end are such a label
# (two or more of them, so that "其他/未知占一半" or a lone "方法" starting a sentence is left alone).
_ZH_LABEL_WORDS = "研究局限性|研究局限|方法论|原创性|独创性|局限性|设计|方法|途径|价值|局限|启示|影响|意义|目的|结果|发现|结论"
_ZH_SLASH_LABEL = re.compile(rf"(?:{_ZH_LABEL_WORDS})(?:/(?:{_ZH_LABEL_WORDS}))+")
_GLUED_SLASH_LABEL_ZH = re.compile(
    rf"(?:^|(?<=[。！？]))(?P<label>{_ZH_SLASH_LABEL.pattern})(?P<sep>)(?=[\u4e00-\u9fffA-Za-z0-9])"
)
_SENTENCE_START = re.compile(r"[A-Z0-9\u3400-\u9fff]")
_SENTENCE_END = re.compile(r"[.!?。！？]")


def heading_context(heading: str) -> str:
    """A heading plus its English meaning when it is a known Chinese label."""
    key = heading.strip().rstrip(":：").strip()
    return f"{key} {HEADING_ALIASES.get(key, '')}".strip()

FURNITURE_PATTERNS = [
    r"扫码|二维码|公众号|微信好友|朋友圈|QQ好友|复制链接|已复制|分享给|分享到|分享 分享",
    r"\bshare (this|on|via)\b|\btweet\b|facebook|linkedin|whatsapp|wechat|qr code",
    r"登录|注册账号|账户安全|请先补充|个人中心|\blog ?in\b|sign (in|up)\b|my account",
    r"copyright|©|all rights reserved|版权所有|ICP备|公网安备|备案号|licen[cs]e no",
    r"下载链接|立即下载|导出至|求助全文|去求助|文献求助|收藏|收录|引用次数|\bdownload (pdf|now|citation)|bibtex|endnote|GB/T ?7714",
    r"立即体验|马上搜索|免费获取|程序翻译|翻译模型|强力驱动|模型驱动|搜索引擎|\bpowered by\b|try it (now|free)|subscribe",
    r"意见反馈|客服|联系我们|我知道了|现在去|技术支持|cookie|privacy policy|terms of (use|service)",
    r"本刊更多|最新文献|相关文献|related articles|similar articles|\bmore (articles|from this)\b|recommended for you",
]
_FURNITURE = [re.compile(p, re.IGNORECASE) for p in FURNITURE_PATTERNS]
_URL = re.compile(r"https?://\S+|www\.\S+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
AFFILIATION = re.compile(
    r"universit|department|division|hospital|institute|centre|center|school|college|faculty|unit\b|大学|医院|研究所",
    re.IGNORECASE,
)
_NAME = re.compile(r"^[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,4}$")
_WORD_HYPHEN = re.compile(r"[A-Za-z]-$")
_SENTENCE_MARK = re.compile(r"[.!?](?=\s|$)|[。！？；]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
LONG_PROSE = 200


@dataclass
class Cleaned:
    """Cleaned text plus what cleaning learned on the way."""

    text: str
    raw_lines: list[str]
    kept: list[str]
    records: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)


def clean_text(raw: str) -> Cleaned:
    """Remove site furniture, embedded JSON and repeated blocks from a scraped page."""
    lines = unwrap_lines(split_glued_labels(normalise_lines(raw)))
    records: list[dict[str, Any]] = []
    verdicts: list[str | None] = []  # None = keep, else the reason for dropping
    for line in lines:
        record = parse_json_line(line)
        if record is not None:
            records.append(record)
            verdicts.append("embedded JSON")
        else:
            verdicts.append(line_verdict(line))
    smooth_furniture_runs(lines, verdicts)
    drop_repeats(lines, verdicts)
    kept_lines = [line if verdict is None else None for line, verdict in zip(lines, verdicts)]
    text = join_kept(kept_lines, lines)
    extra = json_only_text(records, text)
    if extra:
        text = f"{text}\n\n{extra}" if text else extra
    dropped = [(line, v) for line, v in zip(lines, verdicts) if v and line.strip()]
    return Cleaned(text, lines, [line for line in kept_lines if line], records, dropped)


def normalise_lines(raw: str) -> list[str]:
    """Unify newlines, drop invisible characters, strip trailing space."""
    text = unicodedata.normalize("NFC", raw).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\t", " ").replace("\u3000", " ").replace("\u00a0", " ")
    return [line.rstrip() for line in text.split("\n")]


def split_glued_labels(lines: list[str]) -> list[str]:
    """Each section label run into the sentence after it put on a line of its own (the heading of what follows)."""
    return [piece for line in lines for piece in _split_labels(line)]


def _split_labels(line: str) -> list[str]:
    pieces: list[str] = []
    rest = line
    while (match := _glued_label(rest)) is not None:
        before = rest[:match.start()].strip()
        pieces += ([before] if before else []) + [match["label"]]
        rest = rest[match.end():]
    return pieces + [rest] if pieces else [line]


def _glued_label(text: str) -> re.Match[str] | None:
    """The first label in `text` that starts a sentence: capitalised (or Chinese), and followed either by a colon
    and text, or by a sentence (a capital, digit or CJK character first, and a sentence end later on the line),
    so that a title such as "Setting Up Balint Groups" is left whole; or a Chinese label of slashed words run into
    a sentence (see _GLUED_SLASH_LABEL_ZH), whichever comes first."""
    found = [m for m in (_listed_label(text), _slashed_label_zh(text)) if m is not None]
    return min(found, key=lambda m: m.start(), default=None)


def _listed_label(text: str) -> re.Match[str] | None:
    for match in _GLUED_LABEL.finditer(text):
        label, rest = match["label"], text[match.end():]
        if label.isascii() and not label[0].isupper():
            continue
        if ":" in match["sep"] or "：" in match["sep"]:
            return match
        if len(rest) >= 20 and _SENTENCE_START.match(rest) and _SENTENCE_END.search(rest):
            return match
    return None


def _slashed_label_zh(text: str) -> re.Match[str] | None:
    return next((m for m in _GLUED_SLASH_LABEL_ZH.finditer(text) if _SENTENCE_END.search(text, m.end())), None)


def parse_json_line(line: str) -> dict[str, Any] | None:
    """The JSON object on this line, with nested JSON strings parsed too, or None."""
    stripped = line.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    return _unnest(value) if isinstance(value, dict) else None


def _unnest(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _unnest(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unnest(v) for v in value]
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            return _unnest(json.loads(value))
        except ValueError:
            return without_lone_surrogates(value)
    return without_lone_surrogates(value) if isinstance(value, str) else value


_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def without_lone_surrogates(text: str) -> str:
    """The text without UTF-16 halves that JSON's escapes can leave alone ("\\ud835" with no partner): no
    tokenizer accepts one, and a whole page would be skipped for it."""
    return _LONE_SURROGATE.sub("", text)


def is_heading(line: str) -> bool:
    """A recognisable section heading or metadata label (Abstract, METHODS, 摘要, 作者信息...)."""
    key = line.strip().rstrip(":：").strip().lower()
    if not key:
        return False
    if key in SECTION_HEADINGS or _ZH_SLASH_LABEL.fullmatch(key):
        return True
    words = key.split()
    stripped = line.strip().rstrip(":：")
    return stripped.isupper() and 0 < len(words) <= 4 and all(w.isalpha() for w in words) and any(
        w in _HEADING_WORDS for w in words
    )


def text_weight(text: str) -> int:
    """Length with each Chinese character counted as three (it carries about a word)."""
    return len(text) + 2 * count_cjk(text)


def looks_like_name_list(line: str) -> bool:
    """At least two comma-separated items, each one to five capitalised words or initials."""
    if AFFILIATION.search(line) or IDENTIFIER.search(line) or count_cjk(line):
        return False
    parts = [p.strip().rstrip("*†‡").strip() for p in re.split(r"[,;&]|\band\b", line.strip().rstrip(".")) if p.strip()]
    return len(parts) >= 2 and all(_NAME.match(p) for p in parts)


# "BMC Psychiatry. 2025 Jan 28;25(1):79." / "Lancet 2020;395:497-506": volume, issue and pages after a year
_VOLUME_PAGES = re.compile(r"(?<!\d)(?:19|20)\d\d\b[^.;\n]{0,20};\s*\d+\s*(?:\(\s*[\w-]+\s*\))?\s*:\s*[eE]?\d+")


def looks_like_citation(sentence: str) -> bool:
    """A bibliographic line rather than a sentence: it holds a DOI or a year;volume(issue):pages reference."""
    return bool(DOI.search(sentence) or _VOLUME_PAGES.search(sentence))


def is_prose(line: str) -> bool:
    """Long running text: weight at least LONG_PROSE and two or more sentences."""
    size = text_weight(line.strip())
    return size >= LONG_PROSE and len(_SENTENCE_MARK.findall(line)) >= max(2, size // 400)


def is_short(line: str) -> bool:
    """Too short to be content: under three Latin words and under seven Chinese characters."""
    stripped = line.strip()
    cjk = count_cjk(stripped)
    latin_words = len(re.findall(r"[A-Za-z]{2,}", CJK_CHAR.sub(" ", stripped)))
    return cjk < 7 and latin_words < 3


def furniture_hits(line: str) -> int:
    """How many kinds of site-furniture vocabulary the line contains."""
    return sum(1 for pattern in _FURNITURE if pattern.search(line))


def line_verdict(line: str) -> str | None:
    """None to keep the line, or the reason it is furniture."""
    stripped = line.strip()
    if not stripped:
        return None
    if is_heading(stripped):
        return None
    if (IDENTIFIER.search(stripped) and not _URL.fullmatch(stripped)) or looks_like_name_list(stripped):
        return None
    if _URL.fullmatch(stripped) or (_EMAIL.search(stripped) and len(stripped) < LONG_PROSE):
        return "link or e-mail"
    if is_short(stripped):
        return "too short"
    if stripped[-1] in ":：" and text_weight(stripped) <= 40:
        return "label without content"
    if furniture_hits(stripped) and not is_prose(stripped):
        return "site furniture"
    return None


def smooth_furniture_runs(lines: list[str], verdicts: list[str | None], max_run_chars: int = 300) -> None:
    """In the body (after the first prose paragraph), drop short non-prose runs boxed in by furniture.

    The page header (title, authors, journal line) is left alone: it is short and unpunctuated too.
    The end of the page counts as furniture, so that a trailing footer line goes with the footer.
    """
    content = [i for i, line in enumerate(lines) if line.strip() and verdicts[i] != "embedded JSON"]
    first_prose = next((pos for pos, i in enumerate(content) if verdicts[i] is None and is_prose(lines[i])), None)
    if first_prose is None:
        return
    run: list[int] = []
    before_is_furniture = False
    for i in content[first_prose:] + [None]:
        if i is not None and verdicts[i] is None and not is_heading(lines[i]):
            run.append(i)
            continue
        boxed = before_is_furniture and (i is None or verdicts[i] is not None)
        if run and boxed and _is_droppable_run(lines, run, max_run_chars):
            for j in run:
                verdicts[j] = "between furniture"
        run = []
        before_is_furniture = i is not None and verdicts[i] is not None


def _is_droppable_run(lines: list[str], run: list[int], max_run_chars: int) -> bool:
    if any(IDENTIFIER.search(lines[j]) for j in run):
        return False
    if any(is_prose(lines[j]) for j in run):
        return False
    return sum(text_weight(lines[j].strip()) for j in run) <= max_run_chars or all(
        not _SENTENCE_MARK.search(lines[j]) for j in run
    )


def drop_repeats(lines: list[str], verdicts: list[str | None]) -> None:
    """Keep the first occurrence of a repeated line or a line contained in an earlier block."""
    seen: list[str] = []
    exact: set[str] = set()
    for i, line in enumerate(lines):
        if verdicts[i] is not None or not line.strip() or is_heading(line):
            continue
        key = normalise_space(line).lower()
        if key in exact or (len(key) >= 30 and any(key in block for block in seen)):
            verdicts[i] = "repeated block"
            continue
        exact.add(key)
        if len(key) >= 30:
            seen.append(key)


def join_kept(kept: list[str | None], lines: list[str]) -> str:
    """Join kept lines; a dropped or blank stretch becomes one paragraph break."""
    out: list[str] = []
    gap = False
    for line, original in zip(kept, lines):
        if line is None or not original.strip():
            gap = bool(out)
            continue
        if gap:
            out.append("")
            gap = False
        out.append(line.strip())
    return "\n".join(out)


def unwrap_lines(lines: list[str]) -> list[str]:
    """Sentences hard-wrapped across lines joined back into one line each.

    Text wrapped at a fixed width (plain text exported from a PDF or a report) breaks mid-sentence. Every
    line break ends a sentence for the splitter, so an answer could quote only a fragment, and a short last
    line ("infection.") was dropped as too short to be content. A line joins the one before when it starts
    in lower case and the one before ends inside a sentence (a Latin letter, digit, comma or open bracket)
    and is no heading. After a word ending in a hyphen ("non-" / "pharmaceutical") the halves join without a
    space and keep the hyphen: plain text cannot tell a compound's hyphen from a syllable break, and a kept hyphen
    loses no letters.
    """
    out: list[str] = []
    for line in lines:
        previous = out[-1].rstrip() if out else ""
        if previous and continues_sentence(previous, line.strip()) and not is_heading(previous.strip()):
            joiner = "" if _WORD_HYPHEN.search(previous) else " "
            out[-1] = f"{previous}{joiner}{line.strip()}"
        else:
            out.append(line)
    return out


def continues_sentence(previous: str, line: str) -> bool:
    """Whether `line` (starting in lower case) carries on a sentence `previous` broke off."""
    end = previous[-1:]
    inside = (end.isascii() and end.isalnum()) or end in ",(" or bool(_WORD_HYPHEN.search(previous))
    return line[:1].islower() and inside


def json_only_text(records: list[dict[str, Any]], text: str) -> str:
    """Abstracts that exist only inside embedded JSON, so that cleaning loses no study text."""
    have = normalise_space(text).lower()
    extra: list[str] = []
    for record in records:
        for abstract in find_values(record, "abstract"):
            norm = normalise_space(abstract).lower()
            if len(norm) >= 80 and norm not in have:
                extra.append(abstract.strip())
                have += " " + norm
    return "\n\n".join(extra)


def find_values(record: Any, key: str) -> list[str]:
    """Every non-empty string stored under `key` (any case) anywhere in a parsed JSON record."""
    found: list[str] = []
    if isinstance(record, dict):
        for k, v in record.items():
            if k.lower() == key.lower() and isinstance(v, str) and v.strip():
                found.append(v)
            else:
                found.extend(find_values(v, key))
    elif isinstance(record, list):
        for v in record:
            found.extend(find_values(v, key))
    return found
