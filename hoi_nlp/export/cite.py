"""Choosing the best quotes for a code, semantic search, and resolving a quote id.

Best quotes are clearly coded (analyst-confirmed first, then machine confidence),
representative (close to the centroid of the code's coded segments in embedding space),
short (trimmed to evidence sentences, see :mod:`hoi_nlp.export.quotes`) and diverse (one
per respondent, no near-duplicates by cosine). Embeddings come from
:mod:`hoi_nlp.nlp.embed` and are cached, so a second call embeds nothing.

Every quote handed out is recorded in ``<workspace>/quotes/registry.jsonl`` (ids and
offsets only, no text) so ``hoi quote ID`` resolves it later.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hoi_nlp.errors import ExportError
from hoi_nlp.export.quotes import make_quote
from hoi_nlp.export.study import CodedStudy, Coding, Redactor
from hoi_nlp.io import write_text_atomic
from hoi_nlp.records import Quote

if TYPE_CHECKING:
    from hoi_nlp.nlp.embed import Embedder, EmbeddingCache
    from hoi_nlp.settings import EmbeddingSettings
    from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

DUPLICATE_COSINE = 0.97
REGISTRY = ("quotes", "registry.jsonl")


@dataclass
class Embedding:
    """An embedder with its cache (``cache`` may be None)."""

    embedder: Embedder
    cache: EmbeddingCache | None = None

    def __call__(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        from hoi_nlp.nlp.embed import embed_cached

        return embed_cached(list(texts), self.embedder, self.cache, kind=kind)  # type: ignore[arg-type]


def study_embedding(workspace: Workspace, study: CodedStudy, settings: EmbeddingSettings) -> Embedding:
    """The configured embedder with the workspace's cache."""
    from hoi_nlp.nlp.embed import EmbeddingCache, get_embedder

    embedder = get_embedder(settings, fit_texts=[s.text for s in study.segments])
    return Embedding(embedder, EmbeddingCache(workspace.cache_dir / "embeddings"))


def parse_group(group: str | None) -> tuple[str, str] | None:
    """``"size_group=Mindre kommune"`` -> ``("size_group", "Mindre kommune")``."""
    if not group:
        return None
    attribute, sep, value = group.partition("=")
    if not sep or not attribute.strip():
        raise ExportError(
            f"--group '{group}' must look like ATTR=VALUE", hint="e.g. --group size_group=Mindre kommune"
        )
    return attribute.strip(), value.strip()


def _in_group(study: CodedStudy, coding: Coding, group: tuple[str, str] | None) -> bool:
    if group is None:
        return True
    value = study.sources[coding.source_id].attributes.get(group[0], "")
    return value.casefold() == group[1].casefold()


def rank_codings(
    study: CodedStudy, code_id: str, *, embed: Embedding | None, group: tuple[str, str] | None = None
) -> tuple[list[Coding], dict[str, np.ndarray]]:
    """Codings of ``code_id`` best first, with their segment vectors (empty without embeddings).

    Score within a tier: half machine confidence, half representativeness (rank of the
    cosine to the code's centroid, so the scale of the embedder does not matter).
    """
    study.codebook.code(code_id)
    codings = [c for c in study.codings_for(code_id) if _in_group(study, c, group)]
    if not codings:
        return [], {}
    vectors: dict[str, np.ndarray] = {}
    representative = np.zeros(len(codings))
    if embed is not None:
        matrix = embed([study.segment_by_id[c.segment_id].text for c in codings])
        centroid = matrix.mean(axis=0)
        cosine = matrix @ (centroid / (np.linalg.norm(centroid) or 1.0))
        representative = cosine.argsort().argsort() / max(1, len(codings) - 1)
        vectors = {c.segment_id: v for c, v in zip(codings, matrix, strict=True)}
    score = {c.segment_id: 0.5 * c.confidence + 0.5 * r for c, r in zip(codings, representative, strict=True)}
    ordered = sorted(codings, key=lambda c: (c.rank_tier, -score[c.segment_id], c.segment_id))
    return ordered, vectors


def _near_duplicate(vector: np.ndarray | None, chosen: list[np.ndarray], threshold: float) -> bool:
    return vector is not None and any(float(vector @ other) >= threshold for other in chosen)


def best_quotes(
    study: CodedStudy,
    code_id: str,
    *,
    redact: Redactor,
    n: int = 5,
    embed: Embedding | None = None,
    group: tuple[str, str] | None = None,
    with_attributes: Sequence[str] = (),
    duplicate_cosine: float = DUPLICATE_COSINE,
) -> list[Quote]:
    """The ``n`` best quotes for ``code_id``: clear, representative, short and diverse."""
    ordered, vectors = rank_codings(study, code_id, embed=embed, group=group)
    prepare_quotes(study, ordered[: max(20, 4 * n)], redact)
    quotes: list[Quote] = []
    respondents: set[str] = set()
    chosen: list[np.ndarray] = []
    texts: set[str] = set()
    for coding in ordered:
        respondent = study.respondent_of[coding.segment_id]
        vector = vectors.get(coding.segment_id)
        if respondent in respondents or _near_duplicate(vector, chosen, duplicate_cosine):
            continue
        quote = make_quote(study, coding, redact=redact, with_attributes=with_attributes)
        if quote.text_pseudonymized.casefold() in texts:
            continue
        respondents.add(respondent)
        texts.add(quote.text_pseudonymized.casefold())
        if vector is not None:
            chosen.append(vector)
        quotes.append(quote)
        if len(quotes) >= n:
            break
    return quotes


