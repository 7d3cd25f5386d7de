"""The default answerer, no LLM: quote the sentences of the top passages that best answer the question.

Each candidate sentence is described by meaning (cosine with the question), the IDF-weighted share of the
question's terms it contains (so rare terms such as 'CFT' or '焦点小组' count most), phrase overlap, the
kind of value asked for, its passage's rank and document (`ranker.FEATURES`), and scored by the fitted
ranker where it was adopted for the question's language, else by the hand-weighted score (`hand_score`).
Only sentences of running text answer (titles, captions and author lines only give metadata values), and
only from the best sentence's document. The answerer refuses when the fitted no-answer model
(`no_answer.py`) finds the evidence too weak (or, for a hand-weighted score, when the best one misses the
refusal threshold). A factoid question quotes one or two sentences, a list or why/how question up to the
configured number. Every sentence in the answer is a verbatim slice of its cited passage.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..cleaning import heading_context, is_heading, looks_like_citation, looks_like_name_list
from ..lexical import tokenize
from ..patterns import cue
from ..retrieval import SearchEvidence, search_evidence
from ..text import count_cjk, detect_lang, sentence_spans
from ..types import Citation, Passage
from .answer_types import counted_words, counts, matches_type, missing_attribute, missing_count, new_names
from .background import rarity
from .definition import defines
from .no_answer import RetrievalEvidence, load_no_answer
from .ranker import candidate_features, load_ranker
from .refusal import refusal_text

if TYPE_CHECKING:
    from ..abbreviations import Abbreviations
    from ..query import Query

Embed = Callable[[list[str]], np.ndarray]
StoredVectors = Callable[[Passage], Any]  # a passage's sentence vectors embedded at index time (SentenceVectors), or None
Idf = Callable[[str], float]
AbbreviationsOf = Callable[[str], "Abbreviations"]  # a document's defined abbreviations, by its id


class Vocabulary(Protocol):
    """The collection's term statistics, as the lexical index keeps them."""

    doc_freq: Mapping[str, int]
    size: int

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term."""

    def spelled(self, term: str) -> str:
        """The term as the collection spells it (a misspelt word one edit from a known one), else itself."""

TOPIC_WEIGHT = 0.3
# The hand-weighted score's weights (see hand_score)
OTHER_LANGUAGE_PENALTY = 0.85
ANSWER_TYPE_BONUS = 0.15
LEAD_DOCUMENT_BONUS = 0.08
OFF_TOPIC_FACTOR = 0.7
# An overview sentence ("This study aims to…", "The purpose of this paper…") names the study's topic, so it
# matches most questions about the study in meaning and terms without answering them; unless the question asks
# for the aim or kind of study, the hand-weighted score takes this off. Chosen on our English training questions
# about the bundled studies (evals/train_questions.jsonl and train_questions_extra.jsonl, 69 answerable; share
# whose lead sentence holds a fact): 0.594 at 0, 0.623 at 0.05, 0.638 at 0.1, 0.652 at 0.15, 0.667 at 0.2, 0.623
# at 0.3. COVID-QA dev: no lead sentence is an overview sentence, so nothing changes there.
OVERVIEW_PENALTY = 0.2
# The same off the fitted ranker's probability (Chinese questions; "本文旨在讨论…", "本研究采用…"), which CMRC's
# encyclopaedia text never taught it. Chosen on our Chinese training questions (48 answerable, 24 not): facts in
# the answer 39 at 0, 40 at 0.1, 0.2 and 0.3 (0.3 losing one and gaining two), unanswerable refused 9 at 0,
# 10 at 0.1-0.3; the lowest of the best. CMRC half b, our eval and the held-out set: unchanged to the last digit.
RANKED_OVERVIEW_PENALTY = 0.1
# with the hand-weighted score, an extra sentence needs 0.7 of the best one's score (chosen on COVID-QA train)
RELATIVE_EXTRA = 0.7
# ... and 0.6 for a list or why/how question, chosen on COVID-QA dev half a among 0.5-0.8 (answer in answer
# 0.533 -> 0.537, token recall 0.642 -> 0.647, median answer 247 -> 252 characters; 0.5 gained no more)
LIST_RELATIVE_EXTRA = 0.6
# Types whose value the lead sentence must hold when one close enough does. Not "people" or "journal": on
# COVID-QA train their evidence (a name list, a citation line) was in none of the gold answer sentences of
# the questions that cue them ("Who conducted the study?"), so they only steered answers to author lines;
# dropping them changed no dev answer (README, "Answer types audited on training questions"). "design" since
# the twelfth session: a study's aim sentence outscored the one naming its design ("This conceptual paper…");
# no dev question asks for a design, our training questions gained one answer ("analysis" and "collection"
# too cost an answer among the session's new questions, so not those).
STRICT_TYPES = frozenset({"count", "duration", "year", "identifier", "design"})
# A sentence holding a strict type's value, or defining what a "what is X?" question asks about, leads when its
# score is at least this share of the best one's
TYPED_LEAD_SHARE = 0.6
# A "which thing?" question ("Which antibiotics made up the cocktail?") is answered by a sentence naming things
# the question does not ("ampicillin", "CD86", "PubMed"): the hand-weighted score adds this much, in thirds for
# one, two and three or more such names. Chosen on COVID-QA train's English questions among 0.02-0.15 (lead
# sentence holds the answer: 0.5961 at 0, 0.5985 at 0.02-0.05, 0.601 at 0.1 and 0.15; the smaller of the best),
# read on dev (0.6296 -> 0.6395); our eval unchanged.
NAME_BONUS = 0.1
NAMES_COUNTED = 3
REDUNDANCY_LIMIT = 0.5
MAX_ANSWER_CHARS = 700
SPLIT_TERM_RARITY = 0.35  # Zipf frequency under about 4.5 in general text (rarer than "group", "length", "主要")
# how much more the words naming one study must weigh than another's for its passages to lead (set, not tuned)
NAMING_MARGIN = 2.0
ADJACENT_GAP = 2  # characters between two sentences of different chunks that still stand together
FACT_SENTENCES = 2  # a factoid question's answer: the best sentence and perhaps one more
# A sentence of running text ends with its punctuation (and perhaps a closing quote or bracket); a title,
# caption, label or list of names does not (see is_running_text).
_END_MARKS, _CLOSERS = ".!?。！？；…", "\"'”’)）\\]"
_PROSE_END = re.compile(f"[{_END_MARKS}][{_CLOSERS}]*$")
_LINE_END = re.compile(f"[{_END_MARKS}:：][{_CLOSERS}]*$")  # a PDF line that ends so is a paragraph's end (or a quote's lead-in)
LONG_LINE_CHARS = 80  # a wrapped line of running text is long; titles and captions are mostly shorter
LONG_LINE_CJK = 40


@dataclass
class Candidate:
    """A sentence of a passage, with its score."""

    passage: Passage
    start: int
    end: int
    lang: str
    rank: int
    context: str = ""
    score: float = 0.0
    typed: bool = False
    similarity: float = 0.0
    coverage: float = 0.0
    prose: bool = True
    off_topic: bool = False
    overview: bool = False  # says what the study as a whole aims at or does (cue "overview_sentence")
    new_names: int = 0  # for a "which thing?" question: names it holds that the question does not (answer_types.new_names)
    defining: bool = False  # defines the subject of a "what is X?" question (definition.py)
    features: np.ndarray | None = None  # the ranker's view of it (ranker.FEATURES), when computed
    hand_score: float = 0.0

    @property
    def text(self) -> str:
        """The sentence, exactly as in the passage."""
        return self.passage.text[self.start : self.end]


@dataclass
class Ranked:
    """A question's scored candidate sentences, the lead one, and what the no-answer decision reads."""

    candidates: list[Candidate]
    best: Candidate
    query: Query
    unknown_rarity: float
    collection_size: int = 0
    fitted: bool = False  # scores are the fitted ranker's probabilities (else hand-weighted scores)
    retrieval: RetrievalEvidence | None = None
    question_rarity: float = 0.0  # summed rarity of all the question's terms (unknown_rarity's denominator)

    @property
    def lang(self) -> str:
        """The language candidates are matched in (the question's, or English for a glossed one)."""
        return self.query.matched_lang


