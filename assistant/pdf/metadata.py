"""Bibliographic fields of a paper from its PDF, offline: document information and XMP, the first page's
typography, the running header, citation lines and the DOI.

Most trusted first, each checked against what the first page prints:
- title: the XMP or document-information title when page one prints it, else the largest text on page
  one, whole across its lines (article-type labels, journal logos and furniture excluded);
- authors: the lines right under the title, set alike, split into names (degrees and marks removed);
  else the XMP or information author list, name by name, where page one prints the name;
- DOI: XMP, then page one, then a "cite this article" line; journal and year: a citation-shaped line
  in the running header, the first page, the information subject or a "cite this article" line
  (`BMC Biology (2024) 22:106`, `Nucleic Acids Research, 2024, 52, …`, `Cancers 2022, 14, 4849`,
  `eLife 2023;12:RP91357`), then labelled dates ("Published: 4 October 2022", "posted May 16, 2024").
Nothing is taken from the reference list, and nothing is guessed: a field the paper does not state stays empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..metadata import Metadata, make_label
from ..patterns import DOI
from ..text import detect_langs
from .layout import running_lines, section_of, vocabulary
from .reader import Line, Page

METADATA_VERSION = "9"
_ARTICLE_TYPE = re.compile(
    r"^(research( article| paper)?|original (article|research|paper)|article|review( article)?|r ?e ?v ?i ?e ?w|"
    r"open access|brief (report|communication)|short (communication|report)|letter|report|preprint|"
    r"systematic review|research letter|methods?|resource|[a-z]+)$", re.IGNORECASE)
_DEGREES = re.compile(r"\b(Ph\.?\s?D|M\.?\s?D|MSc|M\.?Sc|MPH|MBBS|BSc|B\.?Sc|RN|MA|MS|FRCP\w*|DPhil|PsyD)\b\.?")
# footnote marks after a name: digits, *, †, ‡ … and LaTeX's ∗ ⋆ ★; affiliation letters after an initial
_TRAILING_MARKS = re.compile(r"[\s\d*†‡§¶#,.\u2217\u22c6\u2605]+$|(?<=\.)[a-f](?:,[a-f])*$")
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|van|von|der|de|da|del|di|du|le|la|dos|y)$")
_CITATION_PATTERNS = [
    # Yang et al. BMC Biology (2024) 22:106 · Nature Communications | (2024) 15:4201 · Int Psychogeriatr (2014), 26:1
    re.compile(r"(?P<journal>[A-Za-z][\w&.'’ -]{1,80}?)\s*\|?\s*\((?P<year>(?:19|20)\d\d)\)\s*,?\s*\d+\s*[:(]"),
    # Nucleic Acids Research, 2024, 52, 4295–4312
    re.compile(r"(?P<journal>[A-Za-z][\w&.'’ -]{1,80}?),\s*(?P<year>(?:19|20)\d\d),\s*\d+\s*,"),
    # Cancers 2022, 14, 4849 · eLife 2023;12:RP91357 · Journal of … Outcomes 2010, 4:1 · mSphere 2024.9:e00109-24
    re.compile(r"(?P<journal>[A-Za-z][\w&.'’ -]{1,80}?)\s+(?P<year>(?:19|20)\d\d)\s*[,;.]?\s*\d+\s*[,:(]"),
]
_VOLUME_LINE = re.compile(r"^Volume (?P<year>(?:19|20)\d\d), Article ID", re.IGNORECASE)
_PREPRINT = re.compile(r"\b(?P<journal>bioRxiv|medRxiv|arXiv|Research Square|SSRN)\b.{0,80}?\bposted\b.{0,20}?(?P<year>(?:19|20)\d\d)", re.IGNORECASE)
# the date a paper was published, accepted or posted: the word and then a date, not prose that goes on ("has
# published in ASME journals since 1984")
_PUBLISHED = re.compile(r"\b(published|publication date|posted|accepted)\b(?:\s+online)?(?:\s+on)?"
                        r"(?:\s+in(?:\s+(?-i:[A-Z])[\w&.-]*){1,4}|\s+as\s+(?-i:[A-Z])[\w-]*\s*\()?[\s:,-]*"  # "Accepted in Quantum
                        # 2017-05-09", "published as Leisch (2004b)"
                        r"(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:[A-Za-z]+\.?\s+)?(?:\d{1,2},?\s+)?(?P<year>(?:19|20)\d\d)(?!\d)", re.IGNORECASE)
_CITE_LINE = re.compile(r"cite this article|please cite|^citation:", re.IGNORECASE)
_ET_AL = re.compile(r"^.*?\bet\s*al\.?[:,]?\s*")
_TITLE_MARKS = re.compile(r"[\u2217\u2020\u2021\u22c6\u2605]+(?:,[\u2217\u2020\u2021\u22c6\u2605]+)*")  # ∗ † ‡ ⋆ ★
# a number standing on its own (a street number, a postcode) marks an address; affiliation marks stick to names
_ADDRESS_NUMBER = re.compile(r"(?<![\w.])\d{2,}\b")
_SECTION_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z]")  # "2 Preliminaries", "2.1 Installing Packages"


@dataclass
class _Text:
    lines: list[Line]
    page_one: str


def paper_metadata(pages: list[Page], info: dict[str, str], xmp: dict[str, list[str]],
                   text: str, running: set[int] | None = None) -> Metadata:
    """Every field the paper states, from its pages, information dictionary and XMP packet; `running` are the
    ids of the running lines as the layout found them (found again when not given)."""
    meta = Metadata()
    if not pages:
        return meta
    first = [line for line in pages[0].lines if line.text]
    page_one = _norm(" ".join(line.text for line in first))
    running = running_lines(pages) if running is None else running
    # a manuscript's running head ("SAMPLE DOCUMENT 1" atop every page of an APA manuscript) is set as large
    # as its title, and higher on the page
    title_block = _title_block([line for line in first if id(line) not in running])
    meta.title = _stated((xmp.get("title") or [""])[0], page_one) or _stated(info.get("Title", ""), page_one) or (
        _without_note_marks(" ".join(line.text for line in title_block)))
    meta.authors = _authors_under(first, title_block) or _listed_authors(listed_names(xmp, info), page_one)
    cite_lines = [text for page in pages for text in _around_citation(page)]
    meta.doi = _doi(xmp, [line.text for line in first] + cite_lines)
    candidates = _header_lines(pages) + [line.text for line in first] + [info.get("Subject", "")] + cite_lines
    meta.journal, meta.year = _journal_and_year(candidates, xmp)
    meta.langs = detect_langs(text)
    meta.label = make_label(meta.authors, meta.journal, meta.year, meta.doi, pubmed_order=False)
    meta.field_lines = _stating_lines(pages, meta)
    return meta


def _stating_lines(pages: list[Page], meta: Metadata) -> dict[str, list]:
    """For each field, the first line on the page (page one first, then the margins of the others) that
    states its value: where a citation of a metadata answer points."""
    order = [(pages[0].number, line.text) for line in pages[0].lines] + [
        (page.number, line.text) for page in pages[1:] for line in page.lines
        if line.top < 0.1 * page.height or line.bottom > 0.9 * page.height] + [
        (page.number, text) for page in pages for text in _around_citation(page)]
    wanted = {"doi": meta.doi, "journal": meta.journal, "authors": meta.authors[0] if meta.authors else "",
              "year": f"{meta.year}" if meta.year else ""}
    found: dict[str, list] = {}
    for name, value in wanted.items():
        if not value:
            continue
        for number, text in order:
            words = text if name == "doi" else DOI.sub(" ", text)  # "msphere" inside a DOI is no journal name
            if re.search(rf"(?<!\w){re.escape(value)}(?!\w)", words, re.IGNORECASE) and (
                    name != "year" or meta.journal.lower() in text.lower() or _PUBLISHED.search(text)
                    or _PREPRINT.search(text)):
                found[name] = [number, text]
                break
    return found


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def _without_note_marks(title: str) -> str:
    """The title set on page one without the marks that point to its footnotes ("Users Manual†", "title⋆,⋆⋆")."""
    title = _TITLE_MARKS.sub("", title)
    return re.sub(r"[\s*,]+$", "", title).strip().rstrip(".")


def _stated(value: str, page_one: str) -> str:
    """The value when page one prints it (a file name or a tool's name in the title field is not a title, nor
    is the author line some tools write there)."""
    value = " ".join(value.split()).strip()
    return value if len(_norm(value)) >= 12 and _norm(value) in page_one and not _only_names(value) else ""


def _only_names(text: str) -> bool:
    """Whether the text is a list of two or more personal names and nothing else."""
    parts = [p for p in _name_parts(text) if p.strip()]
    return len(parts) >= 2 and len(_names(text)) == len(parts)


def _title_block(lines: list[Line]) -> list[Line]:
    """The largest text on page one that reads like a title, with its continuation lines."""
    candidates = [line for line in lines if _could_be_title(line.text)]
    # LaTeX's article class sets a section heading ("2 Preliminaries") larger than the title above it
    headings = {id(line): line.top for line in candidates if _SECTION_NUMBER.match(line.text)}
    if headings and any(line.top < min(headings.values()) for line in candidates if id(line) not in headings):
        candidates = [line for line in candidates if id(line) not in headings]
    if not candidates:
        return []
    biggest = max(line.size for line in candidates)
    start = next(line for line in candidates if line.size >= 0.97 * biggest)
    block = [start]
    for line in sorted(lines, key=lambda l: l.top):
        last = block[-1]
        if line.top <= last.top or line is start:
            continue
        if abs(line.size - start.size) <= 0.05 * start.size and line.top - last.bottom < 0.8 * last.height:
            block.append(line)
        elif line.top - last.bottom >= 0.8 * last.height or abs(line.size - start.size) > 0.05 * start.size:
            if line.top > last.bottom:
                break
    return block


def _could_be_title(text: str) -> bool:
    vocab = vocabulary()
    return (len(text) >= 3 and not _ARTICLE_TYPE.match(text.strip()) and not section_of(text)
            and not DOI.search(text) and "http" not in text.lower()
            and not any(p.search(text) for p in vocab["furniture"]) and not vocab["margin"].search(text))


def _authors_under(lines: list[Line], title: list[Line]) -> list[str]:
    if not title:
        return []
    below = sorted((l for l in lines if l.top >= title[-1].bottom - 1 and l.size <= title[0].size * 1.02
                    and all(l is not t for t in title)), key=lambda l: l.top)
    for i, line in enumerate(below[:4]):
        names = _names(line.text)
        if len(names) >= 1 and _looks_like_authors(line.text, names):
            block = [line]
            for nxt in below[i + 1:]:
                if abs(nxt.size - line.size) > 0.05 * line.size or nxt.top - block[-1].bottom > 0.8 * line.height:
                    break
                if vocabulary()["affiliation"].search(nxt.text):  # "Mayo Clinic" centred under the name
                    break
                if nxt.x0 < line.x1 and nxt.x1 > line.x0:  # under the first line (centred lines too)
                    block.append(nxt)
            joined = _names(" ".join(b.text for b in block))  # a name may run over a line end
            each = [name for b in block for name in _names(b.text)]  # one name a line, each with its mark
            return each if len(each) > len(joined) else joined
    return []


def _looks_like_authors(text: str, names: list[str]) -> bool:
    if vocabulary()["affiliation"].search(text) or "@" in text or len(text) > 600 or _ADDRESS_NUMBER.search(text):
        return False
    return len(names) >= 2 or bool(re.search(r"\b(and|&)\b|,", text)) or len(names[0].split()) in (2, 3, 4)


def _names(text: str) -> list[str]:
    names = []
    for part in _name_parts(text):
        name = _TRAILING_MARKS.sub("", part.strip()).strip(" *†‡")
        words = name.split()
        if 1 < len(words) <= 5 and all(_NAME_WORD.match(w) for w in words) and any(len(w) > 2 for w in words):
            names.append(" ".join(words))
    return names


def _name_parts(text: str) -> list[str]:
    """An author line cut where one name may end: commas, semicolons, "and", "&" (degrees taken out)."""
    return re.split(r"[,;]", _DEGREES.sub("", text.replace("&", ",").replace(" and ", ", ")))


def listed_names(xmp: dict[str, list[str]], info: dict[str, str]) -> list[str]:
    """The author names the XMP packet lists (an entry may hold them all: "Trevor Hastie; Kenneth Tay"), else
    those of the information dictionary's Author."""
    listed = [name for creator in xmp.get("creator", []) for name in creator.split(";")]
    return listed or re.split(r",|;| and ", info.get("Author", ""))


