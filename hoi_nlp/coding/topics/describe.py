"""Describe fitted topics: keywords, a readable Danish label, quotes, group shares and nearest codes.

Keywords are BERTopic's c-TF-IDF candidates that occur in enough of the topic's own segments
(at least two, and 5 % of a large topic), so a word one long answer repeats does not name a
theme. The label is the best of them that is a phrase, as the segments word it, then the next
keywords that add new words: "Faste teammøder · jobcentret · familieafdelingen". Quotes are the
segments nearest the topic's centre, at most one per respondent while others are left, and
with at least a few words; each says who said it (role) and where (question or interview turn).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hoi_nlp.coding.topics.coherence import reference_sets, top_terms, topic_npmi
from hoi_nlp.coding.topics.model import FALSY, GroupShare, NearestCode, Theme, ThemeQuote
from hoi_nlp.coding.topics.terms import ThemeTerms, document_terms, surface_forms
from hoi_nlp.nlp.embed import Embedder, EmbeddingCache, embed_cached, l2_normalise
from hoi_nlp.records import Segment, Source

if TYPE_CHECKING:
    from hoi_nlp.codebook import Codebook
    from hoi_nlp.settings import Settings, ThemesSettings

OUTLIER_LABEL = "Uden tema (outliers)"
MIN_KEYWORD_SHARE = 0.05
MIN_QUOTE_WORDS = 6
# A label starts with the best phrase among this many top keywords (else with the top keyword).
PHRASE_RANK = 8


def readable_label(
    keywords: Sequence[str],
    *,
    parts: int = 3,
    surface: Mapping[str, str] | None = None,
    stopwords: frozenset[str] = frozenset(),
) -> str:
    """``"Faste teammøder · jobcentret · familieafdelingen"``: best phrase first, then new keywords.

    ``surface`` maps a lemma term to the wording the segments use most; a wording holding a stop
    word falls back to the lemmas.
    """
    if not keywords:
        return "(ingen nøgleord)"
    surface = surface or {}

    def shown(term: str) -> str:
        text = surface.get(term, term)
        return term if set(text.split()) & stopwords else text

    phrases = [k for k in keywords[:PHRASE_RANK] if " " in k]
    chosen = [phrases[0] if phrases else keywords[0]]
    used = set(chosen[0].split())
    for word in keywords:
        if len(chosen) == parts:
            break
        if not set(word.split()) & used:
            chosen.append(word)
            used |= set(word.split())
    labels = [shown(term) for term in chosen]
    return " · ".join([labels[0][:1].upper() + labels[0][1:], *labels[1:]])


def topic_keywords(model: Any, topic_id: int) -> list[tuple[str, float]]:
    """c-TF-IDF keywords of ``topic_id`` (empty words dropped)."""
    words = model.get_topic(topic_id) or []
    return [(str(w), round(float(s), 5)) for w, s in words if str(w).strip()]


def select_keywords(
    candidates: Sequence[tuple[str, float]], doc_terms: Sequence[set[str]], *, n: int
) -> list[tuple[str, float]]:
    """The ``n`` best candidates found in at least two (and 5 %) of the topic's segments.

    Topics of one segment, and topics where fewer than three candidates pass, keep the plain
    c-TF-IDF order.
    """
    need = max(2.0, MIN_KEYWORD_SHARE * len(doc_terms))
    kept = [(w, s) for w, s in candidates if sum(w in terms for terms in doc_terms) >= need]
    if len(doc_terms) < 2 or len(kept) < min(3, n):
        return list(candidates[:n])
    return kept[:n]


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
    speakers: Sequence[str] | None = None,
) -> list[tuple[int, float]]:
    """Rows of the ``n`` distinct texts closest to the topic centroid, with their cosine.

    First the texts of at least ``MIN_QUOTE_WORDS`` words, one per speaker (``speakers``: one
    respondent id per row), in centroid order; then the rest of the places, in centroid order.
    """
    rows = np.flatnonzero(np.asarray(topics) == topic_id)
    sims = embeddings[rows] @ centroid
    order = [(int(rows[i]), round(float(sims[i]), 4)) for i in np.argsort(-sims, kind="stable")]
    chosen: list[tuple[int, float]] = []
    seen: set[str] = set()
    voices: set[str] = set()
    for strict in (True, False):
        for row, sim in order:
            if len(chosen) == n:
                return chosen
            if texts[row] in seen:
                continue
            speaker = speakers[row] if speakers is not None else ""
            if strict and (len(texts[row].split()) < MIN_QUOTE_WORDS or (speaker and speaker in voices)):
                continue
            seen.add(texts[row])
            voices.add(speaker)
            chosen.append((row, sim))
    return chosen


def quote_origin(segment: Segment, source: Source | None) -> dict[str, str]:
    """Who said a quote and where: the role attribute, ``survey``/``interview`` and question or turn."""
    if source is None:
        return {}
    interview = source.kind == "transcript"
    place = f"tur {segment.turn_index + 1}" if interview and segment.turn_index is not None else ""
    return {
        "role": source.attributes.get("role", "").strip(),
        "material": "interview" if interview else "survey",
        "place": place or (segment.question_id or source.question_id or ""),
    }


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
    code_of_topic: Mapping[int, str],
    settings: Settings,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    sources: Mapping[str, Source],
    texts: Sequence[str],
    terms: ThemeTerms,
) -> list[Theme]:
    """One :class:`Theme` per topic, by size (outliers last); quotes are ``texts`` (one per segment)."""
    centres = centroids(embeddings, topics)
    vectors = code_vectors(codebook, embedder, cache)
    groups = respondent_groups(sources, settings.themes)
    speakers = [sources[seg.source_id].respondent_id if seg.source_id in sources else "" for seg in segments]
    labels = np.asarray(topics)
    themes = []
    for topic_id, centre in centres.items():
        rows = np.flatnonzero(labels == topic_id)
        doc_terms = document_terms(terms, [texts[r] for r in rows])
        keywords = select_keywords(topic_keywords(model, topic_id), doc_terms, n=settings.themes.top_n_words)
        words = [w for w, _ in keywords]
        code_id = code_of_topic.get(topic_id)
        members = {speakers[r] for r in rows if speakers[r]}
        picks = representative_rows(
            embeddings, topics, topic_id, centre, texts, n=settings.themes.n_quotes, speakers=speakers
        )
        wording = surface_forms(terms, [texts[r] for r in rows], words[:PHRASE_RANK])
        label = readable_label(words, surface=wording, stopwords=terms.stopwords)
        themes.append(
            Theme(
                topic_id=topic_id,
                kind="outlier" if topic_id == -1 else "code" if code_id else "emergent",
                code_id=code_id,
                code_label=codebook.code(code_id).label if code_id else None,
                label=OUTLIER_LABEL if topic_id == -1 else label,
                keywords=keywords,
                keyphrases=[w for w in words if " " in w],
                size=len(rows),
                share=round(len(rows) / len(segments), 4),
                quotes=[
                    ThemeQuote(
                        segment_id=segments[r].segment_id,
                        source_id=segments[r].source_id,
                        text=texts[r],
                        similarity=sim,
                        **quote_origin(segments[r], sources.get(segments[r].source_id)),
                    )
                    for r, sim in picks
                ],
                groups=group_shares(members, groups),
                nearest_codes=nearest_codes(centre, codebook, vectors),
                respondents=len(members),
                materials=dict(Counter(
                    "interview" if sources[seg.source_id].kind == "transcript" else "survey"
                    for seg in (segments[r] for r in rows) if seg.source_id in sources
                )),
            )
        )
    return sorted(themes, key=lambda t: (t.topic_id == -1, -t.size, t.topic_id))


def quality(
    themes: Sequence[Theme], texts: Sequence[str], terms: ThemeTerms, *, n_segments: int, n_words: int = 10
) -> tuple[list[Theme], dict[str, Any]]:
    """The themes with their NPMI coherence (top ``n_words`` words, the study's own segments as
    reference documents), and the measures of the fit: mean NPMI of the emergent themes and the
    sizes that show a catch-all (the largest emergent theme's and the outliers' share of all)."""
    reference = reference_sets([t for t in terms.tokens(text) if t] for text in texts)
    scores: dict[int, float | None] = {}
    for theme in themes:
        if theme.kind != "outlier" and reference:
            top = top_terms([w for w, _ in theme.keywords], n=n_words)
            scores[theme.topic_id] = topic_npmi(top, reference)
    emergent = [t for t in themes if t.kind == "emergent"]
    measured = [scores[t.topic_id] for t in emergent if scores.get(t.topic_id) is not None]
    scored = [
        theme.model_copy(update={"coherence": round(value, 4)})
        if (value := scores.get(theme.topic_id)) is not None
        else theme
        for theme in themes
    ]
    outliers = sum(t.size for t in themes if t.kind == "outlier")
    return scored, {
        "npmi_emergent": round(float(np.mean(measured)), 4) if measured else None,
        "npmi_reference": "segments",
        "npmi_top_words": n_words,
        "emergent_themes": len(emergent),
        "largest_emergent_share": round(max((t.size for t in emergent), default=0) / max(n_segments, 1), 4),
        "outlier_share": round(outliers / max(n_segments, 1), 4),
    }