@dataclass
class Extract:
    """What the extractive answerer returns."""

    text: str
    citations: list[Citation]
    refused: bool


def extractive_answer(
    query: Query, passages: list[Passage], embed: Embed, lexical: Vocabulary, query_vector: np.ndarray,
    threshold: float, max_sentences: int, max_passages: int = 5, preferred: Sequence[str] = (),
    also: Sequence[Passage] = (), stored: StoredVectors | None = None, english_documents: Collection[str] = (),
    searched: SearchEvidence | None = None, abbreviations: AbbreviationsOf | None = None,
) -> Extract:
    """Select, order and cite the sentences that answer the question, or refuse.

    `also` are passages to consider beyond the top ones (the chunk giving a metadata value) and `preferred`
    such values. A list or why/how question quotes up to `max_sentences` distinct supporting sentences, any
    other question up to FACT_SENTENCES.
    """
    ranked = rank_candidates(query, passages, embed, lexical, query_vector, max_passages, preferred, also,
                             stored=stored, english_documents=english_documents, searched=searched,
                             abbreviations=abbreviations)
    if ranked is None:
        return Extract(refusal_text(query.lang), [], True)
    sentences = [c.text for c in ranked.candidates]
    if missing_attribute(query.answer_types, sentences) or missing_count(query.standalone, sentences):
        return Extract(refusal_text(query.lang), [], True)
    candidates, best = ranked.candidates, ranked.best
    holds_value = any(value in best.text for value in preferred)
    if not holds_value and (below_threshold(ranked, threshold) or load_no_answer().refuses(ranked)):
        return Extract(refusal_text(query.lang), [], True)
    if query.compares:
        chosen = _compare(candidates, query, best)
    else:
        most = max_sentences if query.wants_list else min(FACT_SENTENCES, max_sentences)
        chosen = _choose(ranked, most)
    citations = [_cite(n, c) for n, c in enumerate(chosen, 1)]
    joiner = "" if best.lang == "zh" else " "
    marker = "{text}[{n}]" if best.lang == "zh" else "{text} [{n}]"
    text = joiner.join(marker.format(text=c.text, n=n) for n, c in enumerate(chosen, 1))
    return Extract(text, citations, False)


