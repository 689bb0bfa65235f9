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
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hoi_nlp.errors import ExportError
from hoi_nlp.export.lookup import (  # noqa: F401 - resolving quote ids lives in lookup; re-exported here
    ResolvedQuote,
    load_registry,
    registry_path,
    resolve_quote,
)
from hoi_nlp.export.quotes import (
    MIN_CONTENT_WORDS,
    MIN_GROUP_SIZE,
    citable,
    make_quote,
    text_key,
    usable,
)
from hoi_nlp.export.study import CodedStudy, Coding, Redactor
from hoi_nlp.ingest.numbers import number_value
from hoi_nlp.io import write_text_atomic
from hoi_nlp.records import Quote, Segment, is_stance_code, utcnow

if TYPE_CHECKING:
    from hoi_nlp.nlp.embed import Embedder, EmbeddingCache
    from hoi_nlp.settings import EmbeddingSettings
    from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

DUPLICATE_COSINE = 0.97
LIKELY = 0.5  # a machine coding at this confidence or more is more likely right than wrong


@dataclass
class Embedding:
    """An embedder with its cache (``cache`` may be None)."""

    embedder: Embedder
    cache: EmbeddingCache | None = None

    def __call__(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        from hoi_nlp.nlp.embed import embed_cached

        return embed_cached(list(texts), self.embedder, self.cache, kind=kind)  # type: ignore[arg-type]


def study_embedding(workspace: Workspace, study: CodedStudy, settings: EmbeddingSettings, *,
                    fit: Sequence[Segment] | None = None) -> Embedding:
    """The configured embedder with the workspace's cache (a TF-IDF one fitted on ``fit``, default the
    study's coding units)."""
    from hoi_nlp.nlp.embed import EmbeddingCache, get_embedder

    embedder = get_embedder(settings, fit_texts=[s.text for s in (study.segments if fit is None else fit)])
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
    return group_value_is(study, group[0], study.sources[coding.source_id].attributes.get(group[0], ""),
                          group[1])


def group_value_is(study: CodedStudy, attribute: str, value: str, wanted: str) -> bool:
    """A source's ``value`` of ``attribute`` is the ``--group`` value ``wanted``: case ignored, and for a
    number attribute (a rating) as numbers, so that "3.75" is the Danish CSV's "3,75" too."""
    if attribute in study.number_attributes:
        number = number_value(wanted)
        return number is not None and number_value(value) == number
    return value.casefold() == wanted.casefold()


def rank_codings(
    study: CodedStudy, code_id: str, *, embed: Embedding | None, group: tuple[str, str] | None = None,
    stances: Collection[str | None] | None = None,
) -> tuple[list[Coding], dict[str, np.ndarray]]:
    """Codings of ``code_id`` best first, with their segment vectors (empty without embeddings); only
    those in ``group`` and, given ``stances``, those whose stance is one of them.

    Analysts' codings (accepted, added) come first; then the machine's that the coder thinks likely
    (confidence :data:`LIKELY` or more) before those it doubts — a suggestion at 0.37 is never quoted before
    one at 0.98 —; within each, half machine confidence, half representativeness (rank of the cosine
    to the code's centroid, so the scale of the embedder does not matter).
    """
    study.codebook.code(code_id)
    codings = [c for c in study.codings_for(code_id)
               if _in_group(study, c, group) and (stances is None or c.stance in stances)]
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
    doubted = {c.segment_id for c in codings if c.rank_tier and c.confidence < LIKELY}
    ordered = sorted(codings, key=lambda c: (c.rank_tier, c.segment_id in doubted, -score[c.segment_id],
                                             c.segment_id))
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
    stances: Collection[str | None] | None = None,
    with_attributes: Sequence[str] = (),
    duplicate_cosine: float = DUPLICATE_COSINE,
    min_content_words: int = MIN_CONTENT_WORDS,
    min_group_size: int = MIN_GROUP_SIZE,
    seen: set[str] | None = None,
    too_short: list[Quote] | None = None,
) -> list[Quote]:
    """The ``n`` best quotes for ``code_id``: clear, representative, short, diverse and able to stand
    on their own (at least ``min_content_words`` content words: no bare «Ja.» or «Nej.»).

    ``seen`` holds the texts a document has quoted already (shared across its codes): the same text
    is never listed twice under two quote ids. ``stances`` (see
    :func:`~hoi_nlp.export.quotes.quoted_stances`) keeps a barrier's codings of those stances only.
    ``too_short`` collects the quotes left out for too few content words (to say why none was listed).
    """
    if n <= 0:
        return []
    ordered, vectors = rank_codings(study, code_id, embed=embed, group=group, stances=stances)
    prepare_quotes(study, ordered[: max(20, 4 * n)], redact)
    quotes: list[Quote] = []
    respondents: set[str] = set()
    chosen: list[np.ndarray] = []
    texts: set[str] = set() if seen is None else seen
    for coding in ordered:
        respondent = study.respondent_of[coding.segment_id]
        vector = vectors.get(coding.segment_id)
        if respondent in respondents or _near_duplicate(vector, chosen, duplicate_cosine):
            continue
        quote = make_quote(study, coding, redact=redact, with_attributes=with_attributes,
                           min_content_words=min_content_words, min_group_size=min_group_size)
        if not usable(quote, texts, min_content_words=min_content_words):
            if too_short is not None and not citable(quote, min_content_words=min_content_words):
                too_short.append(quote)
            continue
        respondents.add(respondent)
        texts.add(text_key(quote.text_pseudonymized))
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
    study: CodedStudy, query: str, *, embed: Embedding, redact: Redactor, n: int = 10,
    min_content_words: int = MIN_CONTENT_WORDS,
) -> list[tuple[float, Quote]]:
    """Coded segments closest to ``query`` (cosine), each as a citable quote for its most confident code;
    the same text is not listed twice."""
    by_segment: dict[str, Coding] = {}
    if n <= 0:
        return []
    for coding in sorted(study.codings, key=lambda c: (c.rank_tier, -c.confidence)):
        by_segment.setdefault(coding.segment_id, coding)
    if not by_segment:
        return []
    ids = sorted(by_segment)
    matrix = embed([study.segment_by_id[i].text for i in ids])
    scores = matrix @ embed([query], kind="query")[0]
    order = np.argsort(-scores, kind="stable")
    prepare_quotes(study, [by_segment[ids[i]] for i in order[: 3 * n]], redact)
    hits: list[tuple[float, Quote]] = []
    seen: set[str] = set()
    for i in order:
        quote = make_quote(study, by_segment[ids[i]], redact=redact, min_content_words=min_content_words)
        if not usable(quote, seen, min_content_words=min_content_words):
            continue
        seen.add(text_key(quote.text_pseudonymized))
        hits.append((float(scores[i]), quote))
        if len(hits) >= n:
            break
    return hits


