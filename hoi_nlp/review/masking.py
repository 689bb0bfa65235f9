"""What the review app shows a reviewer without original-text rights: each source's one redaction.

The app asks :class:`PrivacyView` for the replaced spans of a source (offsets into the source
text with their placeholders) and renders the text piece by piece, so a span an analyst selects
still maps to exact source offsets. The spans come from the study's
:class:`~hoi_nlp.privacy.redact.StudyRedactor`, the same one every export slices from, cached in
the workspace: a workspace fresh from ``hoi run`` (whose export redacted every source) opens
without any preparation step.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from hoi_nlp.privacy.pseudonymize import ReplacedSpan
from hoi_nlp.privacy.redact import KeyRedactor, StudyRedactor
from hoi_nlp.records import Source
from hoi_nlp.settings import Settings
from hoi_nlp.store import Workspace, load_sources

logger = logging.getLogger(__name__)

Hidden = ReplacedSpan


class PrivacyView:
    """Replaced spans per source and pseudonymised labels, from the study's one redactor."""

    def __init__(self, workspace: Workspace, settings: Settings | None = None, *,
                 redactor: KeyRedactor | None = None) -> None:
        self.workspace = workspace
        self.redactor = redactor or StudyRedactor(workspace, settings or Settings())

    def warm(self) -> None:
        """Load what the first page needs (the key's matcher and its word lists); call it at start-up."""
        try:
            self.redactor.warm()
        except Exception as exc:  # noqa: BLE001 - the first page that needs it reports the problem
            logger.warning("preparing the pseudonymised view failed: %s", exc)

    def hidden(self, source: Source) -> list[Hidden]:
        """Spans of ``source.text`` to hide."""
        return list(self.redactor.redaction(source).spans)

    def hidden_many(self, sources: Sequence[Source]) -> dict[str, list[Hidden]]:
        """Hidden spans for several sources (missing ones recognised in one batch and cached)."""
        self.redactor.prepare(list({s.source_id: s for s in sources}.values()))
        return {s.source_id: self.hidden(s) for s in sources}

    def text(self, source: Source, start: int, end: int) -> str:
        """The pseudonymised text of ``source.text[start:end]`` (as every export shows it)."""
        return self.redactor.span(source, start, end)

    def speaker(self, label: str | None) -> str:
        """A speaker label with names replaced by their placeholders."""
        return self.redactor.speaker(label)

    def value(self, text: str) -> str:
        """A field value (attribute, memo) pseudonymised with the study key."""
        return self.redactor.value(text)

    def prepare_all(self, *, batch: int = 500) -> int:
        """Recognise every source not cached yet; returns how many were new."""
        sources = load_sources(self.workspace)
        return sum(self.redactor.prepare(sources[i:i + batch]) for i in range(0, len(sources), batch))


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