def rank_candidates(
    query: Query, passages: list[Passage], embed: Embed, lexical: Vocabulary, query_vector: np.ndarray,
    max_passages: int = 5, preferred: Sequence[str] = (), also: Sequence[Passage] = (), prose_only: bool = True,
    fitted: bool = True, stored: StoredVectors | None = None, english_documents: Collection[str] = (),
    searched: SearchEvidence | None = None, abbreviations: AbbreviationsOf | None = None,
) -> Ranked | None:
    """The scored candidate sentences of the top passages and the lead one, or None when there are none.

    `lexical` is the collection's term statistics: IDF weights, which terms occur at all, and the chunk count.
    Only sentences of running text are kept, unless a metadata value is preferred or `prose_only` is off.
    With `fitted` off the hand-weighted score ranks in every language and every candidate carries the ranker's
    features (for refitting the ranker); otherwise only candidates the ranker scores carry them. `stored` gives
    the sentence vectors embedded at index time; sentences without one are embedded now. `english_documents`
    are those with English text: for a Chinese question about one of them, a Chinese word whose dictionary
    sense the collection uses in English is no unknown word. `searched` is the retriever's evidence of the
    searches (Retrieval.evidence), read from `passages` when not given. `abbreviations` gives the ones a
    document defines, so that a sentence's short form matches the question's long form and the other way round.
    """
    pool = list(passages if query.compares else passages[:max_passages])
    pool += [p for p in also if p not in pool]
    if not query.compares:
        pool = named_study_first(pool, {lexical.spelled(t) for t in query.terms})
    candidates = [c for rank, p in enumerate(pool) for c in _sentences(p, rank)]
    if not candidates:
        return None
    known = lexical.doc_freq.__contains__
    # every sentence, titles too, tells which terms name the topic; only running text may answer, except
    # that titles, captions, labels and author lines may give the value a metadata question asks for
    terms = [lexical.spelled(t) for t in query.terms]
    scored_by_ranker = _score(candidates, query, terms, embed, lexical.idf, query_vector, known, fitted, stored,
                              abbreviations)
    candidates = candidates if preferred or not prose_only else [c for c in candidates if c.prose]
    if not candidates:
        return None
    lead = _lead(candidates, query, preferred)
    asked = {lexical.spelled(t) for t in tokenize(query.standalone)}
    english = query.lang == "zh" and lead.passage.doc_id in english_documents
    return Ranked(candidates, lead, query, _unknown_rarity(asked, known, english), lexical.size, scored_by_ranker,
                  retrieval_evidence(asked, passages, pool, lead.passage.doc_id, lexical, searched),
                  math.fsum(rarity(t) for t in _whole(asked)))