def citation_rows(quotes: Sequence[tuple[Quote, str]]) -> list[dict[str, object]]:
    """One row per quote as `hoi cite` writes it to JSON and XLSX: id, code, citation line, text, source,
    review state, machine confidence and, for a barrier, its stance."""
    return [{"quote_id": q.quote_id, "code_id": q.code_id, "text": q.text_pseudonymized,
             "citation": q.citation, "source": reference, "review_state": q.review_state,
             "confidence": q.confidence,
             **({"stance": q.stance} if is_stance_code(q.code_id) else {})}
            for q, reference in quotes]


CITATION_FIELDS = {
    "quote_id": "stable id: `hoi quote ID` prints the quote, its source, span and current review state",
    "code_id": "the code the quote is cited for (`code`)",
    "text": "an exact slice of the pseudonymised source",
    "citation": "the quote as a report shows it, with the respondent's coarse role",
    "source": "where it comes from: survey question and row, or interview and turn",
    "review_state": "accepted or added by an analyst, or unreviewed (the machine's alone)",
    "confidence": "the machine coder's confidence in the coding, 0-1",
    "stance": "a barrier's stance: hindrance, precondition, overcome, rating (null: not set)",
}


def citation_header(study: CodedStudy, code_id: str, facts: dict[str, object], *,
                    redact: Redactor) -> dict[str, object]:
    """What `hoi cite --format json` says before its quotes: the code (id, label, family), the study (its
    name as the exports show it), the hoi_nlp version, whether the texts are pseudonymised, and what
    the quotes rest on (``facts``: :func:`~hoi_nlp.export.quotes.selection_facts`, the same the md, docx
    and xlsx headers say in words)."""
    from hoi_nlp import __version__

    code = study.codebook.code(code_id)
    family = next(f for f in study.codebook.families if f.id == code.family)
    return {"code": {"id": code.id, "label": code.label, "family": {"id": family.id, "label": family.label}},
            "study": redact.ident(study.name) if study.name else "", "hoi_nlp": __version__,
            "pseudonymised": not redact.raw, "selection": facts, "fields": CITATION_FIELDS}


