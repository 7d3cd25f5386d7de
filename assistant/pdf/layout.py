"""Lay a PDF's lines out as the paper's text: running heads, licences and figure labels out, hyphenation
joined, headings on lines of their own, captions after each page's prose, page and section offsets kept.

The rules read the page, not a list of known journals:
- A line in the top or bottom margin whose text (digits ignored) recurs on other pages is a running head
  or footer; so is a bare page number there. Blocks matching the furniture vocabulary (licences,
  copyright, publisher's notes, preprint stamps) are dropped, and so are lines that only point to a figure
  or table on another page ("(See figure on next page.)"), which would hide the caption below them.
- Lines are grouped into blocks by gaps, size and column changes. A short block set bold or larger than
  the body, or named like a section, is a heading; one that starts "Figure 2" or "Table 1" is a caption
  (kept, after the page's prose, so that it never breaks a sentence); blocks of short lines set smaller
  than the body are figure labels or table cells (dropped); other small print in a column of its own beside
  the text (a first-page sidebar) is an aside, kept after the page's prose like a caption. Text that its
  clipping path hides (reader.py) or that lies off the page is never read.
- On a page with a drawn figure (FIGURE_PAGE blocks of figure text or more), short unfinished blocks in or
  at the edge of the figure's frame, or among its text (panel letters, axis titles, legend entries, whatever
  their size), are figure text too, unless running text lies there as well (equations set among sentences)
  or they read as a piece of a sentence. A block set in a caption's size that reads on from a caption left
  unfinished (on its page or the page before) is the rest of that caption, not prose.
- A word broken at a line end is joined without its hyphen unless the paper spells it with a hyphen
  elsewhere; a hyphen left hanging before "and", "or", "nor" or "to" and another compound ("one- | or
  two-tailed", "pre- | and post-test", "2- | to 3-fold") keeps its hyphen and the space; a paragraph that
  runs on into the next column or page (it ends without a full stop and the next starts in lower case or
  with a bracket, or it stopped on a sign or word no paragraph ends on) is joined into one, the page's
  captions set before it rather than inside it. When a paragraph runs across a page that holds only a
  figure, that page's captions follow the paragraph's end on the next page (and are cited to that page).
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..cleaning import split_glued_labels
from ..patterns import cue
from ..text import CHINESE_TEXT
from .reader import HYPHEN_MARK, Line, Page

LAYOUT_VERSION = "18"
BOLD_WEIGHT = 600  # a font this heavy is bold whatever the text around it
HEAVIER_WEIGHT = 100  # font weight above the body text's that reads as bold (one step: 400 -> 500)
BACK_MATTER = ("References", "Declarations")
BLANK_LINE = 0.6  # space between two lines, in line heights, that always parts paragraphs
WIDER_GAP = 0.3  # space this much wider than the paper's usual leading parts them too
SMALL_PRINT = 0.92  # a line set this much smaller than the body text is small print (labels, sidebars, notes)
FIGURE_PAGE = 20  # a page with this many figure-text blocks has a drawn figure (axes, panels) on it
LABEL_WORDS = 6  # a short unfinished block inside such a figure is one of its labels, however it is set
RUNNING_TEXT = 40  # a line this long, not in small print, is running text (a figure's labels are shorter)
LABEL_REACH = 3.0  # how far around a short block (in body sizes) its neighbours decide whether it is a label
HEADING_SIZE = 1.04  # a line this much larger than the body text may be a heading (was 1.1, first line only)
VOCABULARY_FILE = Path(__file__).with_name("vocabulary.json")
_HYPHENS = ("-", "\u2010", "\u2011", HYPHEN_MARK)
_CHINESE_SET = re.compile(f"[{CHINESE_TEXT}]")
_WORD = re.compile(r"[A-Za-z][A-Za-z\-\u2010\u2011]*[A-Za-z]")
_CLOSING = tuple(".,;:)]")
# a suspended hyphen's other half: "one- or two-tailed", "pre- and post-test", "2- to 3-fold"
_SUSPENDED = re.compile(r"(?:and|or|nor|to)\s+\w+[-\u2010\u2011]\w")
# the rest of a broken word runs on into another hyphen: one link of a compound ("up- | to-date", "state- |
# of-the-art")
_IN_COMPOUND = re.compile(r"[A-Za-z]+[-\u2010\u2011][A-Za-z]")
_LINE_NUMBER = re.compile(r"^\d{1,4}\s+(?=\S)")
_SENTENCE_INSIDE = re.compile(r"[a-z0-9)\]][.;] +[A-Z]")
_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[IVX]+\.|[A-H]\.)\s+")
# a subsection's numbered title ("3.2. Doxorubicin Shifts…"): two levels at least, so that a numbered list
# item ("3. Participants were…") is not one
_NUMBERED_TITLE = re.compile(r"^\d+(?:\.\d+)+\.?\s+[A-Z]")
_SENTENCE_END = (".", ":", "?", "!")
_SENTENCE_WORD = re.compile(
    r"(?i)\b(?:the|a|an|we|our|it|its|this|these|that|which|is|are|was|were|be|been|has|have|had)\b")
# no paragraph ends on these: a sign, an opening bracket or a word that needs more after it, so the next
# block goes on with the sentence however it starts ("mean age ±" | "SD = 33.6", "as in" | "Figure 2")
_OPEN_END = re.compile(
    r"(?:[-\u2010\u2011\u2013=±×<>≤≥+/(\[]|\b(?:a|an|the|of|in|on|at|to|for|from|with|by|as|and|or|nor|than|"
    r"that|which|whose|between|among|into|onto|via|per|versus|including|see|were|was|is|are|be|been|its|"
    r"their|our|this|these|those))$")


@dataclass
class Block:
    """Consecutive lines of one page that belong together, and what they are."""

    lines: list[Line]
    kind: str = "prose"  # prose | heading | caption | aside | figure | furniture

    @property
    def page(self) -> int:
        """The page the block is on."""
        return self.lines[0].page

    @property
    def text(self) -> str:
        """The lines joined as one line, spaces normalised (hyphenation not yet resolved)."""
        return " ".join(line.text for line in self.lines)


@dataclass
class LaidOut:
    """A paper's text with where each page starts and where each section starts."""

    text: str
    page_starts: list[int] = field(default_factory=list)
    sections: list[tuple[int, str]] = field(default_factory=list)
    running: set[int] = field(default_factory=set)  # ids of the running heads, footers and page numbers left out


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    """The PDF reader's vocabularies, as written in `vocabulary.json`."""
    data = json.loads(VOCABULARY_FILE.read_text("utf-8"))
    return {
        "sections": {name: re.compile(rf"(?:{pattern})", re.IGNORECASE) for name, pattern in data["sections"].items()},
        "furniture": [re.compile(p, re.IGNORECASE) for p in data["furniture"]],
        "margin": re.compile(data["margin_furniture"], re.IGNORECASE),
        "line": re.compile(data["line_furniture"], re.IGNORECASE),
        "caption": cue("caption"),
        "declarations_topics": re.compile(data["declarations_topics"], re.IGNORECASE),
        "affiliation": re.compile(data["affiliation"], re.IGNORECASE),
        "exponent_units": frozenset(data["exponent_units"]),
    }