def retrieval_evidence(asked: set[str], passages: Sequence[Passage], pool: Sequence[Passage], lead_doc: str,
                       lexical: Vocabulary, searched: SearchEvidence | None = None) -> RetrievalEvidence:
    """What the retrieved passages say about whether the collection holds the answer: how much of the question's
    search terms (`asked`) the lead document's passages (of `pool`) cover, the best dense and BM25 scores, and
    whether the two searches agree on the first document (`searched`: as the retriever read them before the
    learned fusion; else read from `passages`)."""
    terms = {t for t in asked if t in lexical.doc_freq}  # what the searches were given
    total_idf = sum(lexical.idf(t) for t in terms)
    searched = searched or search_evidence(passages)
    return RetrievalEvidence(
        lead_document_coverage=_coverage(terms, _document_terms(pool, lead_doc), lexical.idf),
        dense_top=searched.dense_top,
        lexical_top=searched.lexical_top / total_idf if total_idf else 0.0,
        top_documents_agree=searched.first_documents_agree,
    )


def _document_terms(passages: Sequence[Passage], doc_id: str) -> set[str]:
    """The search terms of one document's passages among these, titles included."""
    return set().union(*(tokenize(f"{p.title} {p.text}") for p in passages if p.doc_id == doc_id))


def below_threshold(ranked: Ranked, threshold: float) -> bool:
    """Whether the lead sentence's hand-weighted score misses the refusal threshold (only where the hand-weighted
    score ranks: the fitted ranker's probabilities are left to the no-answer model)."""
    return not ranked.fitted and ranked.best.score < threshold


def unknown_rarity(question: str, known: Callable[[str], bool], english_senses: bool = False) -> float:
    """How much of the question names rare things the collection never mentions (summed rarity); with
    `english_senses`, a Chinese word is mentioned when the English words of one of its dictionary senses are."""
    return _unknown_rarity(set(tokenize(question)), known, english_senses)


def unknown_words(question: str, known: Callable[[str], bool]) -> list[str]:
    """The question's terms the collection never uses, each compound once (not its parts as well)."""
    return _whole({t for t in tokenize(question) if not known(t)})


def _whole(terms: set[str]) -> list[str]:
    """The terms but those inside another: jieba's search mode also yields the parts of a compound (多长时间,
    长时间, 多长), which count once, as the compound."""
    return [t for t in terms if not any(t != other and t in other for other in terms)]


def _unknown_rarity(asked: set[str], known: Callable[[str], bool], english_senses: bool) -> float:
    whole = _whole({t for t in asked if not known(t)})
    if english_senses and any(count_cjk(t) for t in whole):
        from ..translation import known_in_english

        # a Chinese word whose English sense the collection uses names nothing new ("疗法": therapy)
        whole = [t for t in whole if not (count_cjk(t) and known_in_english(t, known))]
    # fsum: the same figure whatever order the set's terms come in (string hashes vary by process)
    return math.fsum(rarity(t) for t in whole)


def is_running_text(sentence: str) -> bool:
    """A sentence of prose: it ends as a sentence ends, or it is a long line of mostly lower-case words
    (text hard-wrapped at line ends), unlike a title, caption or label."""
    if _PROSE_END.search(sentence) or count_cjk(sentence) >= LONG_LINE_CJK:
        return True
    words = re.findall(r"[A-Za-z]+", sentence)
    capitalised = sum(w[0].isupper() for w in words)
    return len(sentence) >= LONG_LINE_CHARS and len(words) >= 8 and capitalised < 0.5 * len(words)


def _pdf_heading(passage: Passage, start: int, end: int) -> bool:
    """Whether the sentence at start:end is a whole line of a paper's PDF that stops without a sentence's end
    (or a colon): the reader sets each paragraph on one line, so such a line is a heading or label, however
    long. (A paragraph's last fragment, cut by a page break, is not a whole line and stays.)"""
    text = passage.text
    return (bool(passage.page) and (start == 0 or text[start - 1] == "\n") and text[end:end + 1] == "\n"
            and not _LINE_END.search(text, start, end))


def _in_caption(passage: Passage, start: int) -> bool:
    """Whether the sentence at `start` belongs to a figure or table legend: its paragraph opens "Figure 2" or
    "Table 1" (in this passage, or before it when the passage starts inside a legend), or the sentence opens
    with a panel's letter ("(B) Tumor volumes of…"), as legend sentences do."""
    text = passage.text
    paragraph = text.rfind("\n", 0, start) + 1
    if paragraph == 0 and passage.opens_in_caption:
        return True
    return bool(cue("caption").match(text, paragraph) or cue("panel_label").match(text, start))


def _asks(sentence: str) -> bool:
    """Whether the sentence is a question (an FAQ's or a section's heading, "What kind of data does spatstat
    handle?", or a rhetorical one): it can match the question asked word for word and answers nothing."""
    return sentence.rstrip(_CLOSERS + " ").endswith(("?", "？"))


