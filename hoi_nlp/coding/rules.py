"""The rule coder (``hoi.rules.v1``): codebook patterns matched with spaCy.

Three kinds of pattern, all from the codebook: ``lemma`` phrases (matched on lemmas, so any
inflected form matches), exact ``phrase``s (case-insensitive) and spaCy ``tokens`` patterns
(validated on load). A code's confidence is the noisy-OR of the weights of its distinct
matching patterns, so two independent cues count for more than one. Every assignment keeps
its evidence: the matched span (offsets into the segment text) and the pattern that fired.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from hoi_nlp.codebook import Codebook, Pattern
from hoi_nlp.coding.base import RULES_V1
from hoi_nlp.nlp.pipeline import DEFAULT_PIPELINE, load_pipeline
from hoi_nlp.records import CodeAssignment, Evidence, Segment

logger = logging.getLogger(__name__)

MAX_RULE_CONFIDENCE = 0.99


@dataclass(frozen=True)
class RuleHit:
    """One pattern match inside a text."""

    code_id: str
    pattern_index: int
    start: int
    end: int
    text: str
    weight: float
    pattern: str


class RuleCoder:
    """Assign codes by matching the codebook's patterns."""

    name = RULES_V1
    method = "rule"

    def __init__(self, codebook: Codebook, *, pipeline: str = DEFAULT_PIPELINE) -> None:
        self.codebook = codebook
        self.nlp: Language = load_pipeline(pipeline)
        self._patterns: dict[str, tuple[str, int, Pattern]] = {}
        self._lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._lemma = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self._tokens = Matcher(self.nlp.vocab, validate=True)
        self._add_patterns()

    def _add_patterns(self) -> None:
        for code in self.codebook.codes:
            for index, pattern in enumerate(code.patterns):
                key = f"{code.id}#{index}"
                self._patterns[key] = (code.id, index, pattern)
                if pattern.kind == "tokens":
                    self._tokens.add(key, [pattern.tokens])
                elif pattern.kind == "phrase":
                    self._lower.add(key, [self.nlp.make_doc(pattern.phrase or "")])
                else:
                    self._lemma.add(key, [self.nlp(pattern.lemma or "")])
        logger.info("rule coder: %d patterns for %d codes", len(self._patterns), len(self.codebook.codes))

    def hits(self, doc: Doc) -> list[RuleHit]:
        """All pattern matches in ``doc`` (offsets into ``doc.text``)."""
        found: list[RuleHit] = []
        for matcher in (self._lower, self._lemma, self._tokens):
            if not len(matcher):
                continue
            for match_id, start, end in matcher(doc):
                code_id, index, pattern = self._patterns[self.nlp.vocab.strings[match_id]]
                span = doc[start:end]
                found.append(RuleHit(code_id, index, span.start_char, span.end_char, span.text,
                                     pattern.weight, pattern.describe()))
        found.sort(key=lambda hit: (hit.code_id, hit.start, hit.pattern_index))
        return found

    def code_doc(self, doc: Doc, segment_id: str) -> list[CodeAssignment]:
        """Assignments for one processed segment."""
        by_code: dict[str, list[RuleHit]] = defaultdict(list)
        for hit in self.hits(doc):
            by_code[hit.code_id].append(hit)
        return [self._assignment(segment_id, code_id, hits) for code_id, hits in by_code.items()]

    def _assignment(self, segment_id: str, code_id: str, hits: list[RuleHit]) -> CodeAssignment:
        return CodeAssignment(
            segment_id=segment_id,
            code_id=code_id,
            confidence=noisy_or({hit.pattern_index: hit.weight for hit in hits}.values()),
            method="rule",
            coder=self.name,
            codebook_version=self.codebook.version_tag,
            evidence=tuple(Evidence(start=h.start, end=h.end, text=h.text, pattern=h.pattern) for h in hits),
        )

    def code(self, segments: Sequence[Segment]) -> list[CodeAssignment]:
        """Code ``segments``; returns zero or more assignments per segment."""
        assignments: list[CodeAssignment] = []
        docs = self.nlp.pipe((seg.text for seg in segments), batch_size=256)
        for seg, doc in zip(segments, docs, strict=True):
            assignments.extend(self.code_doc(doc, seg.segment_id))
        return assignments


def noisy_or(weights: object) -> float:
    """Combine independent pattern weights: ``1 - prod(1 - w)``, capped below 1."""
    remaining = 1.0
    for weight in weights:  # type: ignore[attr-defined]
        remaining *= 1.0 - float(weight)
    return round(min(MAX_RULE_CONFIDENCE, 1.0 - remaining), 4)