def section_of(heading: str) -> str:
    """The canonical section a heading starts ("2. Materials and methods" -> "Methods"), or ""."""
    key = _NUMBERING.sub("", heading).strip().rstrip(":.：").strip()
    for name, pattern in vocabulary()["sections"].items():
        if pattern.fullmatch(key):
            return name
    return ""


def _run_in_back_matter(text: str) -> tuple[str, str] | None:
    """A reference list or declaration whose label runs into its first line, as older BioMed Central papers
    set them ("References 1. Kudsk KA…", "Competing interests The authors…"): the label and the rest, or None.
    Only back matter: a run-in "Methods" or "Results" belongs to a structured abstract (split_glued_labels)."""
    words = text.split(" ", 6)
    for n in range(min(5, len(words) - 1), 0, -1):
        label = " ".join(words[:n])
        rest = text[len(label):].lstrip(" :")
        if section_of(label) in BACK_MATTER and rest[:1] and (rest[0].isupper() or rest[0].isdigit()):
            return label.rstrip(":"), rest
    return None


def may_answer(section: str, question: str) -> bool:
    """Whether a passage of this section may answer: never the reference list (other studies' findings),
    the Declarations only for questions about funding, ethics, conflicts, contributions or data."""
    if section == "References":
        return False
    return section != "Declarations" or bool(vocabulary()["declarations_topics"].search(question))