def _listed_authors(names: list[str], page_one: str) -> list[str]:
    kept = [" ".join(n.split()) for n in names if len(_norm(n)) >= 4 and _norm(n) in page_one]
    return [n for n in kept if len(n.split()) >= 2]


def _doi(xmp: dict[str, list[str]], lines: list[str]) -> str:
    values = xmp.get("doi", []) + xmp.get("identifier", []) + lines
    for value in values:
        if match := DOI.search(value):
            return match.group(0).rstrip(".;,)").lower()
    return ""


def _around_citation(page: Page) -> list[str]:
    """A "cite this article" line with the lines either side of it (the DOI often sits just before)."""
    texts = [line.text for line in page.lines]
    hits = [i for i, text in enumerate(texts) if _CITE_LINE.search(text)]
    return [texts[j] for i in hits for j in range(max(0, i - 1), min(len(texts), i + 3))]


def _header_lines(pages: list[Page]) -> list[str]:
    """Lines in the top or bottom margin of the first pages (running heads carry the citation)."""
    out = []
    for page in pages[:3]:
        out += [l.text for l in page.lines if l.top < 0.1 * page.height or l.bottom > 0.9 * page.height]
    return out


def _journal_and_year(lines: list[str], xmp: dict[str, list[str]]) -> tuple[str, int | None]:
    journal = (xmp.get("publicationName") or [""])[0].strip()
    year: int | None = None
    for i, line in enumerate(lines):
        if match := _PREPRINT.search(line):
            return journal or match["journal"], int(match["year"])
        if match := _VOLUME_LINE.match(line.strip()):
            previous = lines[i - 1].strip() if i else ""
            return journal or (previous if _plausible_journal(previous) else ""), int(match["year"])
        for pattern in _CITATION_PATTERNS:
            match = pattern.search(line)
            if match and _plausible_journal(name := _clean_journal(match["journal"])):
                return journal or name, int(match["year"])
    for line in lines:
        if match := _PUBLISHED.search(line):
            year = int(match["year"])
            break
    return journal, year


