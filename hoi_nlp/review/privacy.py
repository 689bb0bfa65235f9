"""What the review app shows: pseudonymised text unless the analyst may see the original.

Each source is pseudonymised once with the study's key (:mod:`hoi_nlp.pseudonymize`) and the
replaced spans (offsets into the source text and their placeholders) are cached in the
workspace, keyed by the source's content hash. The app renders the source text piece by
piece and shows a placeholder in place of each replaced span, so a span an analyst selects
still maps to exact source offsets.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from hoi_nlp.records import Source
from hoi_nlp.review.tables import ensure_review_schema, pseudonym_cache_table
from hoi_nlp.store import Workspace, load_sources, upsert

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hidden:
    """A span of the source text shown as ``placeholder``."""

    start: int
    end: int
    placeholder: str


SpanFinder = Callable[[Sequence[str]], list[list[Hidden]]]


def ner_finder(workspace: Workspace, *, nlp: Any = None) -> SpanFinder:
    """Find spans to hide with the study's pseudonymiser (privacy NER + gazetteers + key)."""
    from hoi_nlp.pseudonymize import Pseudonymizer, key_path, load_key, save_key

    lock = threading.Lock()
    state: dict[str, Any] = {}

    def find(texts: Sequence[str]) -> list[list[Hidden]]:
        with lock:
            if "p" not in state:
                key = load_key(key_path(workspace), study=workspace.root.name)
                state["p"] = Pseudonymizer(key=key, nlp=nlp)
            pseudonymizer = state["p"]
            results = pseudonymizer.pseudonymize_many(list(texts))
            save_key(pseudonymizer.key, key_path(workspace))
        return [[Hidden(r.start, r.end, r.placeholder) for r in result.replaced] for result in results]

    return find


def patterns_nlp() -> Any:
    """A privacy pipeline without the statistical NER model: gazetteers, patterns, heuristics."""
    import spacy

    from hoi_nlp.nlp.ner import add_privacy_components

    nlp = spacy.blank("da")
    add_privacy_components(nlp)
    return nlp


class PrivacyView:
    """Hidden spans per source, computed once and cached in the workspace."""

    def __init__(self, workspace: Workspace, *, finder: SpanFinder | None = None) -> None:
        self.workspace = workspace
        self._finder = finder
        self._memory: dict[str, list[Hidden]] = {}
        self._lock = threading.Lock()
        ensure_review_schema(workspace)

    @property
    def finder(self) -> SpanFinder:
        """The span finder (the study's pseudonymiser unless another was given)."""
        if self._finder is None:
            self._finder = ner_finder(self.workspace)
        return self._finder

    def hidden(self, source: Source) -> list[Hidden]:
        """Spans of ``source.text`` to hide."""
        return self.hidden_many([source])[source.source_id]

    def hidden_many(self, sources: Sequence[Source]) -> dict[str, list[Hidden]]:
        """Hidden spans for several sources (missing ones computed in one batch and cached)."""
        out = {s.source_id: self._memory[s.content_hash] for s in sources if s.content_hash in self._memory}
        todo = [s for s in sources if s.source_id not in out]
        if todo:
            out.update(self._from_db(todo))
        todo = [s for s in todo if s.source_id not in out]
        if todo:
            out.update(self._compute(todo))
        return out

    def _from_db(self, sources: Sequence[Source]) -> dict[str, list[Hidden]]:
        wanted = {s.source_id: s.content_hash for s in sources}
        query = select(pseudonym_cache_table).where(pseudonym_cache_table.c.source_id.in_(list(wanted)))
        with self.workspace.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        found = {}
        for row in rows:
            if wanted.get(row["source_id"]) == row["content_hash"]:
                spans = [Hidden(int(s), int(e), str(p)) for s, e, p in row["replaced"]]
                found[row["source_id"]] = self._memory[row["content_hash"]] = spans
        return found

    def _compute(self, sources: Sequence[Source]) -> dict[str, list[Hidden]]:
        with self._lock:
            results = self.finder([s.text for s in sources])
            rows = [
                {
                    "source_id": s.source_id,
                    "content_hash": s.content_hash,
                    "replaced": [[h.start, h.end, h.placeholder] for h in spans],
                }
                for s, spans in zip(sources, results, strict=True)
            ]
            with self.workspace.engine.begin() as conn:
                upsert(conn, pseudonym_cache_table, rows, keys=["source_id"])
        for source, spans in zip(sources, results, strict=True):
            self._memory[source.content_hash] = spans
        return {s.source_id: spans for s, spans in zip(sources, results, strict=True)}

    def prepare_all(self, *, batch: int = 200) -> int:
        """Pseudonymise every source not cached yet; returns how many were computed."""
        sources = load_sources(self.workspace)
        computed = 0
        for start in range(0, len(sources), batch):
            chunk = sources[start : start + batch]
            missing = [s for s in chunk if s.source_id not in self._from_db(chunk)]
            if missing:
                self._compute(missing)
                computed += len(missing)
        return computed


def masked(text: str, start: int, end: int, hidden: Sequence[Hidden]) -> str:
    """``text[start:end]`` with hidden spans shown as placeholders (a span cut at an edge is hidden whole)."""
    parts = []
    cursor = start
    for span in sorted(hidden, key=lambda h: h.start):
        if span.end <= start or span.start >= end:
            continue
        parts.append(text[cursor : max(cursor, span.start)])
        parts.append(span.placeholder)
        cursor = max(cursor, span.end)
    parts.append(text[cursor:end] if cursor < end else "")
    return "".join(parts)