def _same_text(a: str, b: str) -> bool:
    """Whether two texts are the same but for spacing, case and a final full stop (metadata keeps a page's
    title without the one its line ends with)."""
    return _plain(a) == _plain(b)


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(".。")


def _sentences(passage: Passage, rank: int) -> list[Candidate]:
    """Candidate sentences, each with its section heading (and 'authors' for a name list) as context."""
    out = []
    heading = passage.section
    for start, end in sentence_spans(passage.text):
        sentence = passage.text[start:end]
        if is_heading(sentence):
            heading = sentence
            continue
        if len(sentence) < 15 and count_cjk(sentence) < 6:
            continue
        names = looks_like_name_list(sentence)
        context = heading_context(heading) + (" authors wrote" if names else "")
        # front matter (a page's title in a second language, journal lines) may give metadata values, not answers
        prose = (not names and not passage.front_matter and is_running_text(sentence)
                 and not looks_like_citation(sentence)
                 and not _pdf_heading(passage, start, end)
                 and not _same_text(sentence, passage.title)
                 and not _in_caption(passage, start)
                 and not _asks(sentence))
        out.append(Candidate(passage, start, end, detect_lang(sentence), rank, context, prose=prose,
                             overview=bool(cue("overview_sentence").search(sentence))))
    return out


def _sentence_vectors(candidates: list[Candidate], embed: Embed, stored: StoredVectors | None) -> np.ndarray:
    """Each candidate's vector: embedded at index time where stored, else now."""
    found: list[np.ndarray | None] = [None] * len(candidates)
    if stored is not None:
        by_passage: dict[str, Any] = {}
        for i, cand in enumerate(candidates):
            key = cand.passage.chunk_id
            if key not in by_passage:
                by_passage[key] = stored(cand.passage)
            if by_passage[key] is not None:
                found[i] = by_passage[key].lookup(cand.start, cand.end)
    missing = [i for i, vector in enumerate(found) if vector is None]
    if missing:
        for i, vector in zip(missing, embed([candidates[i].text for i in missing])):
            found[i] = vector
    return np.stack(found).astype(np.float32)


def _score(candidates: list[Candidate], query: Query, terms: Collection[str], embed: Embed, idf: Idf, qvec: np.ndarray,
           known: Callable[[str], bool], fitted: bool = True, stored: StoredVectors | None = None,
           abbreviations: AbbreviationsOf | None = None) -> bool:
    """Set every candidate's signals and score (`terms`: the question's, as the collection spells them); True when
    the fitted ranker scored them."""
    question, lang = query.matched_text, query.matched_lang
    # Words found nowhere in the collection cannot tell sentences apart; they would only dilute coverage.
    q_terms = {t for t in terms if known(t)}
    terms = [set(tokenize(f"{c.context} {c.text}")) for c in candidates]
    defined = [abbreviations(c.passage.doc_id) if abbreviations else None for c in candidates]
    terms = [d.expand(c.text, t) if d else t for c, t, d in zip(candidates, terms, defined)]
    topic = topic_terms(q_terms, candidates, terms)
    # Topic terms (the study's name, its population) were what retrieval matched; the rest of the
    # question says what is asked about, so those terms decide between sentences.
    focus_terms = q_terms - topic
    # what names the lead study (see naming_terms): a sentence of another study lacking it is off topic
    naming = naming_terms(topic, candidates, terms, idf)
    vectors = _sentence_vectors(candidates, embed, stored)
    similarity = vectors @ qvec
    focus = focus_question(question, topic)
    if focus != question:
        similarity = 0.4 * similarity + 0.6 * (vectors @ embed([focus])[0])
    types = query.answer_types
    counted = counted_words(question) if "count" in types and lang == "en" else None
    lead_doc = None if query.compares else candidates[0].passage.doc_id
    overview_answers = query.asks_overview
    # a list, or a value of a known type, is not a name: "What changes did participants suggest?"
    asks_name = query.asks_name and not query.wants_list and not types
    for cand, cand_terms, sim, cand_defined in zip(candidates, terms, similarity, defined):
        evidence = evidence_terms(cand, cand_terms, cand_defined)
        overlap = _overlap_of(focus_terms, topic, evidence, idf)
        # what it matches lies in the topics it announces: it says what was asked about, as an overview does
        cand.overview = cand.overview or (evidence is not cand_terms and _overlap_of(focus_terms, topic, cand_terms, idf) > overlap)
        cand.similarity, cand.coverage = float(sim), overlap
        cand.typed = bool(types) and any(_holds_type(cand, t, counted) for t in types)
        # another study, and none of the words naming the lead one
        cand.off_topic = lead_doc is not None and cand.passage.doc_id != lead_doc and bool(naming) and not (naming & cand_terms)
        cand.defining = bool(query.defines) and defines(cand.text, query.defines, lang)
        cand.new_names = len(new_names(cand.text, question)) if asks_name else 0
        cand.hand_score = hand_score(cand, lang, lead_doc, overview_answers)
    ranker = load_ranker() if fitted else None
    if ranker is not None and not ranker.covers(lang):
        for cand in candidates:  # the hand-weighted score decides: the ranker's features are not needed
            cand.score = cand.hand_score
        return False
    features = candidate_features(candidates, focus, lang)
    scores = ranker.probabilities(features, lang) if ranker is not None else [c.hand_score for c in candidates]
    for cand, row, score in zip(candidates, features, scores):
        cand.features, cand.score = row, float(score)
        if ranker is not None and cand.overview and not overview_answers:
            cand.score -= RANKED_OVERVIEW_PENALTY
    return ranker is not None


