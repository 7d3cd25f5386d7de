"""One question's way from `Query` to `Answer`, over one index snapshot pinned for that question.

    question, history, sources
      -> read      a request wrapped around the question taken off ("Can you tell me what X is?" -> "What is
                   X?"), follow-ups made standalone (LLM condensation when configured, else the rule), then the
                   question parsed once into a `Query`
      -> route     a question across the collection ("which studies …") is answered from the study cards
                   of every indexed study; anything else goes on:
      -> retrieve  passages (hybrid by default; a Chinese question over English passages through its English
                   gloss), and the chunk stating an asked metadata value
      -> fields    a question asking for a bibliographic field itself is answered from the lead document's
                   fields, cited to the line that states the value
      -> extract   the extractive answer; it also decides refusal from the evidence (a refused Chinese
                   question is searched again through its gloss when some documents have no Chinese text)
      -> generate  the LLM's answer with checked markers, or the extractive one

`answer_pieces` yields text pieces and then the final Answer; `answer()` keeps the last item and
`stream()` passes them on, so both run the same path.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .answering.citations import check_markers, citations_for
from .answering.extractive import Extract, extractive_answer, splits_between_documents
from .answering.followup import condense, needs_context
from .answering.llm import LLMUnavailable
from .answering.metadata_answer import fields_asked_for, has_record, metadata_answer
from .answering.metadata_questions import asked_values
from .answering.refusal import REFUSALS, refusal_text
from .cards.answer import answer_from_cards
from .lexical import tokenize
from .query import Query, direct_question, read_query
from .types import Answer, Passage

if TYPE_CHECKING:
    from .api import Assistant
    from .retrieval import Retriever, SearchEvidence


@dataclass
class Turn:
    """A question on its way to an answer: the parsed query, the pinned index, and what has been found."""

    query: Query
    retriever: Retriever
    started: float
    notices: list[str] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    also: list[Passage] = field(default_factory=list)  # chunks stating an asked metadata value
    retrieved: float = 0.0
    values: list[str] = field(default_factory=list)
    extract: Extract | None = None
    evidence: SearchEvidence | None = None  # what the searches that found the passages said (retrieval.py)


def answer_pieces(assistant: Assistant, question: str, history: Sequence[dict[str, str]] = (),
                  sources: Sequence[str] | None = None) -> Iterator[str | Answer]:
    """Text pieces as they are produced, then the final Answer (which is authoritative)."""
    turn = start(assistant, question, history, sources)
    routed = answer_about_collection(turn)
    if routed is None:
        retrieve(assistant, turn)
        if fields_asked_for(turn.query.question) and _may_ask_english_only(assistant, turn):
            _name_in_english(assistant, turn)
        routed = answer_from_metadata(turn)
    if routed is not None:
        yield routed.text
        yield routed
        return
    extract(assistant, turn)
    yield from generate(assistant, turn)


def final_answer(pieces: Iterator[str | Answer]) -> Answer:
    """The Answer at the end of a stream of pieces."""
    return next(piece for piece in pieces if isinstance(piece, Answer))


def start(assistant: Assistant, question: str, history: Sequence[dict[str, str]],
          sources: Sequence[str] | None) -> Turn:
    """Pin the current index snapshot and read the question (a follow-up made standalone) once."""
    started = time.perf_counter()
    retriever = assistant.retriever  # one index generation for the whole question, even while a build swaps it
    notices: list[str] = []
    question = direct_question(question)
    standalone = condense(question, history)
    if assistant.llm and history and needs_context(question):
        try:
            standalone = assistant.llm.condense(question, history)
        except LLMUnavailable as exc:
            notices.append(f"{exc}; follow-up resolved without the LLM")
    query = read_query(question, standalone, sources)
    return Turn(query, retriever, started, notices)


def answer_about_collection(turn: Turn) -> Answer | None:
    """The answer from the study cards when the question asks across the collection, else None."""
    if turn.query.collection is None:
        return None
    retriever, snapshot = turn.retriever, turn.retriever.snapshot
    cards = snapshot.study_cards(turn.query.sources)

    def passage_for(evidence, card):
        pos = snapshot.chunk_covering(card.doc_id, evidence.start, evidence.end)
        return None if pos is None else retriever.passage_at(pos, 1.0)

    result = answer_from_cards(turn.query.collection, cards, passage_for)
    if result is not None:
        result.notice = "; ".join(turn.notices)
        result.timings = {"retrieve_ms": 0.0, "answer_ms": _ms(turn.started)}
    return result


def retrieve(assistant: Assistant, turn: Turn) -> None:
    """Passages for the standalone query (twice as many for a comparison), and for a metadata question the
    chunk of the lead document that states the asked value. A Chinese question whose best passage is English
    is searched again through its English gloss (translation.py), which the answerer then matches with."""
    query, retriever, settings = turn.query, turn.retriever, assistant.settings
    k = settings.top_k * (2 if query.compares else 1)
    sources = list(query.sources) if query.sources else None
    found = retriever.search(query.standalone, k=k, mode=settings.retrieval_mode, dedupe=settings.dedupe,
                             sources=sources, lang=query.lang)
    passages, turn.evidence = found.passages, found.evidence
    if settings.gloss_questions and query.lang == "zh" and passages and passages[0].lang == "en":
        glossed = _glossed(turn, k, settings)
        if glossed is not None:
            turn.query, passages, turn.evidence = glossed
            query = turn.query
    if query.compares and not splits_between_documents(query.terms, passages):
        turn.query = query.within_one_document()
        passages = passages[:settings.top_k]
    _keep(turn, passages)


def _glossed(turn: Turn, k: int, settings: Any) -> tuple[Query, list[Passage], SearchEvidence] | None:
    """The query glossed into English, the passages its gloss finds and the searches' evidence, or None when
    nothing glosses."""
    from .translation import english_gloss

    retriever, query = turn.retriever, turn.query
    doc_freq = retriever.snapshot.lexical.doc_freq
    gloss = english_gloss(query.standalone, doc_freq.__contains__, lambda term: doc_freq.get(term, 0))
    if not gloss:
        return None
    found = retriever.search(gloss, k=k, mode=settings.retrieval_mode, dedupe=settings.dedupe,
                             sources=list(query.sources) if query.sources else None, lang="en")
    return query.glossed(gloss), found.passages, found.evidence


def _keep(turn: Turn, passages: list[Passage]) -> None:
    """Record the passages found, with the lead document's chunk stating an asked metadata value."""
    query, retriever = turn.query, turn.retriever
    also: list[Passage] = []
    if passages and query.fields and not query.compares:
        turn.values = asked_values(query.fields, retriever.snapshot.documents[passages[0].doc_id])
        for value in turn.values:
            if not any(value in p.text for p in passages):
                pos = retriever.chunk_containing(passages[0].doc_id, value)
                if pos is not None:
                    also.append(retriever.passage_at(pos, 0.0))
    turn.passages, turn.also = passages + also, also
    turn.retrieved = time.perf_counter()


