"""Cut sources into segments: containers (answer, turn), coding passages and sentences.

Survey answers become an ``answer`` segment plus its sentences; transcripts become speaker
``turn`` segments plus sentences. The coding unit (``codable=True``) is the answer or the
respondent's turn when it is short, else ``passage`` segments of whole consecutive sentences
up to ``max_passage_words`` (a sentence longer than that is cut after commas and other clause
ends). Interviewer turns are kept as context and not coded by default.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Protocol

from spacy.language import Language

from hoi_nlp.nlp.pipeline import DEFAULT_PIPELINE, load_sentence_pipeline
from hoi_nlp.records import Segment, Source, slice_segment
from hoi_nlp.segment.sentences import sentence_spans, trimmed_span
from hoi_nlp.settings import SegmentSettings

#: The version of the rules that cut a source into turns (``hoi_nlp.ingest.transcript``) and coding units
#: (this module). Raise it when a change cuts stored sources differently: each workspace's sources are
#: then cut again on its next run, and only those cut differently get new units (and are coded again).
#: 2: a ``[hh:mm:ss]`` timestamp inside a line of words starts a new turn of the same speaker (session 16).
#: 3: an appendix' or the notes' heading with its title below the last turn («Bilag 1: Interviewguide»)
#: ends the interview, as the bare heading did (session 19).
SEGMENTATION_RULES = 3
#: A transcript's metadata that decides whose turns are whose (the speaker lists, the interviewer's name).
SPEAKER_METADATA = ("interviewer", "interviewer_speakers", "respondent_speakers")


def segmentation_key(kind: str, attributes: Mapping[str, str], settings: SegmentSettings,
                     pipeline: str = DEFAULT_PIPELINE) -> str:
    """What a source's segments were cut with: the rules' version, the settings, the sentence pipeline
    and, of a transcript, its speaker metadata. A stored source cut with another key is cut again."""
    speakers = {name: attributes.get(name, "") for name in SPEAKER_METADATA} if kind == "transcript" else {}
    made_with = {"rules": SEGMENTATION_RULES, "settings": settings.model_dump(mode="json"),
                 "pipeline": pipeline, "speakers": speakers}
    return hashlib.sha256(json.dumps(made_with, sort_keys=True).encode("utf-8")).hexdigest()


class TurnLike(Protocol):
    """What the segmenter needs of a speaker turn (see ``hoi_nlp.ingest.transcript.Turn``)."""

    index: int
    speaker: str
    speaker_role: str
    timestamp: str | None
    start: int
    end: int


def _word_count(text: str) -> int:
    return len(text.split())


_WORD_RE = re.compile(r"\S+")
_CLAUSE_END = tuple(",;:–—")


def _clauses(source: Source, start: int, end: int, *, max_words: int) -> list[tuple[int, int]]:
    """A sentence longer than ``max_words`` words cut into pieces of at most that many, each ending
    after a comma, semicolon, colon or dash where one falls in its last two thirds (else after the
    ``max_words``-th word): transcribed speech runs on for hundreds of words without a full stop."""
    words = [(start + m.start(), start + m.end()) for m in _WORD_RE.finditer(source.text[start:end])]
    pieces: list[tuple[int, int]] = []
    while len(words) > max_words:
        cut = next((i for i in range(max_words - 1, max_words // 3 - 1, -1)
                    if source.text[words[i][1] - 1] in _CLAUSE_END), max_words - 1)
        pieces.append((words[0][0], words[cut][1]))
        words = words[cut + 1:]
    if words:
        pieces.append((words[0][0], words[-1][1]))
    return pieces


def _passages(source: Source, sentences: Sequence[tuple[int, int]], *,
              max_words: int) -> list[tuple[int, int]]:
    """Group consecutive sentences into passages of at most ``max_words`` words (a longer sentence is
    cut at clause ends, see :func:`_clauses`)."""
    groups: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    words = 0
    pieces = [piece for start, end in sentences
              for piece in _clauses(source, start, end, max_words=max_words)]
    for start, end in pieces:
        n = _word_count(source.text[start:end])
        if current and words + n > max_words:
            groups.append((current[0][0], current[-1][1]))
            current, words = [], 0
        current.append((start, end))
        words += n
    if current:
        groups.append((current[0][0], current[-1][1]))
    return groups


def _unit_and_children(source: Source, container: Segment, *, nlp: Language, max_words: int,
                       codable: bool, **fields: object) -> list[Segment]:
    """The container, its sentences and (for long containers) its passages."""
    sentences = sentence_spans(container.text, nlp, offset=container.start)
    long_unit = _word_count(container.text) > max_words
    segments = [container.model_copy(update={"codable": codable and not long_unit})]
    segments += [slice_segment(source, kind="sentence", start=s, end=e, codable=False,
                               parent_id=container.segment_id, **fields) for s, e in sentences]
    if long_unit:
        segments += [slice_segment(source, kind="passage", start=s, end=e, codable=codable,
                                   parent_id=container.segment_id, **fields)
                     for s, e in _passages(source, sentences, max_words=max_words)]
    return segments


def segment_survey_answer(source: Source, *, nlp: Language, settings: SegmentSettings) -> list[Segment]:
    """An answer segment with its sentences (and passages when the answer is long)."""
    start, end = trimmed_span(source.text, 0, len(source.text))
    if end <= start:
        return []
    fields = {"question_id": source.question_id}
    answer = slice_segment(source, kind="answer", start=start, end=end, **fields)
    return _unit_and_children(source, answer, nlp=nlp, max_words=settings.max_passage_words,
                              codable=True, **fields)


def segment_transcript(source: Source, turns: Sequence[TurnLike], *, nlp: Language,
                       settings: SegmentSettings) -> list[Segment]:
    """Turn segments with sentences and passages; only respondent turns are codable by default."""
    segments: list[Segment] = []
    for turn in turns:
        start, end = trimmed_span(source.text, turn.start, turn.end)
        if end <= start:
            continue
        fields = {"speaker": turn.speaker, "speaker_role": turn.speaker_role,
                  "turn_index": turn.index, "timestamp": turn.timestamp}
        codable = turn.speaker_role == "respondent" or settings.code_interviewer_turns
        container = slice_segment(source, kind="turn", start=start, end=end, **fields)
        segments += _unit_and_children(source, container, nlp=nlp, max_words=settings.max_passage_words,
                                       codable=codable, **fields)
    return segments


def segment_source(source: Source, *, turns: Sequence[TurnLike] | None = None,
                   settings: SegmentSettings | None = None,
                   pipeline: str = DEFAULT_PIPELINE) -> list[Segment]:
    """Segment one source. Transcripts need their ``turns`` (from ingest)."""
    settings = settings or SegmentSettings()
    nlp = load_sentence_pipeline(pipeline)
    if source.kind == "transcript":
        if turns is None:  # parsed again from the stored text; its warnings were given at ingest
            from hoi_nlp.ingest.transcript import parse_transcript

            turns = parse_transcript(source).turns
        return segment_transcript(source, turns, nlp=nlp, settings=settings)
    return segment_survey_answer(source, nlp=nlp, settings=settings)


def segment_sources(sources: Iterable[Source], *, settings: SegmentSettings | None = None,
                    pipeline: str = DEFAULT_PIPELINE) -> Iterator[list[Segment]]:
    """Segment sources one at a time (streaming: one source's segments in memory at once)."""
    for source in sources:
        yield segment_source(source, settings=settings, pipeline=pipeline)