def lay_out(pages: list[Page]) -> LaidOut:
    """The paper's text from its pages' lines."""
    lines = [line for page in pages for line in page.lines if line.text]
    if not lines:
        return LaidOut("")
    body = _body_size(lines)
    leading = _usual_gap(pages)
    _mark_bold_lines(lines)
    _strip_line_numbers(pages)
    running = running_lines(pages)
    furniture = vocabulary()["line"]
    blocks: list[Block] = []
    last_caption: Block | None = None
    for page in pages:
        kept = [line for line in page.lines if line.text and id(line) not in running and not _in_side_margin(line, page)
                and not furniture.search(line.text.strip())]
        page_blocks = _demote_label_headings([_classify(block, body) for block in _group(kept, body, leading)])
        page_blocks = _mark_caption_runs(_mark_figure_labels(page_blocks, body), last_caption, body)
        blocks.extend(_mark_asides(page_blocks, kept, body))
        last_caption = next((b for b in reversed(page_blocks) if b.kind == "caption"), None)
    laid = _assemble(pages, blocks, _spellings(lines))
    laid.running = running
    return laid


def _strip_line_numbers(pages: list[Page]) -> None:
    """Manuscripts number their lines in the margin; when most lines start with a number, drop it."""
    numbered = [line for page in pages for line in page.lines if _LINE_NUMBER.match(line.text)]
    if len(numbered) < 0.3 * sum(len(page.lines) for page in pages):
        return
    for line in numbered:
        line.text = _LINE_NUMBER.sub("", line.text)


def _usual_gap(pages: list[Page]) -> float:
    """The usual space between two lines of one paragraph, in line heights (median over lines that follow each
    other in one column in one size; a blank line or a jump to another column is left out)."""
    gaps = [(b.top - a.bottom) / a.height for page in pages for a, b in zip(page.lines, page.lines[1:])
            if a.height > 0 and abs(a.size - b.size) < 0.01 and not (b.x0 > a.x1 or b.x1 < a.x0)
            and -0.5 * a.height < b.top - a.bottom < BLANK_LINE * a.height]
    return statistics.median(gaps) if gaps else 0.0


def _body_size(lines: list[Line]) -> float:
    sizes = Counter()
    for line in lines:
        sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0]


def _mark_bold_lines(lines: list[Line]) -> None:
    """Mark a line bold when its font weighs BOLD_WEIGHT or more, or clearly more than the body text's.

    Some publishers set subheadings in another, medium-weight family (Nucleic Acids Research: Univers at
    weight 500 over Sabon at 400), which a fixed bold threshold misses, gluing each subheading to its first
    sentence. The body's weight is the one most characters are set in; when fonts state none, only the
    fixed threshold applies.
    """
    weights: Counter = Counter()
    for line in lines:
        weights[line.weight] += len(line.text)
    body = weights.most_common(1)[0][0]
    for line in lines:
        line.bold = line.weight >= BOLD_WEIGHT or (body > 0 and line.weight >= body + HEAVIER_WEIGHT)


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def running_lines(pages: list[Page]) -> set[int]:
    """Ids of lines that are running heads, footers or page numbers."""
    margin = vocabulary()["margin"]
    shapes: dict[str, set[int]] = {}
    candidates: list[tuple[Line, str]] = []
    for page in pages:
        for line in page.lines:
            if line.top < 0.1 * page.height or line.bottom > 0.9 * page.height:
                shape = _shape(line.text)
                shapes.setdefault(shape, set()).add(page.number)
                candidates.append((line, shape))
    repeated = 2 if len(pages) >= 3 else len(pages) + 1
    return {id(line) for line, shape in candidates if len(shapes[shape]) >= repeated or margin.search(line.text.strip())}


