"""The coded study as exports read it: sources, coding units, machine codings and the review,
merged into one effective coding per (segment, code)."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hoi_nlp.codebook import Codebook
from hoi_nlp.ingest.numbers import number_value
from hoi_nlp.privacy.redact import IDENTIFYING_ATTRIBUTES, REDACTED_ATTRIBUTES, KeyRedactor
from hoi_nlp.records import CodeAssignment, CodeReview, ReviewDecision, Segment, Source

if TYPE_CHECKING:
    from hoi_nlp.review.study_memos import StudyMemo

logger = logging.getLogger(__name__)

ATTRIBUTE_COLUMNS = ("municipality", "region", "size_group", "role")
# Respondent attributes that identify a municipality or a person (only in raw exports) and, of those,
# the question text, shown pseudonymised: IDENTIFYING_ATTRIBUTES, REDACTED_ATTRIBUTES (privacy.redact).
__all__ = ["IDENTIFYING_ATTRIBUTES", "REDACTED_ATTRIBUTES"]
ATTRIBUTE_LABELS = {
    "municipality": "Kommune",
    "region": "Region",
    "size_group": "Størrelsesgruppe",
    "role": "Respondentrolle",
}
Redactor = KeyRedactor  # the study's one redactor (a StudyRedactor in practice)
# The materials a study can hold; shares are always computed per material, never across them.
MATERIALS = ("survey", "interview")
MATERIAL_OF_KIND = {"survey_answer": "survey", "transcript": "interview"}
REVIEW_LABELS = {
    "unreviewed": "ikke gennemset",
    "accepted": "accepteret",
    "rejected": "afvist",
    "added": "tilføjet",
    "suggested": "ikke gennemset",
}


@dataclass(frozen=True)
class Coding:
    """One effective (segment, code) coding: machine confidence plus review state.

    ``start``/``end`` are offsets into the source text (the segment's span unless the
    analyst narrowed it).
    """

    segment_id: str
    source_id: str
    code_id: str
    start: int
    end: int
    confidence: float
    machine: bool
    review: str = "unreviewed"
    memo: str = ""
    analyst: str = ""
    coders: tuple[str, ...] = ()
    stance: str | None = None  # barrier codes: the analyst's stance if set, else the machine's

    @property
    def counted(self) -> bool:
        """Whether the coding counts in tables (everything but rejected suggestions)."""
        return self.review != "rejected"

    @property
    def rank_tier(self) -> int:
        """0 for analyst-confirmed codings (accepted/added), 1 for machine-only ones."""
        return 0 if self.review in ("accepted", "added") else 1


@dataclass(frozen=True)
class CodedStudy:
    """Everything an export needs, loaded once from the workspace."""

    codebook: Codebook
    sources: dict[str, Source]
    segments: list[Segment]
    assignments: list[CodeAssignment]
    reviews: dict[tuple[str, str], CodeReview] = field(default_factory=dict)
    sentences: dict[str, list[Segment]] = field(default_factory=dict)
    name: str = ""
    sentence_loader: Callable[[str], list[Segment]] | None = None
    memos: list[ReviewDecision] = field(default_factory=list)  # memos written in the review app, in order
    title: str = ""  # the study's own name (the survey's name, else the study folder's), "" when unknown
    shown_questions: dict[str, str] = field(default_factory=dict)  # question id -> as exports show it
    flagged: frozenset[str] = frozenset()  # coding units flagged for discussion in the review app
    study_memos: list[StudyMemo] = field(default_factory=list)  # memos on the study as a whole, in order
    # model versions of the study's own coders (`hoi retrain`: models/coder and models/coder.previous)
    retrained_versions: frozenset[str] = frozenset()
    # per survey export (a source's ``path``), which closed items the last ingest found numbers there
    # (:data:`~hoi_nlp.ingest.numbers.CLOSED_NUMBERS`): True whole ones, False with decimals, None text
    closed_numbers: dict[str, dict[str, bool | None]] = field(default_factory=dict)

    def question_shown(self, question_id: str) -> str:
        """A question id as this view of the study shows it (an id holding a name is an opaque id)."""
        return self.shown_questions.get(question_id, question_id)

    @property
    def display_name(self) -> str:
        """What a report is titled: the study's own name, else the workspace's."""
        return self.title or self.name

    def sentences_of(self, source_id: str) -> list[Segment]:
        """The source's sentence segments (loaded on first use when a loader is set)."""
        if source_id not in self.sentences and self.sentence_loader is not None:
            self.sentences[source_id] = self.sentence_loader(source_id)
        return self.sentences.get(source_id, [])

    def assignments_by_segment(self) -> dict[str, list[CodeAssignment]]:
        """Assignments grouped by segment id, highest confidence first."""
        grouped: dict[str, list[CodeAssignment]] = {}
        for assignment in sorted(self.assignments, key=lambda a: -a.confidence):
            grouped.setdefault(assignment.segment_id, []).append(assignment)
        return grouped

    @cached_property
    def segment_by_id(self) -> dict[str, Segment]:
        """Coding units by id."""
        return {seg.segment_id: seg for seg in self.segments}

    @cached_property
    def respondent_of(self) -> dict[str, str]:
        """Segment id -> respondent id."""
        return {seg.segment_id: self.sources[seg.source_id].respondent_id for seg in self.segments}

    @cached_property
    def respondents(self) -> dict[str, dict[str, str]]:
        """Respondent id -> attributes (from its first source), sorted by id."""
        found: dict[str, dict[str, str]] = {}
        for source in sorted(self.sources.values(), key=lambda s: s.source_id):
            found.setdefault(source.respondent_id, dict(source.attributes))
        return dict(sorted(found.items()))

    @cached_property
    def number_attributes(self) -> dict[str, bool]:
        """The closed items that are numbers (a rating) in every export whose sources have them, as the
        last ingest found (:attr:`closed_numbers`, :mod:`hoi_nlp.ingest.numbers`), each with whether all
        its numbers are whole: exports write them as numbers, one form whichever file (xlsx or Danish
        CSV) they came from. Any other attribute (a postal code, a year) stays text, as read."""
        kinds: dict[str, list[bool | None]] = {}
        for source in self.sources.values():
            for name, value in source.attributes.items():
                if isinstance(value, str) and value.strip():
                    kind = self.closed_numbers.get(source.path, {}).get(name)
                    kinds.setdefault(name, []).append(kind if number_value(value) is not None else None)
        return {name: all(found) for name, found in kinds.items()
                if all(kind is not None for kind in found)}

    @cached_property
    def all_codings(self) -> list[Coding]:
        """Effective codings of every (segment, code), rejected ones included."""
        return build_codings(self)

    @cached_property
    def codings(self) -> list[Coding]:
        """Codings that count (rejected suggestions left out)."""
        return [c for c in self.all_codings if c.counted]

    @cached_property
    def _codings_by_code(self) -> dict[str, list[Coding]]:
        grouped: dict[str, list[Coding]] = {}
        for coding in self.codings:
            grouped.setdefault(coding.code_id, []).append(coding)
        return grouped

    def codings_for(self, code_id: str) -> list[Coding]:
        """Counted codings of one code."""
        return list(self._codings_by_code.get(code_id, []))

    @cached_property
    def assignments_by_key(self) -> dict[tuple[str, str], list[CodeAssignment]]:
        """Machine assignments grouped by (segment id, code id), in load order."""
        grouped: dict[tuple[str, str], list[CodeAssignment]] = {}
        for assignment in self.assignments:
            grouped.setdefault((assignment.segment_id, assignment.code_id), []).append(assignment)
        return grouped

    @cached_property
    def assignment_keys_by_segment(self) -> dict[str, list[tuple[str, list[CodeAssignment]]]]:
        """:attr:`assignments_by_key` by segment: ``{segment id: [(code id, its assignments), ...]}``."""
        grouped: dict[str, list[tuple[str, list[CodeAssignment]]]] = {}
        for (segment_id, code_id), found in self.assignments_by_key.items():
            grouped.setdefault(segment_id, []).append((code_id, found))
        return grouped

    def assignments_for(self, segment_id: str, code_id: str) -> list[CodeAssignment]:
        """The machine assignments of one (segment, code), from every coder."""
        return list(self.assignments_by_key.get((segment_id, code_id), []))

    @cached_property
    def respondent_matrix(self) -> pd.DataFrame:
        """Respondents × codes, 1 where a respondent mentions the code in any counted coding."""
        return self._presence_matrix(list(self.respondents), lambda c: self.respondent_of[c.segment_id])

    @cached_property
    def segment_matrix(self) -> pd.DataFrame:
        """Coding units × codes, 1 where the unit carries the code."""
        return self._presence_matrix([s.segment_id for s in self.segments], lambda c: c.segment_id)

    # -- materials and bases: survey answers and interviews are counted apart

    @cached_property
    def material_of_segment(self) -> dict[str, str]:
        """Coding unit id -> its material (``survey`` or ``interview``)."""
        return {seg.segment_id: MATERIAL_OF_KIND.get(self.sources[seg.source_id].kind, "survey")
                for seg in self.segments}

    @cached_property
    def bases(self) -> dict[str, list[str]]:
        """Material -> its respondents (at least one coding unit there), sorted; only materials present.

        The base of a survey share is who answered at least one open question; of an interview share,
        the interviews.
        """
        found: dict[str, set[str]] = {}
        for seg in self.segments:
            found.setdefault(self.material_of_segment[seg.segment_id], set()).add(
                self.sources[seg.source_id].respondent_id)
        return {m: sorted(found[m]) for m in MATERIALS if m in found}

    @cached_property
    def question_bases(self) -> dict[str, list[str]]:
        """Survey question id -> the respondents who answered it, in the order the questions first occur."""
        found: dict[str, set[str]] = {}
        for seg in self.segments:
            if self.material_of_segment[seg.segment_id] == "survey" and seg.question_id:
                found.setdefault(seg.question_id, set()).add(self.sources[seg.source_id].respondent_id)
        return {q: sorted(found[q]) for q in sorted(found, key=_question_order)}

    @cached_property
    def _material_matrices(self) -> dict[tuple[str, str | None], pd.DataFrame]:
        return {}

    def material_matrix(self, material: str, question_id: str | None = None) -> pd.DataFrame:
        """The base's respondents × codes, 1 where a respondent mentions the code in that material
        (and, with ``question_id``, in the answer to that question)."""
        key = (material, question_id)
        if key not in self._material_matrices:
            index = (self.question_bases.get(question_id, []) if question_id
                     else self.bases.get(material, []))
            chosen = [c for c in self.codings if self.material_of_segment[c.segment_id] == material
                      and (question_id is None
                           or self.segment_by_id[c.segment_id].question_id == question_id)]
            self._material_matrices[key] = self._presence_matrix(
                index, lambda c: self.respondent_of[c.segment_id], codings=chosen)
        return self._material_matrices[key]

    @cached_property
    def _stances(self) -> dict[str, dict[tuple[str, str], set[str | None]]]:
        found: dict[str, dict[tuple[str, str], set[str | None]]] = {}
        for coding in self.codings:
            material = self.material_of_segment[coding.segment_id]
            key = (self.respondent_of[coding.segment_id], coding.code_id)
            found.setdefault(material, {}).setdefault(key, set()).add(coding.stance)
        return found

    def stances(self, material: str) -> dict[tuple[str, str], set[str | None]]:
        """(respondent, code) -> the stances its counted codings in ``material`` carry (None: not set)."""
        return self._stances.get(material, {})

    def _presence_matrix(self, index: list[str], row_of: Callable[[Coding], str],
                         codings: list[Coding] | None = None) -> pd.DataFrame:
        codes = self.codebook.code_ids
        row_number = {key: i for i, key in enumerate(index)}
        column_number = {code: j for j, code in enumerate(codes)}
        values = np.zeros((len(index), len(codes)), dtype=np.int64)
        cells = [(row_number[row_of(c)], column_number[c.code_id])
                 for c in (self.codings if codings is None else codings)
                 if c.code_id in column_number and row_of(c) in row_number]
        if cells:
            rows, columns = zip(*cells, strict=True)
            values[list(rows), list(columns)] = 1
        return pd.DataFrame(values, index=index, columns=codes)