def _clean_journal(name: str) -> str:
    name = _ET_AL.sub("", name.strip())
    name = re.sub(r"^(citation|cite this article as)\s*:\s*", "", name, flags=re.IGNORECASE)
    return name.strip(" .,;|:")


def _plausible_journal(name: str) -> bool:
    words = name.split()
    return (0 < len(words) <= 10 and name[:1].isalpha() and not DOI.search(name) and "http" not in name.lower()
            and not re.search(r"\b(volume|page|copyright|received|accepted|published|licen)", name, re.IGNORECASE)
            and sum(_capitalised(w) for w in words if len(w) > 3) >= max(1, len([w for w in words if len(w) > 3]) // 2))


def _capitalised(word: str) -> bool:
    """'Biology', 'BMC', and the camel-cased 'eLife', 'mSphere', 'bioRxiv'."""
    return word[:1].isupper() or any(ch.isupper() for ch in word[1:])


def read_xmp(data: bytes) -> dict[str, list[str]]:
    """The Dublin Core and PRISM fields of an uncompressed XMP packet (empty when there is none)."""
    match = re.search(rb"<x:xmpmeta.*?</x:xmpmeta>", data, re.DOTALL)
    if not match:
        return {}
    packet = match.group(0).decode("utf-8", errors="replace")
    fields: dict[str, list[str]] = {}
    for tag, key in (("dc:title", "title"), ("dc:creator", "creator"), ("prism:doi", "doi"),
                     ("dc:identifier", "identifier"), ("prism:publicationName", "publicationName")):
        found = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", packet, re.DOTALL)
        if found:
            items = re.findall(r"<rdf:li\b[^>]*>(.*?)</rdf:li>", found.group(1), re.DOTALL) or [found.group(1)]
            fields[key] = [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items if item.strip()]
    return fields