def answer_from_metadata(turn: Turn) -> Answer | None:
    """The answer from the lead document's bibliographic fields when the question asks for one, else None; a
    refusal when that document is a paper with a bibliographic record but states none of the fields asked for
    (a sentence of its text would only be a guess: "Which journal published it?" of a page naming no journal)."""
    fields = fields_asked_for(turn.query.question)
    if not fields or turn.query.compares or not turn.passages:
        return None
    retriever = turn.retriever
    doc = retriever.snapshot.documents[turn.passages[0].doc_id]

    def passage_at(start: int, end: int) -> Passage | None:
        pos = retriever.snapshot.chunk_covering(doc.doc_id, start, end)
        return None if pos is None else retriever.passage_at(pos, 1.0)

    found = metadata_answer(fields, doc, turn.query.lang, passage_at)
    if found is None:
        return _answer(turn, refusal_text(turn.query.lang), [], True, "metadata", turn.notices) if has_record(doc) else None
    text, citations, cited = found
    turn.passages = turn.passages + [p for p in cited if all(p.chunk_id != q.chunk_id for q in turn.passages)]
    return _answer(turn, text, citations, False, "metadata", turn.notices)


def extract(assistant: Assistant, turn: Turn) -> None:
    """The extractive answer (also the evidence check for refusing). A Chinese answer that quotes documents
    never mentioning a name the question gives is answered again from the retrieved documents with Chinese
    text that mention it (`_keep_to_named_documents`). A Chinese question gets a second search through its
    English gloss when the collection holds documents with no Chinese text, which a Chinese search cannot
    find, and the first search refused or quoted a document with Chinese text that never mentions a name the
    question gives ("Tele-Balint", or "巴林特" read by its sound); the second answer stands only when it quotes
    documents with no Chinese text alone."""
    _extract(assistant, turn)
    missing = _missing_names(turn) if turn.query.lang == "zh" and not turn.extract.refused else []
    if missing and _keep_to_named_documents(assistant, turn, missing):
        missing = _missing_names(turn)  # of the documents the new answer quotes
    if not (_may_ask_english_only(assistant, turn) and (turn.extract.refused or _misses_english_name(turn, missing))):
        return
    glossed = _glossed(turn, assistant.settings.top_k, assistant.settings)
    if glossed is None:
        return
    second = Turn(glossed[0], turn.retriever, turn.started, turn.notices, evidence=glossed[2])
    _keep(second, glossed[1])
    _extract(assistant, second)
    without_chinese = turn.retriever.snapshot.sources_without_chinese()
    if not second.extract.refused and {c.source for c in second.extract.citations} <= without_chinese:
        turn.query, turn.passages, turn.also, turn.values = second.query, second.passages, second.also, second.values
        turn.extract, turn.retrieved, turn.evidence = second.extract, second.retrieved, second.evidence