def citation_document(header: dict[str, object], quotes: Sequence[tuple[Quote, str]]) -> dict[str, object]:
    """`hoi cite --format json`: the header (:func:`citation_header`), then the quotes
    (:func:`citation_rows`)."""
    return {**header, "quotes": citation_rows(quotes)}


def write_citations_xlsx(path: Path, quotes: Sequence[tuple[Quote, str]], *, title: str, note: str) -> Path:
    """`hoi cite --format xlsx`: the quotes as a sheet (the JSON's columns) and, on a second sheet, what
    they are and rest on (``note``, see :func:`~hoi_nlp.export.quotes.selection_note`)."""
    import pandas as pd

    from hoi_nlp.export.dataset import write_xlsx
    from hoi_nlp.io import write_atomic

    columns = ["quote_id", "code_id", "text", "citation", "source", "review_state", "confidence", "stance"]
    frame = pd.DataFrame(citation_rows(quotes))
    frame = frame[[c for c in columns if c in frame.columns]]
    about = pd.DataFrame({"field": ["title", "note"], "value": [title, note]})
    return write_atomic(path, lambda tmp: write_xlsx(tmp, {"quotes": frame, "about": about}))


# ---------------------------------------------------------------- registry and resolution


def register_quotes(workspace: Workspace, quotes: Sequence[Quote], *, study: CodedStudy | None = None,
                    redact: Redactor | None = None) -> None:
    """Record quote ids with their offsets so they resolve later, never the original text.

    Given the (public view of the) study and its redactor, each entry also keeps what the quote shows:
    its pseudonymised text, source place, role, code label, file and segment ids, with the source's
    content hash, the key's size and how opaque ids are made, so ``hoi quote ID`` answers without the
    privacy pipeline while none of them has changed.
    """
    from hoi_nlp.export.quotes import role_label, source_place
    from hoi_nlp.privacy.redact import OPAQUE_IDS

    path = registry_path(workspace)
    known = load_registry(workspace)
    new: dict[str, dict[str, object]] = {}
    for q in quotes:
        entry: dict[str, object] = {"quote_id": q.quote_id, "code_id": q.code_id, "source_id": q.source_id,
                                    "segment_id": q.segment_id, "start": q.start, "end": q.end}
        before = known.get(q.quote_id, {})
        same = all(before.get(k) == entry[k] for k in ("source_id", "segment_id", "start", "end"))
        # when it was first handed out: a correction of its source since moves it (lookup._followed)
        entry["registered_at"] = before.get("registered_at") if same and before.get("registered_at") \
            else utcnow().isoformat()
        if study is not None and redact is not None and not redact.raw and q.source_id in study.sources:
            source = study.sources[q.source_id]
            redaction = redact.redaction(source)
            entry["shown"] = {
                "text": redact.span(source, q.start, q.end).strip(),
                # the span in the source's redaction (the original offsets would tell names' lengths)
                "span": [redaction.position(q.start), redaction.position(q.end, end=True)],
                "place": source_place(study, q.segment_id, redact=redact),
                "role": role_label(source),
                "label": study.codebook.code(q.code_id).label if study.codebook.has_code(q.code_id) else "",
                "file": redact.file_id(source.path),
                "segment": redact.segment_id(q.segment_id),
                "ids": OPAQUE_IDS,
                "content_hash": source.content_hash,
                "key_size": len(redact.key.originals),
            }
        elif q.quote_id in known and "shown" in known[q.quote_id]:
            entry["shown"] = known[q.quote_id]["shown"]
        new[q.quote_id] = entry
    if all(known.get(quote_id) == entry for quote_id, entry in new.items()):
        return
    known.update(new)
    write_text_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in known.values()))