def prepare_quotes(study: CodedStudy, codings: Sequence[Coding], redact: Redactor) -> None:
    """Redact the sources of ``codings`` in one batch before they are quoted one by one."""
    redact.prepare([study.sources[sid] for sid in sorted({c.source_id for c in codings})])


def search_segments(
    study: CodedStudy, query: str, *, embed: Embedding, redact: Redactor, n: int = 10
) -> list[tuple[float, Quote]]:
    """Coded segments closest to ``query`` (cosine), each as a quote for its most confident code."""
    by_segment: dict[str, Coding] = {}
    for coding in sorted(study.codings, key=lambda c: (c.rank_tier, -c.confidence)):
        by_segment.setdefault(coding.segment_id, coding)
    if not by_segment:
        return []
    ids = sorted(by_segment)
    matrix = embed([study.segment_by_id[i].text for i in ids])
    scores = matrix @ embed([query], kind="query")[0]
    top = np.argsort(-scores, kind="stable")[:n]
    prepare_quotes(study, [by_segment[ids[i]] for i in top], redact)
    return [(float(scores[i]), make_quote(study, by_segment[ids[i]], redact=redact)) for i in top]


# ---------------------------------------------------------------- registry and resolution


def registry_path(workspace: Workspace) -> Path:
    """``<workspace>/quotes/registry.jsonl``."""
    return workspace.path(*REGISTRY)


def register_quotes(workspace: Workspace, quotes: Sequence[Quote]) -> None:
    """Record quote ids with their offsets (no text) so they resolve later."""
    path = registry_path(workspace)
    known = load_registry(workspace)
    new = {
        q.quote_id: {
            "quote_id": q.quote_id,
            "code_id": q.code_id,
            "source_id": q.source_id,
            "segment_id": q.segment_id,
            "start": q.start,
            "end": q.end,
        }
        for q in quotes
    }
    if set(new) <= set(known):
        return
    known.update(new)
    write_text_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in known.values()))


def load_registry(workspace: Workspace) -> dict[str, dict[str, object]]:
    """The recorded quotes by id."""
    path = registry_path(workspace)
    if not path.is_file():
        return {}
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["quote_id"]: r for r in records}


@dataclass(frozen=True)
class ResolvedQuote:
    """Where a quote comes from: source, file, locator, offsets, code and review state."""

    quote_id: str
    code_id: str
    source_id: str
    segment_id: str
    path: str
    locator: str
    start: int
    end: int
    original: str
    review_state: str


def resolve_quote(study: CodedStudy, quote_id: str, *, workspace: Workspace | None = None) -> ResolvedQuote:
    """Find a quote by id: in the registry, else among all codings' whole-segment spans."""
    record = load_registry(workspace).get(quote_id) if workspace is not None else None
    if record is None:
        record = _search_codings(study, quote_id)
    if record is None:
        raise ExportError(
            f"unknown quote id '{quote_id}'",
            path=str(workspace.root) if workspace else None,
            hint="quote ids come from `hoi cite` or an export of this study",
        )
    source = study.sources.get(str(record["source_id"]))
    if source is None:
        raise ExportError(
            f"quote '{quote_id}' points to source '{record['source_id']}', which is no longer in the study",
            hint="the study was re-ingested; cite again",
        )
    start, end = int(record["start"]), int(record["end"])  # type: ignore[call-overload]
    coding = next(
        (
            c
            for c in study.all_codings
            if c.segment_id == record["segment_id"] and c.code_id == record["code_id"]
        ),
        None,
    )
    return ResolvedQuote(
        quote_id=quote_id,
        code_id=str(record["code_id"]),
        source_id=source.source_id,
        segment_id=str(record["segment_id"]),
        path=source.path,
        locator=source.locator,
        start=start,
        end=end,
        original=source.text[start:end],
        review_state=coding.review if coding else "ukendt",
    )


def _search_codings(study: CodedStudy, quote_id: str) -> dict[str, object] | None:
    from hoi_nlp.export.quotes import quote_span

    for coding in study.all_codings:
        seg = study.segment_by_id[coding.segment_id]
        for start, end in {(seg.start, seg.end), (coding.start, coding.end), quote_span(study, coding)}:
            if Quote.make_id(coding.source_id, start, end, coding.code_id) == quote_id:
                return {
                    "code_id": coding.code_id,
                    "source_id": coding.source_id,
                    "segment_id": coding.segment_id,
                    "start": start,
                    "end": end,
                }
    return None