def _holds_type(cand: Candidate, answer_type: str, counted: Sequence[str] | None) -> bool:
    """Whether the sentence (or its heading) holds a value of the type; for a count of named things (`counted`),
    a number counting them ("a total of 47,315 structural variants"), not any number."""
    if answer_type == "count" and counted:
        return counts(cand.text, counted)
    return matches_type(cand.text, answer_type) or matches_type(cand.context, answer_type)


def hand_score(cand: Candidate, lang: str, lead_doc: str | None, overview_answers: bool = False) -> float:
    """The hand-weighted score, for languages the fitted ranker does not cover (see ranker.py): meaning and
    term coverage, a little for the passage's rank and the lead document, less for another study's sentence,
    more for the kind of value asked for, less for the other language, less for an overview sentence unless
    `overview_answers` (the question asks for the study's aim or kind)."""
    if lang == "zh" and not cand.coverage:
        return 0.0  # the model reads Chinese mostly as [UNK]: similarity alone is no evidence
    dense_weight = 0.25 if lang == "zh" else 0.5
    score = dense_weight * cand.similarity + (1 - dense_weight) * cand.coverage + 0.05 / (1 + cand.rank)
    if cand.passage.doc_id == lead_doc:
        score += LEAD_DOCUMENT_BONUS
    elif cand.off_topic:
        score *= OFF_TOPIC_FACTOR
    score += ANSWER_TYPE_BONUS if cand.typed else 0.0
    score -= OVERVIEW_PENALTY if cand.overview and not overview_answers else 0.0
    score += NAME_BONUS * min(cand.new_names, NAMES_COUNTED) / NAMES_COUNTED
    return score * (OTHER_LANGUAGE_PENALTY if cand.lang != lang else 1.0)


def evidence_terms(cand: Candidate, cand_terms: set[str], abbreviations: Abbreviations | None = None) -> set[str]:
    """The terms a sentence offers as evidence: all of them but those after it starts listing what interviews
    asked about (`announced_topics`: "…were interviewed about their experiences …, and suggestions for
    improvement" names the topics a question asks about, not what was found); with the abbreviations its
    document defines read both ways, as in `cand_terms`."""
    announced = cue("announced_topics").search(cand.text)
    if announced is None:
        return cand_terms
    said = cand.text[:announced.end()]
    terms = set(tokenize(f"{cand.context} {said}"))
    return abbreviations.expand(said, terms) if abbreviations is not None else terms


def _overlap_of(focus_terms: set[str], topic: set[str], present: set[str], idf: Idf) -> float:
    """A sentence's term coverage: of the focus terms (the topic's weighing TOPIC_WEIGHT beside them), or of the
    topic terms when the question has no others."""
    if not focus_terms:
        return _coverage(topic, present, idf)
    overlap = _coverage(focus_terms, present, idf)
    return (1 - TOPIC_WEIGHT) * overlap + TOPIC_WEIGHT * _coverage(topic, present, idf) if topic else overlap


def _coverage(wanted: set[str], present: set[str], idf: Idf) -> float:
    """IDF-weighted share of the wanted terms that are present."""
    total = sum(idf(t) for t in wanted)
    return sum(idf(t) for t in wanted & present) / total if total else 0.0


def topic_terms(q_terms: set[str], candidates: list[Candidate], terms: list[set[str]]) -> set[str]:
    """Question terms that name the best-ranked document: in its opening sentence, or in two or more of its
    candidate sentences."""
    lead = candidates[0].passage.doc_id
    lead_terms = [ts for c, ts in zip(candidates, terms) if c.passage.doc_id == lead]
    # an article names its subject as it opens, then says "it" or "本鱼"
    opening = set(tokenize(candidates[0].passage.opening))
    return {t for t in q_terms if t in opening or sum(t in ts for ts in lead_terms) >= 2}


