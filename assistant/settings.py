"""One settings object for the whole product, read from `STUDYQA_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError
from .locations import bundled, default_encoder_cache_dir, default_index_dir, default_log_file

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Every knob of the assistant; each field can be set as `STUDYQA_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="STUDYQA_", extra="forbid", validate_default=True)

    index_dir: Path = Field(default_factory=default_index_dir,
                            description="Where the built store lives (index/store in a checkout, else the user's data folder).")
    sources_dir: Path = Field(default_factory=lambda: bundled("sources"),
                              description="Documents indexed by default (the five bundled studies).")
    embedding_model: str = Field(
        DEFAULT_MODEL,
        description="Sentence-transformers model name or local path; the default uses the packaged copy.",
    )
    device: str | None = Field(None, description="torch device for embeddings; default cuda when present, else cpu.")
    chroma_url: str | None = Field(None, description="Chroma server URL; unset means embedded Chroma in index_dir.")
    chunk_tokens: int = Field(200, ge=16, description="Chunk budget in embedding-model tokens.")
    chunk_overlap: int = Field(40, ge=0, description="Tokens of trailing sentences repeated in the next chunk.")
    embed_batch_size: int = Field(32, ge=1, description="Chunks per embedding batch.")
    fast_queries: bool = Field(True, description="Encode questions with an ONNX copy of the model made at index time.")
    document_encoder: Literal["onnx-int8", "onnx", "sentence-transformers"] = Field(
        "onnx-int8", description="What embeds documents and their sentences at index time: the int8 quantised ONNX "
        "copy of the model (fastest; nDCG and answers measured unchanged), the fp32 copy (the model's vectors "
        "within 1e-4), or sentence-transformers itself.")
    encoder_cache_dir: Path | None = Field(
        default_factory=default_encoder_cache_dir, description="Where ONNX copies of the model are kept for later "
        "indexes on this machine (the user's cache folder); empty keeps them only under each index.")
    chunk_vectors: Literal["encoded", "pooled"] = Field(
        "encoded", description="A chunk's vector: the chunk (with its study's title) encoded whole, or pooled from "
        "its sentences' vectors and the title's (each text embedded once: about twice as fast to build, but "
        "retrieval nDCG@10 0.004-0.015 lower and answers worse; see the README).")
    stored_sentence_vectors: bool = Field(True, description="Embed every sentence at index time and answer with "
                                          "those vectors instead of embedding candidate sentences per question.")
    read_abbreviations: bool = Field(True, description="Let a sentence's abbreviation match the words it stands for "
                                     "in the question, and the other way round, as its document defines them "
                                     "(\"dendritic cells (DCs)\"; abbreviations.py). See the README for the dev figures.")
    top_k: int = Field(5, ge=1, le=50, description="Passages returned per question.")
    fetch_k: int = Field(20, ge=1, description="Candidates fetched from each retriever before fusion.")
    rrf_k: int = Field(1, ge=1, description="Reciprocal-rank-fusion constant: each ranking adds weight / (rrf_k + rank). "
                       "1 lets each ranking's first places decide (60, the usual constant, lets chunks that are middling "
                       "in every ranking overtake one that a ranking puts first); chosen on COVID-QA train and CMRC's fit "
                       "half by evals/choose_fusion.py, see the README.")
    learned_fusion: bool = Field(True, description="Re-order the fused chunks by the logistic model in fusion.json "
                                 "(fitted by evals/fit_fusion.py on COVID-QA train and CMRC's fit half, chosen on dev); "
                                 "false keeps reciprocal rank fusion alone.")
    sentence_vote: float = Field(0.5, ge=0, description="Weight, relative to the dense search's, with which the hybrid "
                                 "ranking is fused again with the fetched chunks ranked by their best sentence's cosine "
                                 "with the question (stored sentence vectors; 0 turns it off). Chosen on COVID-QA train "
                                 "and CMRC's fit half.")
    duplicate_threshold: float = Field(0.7, gt=0, le=1, description="Shingle overlap above which a passage is a near-duplicate.")
    max_answer_sentences: int = Field(3, ge=1, description="Most sentences in an extractive answer.")
    refusal_threshold: float = Field(0.2, description="Lead sentence's hand-weighted score below which the answerer "
                                     "refuses, in languages the fitted ranker does not cover; the no-answer model decides above it.")
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted.")
    retrieval_mode: Literal["hybrid", "dense", "lexical"] = Field("hybrid", description="Retrievers used by answer().")
    dedupe: bool = Field(True, description="Remove near-duplicate passages.")
    gloss_questions: bool = Field(True, description="When the best passage for a Chinese question is English, search "
                                  "and match with the question glossed into English word by word (CC-CEDICT).")
    llm_backend: Literal["none", "openai", "ollama"] = Field(
        "none", description="none = extractive answers; openai = any OpenAI-compatible endpoint; ollama = Ollama's API."
    )
    llm_base_url: str | None = Field(None, description="Endpoint, e.g. http://127.0.0.1:8000/v1 or http://127.0.0.1:11434.")
    llm_model: str = Field("", description="Model name the endpoint serves.")
    llm_api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the API key, if any.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the LLM before falling back.")
    llm_context_tokens: int = Field(3000, ge=100, description="Token budget for passages in the LLM prompt.")
    llm_temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    cards_llm: bool = Field(False, description="At index time, let the configured LLM fill study-card fields the "
                            "rules left empty (each value must quote the text; marked as the model's).")
    prompts_dir: Path = Field(default_factory=lambda: bundled("prompts"), description="Folder of prompt templates.")
    log_file: Path = Field(default_factory=default_log_file,
                           description="Where the CLI writes third-party warnings and its own log (not the console).")
    uploads: Path | None = Field(None, description="Where documents added in the chat window go (default index_dir/uploads).")
    max_source_mb: float = Field(20, gt=0, description="Largest source file indexed, in MB; bigger ones are skipped with the reason.")
    max_upload_mb: int = Field(10, ge=1, description="Largest file accepted from the chat window, in MB.")
    max_upload_files: int = Field(10, ge=1, description="Most files accepted in one upload.")
    auth: str | None = Field(None, description="user:password to require a login for the chat window.")

    @field_validator("encoder_cache_dir", mode="before")
    @classmethod
    def _empty_means_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def uploads_dir(self) -> Path:
        """Folder of documents added from the chat window."""
        return Path(self.uploads) if self.uploads else Path(self.index_dir) / "uploads"

    def source_paths(self) -> list[Path]:
        """What `studyqa index` indexes by default: the sources folder and any uploads."""
        return [Path(self.sources_dir)] + ([self.uploads_dir] if self.uploads_dir.is_dir() else [])

    def chroma_collection_name(self, fingerprint: str) -> str:
        """Name of the Chroma collection for a given index fingerprint."""
        return f"studyqa-{fingerprint}"


def get_settings(settings: Settings | dict[str, Any] | None = None) -> Settings:
    """Return settings from an object, a dict of overrides, or the environment."""
    from pydantic import ValidationError

    if isinstance(settings, Settings):
        return settings
    try:
        return Settings(**settings) if isinstance(settings, dict) else Settings()
    except ValidationError as exc:
        raise ConfigError(_first_problem(exc)) from None


def _first_problem(exc: Any) -> str:
    """One line naming the setting, its variable and what is wrong with it."""
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"]) or "settings"
    return f"invalid setting {field} (STUDYQA_{field.upper()}): {error['msg']}"