def _name_in_english(assistant: Assistant, turn: Turn) -> None:
    """For a Chinese question asking for a bibliographic field: when it names something no text of the
    collection mentions ("巴林特") and its gloss finds a document with no Chinese text first, that document is
    the one asked about (there is no refusal to tell, as `extract` has, whether the question's own search found
    the right study)."""
    if not _names_unknown_words(turn):
        return
    glossed = _glossed(turn, assistant.settings.top_k, assistant.settings)
    if glossed and glossed[1] and glossed[1][0].source in turn.retriever.snapshot.sources_without_chinese():
        turn.query, turn.evidence = glossed[0], glossed[2]
        _keep(turn, glossed[1])


# a name in Latin letters inside a Chinese question: "Tele-Balint", "PWP", "CFT"
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{2,}(?:-[A-Za-z0-9]+)*")


def _misses_english_name(turn: Turn, missing: list[str]) -> bool:
    """Whether the answer quotes a document with Chinese text while it never mentions names the question gives
    (`missing`, see `_missing_names`): the Chinese search then found the question's other words in another
    study ("巴林特小组的参与者有多少人？" quoting the PEER study's participants)."""
    assert turn.extract is not None
    cited = {c.source for c in turn.extract.citations}
    return bool(missing) and not cited <= turn.retriever.snapshot.sources_without_chinese()


def _keep_to_named_documents(assistant: Assistant, turn: Turn, missing: list[str]) -> bool:
    """When the answer quotes documents that never mention the names `missing` and other retrieved documents
    with Chinese text mention them all, the answer from those documents' passages instead, and True
    ("PWP访谈资料是用什么分析方法处理的?" answered from the CFT study's analysis sentence, where only the
    low-intensity CBT study speaks of PWPs)."""
    documents, without_chinese = turn.retriever.snapshot.documents, turn.retriever.snapshot.sources_without_chinese()
    named = {doc_id for doc_id in {p.doc_id for p in turn.passages}  # the retrieved ones only: a library is large
             if documents[doc_id].source not in without_chinese
             and all(name in documents[doc_id].text.lower() for name in missing)}
    passages = [p for p in turn.passages if p.doc_id in named]
    if not passages:
        return False
    second = Turn(turn.query, turn.retriever, turn.started, turn.notices, evidence=turn.evidence)
    _keep(second, passages)
    _extract(assistant, second)
    if second.extract.refused:
        return False
    turn.passages, turn.also, turn.values = second.passages, second.also, second.values
    turn.extract, turn.retrieved = second.extract, second.retrieved
    return True


def _missing_names(turn: Turn) -> list[str]:
    """The names the question gives that the collection uses but no document the answer quotes mentions
    (lower case): written in Latin letters ("Tele-Balint", "PWP") or by their sound in characters no text here
    uses (巴林特 -> balint)."""
    from .translation import names_by_sound

    assert turn.extract is not None
    snapshot = turn.retriever.snapshot
    cited = {c.source for c in turn.extract.citations}
    texts = [doc.text.lower() for doc in snapshot.documents.values() if doc.source in cited]
    if not texts:
        return []
    known = snapshot.lexical.doc_freq.__contains__
    question = turn.query.standalone
    latin = [w for w in _LATIN_NAME.findall(question) if (terms := tokenize(w)) and all(known(t) for t in terms)]
    names = [name.lower() for name in latin + names_by_sound(question, known)]
    return [name for name in names if all(name not in text for text in texts)]