def naming_terms(topic: set[str], candidates: list[Candidate], terms: list[set[str]], idf: Idf) -> set[str]:
    """The topic terms that name the lead study: those in the fewest of the candidates' documents ("circles" of
    "compassion circles", not "staff", which another study's sentences have too), the rarest of them in the
    collection ("牛车水", not "位于")."""
    if topic:
        spread = {t: len({c.passage.doc_id for c, ts in zip(candidates, terms) if t in ts}) for t in topic}
        fewest = min(spread.values())
        topic = {t for t in topic if spread[t] == fewest}
    rarest = max((idf(t) for t in topic), default=0.0)
    return {t for t in topic if idf(t) >= rarest - 1e-9}


def named_study_first(pool: list[Passage], asked: set[str]) -> list[Passage]:
    """The passages, those of the study the question names first. The question's words rare in general text
    and found in only one of the passages' documents name it ("between-session" of "the between-session work
    study"); the document whose own such words weigh most (summed rarity), at least twice any other's, leads
    with its passages, in their order."""
    docs = list(dict.fromkeys(p.doc_id for p in pool))
    rare = {term: how_rare for term in asked if (how_rare := rarity(term)) >= SPLIT_TERM_RARITY}
    if len(docs) < 2 or not rare:
        return pool
    present = {doc: _document_terms(pool, doc) for doc in docs}
    weight = dict.fromkeys(docs, 0.0)
    for term, how_rare in rare.items():
        holding = [doc for doc in docs if term in present[doc]]
        if len(holding) == 1:
            weight[holding[0]] += how_rare
    ranked = sorted(docs, key=lambda doc: -weight[doc])
    named = ranked[0]
    if named == docs[0] or weight[named] < NAMING_MARGIN * weight[ranked[1]] or not weight[named]:
        return pool
    return [p for p in pool if p.doc_id == named] + [p for p in pool if p.doc_id != named]


def focus_question(question: str, topic_terms: set[str]) -> str:
    """The question without the words that name the topic every candidate shares."""
    if not topic_terms:
        return question
    words = [w for w in question.split() if not (set(tokenize(w)) & topic_terms)]
    return " ".join(words) if len(words) >= 2 else question


def _lead(candidates: list[Candidate], query: Query, preferred: Sequence[str] = ()) -> Candidate:
    """The best sentence; for a "what is X?" question the best one defining X, for count, date or identifier
    questions the best one holding such a value, when either scores close enough to the best. A sentence of
    another document that lacks the name of the study asked about (off topic) leads only when all do."""
    candidates = [c for c in candidates if not c.off_topic] or candidates
    best = max(candidates, key=lambda c: c.score)
    holding = [c for c in candidates if any(value in c.text for value in preferred)]
    if holding:  # a metadata question: the sentence giving the page's own value
        return max(holding, key=lambda c: c.score)
    close = [c for c in candidates if c.score >= TYPED_LEAD_SHARE * best.score]
    defining = [c for c in close if c.defining]
    if defining:
        return max(defining, key=lambda c: c.score)
    if set(query.answer_types) & STRICT_TYPES:
        typed = [c for c in close if c.typed]
        return max(typed, key=lambda c: c.score) if typed else best
    return best


def splits_between_documents(terms: Collection[str], passages: Sequence[Passage]) -> bool:
    """Whether a comparison's terms are split between its two best documents, each holding a name the other
    lacks ("the CFT group and the Balint group"): only then does it compare documents. When the first holds
    the names the second does ("大果西番莲和百香果相比…", "how does transmission differ between SARS-CoV and
    MERS-CoV?"), the things compared are in one document and it answers like any question. Only terms rare in
    general text (SPLIT_TERM_RARITY) count as names: a five-document collection lacks plenty of ordinary words."""
    docs = list(dict.fromkeys(p.doc_id for p in passages))[:2]
    if len(docs) < 2:
        return False
    present = [_document_terms(passages, doc) for doc in docs]
    names = {t for t in terms if rarity(t) >= SPLIT_TERM_RARITY}
    return bool(names & (present[0] - present[1])) and bool(names & (present[1] - present[0]))


