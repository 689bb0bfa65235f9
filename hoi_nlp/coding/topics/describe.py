"""Describe fitted topics: keywords, a readable Danish label, quotes, group shares and nearest codes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hoi_nlp.coding.topics.model import FALSY, GroupShare, NearestCode, Theme, ThemeQuote
from hoi_nlp.nlp.embed import Embedder, EmbeddingCache, embed_cached, l2_normalise
from hoi_nlp.records import Segment, Source

if TYPE_CHECKING:
    from hoi_nlp.codebook import Codebook
    from hoi_nlp.settings import Settings, ThemesSettings

OUTLIER_LABEL = "Uden tema (outliers)"


def readable_label(keywords: Sequence[str], *, parts: int = 3) -> str:
    """``"Boligsocial indsats · beboer · boligområde"``: best keyphrase first, then new keywords."""
    if not keywords:
        return "(ingen nøgleord)"
    phrases = [k for k in keywords[:5] if " " in k]
    chosen = [phrases[0] if phrases else keywords[0]]
    used = set(chosen[0].split())
    for word in keywords:
        if len(chosen) == parts:
            break
        if not set(word.split()) & used:
            chosen.append(word)
            used |= set(word.split())
    return " · ".join([chosen[0][:1].upper() + chosen[0][1:], *chosen[1:]])


def topic_keywords(model: Any, topic_id: int) -> list[tuple[str, float]]:
    """c-TF-IDF keywords of ``topic_id`` (empty words dropped)."""
    words = model.get_topic(topic_id) or []
    return [(str(w), round(float(s), 5)) for w, s in words if str(w).strip()]


def centroids(embeddings: np.ndarray, topics: Sequence[int]) -> dict[int, np.ndarray]:
    """Unit-length mean embedding of every topic."""
    labels = np.asarray(topics)
    return {int(t): l2_normalise(embeddings[labels == t].mean(axis=0))[0] for t in sorted(set(topics))}


def representative_rows(
    embeddings: np.ndarray,
    topics: Sequence[int],
    topic_id: int,
    centroid: np.ndarray,
    texts: Sequence[str],
    *,
    n: int,
) -> list[tuple[int, float]]:
    """Rows of the ``n`` distinct texts closest to the topic centroid, with their cosine."""
    rows = np.flatnonzero(np.asarray(topics) == topic_id)
    sims = embeddings[rows] @ centroid
    chosen: list[tuple[int, float]] = []
    seen: set[str] = set()
    for index in np.argsort(-sims, kind="stable"):
        row = int(rows[index])
        if texts[row] not in seen:
            seen.add(texts[row])
            chosen.append((row, round(float(sims[index]), 4)))
        if len(chosen) == n:
            break
    return chosen


def code_vectors(codebook: Codebook, embedder: Embedder, cache: EmbeddingCache | None) -> np.ndarray:
    """One unit vector per code: the mean of its profile (as a query) and its examples."""
    profiles = embed_cached([code.profile_text() for code in codebook.codes], embedder, cache, kind="query")
    examples = [ex for code in codebook.codes for ex in code.examples]
    example_vecs = embed_cached(examples, embedder, cache, kind="passage") if examples else profiles[:0]
    vectors, start = [], 0
    for index, code in enumerate(codebook.codes):
        rows = [profiles[index], *example_vecs[start : start + len(code.examples)]]
        start += len(code.examples)
        vectors.append(np.mean(rows, axis=0))
    return l2_normalise(np.vstack(vectors))


def nearest_codes(
    centroid: np.ndarray, codebook: Codebook, vectors: np.ndarray, *, k: int = 3
) -> list[NearestCode]:
    """The ``k`` codes whose vectors are closest to ``centroid``."""
    scores = vectors @ centroid
    return [
        NearestCode(
            code_id=codebook.codes[i].id, label=codebook.codes[i].label, score=round(float(scores[i]), 4)
        )
        for i in np.argsort(-scores, kind="stable")[:k]
    ]


def respondent_groups(
    sources: Mapping[str, Source], settings: ThemesSettings
) -> dict[tuple[str, str], set[str]]:
    """Respondent ids per group: ``(attribute, value)``, or ``(item, "valgt")`` for target items."""
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for source in sources.values():
        for key, value in source.attributes.items():
            if key in settings.group_attributes and value.strip():
                groups[(key, value.strip())].add(source.respondent_id)
            elif key.startswith(tuple(settings.target_prefixes)) and value.strip().lower() not in FALSY:
                groups[(key, "valgt")].add(source.respondent_id)
    return dict(groups)


def group_shares(members: set[str], groups: Mapping[tuple[str, str], set[str]]) -> list[GroupShare]:
    """Share of each group's respondents with a segment in the theme (``members``)."""
    return [
        GroupShare(
            dimension=dim,
            group=value,
            respondents=len(ids),
            in_theme=len(ids & members),
            share=round(len(ids & members) / len(ids), 4),
        )
        for (dim, value), ids in sorted(groups.items())
        if ids
    ]


def describe_themes(
    model: Any,
    segments: Sequence[Segment],
    embeddings: np.ndarray,
    topics: Sequence[int],
    codebook: Codebook,
    *,
    zeroshot: Mapping[str, str],
    settings: Settings,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    sources: Mapping[str, Source],
    texts: Sequence[str],
) -> list[Theme]:
    """One :class:`Theme` per topic, ordered by size (outliers last); quotes are ``texts`` (one per segment)."""
    code_of_topic = {int(t): zeroshot[label] for t, label in model.topic_labels_.items() if label in zeroshot}
    centres = centroids(embeddings, topics)
    vectors = code_vectors(codebook, embedder, cache)
    groups = respondent_groups(sources, settings.themes)
    respondent = {
        seg.segment_id: sources[seg.source_id].respondent_id for seg in segments if seg.source_id in sources
    }
    picks = {
        t: representative_rows(embeddings, topics, t, c, texts, n=settings.themes.n_quotes)
        for t, c in centres.items()
    }
    themes = []
    for topic_id, centre in centres.items():
        rows = np.flatnonzero(np.asarray(topics) == topic_id)
        keywords = topic_keywords(model, topic_id)
        code_id = code_of_topic.get(topic_id)
        members = {respondent[segments[r].segment_id] for r in rows if segments[r].segment_id in respondent}
        themes.append(
            Theme(
                topic_id=topic_id,
                kind="outlier" if topic_id == -1 else "code" if code_id else "emergent",
                code_id=code_id,
                code_label=codebook.code(code_id).label if code_id else None,
                label=OUTLIER_LABEL if topic_id == -1 else readable_label([w for w, _ in keywords]),
                keywords=keywords,
                keyphrases=[w for w, _ in keywords if " " in w],
                size=len(rows),
                share=round(len(rows) / len(segments), 4),
                quotes=[
                    ThemeQuote(
                        segment_id=segments[r].segment_id,
                        source_id=segments[r].source_id,
                        text=texts[r],
                        similarity=s,
                    )
                    for r, s in picks[topic_id]
                ],
                groups=group_shares(members, groups),
                nearest_codes=nearest_codes(centre, codebook, vectors),
            )
        )
    return sorted(themes, key=lambda t: (t.topic_id == -1, -t.size, t.topic_id))