def coarse_role(role: str) -> str:
    """A respondent's role as reports name it: «Kommunaldirektør», «Direktør» or «Leder» ("" if none).

    Full titles ("Direktør for social, sundhed og beskæftigelse") are reduced to the coarse labels:
    a rare exact title could otherwise help identify the municipality, and a group of one title is
    too small to report.
    """
    lowered = role.strip().lower()
    if not lowered:
        return ""
    if "kommunaldirektør" in lowered:
        return "Kommunaldirektør"
    if "direktør" in lowered:
        return "Direktør"
    return "Leder"


def _question_order(question_id: str) -> tuple[object, ...]:
    """Questions in survey order: ``1.1_kommentar`` < ``1.2_kommentar`` < ``4.2a_indsats1`` < ``7_…``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", question_id))


def build_codings(study: CodedStudy) -> list[Coding]:
    """Merge machine assignments (best per segment and code) with review states."""
    best = {key: found for key, found in study.assignments_by_key.items() if key[0] in study.segment_by_id}
    keys = sorted(set(best) | {k for k in study.reviews if k[0] in study.segment_by_id})
    return [_coding(study, key, best.get(key, []), study.reviews.get(key)) for key in keys]


def _coding(
    study: CodedStudy, key: tuple[str, str], machine: list[CodeAssignment], review: CodeReview | None
) -> Coding:
    seg = study.segment_by_id[key[0]]
    status = review.status if review else "unreviewed"
    if status == "suggested":
        status = "unreviewed"
    if not machine and status == "accepted":
        status = "added"
    start = review.start if review and review.start is not None else seg.start
    end = review.end if review and review.end is not None else seg.end
    return Coding(
        segment_id=seg.segment_id,
        source_id=seg.source_id,
        code_id=key[1],
        start=start,
        end=end,
        confidence=max((a.confidence for a in machine), default=1.0 if review else 0.0),
        machine=bool(machine),
        review=status,
        memo=review.memo if review else "",
        analyst=review.analyst if review else "",
        coders=tuple(sorted({a.coder for a in machine})),
        stance=(review.stance if review and review.stance else None)
        or next((a.stance for a in machine if a.stance), None),
    )


def public_view(study: CodedStudy, redact: KeyRedactor) -> CodedStudy:
    """The study as a pseudonymised export shows it: every field that came from the study's files
    passes the redactor. Attribute values, question texts and locators are pseudonymised, names of
    files become stable ids, identifying attributes (municipality, interviewer, speakers, date)
    are left out, analysts' memos (on codings, on units, on the study as a whole: text and title) are
    pseudonymised here, once for every export, and a study name holding a name becomes an id.
    The texts stay the originals: exports slice them through ``redact``.
    """
    if redact.raw:
        return study
    sources = redact.public_sources(study.sources.values())
    shown = redact.values([*(r.memo for r in study.reviews.values()), *(d.memo for d in study.memos),
                           *(t for m in study.study_memos for t in (m.text, m.title))])
    reviews = {key: r.model_copy(update={"memo": shown[r.memo]}) if r.memo else r
               for key, r in study.reviews.items()}
    memos = [d.model_copy(update={"memo": shown[d.memo]}) if d.memo else d for d in study.memos]
    study_memos = [dataclasses.replace(m, text=shown.get(m.text, m.text), title=shown.get(m.title, m.title))
                   for m in study.study_memos]
    # The title is the researcher's own label (the survey's name): only names the key knows are replaced,
    # the recogniser is not asked ("Kommuneundersøgelse" is no person); the leak guard still checks it.
    title = KeyRedactor(redact.key).value(study.title)
    questions = {q for q in (*(s.question_id for s in study.sources.values()),
                             *(seg.question_id for seg in study.segments)) if q}
    return dataclasses.replace(study, sources=sources, reviews=reviews, memos=memos, study_memos=study_memos,
                               sentences=dict(study.sentences),
                               name=redact.ident(study.name), title=title,
                               shown_questions={q: redact.ident(q) for q in questions},
                               closed_numbers={redact.file_id(path): items  # as its sources name the file
                                               for path, items in study.closed_numbers.items()})
