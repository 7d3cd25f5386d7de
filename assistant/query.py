"""A question read once: its language, the kind of answer it wants, and what it asks about.

Everything downstream (retrieval, the study cards, the answerer, the LLM) reads the `Query` instead of
re-reading the question. Intents, in the order they are tried:

- collection: a question across the studies ("which studies used interviews?"), answered from the cards;
- comparison: two or more studies set side by side ("how do the CFT and Balint studies differ?");
- metadata: a bibliographic field (authors, DOI, journal, year, registration);
- list: a question whose answer is several things or an explanation ("what were the themes?", "why …?",
  "how did …?"); the answer quotes every distinct supporting sentence, up to a cap;
- fact: anything else; the answer quotes one or two sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from .answering.answer_types import expected_types, is_comparison
from .answering.definition import defined_term
from .answering.metadata_questions import asked_fields
from .lexical import tokenize
from .patterns import cue
from .text import detect_lang

if TYPE_CHECKING:
    from .cards.questions import CollectionQuestion

Intent = Literal["collection", "comparison", "metadata", "list", "fact"]


@dataclass(frozen=True, eq=False)
class Query:
    """One question, parsed once; `standalone` is the question with a follow-up's subject filled in."""

    question: str
    standalone: str
    lang: str
    intent: Intent
    answer_types: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    compares: bool = False
    collection: CollectionQuestion | None = None
    sources: tuple[str, ...] | None = None
    gloss: str = ""  # the question glossed into English, when it is asked of English passages (translation.py)
    asks_overview: bool = False  # asks what a study as a whole aims at or is (then an overview sentence answers)
    defines: str = ""  # the subject a "what is X?" question asks to define (answering.definition), in matched_lang

    @property
    def asks_name(self) -> bool:
        """Whether it asks which thing it is ("Which antibiotics…?"): a sentence naming new things answers (read
        from `standalone`, which is the gloss when there is one)."""
        return bool(cue("intent", "name").search(self.standalone))

    @property
    def wants_list(self) -> bool:
        """Whether the answer should quote every distinct supporting sentence, not just one or two."""
        return self.intent in ("list", "collection")

    def within_one_document(self) -> Query:
        """This query with its comparison cue read as a comparison inside one document (see
        extractive.splits_between_documents): answered like any other question of its kind."""
        return replace(self, compares=False,
                       intent=_intent(self.question, self.collection is not None, False, bool(self.fields)))

    @property
    def matched_text(self) -> str:
        """What candidate sentences are matched against: the English gloss when there is one, else the question."""
        return self.gloss or self.question

    @property
    def matched_lang(self) -> str:
        """The language of `matched_text` (the answer and a refusal stay in `lang`)."""
        return "en" if self.gloss else self.lang

    def glossed(self, gloss: str) -> Query:
        """This query searched and matched through its English gloss; what it asks for stays as read."""
        return replace(self, standalone=gloss, gloss=gloss, terms=tuple(dict.fromkeys(tokenize(gloss))),
                       asks_overview=_asks_overview(gloss), defines=defined_term(gloss, "en"))


def read_query(question: str, standalone: str | None = None, sources: Sequence[str] | None = None) -> Query:
    """The `Query` for a question (and its standalone form, when a follow-up was resolved)."""
    from .cards.questions import read_collection_question

    standalone = standalone or question
    lang = detect_lang(question) or "en"
    compares = is_comparison(question)
    fields = tuple(asked_fields(question))
    collection = read_collection_question(question, lang, compares)
    return Query(
        question=question, standalone=standalone, lang=lang,
        intent=_intent(question, collection is not None and collection.kind != "study", compares, bool(fields)),
        answer_types=tuple(expected_types(question)), fields=fields, terms=tuple(dict.fromkeys(tokenize(question))),
        compares=compares, collection=collection,
        sources=tuple(sources) if sources else None, asks_overview=_asks_overview(question),
        defines=defined_term(standalone, lang))


_WH = ("what", "which", "who", "whom", "whose", "when", "where", "why", "how", "whether", "if")


def direct_question(question: str) -> str:
    """The question without a request wrapped around it: "Can you tell me what Carrageenan is?" -> "What is
    Carrageenan?", "Could you give examples of X?" -> "What are examples of X?", "请问X是什么？" ->
    "X是什么？".
    The reader's cues (definition, list, answer types) are written for direct questions, and a wrapper's words
    ("tell", "give", "know") would be searched for as if they were the subject."""
    match = cue("polite_wrapper", "zh").match(question)
    if match and detect_lang(question) == "zh":
        rest = match.group("rest")
        if cue("polite_wrapper", "zh_asking").match(question.strip()):
            # "你能告诉我X是什么吗" asks what X is, not whether it can be told
            rest = rest.rstrip("？?").removesuffix("吗") + "？"
        return rest if tokenize(rest) else question  # "你能告诉我吗？" asks nothing yet
    match = cue("polite_wrapper", "en").match(question)
    if not match or not tokenize(match.group("rest")):
        return question  # "Can you tell me more?", "Can you list them?": a follow-up, which condense() reads whole
    verb, rest = (match.group("verb") or "").lower(), match.group("rest")
    embedded = cue("polite_wrapper", "embedded").match(rest)
    if embedded:  # "what Carrageenan is" -> "what is Carrageenan"
        rest = f"{embedded.group('wh')} {embedded.group('copula')} {embedded.group('subject')}"
    elif verb == "define":
        rest = f"what is {rest}"
    elif verb.startswith(("give", "provide", "name", "list")):
        rest = f"what {'is' if rest.lower().startswith(('a ', 'an ', 'one ')) else 'are'} {rest}"
    elif verb.startswith(("tell", "show")) and not verb.endswith("about") and not rest.lower().startswith(_WH):
        rest = f"what is {rest}"  # "tell me the sample size"
    elif verb in ("explain", "describe") and not rest.lower().startswith(_WH):
        rest = f"{verb} {rest}"  # "explain the role of X" keeps the verb that asks for an explanation
    return rest[:1].upper() + rest[1:] + "?"


def _asks_overview(text: str) -> bool:
    return bool(cue("intent", "overview").search(text))


def _intent(question: str, collection: bool, compares: bool, metadata: bool) -> Intent:
    if collection:
        return "collection"
    if compares:
        return "comparison"
    if metadata:
        return "metadata"
    if cue("intent", "list").search(question) or cue("intent", "explanation").search(question):
        return "list"
    return "fact"
