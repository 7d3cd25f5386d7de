"""A study card: what a study is (design, place, people, sample, methods, intervention), each value cited."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# The card's fields, in the order they are shown.
FIELDS = ("design", "country", "setting", "population", "sample_size", "sample_counted", "data_collection",
          "analysis", "intervention")
FIELD_LABELS = {
    "design": "Design", "country": "Country", "setting": "Setting", "population": "Population",
    "sample_size": "Sample size", "sample_counted": "Counted as", "data_collection": "Data collection",
    "analysis": "Analysis", "intervention": "Intervention",
}
FIELD_LABELS_ZH = {
    "design": "研究设计", "country": "国家", "setting": "场所", "population": "研究对象", "sample_size": "样本量",
    "sample_counted": "计数方式", "data_collection": "数据收集", "analysis": "分析方法", "intervention": "干预措施",
}


@dataclass
class Evidence:
    """The sentence a value came from: `doc.text[start:end] == quote`, and `match` (the words read) lies inside it."""

    quote: str
    start: int
    end: int
    match: str
    lang: str = "en"
    basis: str = "text"  # "text", "author affiliation" (country only) or the LLM's name


@dataclass
class CardValue:
    """One value of a field (canonical wording) and every sentence that states it."""

    value: str
    evidence: list[Evidence]
    by: str = "rules"  # "rules", or the LLM's name when an LLM filled an empty field

    @property
    def provenance(self) -> str:
        """Where the value comes from when not the study's own text read by the rules: the LLM's name or
        "author affiliation"; "" otherwise."""
        if self.by != "rules":
            return self.by
        return "" if self.evidence[0].basis == "text" else self.evidence[0].basis

    def best_evidence(self, lang: str = "en") -> Evidence:
        """The evidence in `lang` when there is some, else the first."""
        return next((e for e in self.evidence if e.lang == lang), self.evidence[0])


@dataclass
class StudyCard:
    """Everything the card holds about one indexed document; an empty list means the page does not say."""

    doc_id: str
    source: str
    title: str
    year: int | None = None
    fields: dict[str, list[CardValue]] = field(default_factory=dict)

    def values(self, name: str) -> list[str]:
        """The canonical values of one field."""
        return [v.value for v in self.fields.get(name, [])]

    def has(self, name: str, value: str) -> bool:
        """Whether the card states `value` for a field, directly or through a narrower value (NHS Talking Therapies is NHS)."""
        from .vocabulary import implied

        return any(value in implied(name, v) for v in self.values(name))

    def sample_size(self) -> int | None:
        """The number of participants, when the page gives it."""
        values = self.values("sample_size")
        return int(values[0]) if values else None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields, every field present (empty when not stated)."""
        data = asdict(self)
        data["fields"] = {name: [asdict(v) for v in self.fields.get(name, [])] for name in FIELDS}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StudyCard:
        """The inverse of `to_dict`."""
        fields = {name: [CardValue(v["value"], [Evidence(**e) for e in v["evidence"]], v.get("by", "rules"))
                         for v in values] for name, values in data.get("fields", {}).items()}
        return cls(data["doc_id"], data["source"], data["title"], data.get("year"), fields)