def _in_side_margin(line: Line, page: Page) -> bool:
    """Text set sideways, in the side margins (download stamps, line numbers) or off the page altogether
    (a page of another version placed inside a figure and clipped to it)."""
    if line.bottom <= 0 or line.top >= page.height or line.x1 <= 0 or line.x0 >= page.width:
        return True
    return line.x1 < 0.06 * page.width or line.x0 > 0.94 * page.width or (
        len(line.text) <= 3 and line.height > 2 * (line.x1 - line.x0) and line.height > line.size * 1.5)


def _group(lines: list[Line], body: float, leading: float = 0.0) -> list[Block]:
    blocks: list[Block] = []
    for line in lines:
        prev = blocks[-1].lines[-1] if blocks else None
        if prev is None or _breaks(prev, line, body, leading) or _ends_numbered_title(blocks[-1], line):
            blocks.append(Block([line]))
        else:
            blocks[-1].lines.append(line)
    return blocks


def _breaks(prev: Line, line: Line, body: float, leading: float = 0.0) -> bool:
    if _NUMBERED_TITLE.match(line.text) and prev.text.rstrip().endswith(_SENTENCE_END):
        return True  # a numbered subheading after a finished paragraph, however it is set
    if abs(line.size - prev.size) > 0.12 * max(prev.size, line.size):
        return True
    # into a subheading set a little larger than the text (after a finished sentence), and out of it (unless
    # the larger line was running text after all)
    if _heading_size(line, body) and not _heading_size(prev, body) and prev.text.rstrip().endswith(_SENTENCE_END):
        return True
    if (_heading_size(prev, body) and not _heading_size(line, body) and not _SENTENCE_INSIDE.search(prev.text)
            and not prev.text.rstrip().endswith((",", ";"))):
        return True
    gap = line.top - prev.bottom
    # a blank line, or (in the body text's size) space clearly wider than the paper's usual leading: a
    # subheading set like the text above its paragraph; or back up to a new column
    widest = min(BLANK_LINE, leading + WIDER_GAP) if _body_sized(prev, body) and _body_sized(line, body) else BLANK_LINE
    if gap > widest * prev.height or gap < -0.5 * prev.height:
        return True
    if line.x0 > prev.x1 or line.x1 < prev.x0:  # side by side: another column
        return True
    if section_of(prev.text) and (prev.bold or prev.size > body):  # "Results" above its first subheading
        return True
    return prev.bold and not line.bold and len(prev.text) < 80  # a bold heading line above its text


def _body_sized(line: Line, body: float) -> bool:
    return abs(line.size - body) < 0.05 * body


def _is_numbered_title(text: str) -> bool:
    """Whether the text reads as a subsection's numbered title: "3.2. Doxorubicin Shifts the Gut…", no
    sentence inside it and none ended."""
    return (bool(_NUMBERED_TITLE.match(text)) and not text.rstrip().endswith(_SENTENCE_END + (",", ";"))
            and not _SENTENCE_INSIDE.search(_NUMBERING.sub("", text)))


def _ends_numbered_title(block: Block, line: Line) -> bool:
    """Whether `line` starts the paragraph under a numbered subheading set in the body's size and weight
    (MDPI's italics): the block so far is one or two lines of a numbered title, and `line` is indented."""
    first = block.lines[0]
    return len(block.lines) <= 2 and line.x0 > first.x0 + 0.5 * line.size and _is_numbered_title(block.text)