def _compare(candidates: list[Candidate], query: Query, best: Candidate, studies: int = 2) -> list[Candidate]:
    """The best sentence from each of the top-ranked studies, in ranking order."""
    docs = list(dict.fromkeys(c.passage.doc_id for c in sorted(candidates, key=lambda c: c.rank)))[:studies]
    chosen = []
    for doc in docs:
        own = [c for c in candidates if c.passage.doc_id == doc]
        if own:
            chosen.append(_lead(own, query))
    return chosen if len(chosen) > 1 else [best]


def _choose(ranked: Ranked, max_sentences: int) -> list[Candidate]:
    """The best sentence and, up to `max_sentences`, the other distinct sentences of its document that are
    likely enough to hold the answer: by the ranker's threshold for the question's language when the scores
    are its probabilities, else relative to the best score, more loosely for a list (only comparisons quote
    several documents)."""
    candidates, best = ranked.candidates, ranked.best
    joins = load_ranker().joins_answer if ranked.fitted else None
    relative = LIST_RELATIVE_EXTRA if ranked.query.wants_list else RELATIVE_EXTRA
    chosen = [best]
    size = len(best.text)
    for cand in sorted(candidates, key=lambda c: -c.score):
        if len(chosen) >= max_sentences:
            break
        if not (joins(cand.score, ranked.lang) if joins else cand.score >= relative * best.score):
            break
        if cand is best or cand.lang != best.lang or size + len(cand.text) > MAX_ANSWER_CHARS:
            continue
        if cand.passage.doc_id != best.passage.doc_id:
            continue  # dev: cited-document precision 0.74 -> 0.80 (COVID-QA), 0.86 -> 0.91 (CMRC); recall -0.01
        if any(_overlap(cand.text, other.text) > REDUNDANCY_LIMIT for other in chosen):
            continue
        chosen.append(cand)
        size += len(cand.text)
    chosen = _with_announced_items(chosen, candidates, max_sentences, ranked.query.wants_list)
    return lead_first(chosen, best)


def lead_first(chosen: list[Candidate], lead: Candidate) -> list[Candidate]:
    """The chosen sentences with the lead's run of adjacent ones first, then the others in document order.

    Sentences that stand together in the document read as written, so an answer running over two of them stays
    whole; a sentence elsewhere that adds to the lead follows it, so the first citation is the best one.
    """
    ordered = sorted(chosen, key=_document_offset)
    runs: list[list[Candidate]] = []
    for cand in ordered:
        if runs and _adjacent(runs[-1][-1], cand):
            runs[-1].append(cand)
        else:
            runs.append([cand])
    return [c for run in sorted(runs, key=lambda run: lead not in run) for c in run]


def _document_offset(cand: Candidate) -> int:
    return cand.passage.start + cand.start


def _adjacent(first: Candidate, then: Candidate) -> bool:
    """`then` follows `first` in the same document with nothing but space between them."""
    if first.passage.doc_id != then.passage.doc_id:
        return False
    if first.passage is then.passage:
        return not first.passage.text[first.end : then.start].strip()
    return 0 <= _document_offset(then) - (first.passage.start + first.end) <= ADJACENT_GAP


def _with_announced_items(chosen: list[Candidate], candidates: list[Candidate], max_sentences: int,
                          wants_list: bool) -> list[Candidate]:
    """The chosen sentences, each that ends by announcing items it does not name ("Qualitative analysis revealed
    5 themes.", "确定了两个总体主题：") followed by the sentence after it, which names them: added when there is
    room, and for a list question in place of the weakest other extra sentence when the answer is full."""
    chosen = list(chosen)
    for announcing in [c for c in chosen if cue("announced_items").search(c.text)]:
        following = min((c for c in candidates if c.passage is announcing.passage and c.start >= announcing.end),
                        key=lambda c: c.start, default=None)
        if announcing not in chosen or following is None or following in chosen:
            continue
        dropped = None
        if len(chosen) >= max_sentences:
            spare = [c for c in chosen[1:] if c is not announcing] if wants_list else []  # never the lead sentence
            if not spare:
                continue
            dropped = min(spare, key=lambda c: c.score)
        if sum(len(c.text) for c in chosen if c is not dropped) + len(following.text) > MAX_ANSWER_CHARS:
            continue
        if dropped is not None:
            chosen.remove(dropped)
        chosen.append(following)
    return chosen


def _overlap(a: str, b: str) -> float:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return len(ta & tb) / max(1, min(len(ta), len(tb)))


def _cite(n: int, cand: Candidate) -> Citation:
    p = cand.passage
    return Citation(
        n=n, source=p.source, title=p.title, text=p.text, quote=cand.text,
        start=p.start + cand.start, end=p.start + cand.end, score=round(cand.score, 4),
        page=p.page_at(p.start + cand.start),
    )
