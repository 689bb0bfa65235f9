"""The records of an emergent-themes result: themes, their quotes, group shares and nearest codes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from hoi_nlp.coding.base import TOPICS_V1
from hoi_nlp.errors import ThemesError
from hoi_nlp.records import utcnow

FALSY = {"", "0", "nej", "no", "false", "-", "ikke valgt", "nan"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ThemeQuote(_Frozen):
    """A representative segment of a theme; ``text`` is pseudonymised when the result says so.

    ``role`` is the speaker's role as the study's public view shows it, ``material`` ``survey`` or
    ``interview`` and ``place`` the question id or the interview turn, so a quote can be printed
    as «"…" (Kommunaldirektør)» and checked against its source.
    """

    segment_id: str
    source_id: str
    text: str
    similarity: float
    role: str = ""
    material: str = ""
    place: str = ""


class GroupShare(_Frozen):
    """Share of a respondent group with at least one segment in the theme."""

    dimension: str
    group: str
    respondents: int
    in_theme: int
    share: float


class NearestCode(_Frozen):
    """A codebook code close to the theme's centroid."""

    code_id: str
    label: str
    score: float


class Theme(_Frozen):
    """One topic: a codebook code matched zero-shot, an emergent theme, or the outliers (-1)."""

    topic_id: int
    kind: Literal["code", "emergent", "outlier"]
    code_id: str | None = None
    code_label: str | None = None
    label: str
    keywords: list[tuple[str, float]]
    keyphrases: list[str]
    size: int
    share: float
    quotes: list[ThemeQuote]
    groups: list[GroupShare] = Field(default_factory=list)
    nearest_codes: list[NearestCode] = Field(default_factory=list)
    respondents: int = 0
    materials: dict[str, int] = Field(default_factory=dict)
    coherence: float | None = None


class ThemesResult(_Frozen):
    """All themes of one fit, with the parameters that produced them.

    ``quality`` holds what :func:`~hoi_nlp.coding.topics.describe.quality` measured: NPMI
    coherence of the emergent themes on the study's own segments, the share of the largest
    emergent theme and the share of outliers.
    """

    study: str
    coder: str = TOPICS_V1
    codebook_version: str
    embedding_model: str
    n_segments: int
    params: dict[str, Any]
    outliers_before_reduction: int
    n_respondents: int = 0
    quality: dict[str, Any] = Field(default_factory=dict)
    themes: list[Theme]
    assignments: dict[str, int]
    quotes_pseudonymised: bool
    created_at: str = Field(default_factory=lambda: utcnow().isoformat())
    _model: Any = PrivateAttr(default=None)

    def theme(self, topic_id: int) -> Theme:
        """The theme ``topic_id`` or a :class:`ThemesError` listing the ids."""
        for theme in self.themes:
            if theme.topic_id == topic_id:
                return theme
        known = ", ".join(str(t.topic_id) for t in self.themes)
        raise ThemesError(f"no topic {topic_id} in this themes result", hint=f"known topic ids: {known}")

    @property
    def model(self) -> Any:
        """The fitted BERTopic model (only in the process that fitted it)."""
        return self._model


# ---------------------------------------------------------------- BERTopic parts