def _classify(block: Block, body: float) -> Block:
    vocab = vocabulary()
    text = block.text
    if any(p.search(text) for p in vocab["furniture"]):
        block.kind = "furniture"
    elif vocab["caption"].match(text):
        block.kind = "caption"
    elif _is_heading(block, body):
        block.kind = "heading"
    elif _is_figure_text(block, body):
        block.kind = "figure"
    return block


def _is_heading(block: Block, body: float) -> bool:
    text = block.text
    if len(block.lines) > 2 or len(text) > 120 or not text[:1].isalnum():
        return False
    if section_of(text):
        return True
    if _is_numbered_title(text):
        return True  # numbered like a subsection, short, no sentence in it: set like the text or not
    if text.endswith((".", ",", ";")) and not _NUMBERING.match(text):
        return False
    # larger type alone is weaker evidence than bold: a block in it with a sentence ending inside is running text
    styled = all(line.bold for line in block.lines) or (
        all(_heading_size(line, body) for line in block.lines) and not _SENTENCE_INSIDE.search(_NUMBERING.sub("", text)))
    return styled and len(text) >= 3 and not text[:1].islower() and sum(ch.isalpha() for ch in text) >= 3


def _heading_size(line: Line, body: float) -> bool:
    """Set larger than the body text: by at least HEADING_SIZE (subheadings are often only 5 % larger)."""
    return line.size >= HEADING_SIZE * body


def _demote_label_headings(blocks: list[Block]) -> list[Block]:
    """A bold label with figure text (or nothing) after it is part of a figure, not a heading."""
    for block, following in zip(blocks, blocks[1:] + [None]):
        if block.kind == "heading" and not section_of(block.text) and (following is None or following.kind == "figure"):
            block.kind = "figure"
    return blocks


def _mark_figure_labels(blocks: list[Block], body: float) -> list[Block]:
    """On a page with a drawn figure, a short unfinished block among the figure's text (a panel letter, an
    axis title, a legend entry, set in any size, even as a heading) is figure text, not prose: it lies in the
    frame of the page's figure text (or within two lines of it) and no running text does, or blocks of
    figure text lie within LABEL_REACH body sizes of it and no running text does. Equations spread through
    the text make such a frame too, but its running text keeps a piece of a sentence beside an equation
    ("…of the linear mixed model, where") in the prose."""
    figures = [b for b in blocks if b.kind == "figure"]
    if len(figures) < FIGURE_PAGE:
        return blocks
    running = [(line.x0, line.top, line.x1, line.bottom) for b in blocks if b.kind == "prose" for line in b.lines
               if len(line.text) >= RUNNING_TEXT and not _small(line, body)]
    boxes = [_frame([f]) for f in figures]
    frame = _frame(figures)
    drawn = not any(_meets(line, frame) for line in running)  # the frame holds a figure, not text with equations
    frame = _grown(frame, 2 * body)
    for block in blocks:
        if not ((block.kind == "prose" or block.kind == "heading" and not section_of(block.text))
                and _unfinished_label(block, body)):
            continue
        box = _frame([block])
        near = _grown(box, LABEL_REACH * body)
        among = sum(_meets(b, near) for b in boxes) >= 2 and not any(_meets(line, near) for line in running)
        if (drawn and _inside(box, frame)) or among:
            block.kind = "figure"
    return blocks


def _unfinished_label(block: Block, body: float) -> bool:
    """Short, unfinished, and without the articles, pronouns and verbs a piece of a sentence has ("For the
    Breslow approximation we have", "The hat matrix")."""
    text = block.text.rstrip()
    small = len(block.lines) <= 2 and all(_small(line, body) for line in block.lines)
    return ((len(text.split()) <= LABEL_WORDS or small) and not text.endswith(_SENTENCE_END)
            and not (" " in text and _SENTENCE_WORD.search(text)))  # a lone "A" is a panel letter