def _names_unknown_words(turn: Turn) -> bool:
    """Whether the question, less the words asking for the field ("作者是谁", "注册号"), holds a word of two
    characters or more that the collection never uses, neither as written nor by its dictionary sense in
    English: a name such as "巴林特" ("谁" alone, or a word the English text states, is no name)."""
    from .answering.extractive import unknown_words
    from .patterns import cue
    from .text import count_cjk
    from .translation import known_in_english

    asked = turn.query.standalone
    for name in fields_asked_for(asked):
        asked = cue("metadata_answer", name).sub(" ", asked)
    known = turn.retriever.snapshot.lexical.doc_freq.__contains__
    # the English senses are looked up only for such words (the sense table is 30 MiB, read on first use)
    return any(count_cjk(t) >= 2 and not known_in_english(t, known) for t in unknown_words(asked, known))


def _may_ask_english_only(assistant: Assistant, turn: Turn) -> bool:
    """Whether a Chinese question, not yet glossed, may be about a document with no Chinese text."""
    return (assistant.settings.gloss_questions and turn.query.lang == "zh" and not turn.query.gloss
            and not turn.query.compares and bool(turn.retriever.snapshot.sources_without_chinese()))


def _extract(assistant: Assistant, turn: Turn) -> None:
    retriever, settings = turn.retriever, assistant.settings
    turn.extract = extractive_answer(
        turn.query, turn.passages, assistant.embed_sentences, retriever.snapshot.lexical,
        retriever.embed_query(turn.query.standalone), settings.refusal_threshold, settings.max_answer_sentences,
        preferred=turn.values, also=turn.also, stored=retriever.sentence_vectors if settings.stored_sentence_vectors else None,
        english_documents=retriever.snapshot.english_documents(), searched=turn.evidence,
        abbreviations=retriever.snapshot.abbreviations if settings.read_abbreviations else None)


def generate(assistant: Assistant, turn: Turn) -> Iterator[str | Answer]:
    """The final answer: from the LLM when one is configured and the evidence supports answering."""
    assert turn.extract is not None
    if assistant.llm is None or turn.extract.refused:
        yield turn.extract.text
        yield extractive(turn)
        return
    packed = assistant.llm.pack(turn.passages)
    pieces: list[str] = []
    try:
        for piece in assistant.llm.stream(turn.query.question, packed, turn.query.lang):
            pieces.append(piece)
            yield piece
    except LLMUnavailable as exc:
        yield extractive(turn, f"{exc}; showing the extractive answer instead")
        return
    yield generated(assistant, turn, "".join(pieces), packed)


def extractive(turn: Turn, notice: str = "") -> Answer:
    """The Answer built from the extractive result."""
    assert turn.extract is not None
    return _answer(turn, turn.extract.text, turn.extract.citations, turn.extract.refused, "extractive",
                   turn.notices + ([notice] if notice else []))


def generated(assistant: Assistant, turn: Turn, text: str, packed: list[Any]) -> Answer:
    """The LLM's answer with its markers checked; the extractive answer when no marker is valid."""
    if any(phrase in text for phrase in REFUSALS.values()):
        return _answer(turn, refusal_text(turn.query.lang), [], True, assistant.llm.name, turn.notices)
    checked = check_markers(text, len(packed))
    notices = list(turn.notices)
    if checked.invalid:
        notices.append("removed citation markers that point to no passage: "
                       + ", ".join(f"[{n}]" for n in checked.invalid))
    if not checked.cited:
        turn.notices = notices
        return extractive(turn, "the model's answer cited no passage, so the extractive answer is shown")
    return _answer(turn, checked.text, citations_for(checked.text, checked.cited, packed), False,
                   assistant.llm.name, notices)


def _answer(turn: Turn, text: str, citations: list, refused: bool, mode: str, notices: list[str]) -> Answer:
    return Answer(question=turn.query.question, text=text, citations=citations, passages=turn.passages,
                  refused=refused, mode=mode, notice="; ".join(notices),
                  timings={"retrieve_ms": round((turn.retrieved - turn.started) * 1000, 2),
                           "answer_ms": _ms(turn.retrieved)})


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