def _frame(blocks: list[Block]) -> tuple[float, float, float, float]:
    lines = [line for block in blocks for line in block.lines]
    return (min(line.x0 for line in lines), min(line.top for line in lines),
            max(line.x1 for line in lines), max(line.bottom for line in lines))


def _grown(box: tuple[float, float, float, float], by: float) -> tuple[float, float, float, float]:
    return box[0] - by, box[1] - by, box[2] + by, box[3] + by


def _meets(box: tuple[float, float, float, float], area: tuple[float, float, float, float]) -> bool:
    return box[0] < area[2] and box[2] > area[0] and box[1] < area[3] and box[3] > area[1]


def _inside(box: tuple[float, float, float, float], area: tuple[float, float, float, float]) -> bool:
    return box[0] >= area[0] and box[1] >= area[1] and box[2] <= area[2] and box[3] <= area[3]


def _mark_caption_runs(blocks: list[Block], last_caption: Block | None, body: float) -> list[Block]:
    """A caption that breaks (across columns, or over to the next page) goes on in a block of its own, set in
    the caption's size, that reads on from it (`_goes_on`); that block is caption too, not prose to be joined
    into the paper's sentences. `last_caption` is the previous page's last caption."""
    before = last_caption
    for block in blocks:
        if (block.kind == "prose" and before is not None and _continues_caption(before, block, body)):
            block.kind = "caption"
        if block.kind == "caption":
            before = block
        elif block.kind in ("prose", "heading") and before is not last_caption:
            before = None  # on its own page a caption goes on only in the block right after it
    return blocks


def _continues_caption(caption: Block, block: Block, body: float) -> bool:
    size = caption.lines[-1].size
    return (_goes_on(caption.text, block.text) and not caption.text.rstrip().endswith(_SENTENCE_END)
            and all(_small(line, body) and abs(line.size - size) < 0.05 * size for line in block.lines))


def _mark_asides(blocks: list[Block], lines: list[Line], body: float) -> list[Block]:
    """Small print in a column of its own beside the text (a first-page sidebar: editor, correspondence,
    conflicts) is an aside: it is kept, after its page's prose like a caption, so that it never breaks a
    sentence. Small print across the text's own column (an abstract, a footnote) stays where it is."""
    text_lines = [line for line in lines if not _small(line, body)]
    for block in blocks:
        if block.kind == "prose" and all(_small(line, body) for line in block.lines) and _beside_text(block, text_lines):
            block.kind = "aside"
    return blocks


def _small(line: Line, body: float) -> bool:
    return line.size < SMALL_PRINT * body


def _beside_text(block: Block, text_lines: list[Line]) -> bool:
    """Whether body-size lines sit level with the block, all of them left or right of it."""
    x0, x1 = min(line.x0 for line in block.lines), max(line.x1 for line in block.lines)
    top, bottom = min(line.top for line in block.lines), max(line.bottom for line in block.lines)
    level = [line for line in text_lines if line.top < bottom and line.bottom > top]
    return bool(level) and all(line.x1 <= x0 or line.x0 >= x1 for line in level)


def _is_figure_text(block: Block, body: float) -> bool:
    lengths = [len(line.text) for line in block.lines]
    short = statistics.median(lengths) < 40
    smaller = statistics.median(line.size for line in block.lines) < SMALL_PRINT * body
    return short and (smaller or sum(ch.isalpha() for ch in block.text) < 0.5 * len(block.text))


def _spellings(lines: list[Line]) -> Counter:
    """How often each word form occurs within lines (never across a line end)."""
    counts: Counter = Counter()
    broken = False  # the line before ended in a hyphen: this line's first word is the rest of a word
    for line in lines:
        text = line.text
        if broken:
            text = re.sub(r"^[A-Za-z]+", " ", text)
        broken = text.endswith(_HYPHENS)
        if broken:
            text = re.sub(r"[A-Za-z]+[-\u2010\u2011\u00ad]$", " ", text)
        for word in _WORD.findall(text.replace(HYPHEN_MARK, " ")):
            parts = re.split(r"[-\u2010\u2011]", word.lower())
            counts[word.lower()] += 1
            counts.update(f"{a}-{b}" for a, b in zip(parts, parts[1:]) if len(parts) > 2)  # pairs in compounds
    return counts


def join_lines(texts: list[str], spellings: Counter) -> str:
    """Lines of one paragraph as one string, words broken at line ends mended."""
    out = ""
    for text in texts:
        if not out:
            out = text
            continue
        if out.endswith(_HYPHENS) and _SUSPENDED.match(text):
            out = out[:-1] + "- " + text
        elif out.endswith(_HYPHENS) and text[:1].isalpha():
            out = out[:-1] + _mend(out[:-1], text, spellings) + text
        elif out.endswith(_HYPHENS) and text[:1].isdigit():
            out = out[:-1] + "-" + text
        elif text[:1] in _CLOSING:  # the full stop after a dropped superscript, set on its own
            out += text
        else:
            out = f"{out}{line_glue(out, text)}{text}"
    return out.replace(HYPHEN_MARK, "-")


def line_glue(before: str, after: str) -> str:
    """What joins two lines of one paragraph: a space, or nothing between Chinese characters and punctuation
    (Chinese sets no space between words, so a space there would split "命令" into "命 令")."""
    return "" if _chinese_meets_chinese(before, after) else " "


def _chinese_meets_chinese(before: str, after: str) -> bool:
    return bool(_CHINESE_SET.match(before[-1:]) and _CHINESE_SET.match(after[:1]))


def _mend(before: str, after: str, spellings: Counter) -> str:
    """'' to join the two halves of a broken word, '-' when the paper writes it with a hyphen."""
    head = re.search(r"[A-Za-z]*$", before).group(0).lower()
    tail = re.match(r"[A-Za-z]*", after).group(0).lower()
    if not head or not tail:
        return "-"
    joined, hyphened = head + tail, f"{head}-{tail}"
    if spellings[hyphened] > spellings[joined]:
        return "-"
    if spellings[joined]:
        return ""
    # neither form seen elsewhere: a part in capitals ("COVID-", "Pascual-Leone"), a link of a longer compound,
    # or two halves that are words of the paper on their own ("rate-limiting", "brain-training") make a
    # compound; typesetting breaks words into pieces that are not words ("expec-tations")
    original = re.search(r"[A-Za-z]*$", before).group(0)
    if original.isupper() or len(head) == 1 or after[:1].isupper() or _IN_COMPOUND.match(after):
        return "-"
    return "-" if min(len(head), len(tail)) >= 3 and spellings[head] and spellings[tail] else ""


def _runs_on(text: str) -> bool:
    """Whether a prose block ends inside a sentence (its paragraph goes on in the next block)."""
    return not re.search(r"[.!?:;)\]\"”。！？；：）」』]$", text)


def _goes_on(before: str, after: str) -> bool:
    """Whether a block starting `after` continues the paragraph that ran on at the end of `before`: it starts
    in lower case or with a bracket, or `before` stopped on a sign or word that no paragraph ends on, or
    inside a Chinese sentence that the block goes on with."""
    return (after[:1].islower() or after[:1] in "([" or bool(_OPEN_END.search(before))
            or _chinese_meets_chinese(before, after))


def _page_order(blocks: list[Block], continues: bool, spellings: Counter) -> list[Block]:
    """A page's prose and headings in reading order, then its captions, so that a caption never breaks a
    sentence; when the page's last paragraph runs on to the next page, the captions go before that
    paragraph (and its subheading) instead, still on their own page, unless it began on an earlier page
    (`continues`)."""
    text = [b for b in blocks if b.kind in ("prose", "heading")]
    captions = [b for b in blocks if b.kind in ("caption", "aside")]
    if not captions or not text or text[-1].kind != "prose":
        return text + captions

    def joined(i: int) -> str:
        return join_lines([line.text for line in text[i].lines], spellings)

    first, current = len(text) - 1, joined(len(text) - 1)
    if not _runs_on(current):
        return text + captions
    while (first > 0 and text[first - 1].kind == "prose" and _runs_on(before := joined(first - 1))
           and _goes_on(before, current)):
        first, current = first - 1, before  # the paragraph began in an earlier block (another column)
    if first == 0 and continues and current[:1].islower():
        return text + captions
    while first > 0 and text[first - 1].kind == "heading":
        first -= 1  # and the subheading above it stays with it
    return text[:first] + captions + text[first:]


def _assemble(pages: list[Page], blocks: list[Block], spellings: Counter) -> LaidOut:
    out = LaidOut("")
    parts: list[str] = []
    length = 0
    current_section = ""

    def add(piece: str, separator: str) -> int:
        nonlocal length
        if parts:
            parts.append(separator)
            length += len(separator)
        parts.append(piece)
        start = length
        length += len(piece)
        if out.page_starts[-1] < 0:  # the page's first text
            out.page_starts[-1] = start
        return start

    by_page: dict[int, list[Block]] = {}
    for block in blocks:
        by_page.setdefault(block.page, []).append(block)
    open_paragraph = False
    held: list[Block] = []  # captions of pages a paragraph runs across (full-page figures), not yet placed
    for page in pages:
        page_blocks = by_page.get(page.number, [])
        out.page_starts.append(-1)
        if open_paragraph and not any(b.kind in ("prose", "heading") for b in page_blocks):
            held.extend(page_blocks)  # set after the paragraph goes on, rather than inside its sentence
            continue
        page_blocks, held = held + page_blocks, []
        for block in _page_order(page_blocks, open_paragraph, spellings):
            text = join_lines([line.text for line in block.lines], spellings)
            if block.kind == "heading":
                start = add(text, "\n")
                name = section_of(text)
                if name and name != current_section:
                    out.sections.append((start, name))
                    current_section = name
                open_paragraph = False
            elif block.kind in ("caption", "aside"):
                add(text, "\n")
                open_paragraph = False
            elif parts and text[:1] in _CLOSING:
                add(text, "")
            elif open_paragraph and _goes_on(parts[-1], text):
                broken = parts[-1].endswith(_HYPHENS)
                if broken:  # a word broken across columns or pages: mend it, keeping the offsets true
                    before = parts[-1]
                    parts[-1] = before[:-1] + _mend(before[:-1], text, spellings)
                    length += len(parts[-1]) - len(before)
                add(text, "" if broken else line_glue(parts[-1], text))
            elif block.kind == "prose" and not open_paragraph and (run_in := _run_in_back_matter(text)):
                label, rest = run_in  # "References 1. Kudsk KA…", "Competing interests The authors declare…"
                start = add(label, "\n")
                if section_of(label) != current_section:
                    out.sections.append((start, section_of(label)))
                    current_section = section_of(label)
                add(rest, "\n")
            else:
                for piece in split_glued_labels([text]):  # "Background The significance…" in abstracts
                    start = add(piece, "\n")
                    if piece is not text and section_of(piece) == "Abstract" and not current_section:
                        out.sections.append((start, "Abstract"))
                        current_section = "Abstract"
            if block.kind == "prose":
                open_paragraph = _runs_on(text)
        if out.page_starts[-1] < 0:  # a page without text starts where the next text will
            out.page_starts[-1] = length
    for block in _page_order(held, False, spellings):  # the paper ended with such a page
        add(join_lines([line.text for line in block.lines], spellings), "\n")
    if out.page_starts and out.page_starts[-1] < 0:
        out.page_starts[-1] = length
    for i in range(len(out.page_starts) - 2, -1, -1):  # a held page, or an empty page before a word mended across it
        later = out.page_starts[i + 1]
        out.page_starts[i] = later if out.page_starts[i] < 0 else min(out.page_starts[i], later)
    out.text = "".join(parts).replace(HYPHEN_MARK, "-")
    return out
