"""Interview transcripts (.docx/.txt/.vtt/.srt) → one :class:`~hoi_nlp.records.Source` plus its speaker turns.

A turn starts at a line with a speaker label and a colon (``I:``, ``Interviewer:``, ``Int.:``,
``D:``, ``Anne:``, ``Henrik Madsen:``, ``Interviewer (MS):``), optionally with a timestamp
(``[00:12:34]``, ``(00:12)``, ``00:12:34``) before or after the label, or at a built-in or listed
label (or one that starts two turns with a colon) followed by a timestamp in brackets and no colon
(``I [00:01:02] Hvad ...``), or at a line that is a speaker
label alone (a bold ``Interviewer`` paragraph, Word's ``00:00:05 Taler 1``, Teams' ``Jens Hansen
0:03``) when the label is listed in the metadata, is a speaker with a colon elsewhere in the file, or
occurs twice as a built-in label or after a timestamp; the utterance is then the next line. Lines
without a label continue the previous turn; lines before the first turn (title, date) stay in the
text but belong to no turn. Turn offsets point into ``source.text`` so that
``source.text[turn.start:turn.end]`` is exactly the utterance.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from hoi_nlp import progress
from hoi_nlp.errors import HoiError, IngestError, TranscriptError
from hoi_nlp.ingest.files import decode_text, read_bytes
from hoi_nlp.ingest.metadata import METADATA_NAMES, TranscriptMeta, find_metadata, load_metadata, match_files
from hoi_nlp.ingest.normalize import normalize_text
from hoi_nlp.ingest.result import FileReport, IngestResult, record_error, relative, study_files
from hoi_nlp.ingest.speakers import (  # noqa: F401 (also imported from here)
    _GENERIC_SPEAKER_RE,
    DEFAULT_INTERVIEWER_SPEAKERS,
    DEFAULT_RESPONDENT_SPEAKERS,
    NOT_SPEAKERS,
    label_key,
)
from hoi_nlp.records import Source, SpeakerRole, content_hash

logger = logging.getLogger(__name__)

TRANSCRIPT_SUFFIXES = (".docx", ".txt", ".vtt", ".srt")
MIN_UNKNOWN_LABEL_COUNT = 2
# A one-off "Word: ..." line inside a turn is worth a warning only if what follows reads like speech
# (not a table row "Indsats: Budget" or a list item "Fordele: tid").
MIN_WORDS_OF_KEPT_LABEL_LINE = 4
MAX_LABEL_CHARS = 40

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_TS_SECONDS = r"\d{1,2}:\d{2}:\d{2}"
_WORD = r"[A-ZÆØÅÄÖÜÉ][\wæøåÆØÅ.'’-]*"
# A label may end in a number ("Taler 2") or in initials or a name in brackets ("Interviewer (MS)").
_LABEL = rf"{_WORD}(?:[ \t]+{_WORD}){{0,3}}(?:[ \t]+\d{{1,2}})?(?:[ \t]*\([^\W\d][^()\n:\d]{{0,24}}\))?"


def _bracketed(name: str) -> str:
    return rf"\[(?P<{name}b>{_TS})\]|\((?P<{name}p>{_TS})\)"


def _line_re(label: str) -> re.Pattern[str]:
    """A turn's first line: optional timestamp, the ``label`` pattern, optional timestamp, a colon (or,
    without one, a tab: a hanging indent ``Interviewer<TAB>Hvad ...``; or a timestamp in brackets:
    ``I [00:01:02] Hvad ...``)."""
    return re.compile(
        rf"^[ \t]*(?:(?:{_bracketed('t1')}|(?P<t1n>{_TS}))[ \t]*[-–]?[ \t]*)?"
        rf"(?P<label>{label})(?:[ \t]*(?:(?:{_bracketed('t2')})[ \t]*)?"
        rf":(?!\d{{2}}(?::\d{{2}})?[ \t]*$)|(?=\t)"  # not Teams' minutes at the line's end ("Navn   0:03")
        rf"|[ \t]*(?:{_bracketed('t4')})(?=[ \t]|$))"
        rf"(?:[ \t]*(?:{_bracketed('t3')}|(?P<t3n>{_TS_SECONDS}))(?=\s|$)[ \t]*[-–]?)?[ \t]*"
    )


LINE_RE = _line_re(_LABEL)
# A label alone on its line, without a colon (a bold "Interviewer" paragraph; Word/Teams transcription's
# "00:00:05 Taler 1"), the utterance on the next line. Taken as a turn only when the label is listed in
# the metadata, or is a built-in label, or follows a timestamp, and then only if it occurs twice or more.
BARE_LABEL_RE = re.compile(
    rf"^[ \t]*(?:(?:{_bracketed('t1')}|(?P<t1n>{_TS}))[ \t]*[-–]?[ \t]*)?"
    rf"(?P<label>{_LABEL})[ \t]*(?:{_bracketed('t2')}|(?P<t2n>{_TS}))?[ \t]*$"
)
TIMESTAMP_ALONE_RE = re.compile(rf"^[ \t]*(?:{_bracketed('t1')}|(?P<t1n>{_TS_SECONDS}))[ \t]*$")
# A timestamp that opens a line of words inside a turn ("[00:01:30] Og det virker ...").
LEADING_TIMESTAMP_RE = re.compile(
    rf"^[ \t]*(?:{_bracketed('t1')}|(?P<t1n>{_TS_SECONDS}))[ \t]*[-–]?[ \t]*(?=\S)")
_TS_GROUPS = ("t1b", "t1p", "t1n", "t2b", "t2p", "t2n", "t4b", "t4p", "t3b", "t3p", "t3n")


@dataclass(frozen=True)
class Turn:
    """One speaker turn: ``source.text[start:end]`` is exactly the spoken text (no label, no timestamp)."""

    index: int
    speaker: str
    speaker_role: SpeakerRole
    timestamp: str | None
    start: int
    end: int

    def text(self, source: Source) -> str:
        """The utterance in ``source``."""
        return source.text[self.start : self.end]


@dataclass(frozen=True)
class SpeakerRoles:
    """Which speaker labels are the interviewer's and which the respondent's.

    ``interviewer_labels``/``respondent_labels`` are the labels the metadata lists (as written there);
    when both are listed, they are the complete list of the interview's speakers.
    """

    interviewer: frozenset[str]
    respondent: frozenset[str]
    explicit_respondent: frozenset[str] = field(default_factory=frozenset)
    interviewer_labels: tuple[str, ...] = ()
    respondent_labels: tuple[str, ...] = ()

    def role(self, label: str) -> SpeakerRole:
        """Role of ``label``: explicit respondents, then interviewers, else respondent; a numbered or
        bracketed label unknown as such takes its base's role ("Interviewer 2", "Interviewer (MS)")."""
        key = self._key(label)
        if key in self.explicit_respondent:
            return "respondent"
        return "interviewer" if key in self.interviewer else "respondent"

    def known(self, label: str) -> bool:
        """True if ``label`` (or its base, of "Interviewer 2" or "Interviewer (MS)") is a listed or
        default label."""
        key = self._key(label)
        return key in self.interviewer or key in self.respondent

    def _key(self, label: str) -> str:
        key = label_key(label)
        known = self.interviewer | self.respondent | self.explicit_respondent
        base = _NUMBERED_RE.sub("", key)
        return base if key not in known and base in known else key

    @property
    def complete(self) -> bool:
        """True if both the interviewer's and the respondent's labels are listed (no other speakers)."""
        return bool(self.interviewer_labels and self.respondent_labels)

    def listed(self, label: str) -> bool:
        """True if ``label`` (or its base, of "Interviewer (MS)" or "Interviewer 2") is a listed label."""
        listed = {label_key(item) for item in (*self.interviewer_labels, *self.respondent_labels)}
        key = label_key(label)
        return key in listed or _NUMBERED_RE.sub("", key) in listed


_NUMBERED_RE = re.compile(r"\s*\([^()]*\)$|\s+\d{1,2}$")




def split_speakers(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Speaker labels from ``"I|Interviewer"`` (also ``;`` or ``,`` separated) or a list."""
    if value is None:
        return ()
    items = re.split(r"[|;,]", value) if isinstance(value, str) else list(value)
    return tuple(item.strip() for item in items if item and item.strip())


def speaker_roles(
    *,
    interviewer_speakers: str | Iterable[str] | None = None,
    respondent_speakers: str | Iterable[str] | None = None,
) -> SpeakerRoles:
    """Build roles from listed labels, falling back to the defaults (I, Int, Interviewer → interviewer)."""
    interviewer = split_speakers(interviewer_speakers) or DEFAULT_INTERVIEWER_SPEAKERS
    respondent = split_speakers(respondent_speakers)
    return SpeakerRoles(
        interviewer=frozenset(map(label_key, interviewer)),
        respondent=frozenset(map(label_key, (*respondent, *DEFAULT_RESPONDENT_SPEAKERS))),
        explicit_respondent=frozenset(map(label_key, respondent)),
        interviewer_labels=split_speakers(interviewer_speakers),
        respondent_labels=respondent,
    )


def _listed_label_re(roles: SpeakerRoles) -> re.Pattern[str] | None:
    """Turn lines of the labels the metadata lists or the built-in ones, in any case ("kj:" for the
    listed "KJ", "i:" and "d:"): a transcriber who types labels in lower case must not have a whole
    side's turns merged away."""
    keys = {*map(label_key, (*roles.interviewer_labels, *roles.respondent_labels)),
            *roles.interviewer, *roles.respondent}
    labels = sorted(keys, key=len, reverse=True)
    if not labels:
        return None
    return _line_re("(?i:" + "|".join(re.escape(label).replace(r"\ ", r"[ \t]+") for label in labels) + ")")


def _lines(text: str) -> list[tuple[int, str]]:
    """Lines of ``text`` with their start offsets."""
    result, offset = [], 0
    for line in text.split("\n"):
        result.append((offset, line))
        offset += len(line) + 1
    return result


def _label_before_bracket(match: re.Match[str]) -> bool:
    """The match is a label followed by a bracketed timestamp and no colon (``I [00:01:02] Hvad ...``)."""
    return bool(match.group("t4b") or match.group("t4p"))


def _accepted_labels(matches: list[re.Match[str] | None], roles: SpeakerRoles) -> set[str]:
    """The labels that start turns: known or listed ones, and others that start two lines with a colon.
    A word before a bracketed time and no colon («Skive [1:30] er en kommune») is a label only so, or
    where a known or listed label stands before a bracketed time too, the file's layout («Mette Skov
    [00:00:05] …» named as the interviewer, «Peter Lund [00:00:12] …» the director)."""
    counts = Counter(label_key(m.group("label")) for m in matches if m)
    with_colon = Counter(label_key(m.group("label")) for m in matches if m and not _label_before_bracket(m))
    accepted = {key for key in counts
                if roles.known(key) or roles.listed(key) or key in roles.explicit_respondent}
    # "Interviewer (MS)" and "Interviewer 2" by their base, from the first turn
    bracket_layout = any(_label_before_bracket(m) and label_key(m.group("label")) in accepted
                         for m in matches if m)
    for key in set(counts) - accepted:
        starts = counts[key] if bracket_layout else with_colon[key]
        if starts >= MIN_UNKNOWN_LABEL_COUNT and key not in NOT_SPEAKERS and len(key) <= MAX_LABEL_CHARS:
            accepted.add(key)
    return accepted


# A line of the text a .vtt or .srt is read into (see hoi_nlp.ingest.subtitles): «[00:00:03] Navn: …».
_SUBTITLE_LINE_RE = re.compile(r"\[\d{2}:\d{2}:\d{2}\] \S")


def _subtitle_speakers(lines: list[tuple[int, str]], matches: list[re.Match[str] | None]) -> set[str]:
    """In the turn lines a subtitle file is read into (every line ``[hh:mm:ss] …``), the labels after
    the time that look like a speaker's name, though they start one line only: a director who answers
    in one long turn (consecutive cues joined into one line), a guest who speaks once. «[00:00:09]
    Kort sagt: …» is no name and stays words."""
    from hoi_nlp.ingest.subtitles import looks_like_a_speaker

    said = [line for _, line in lines if line.strip()]
    if not said or not all(_SUBTITLE_LINE_RE.match(line) for line in said):
        return set()
    return {label_key(match.group("label")) for match in matches
            if match and ":" in match.group(0) and not _label_before_bracket(match)
            and label_key(match.group("label")) not in NOT_SPEAKERS
            and len(label_key(match.group("label"))) <= MAX_LABEL_CHARS
            and looks_like_a_speaker(match.group("label"))}


def _bare_label_matches(
    lines: list[tuple[int, str]], colon_matches: list[re.Match[str] | None], roles: SpeakerRoles,
    speakers: set[str],
) -> list[re.Match[str] | None]:
    """Per line, a label alone on it (no colon) that starts a turn, else None (see BARE_LABEL_RE).

    ``speakers`` are the labels already taken as speakers with a colon in this transcript.
    """
    matches = [
        None if colon else BARE_LABEL_RE.match(line)
        for (_, line), colon in zip(lines, colon_matches, strict=True)
    ]
    # a label under a timestamp alone on its line: a table's row of time, speaker and words
    # (NVivo, transcription services) read cell by cell
    stamped, previous = [], None
    for _, line in lines:
        stamped.append(previous is not None and TIMESTAMP_ALONE_RE.match(previous) is not None)
        previous = line if line.strip() else previous
    counts = Counter(label_key(m.group("label")) for m in matches if m)
    # labels under timestamps make a table's turns only where every line of each follows a timestamp, two
    # speakers at least and no turn with a colon: not a «Ja.» or «Okay» said under "[00:05:00]" twice
    stamped_counts = Counter(label_key(m.group("label")) for m, after in zip(matches, stamped, strict=True)
                             if m and after and not m.group("label").rstrip().endswith("."))
    table = {key for key, count in stamped_counts.items() if count == counts[key]}
    if len(table) < 2 or speakers:
        table = set()
    return [m if m and _bare_label_is_a_speaker(
                m, counts, roles, speakers, after_timestamp=after and label_key(m.group("label")) in table)
            else None for m, after in zip(matches, stamped, strict=True)]


def _bare_label_is_a_speaker(
    match: re.Match[str], counts: Counter[str], roles: SpeakerRoles, speakers: set[str], *,
    after_timestamp: bool = False,
) -> bool:
    key = label_key(match.group("label"))
    if roles.listed(key) or key in speakers:
        return True
    if key in NOT_SPEAKERS or counts[key] < MIN_UNKNOWN_LABEL_COUNT:
        return False
    return roles.known(key) or _timestamp(match) is not None or after_timestamp


def _timestamp(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    return next((groups[name] for name in _TS_GROUPS if groups.get(name)), None)


def _roles_for(
    source: Source,
    interviewer_speakers: str | Iterable[str] | None,
    respondent_speakers: str | Iterable[str] | None,
) -> SpeakerRoles:
    if interviewer_speakers is None:
        interviewer_speakers = source.attributes.get("interviewer_speakers")
    if respondent_speakers is None:
        respondent_speakers = source.attributes.get("respondent_speakers")
    roles = speaker_roles(interviewer_speakers=interviewer_speakers, respondent_speakers=respondent_speakers)
    interviewer = (source.attributes.get("interviewer") or "").strip()
    if interviewer and not roles.interviewer_labels:
        # the metadata's interviewer, labelled by name ("Mette Skov:"), is an interviewer: not coded
        # as the respondent's words (the built-in labels stay the interviewer's too)
        roles = replace(roles, interviewer=roles.interviewer | {label_key(interviewer)})
    return roles


@dataclass(frozen=True)
class ParsedTranscript:
    """The turns of a transcript and the warnings about lines that may be read wrongly."""

    turns: list[Turn]
    warnings: list[str] = field(default_factory=list)
    preamble_lines: int = 0  # lines with text before the first turn (title, guide notes): in no turn
    trailing_lines: int = 0  # lines with text from a heading after the last turn (guide, notes) on
    unread_parts: tuple[str, ...] = ()  # of a .docx, the parts with text outside the body read


def parse_turns(
    source: Source,
    *,
    interviewer_speakers: str | Iterable[str] | None = None,
    respondent_speakers: str | Iterable[str] | None = None,
) -> list[Turn]:
    """Derive the speaker turns of an already-normalised transcript source (see :func:`parse_transcript`)."""
    parsed = parse_transcript(
        source, interviewer_speakers=interviewer_speakers, respondent_speakers=respondent_speakers
    )
    for warning in parsed.warnings:
        logger.warning("%s", warning)
    return parsed.turns


def parse_transcript(
    source: Source,
    *,
    interviewer_speakers: str | Iterable[str] | None = None,
    respondent_speakers: str | Iterable[str] | None = None,
) -> ParsedTranscript:
    """Derive the speaker turns of an already-normalised transcript source, with warnings.

    Speaker lists default to the source's ``interviewer_speakers``/``respondent_speakers`` attributes
    (from the metadata sidecar), then to the built-in labels. Raises TranscriptError if no turn is found,
    or if both lists are given and a turn's label is in neither.
    """
    roles = _roles_for(source, interviewer_speakers, respondent_speakers)
    lines = _lines(source.text)
    listed = _listed_label_re(roles)
    matches = [LINE_RE.match(line) or (listed.match(line) if listed else None) for _, line in lines]
    accepted = _accepted_labels(matches, roles) | _subtitle_speakers(lines, matches)
    bare = _bare_label_matches(lines, matches, roles, accepted)
    for number, bare_match in enumerate(bare):
        if bare_match:
            matches[number] = bare_match
            accepted.add(label_key(bare_match.group("label")))
    warnings: list[str] = []
    starts = [m if m and label_key(m.group("label")) in accepted else None for m in matches]
    end = _end_of_interview(lines, starts)
    spans = _spans(source, roles, lines[:end], starts[:end], matches[:end], warnings)
    spoken = [piece for span in spans if span.start != span.end
              for piece in _split_at_timestamps(source, span)]
    if not spoken:
        raise _no_turns_error(source, roles)
    interviewer, generic = _generic_interviewer(source, roles, spoken)
    warnings[:0] = [*_check_unlisted_speakers(source, roles, spoken, said=bool(generic)), *generic]
    turns = [
        Turn(index, span.label,
             "interviewer" if label_key(span.label) == interviewer else roles.role(span.label),
             span.timestamp, span.start, span.end)
        for index, span in enumerate(spoken)
    ]
    if not any(turn.speaker_role == "respondent" for turn in turns):
        labels = ", ".join(sorted({turn.speaker for turn in turns}))
        warnings.append(f"{source.path}: every turn is the interviewer's ({labels}), so nothing in it will "
                        "be coded — check the speaker labels, and respondent_speakers in metadata.csv")
    preamble = sum(1 for _, line in lines[: spoken[0].line - 1] if line.strip())
    trailing = sum(1 for _, line in lines[end:] if line.strip())
    return ParsedTranscript(turns, warnings, preamble, trailing)


# A heading alone on its line after the last turn that starts what is not the interview: the guide,
# notes or an appendix pasted below it, or an end marker ("[Interview slut]").
_TRAILER_RE = re.compile(
    r"^\W*(?:(?:interview|spørge)-?guide(?:n)?|bilag(?: \d+)?|noter|notater|appendix(?: \d+)?|"
    r"(?:slut|afslutning) på (?:interview(?:et)?|optagelse(?:n)?)|"
    r"interview(?:et)? (?:slut|afsluttet|slutter)|optagelse(?:n)? (?:slut|stoppet|slutter)|slut|"
    r"end of (?:interview|transcript))\W*$",
    re.IGNORECASE,
)
# The guide's, the notes' and an appendix' heading with its title after a colon or dash («Bilag 1:
# Interviewguide», «Noter: Opfølgning aftalt», a notes table's row), which no one says; a sentence after
# it («Noter: dem tager vi altid på papir, og så bliver de scannet.») is the director's words.
_TITLED_HEADING_RE = re.compile(
    r"^\W*(?:(?:interview|spørge)-?guide(?:n)?|bilag(?: \d+)?|noter|notater|appendix(?: \d+)?)"
    r"\s*[:–—-]\s+(?P<title>\w.*)$",
    re.IGNORECASE,
)
MAX_TITLE_WORDS = 8


def _is_trailer_heading(line: str) -> bool:
    """Whether ``line`` is a heading that ends the interview: bare, or with a title (a few words, no comma,
    not a sentence's end)."""
    if _TRAILER_RE.match(line):
        return True
    titled = _TITLED_HEADING_RE.match(line.strip())
    title = titled.group("title").strip() if titled else ""
    return bool(title) and len(title.split()) <= MAX_TITLE_WORDS and "," not in title \
        and not title.endswith((".", "?", "!"))


def _end_of_interview(lines: list[tuple[int, str]], starts: list[re.Match[str] | None]) -> int:
    """The index of the line that ends the interview: a heading such as "Interviewguide", "Noter",
    "Bilag 1" or "[Interview slut]" alone on its line after the last turn's label; else the number
    of lines. What follows it is in no turn (the guide's "Økonomistyring" is no director's words)."""
    last = max((index for index, start in enumerate(starts) if start), default=len(lines))
    return next((index for index in range(last + 1, len(lines)) if _is_trailer_heading(lines[index][1])),
                len(lines))


def _spans(
    source: Source,
    roles: SpeakerRoles,
    lines: list[tuple[int, str]],
    starts: list[re.Match[str] | None],
    matches: list[re.Match[str] | None],
    warnings: list[str],
) -> list[_Span]:
    """Turn spans: a line in ``starts`` opens one, other lines continue it.

    A timestamp alone on its line (``[00:00:12]``) belongs to no turn: it is the next turn's
    timestamp (or that of a label alone on the line before it). Inside a turn, a timestamp alone on
    its line or opening a line (``[00:01:30] Og det ...``) starts a new turn of the same speaker with
    that timestamp, so that no timestamp is in a turn's words; a time opening a line is a timestamp
    only as :func:`_file_timestamp` says («(10:30) mødes vi ...» in a file without such timestamps is
    words).
    """
    spans: list[_Span] = []
    pending: str | None = None
    # how the file writes its timestamps: before turns' labels, alone on a line, and [00:01:30] anywhere
    alone = [TIMESTAMP_ALONE_RE.match(line) for _, line in lines]
    shapes = {_stamp_shape(found) for found in (*starts, *alone) if found and _timestamp(found)}
    shapes |= {shape for _, line in lines if (found := LEADING_TIMESTAMP_RE.match(line))
               and (shape := _stamp_shape(found)).startswith("[9:9:9")}
    rows = zip(lines, starts, matches, strict=True)
    for number, ((offset, line), start, match) in enumerate(rows, start=1):
        alone = TIMESTAMP_ALONE_RE.match(line)
        if start:
            timestamp = _timestamp(start) or pending
            label = start.group("label").strip()
            spans.append(_Span(label, timestamp, offset + start.end(), offset + len(line), number))
            pending = None
        elif alone:
            if spans and spans[-1].start == spans[-1].end and spans[-1].timestamp is None:
                spans[-1].timestamp = _timestamp(alone)
            else:
                pending = _timestamp(alone)
        elif spans and line.strip():
            if _looks_like_a_missed_turn(match, line):
                label = match.group("label").strip()
                warnings.append(_kept_label_warning(source, roles, label, number, spans))
            lead = LEADING_TIMESTAMP_RE.match(line)
            if lead and not _file_timestamp(_stamp_shape(lead), shapes):
                lead = None  # «(10:30) mødes vi …»: a time said, not a timestamp
            stamp = _timestamp(lead) if lead else pending
            previous = spans[-1]
            skip = lead.end() if lead else len(line) - len(line.lstrip())
            if stamp and previous.start != previous.end:
                spans.append(_Span(previous.label, stamp, offset + skip, offset + len(line), number))
            elif lead and previous.start == previous.end:
                previous.timestamp = previous.timestamp or stamp
                previous.start, previous.end = offset + skip, offset + len(line)
            else:
                _continue_span(previous, offset, line)
            pending = None
    return spans


# A timestamp inside a line of words («… en trivselsmåling. [00:12:30] Og vi har …»), as transcription
# services insert one every few minutes: square brackets and seconds, as anywhere in a file.
INNER_TIMESTAMP_RE = re.compile(r"[ \t]*\[(\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?)\][ \t]*")


def _split_at_timestamps(source: Source, span: _Span) -> list[_Span]:
    """``span`` cut at the timestamps inside its lines: the words after one are a new turn of the same
    speaker with that timestamp (as after a timestamp opening a line), so that no timestamp is coded."""
    pieces, start = [], span.start
    timestamp = span.timestamp
    if not INNER_TIMESTAMP_RE.search(source.text, span.start, span.end):
        return [span]
    for found in INNER_TIMESTAMP_RE.finditer(source.text, span.start, span.end):
        before = source.text[start : found.start()].rstrip()
        if before.strip():
            pieces.append(_Span(span.label, timestamp, start, start + len(before), span.line))
        start, timestamp = found.end(), found.group(1)
    rest = source.text[start : span.end]
    if rest.strip():
        lead = len(rest) - len(rest.lstrip())
        pieces.append(_Span(span.label, timestamp, start + lead, span.end, span.line))
    return pieces


def _file_timestamp(shape: str, shapes: set[str]) -> bool:
    """A time of ``shape`` opening a line inside a turn is a timestamp: written as the file writes its
    timestamps elsewhere (``shapes``), as ``[00:01:30]``, or with seconds in a file with timestamps."""
    return shape in shapes or shape.startswith("[9:9:9") or (bool(shapes) and shape.count(":") == 2)


def _stamp_shape(match: re.Match[str]) -> str:
    """How a match's timestamp is written: ``[00:01:30]`` → ``[9:9:9]``, ``(10:30)`` → ``(9:9)``,
    ``10:30:00`` → ``9:9:9``."""
    groups = match.groupdict()
    name = next((name for name in _TS_GROUPS if groups.get(name)), None)
    if name is None:
        return ""
    digits = re.sub(r"\d+", "9", groups[name])
    return {"b": f"[{digits}]", "p": f"({digits})"}.get(name[-1], digits)


def _continue_span(span: _Span, offset: int, line: str) -> None:
    """Extend ``span`` over ``line`` (its first line of words if the label stood alone)."""
    if span.start == span.end:  # label alone on its line: the utterance starts here
        span.start = offset + len(line) - len(line.lstrip())
    span.end = offset + len(line)


def _looks_like_a_missed_turn(match: re.Match[str] | None, line: str) -> bool:
    """True for a line like ``Borgmester: Må jeg lige tilføje ...`` whose label was not taken as a speaker."""
    if match is None or label_key(match.group("label")) in NOT_SPEAKERS or ":" not in match.group(0) \
            or _label_before_bracket(match):
        return False  # (a "Word<TAB>..." or "Word [10:30] ..." line, a label only by its tab or time, is
        # no warning's worth)
    return len(line[match.end() :].split()) >= MIN_WORDS_OF_KEPT_LABEL_LINE


# A generic speaker is taken for the interviewer where at least this share of its turns (of those with
# three words or more or a question) end on a question, at most half the share of any other
# speaker's, and it says fewer words than one other.
GENERIC_INTERVIEWER_QUESTION_SHARE = 0.5
# A tag question closing a statement («…, ikke?», «…, vel?», «…, ikke sandt?») asks for no answer: a
# respondent who talks that way is no interviewer.
_TAG_QUESTION_RE = re.compile(r"(?:^|[\s,])(?:ikke sandt|ikke også|ikke|ikk'|ikk|ik|vel|ik')\s*\?$",
                              re.IGNORECASE)


def _ends_on_a_question(text: str) -> bool:
    """True for a turn whose last sentence is a question («… Og hvad er jeres mål?»), not a tag question
    («Vi startede i 2021, ikke?») nor a question followed by the speaker's own answer («Hvem skal
    betale? Det er jo økonomien.»)."""
    said = text.rstrip().rstrip("\"'»”)]").rstrip()
    return said.endswith("?") and not _TAG_QUESTION_RE.search(said)


def _generic_interviewer(source: Source, roles: SpeakerRoles,
                         spoken: list[_Span]) -> tuple[str | None, list[str]]:
    """The interviewer among an automatic transcription's generic speakers («Speaker 1», «Speaker 2»),
    and the warning saying so, where the metadata names no speaker and no turn is an interviewer's.

    Of two speakers, the one who asks most of the questions (half its turns or more end on a «?» that
    is no tag question such as «…, ikke?», short replies such as «Ja.» left out, at most half as large
    a share for the other) and says less than the other is the interviewer. Else, and always with
    three speakers or more (a second respondent who asks is too likely), every generic speaker stays
    the respondent's — coding an interviewer's question is better than losing a respondent's words —
    and the warning says how to name the speakers, each of them.
    """
    labels = list(dict.fromkeys(span.label for span in spoken))
    if roles.interviewer_labels or roles.respondent_labels or len(labels) < 2 or \
            not all(_GENERIC_SPEAKER_RE.fullmatch(label_key(label)) for label in labels) or \
            any(roles.role(label) == "interviewer" for label in labels):
        return None, []
    texts = {label: [source.text[span.start : span.end] for span in spoken if span.label == label]
             for label in labels}
    asked = {label: sum(1 for text in said if _ends_on_a_question(text)) for label, said in texts.items()}
    # the share among its turns that say something: «Ja.», «Mm.», «Okay» between the answers count not
    said_much = {label: sum(1 for text in said if _ends_on_a_question(text) or len(text.split()) >= 3) or 1
                 for label, said in texts.items()}
    share = {label: asked[label] / said_much[label] for label in labels}
    words = {label: sum(len(text.split()) for text in said) for label, said in texts.items()}
    best = max(labels, key=lambda label: (share[label], asked[label]))
    others = [label for label in labels if label != best]
    shown = ", ".join(f"'{label}'" for label in labels)
    where = "in this file's row of metadata.csv"
    if len(labels) == 2 and asked[best] >= 2 and share[best] >= GENERIC_INTERVIEWER_QUESTION_SHARE and \
            all(share[other] * 2 <= share[best] for other in others) and \
            words[best] < max(words[other] for other in others):
        respondents = ", ".join(f"'{label}'" for label in others)
        return label_key(best), [
            f"{source.path}: the speakers have the generic labels of automatic transcription ({shown}); "
            f"'{best}' asks the questions ({asked[best]} of its {len(texts[best])} turns end on a '?'), "
            f"so its turns are taken as the interviewer's and not coded, and those of {respondents} as the "
            f"respondent's and coded; if that is wrong, name the speakers {where}: interviewer_speakers "
            f"(e.g. '{others[0]}') and respondent_speakers (e.g. '{best}')"]
    why = ("there are three or more of them: none is taken as the interviewer" if len(labels) > 2
           else "none of them asks most of the questions")
    # every speaker in one list or the other: with both lists given, a speaker in neither is an error
    suggested = best if asked[best] else labels[0]
    rest = "|".join(label for label in labels if label != suggested)
    return None, [
        f"{source.path}: the speakers have the generic labels of automatic transcription ({shown}) and "
        f"{why}, so the turns of all are treated as the respondent's and coded; name the interviewer "
        f"{where}: interviewer_speakers (e.g. '{suggested}') and respondent_speakers, every other speaker "
        f"(e.g. '{rest}')"]


def _check_unlisted_speakers(source: Source, roles: SpeakerRoles, spoken: list[_Span], *,
                             said: bool = False) -> list[str]:
    """Refuse a turn whose label the complete speaker lists leave out; else warn about unknown labels.

    A speaker that is in no list would be coded as the respondent: with both lists given that is
    an error (a co-interviewer must never be coded as the respondent), else a warning (none where
    the generic speakers' own warning has ``said`` it).
    """
    unknown: dict[str, list[int]] = {}
    for index, span in enumerate(spoken, start=1):
        if roles.complete and not roles.listed(span.label):
            raise _unlisted_speaker_error(source, roles, span, index)
        if not roles.known(span.label) and not said:
            unknown.setdefault(span.label, []).append(index)
    return [
        f"{source.path}: speaker '{label}' (turns {', '.join(map(str, numbers))}) is in neither "
        "interviewer_speakers nor respondent_speakers, so its turns are treated as the respondent's "
        f"and coded; if '{label}' is an interviewer, add it to interviewer_speakers in metadata.csv"
        for label, numbers in unknown.items()
    ]


def _unlisted_speaker_error(source: Source, roles: SpeakerRoles, span: _Span, number: int) -> TranscriptError:
    return TranscriptError(
        f"turn {number} has the speaker label '{span.label}', which is in neither interviewer_speakers "
        f"({', '.join(roles.interviewer_labels)}) nor respondent_speakers "
        f"({', '.join(roles.respondent_labels)}) of the metadata",
        path=source.path,
        where=f"line {span.line}",
        hint=f"add '{span.label}' to interviewer_speakers (its turns are not coded) or to "
        "respondent_speakers (coded) in this file's row of metadata.csv, then ingest again",
    )


def _kept_label_warning(
    source: Source, roles: SpeakerRoles, label: str, number: int, spans: list[_Span]
) -> str:
    previous = spans[-1]
    role = "the respondent's" if roles.role(previous.label) == "respondent" else "the interviewer's"
    return (
        f"{source.path} (line {number}): '{label}:' looks like a speaker label, but '{label}' is no known "
        f"speaker and starts only this line, so the line is kept in the turn of '{previous.label}' "
        f"(line {previous.line}) as {role} words; if '{label}' speaks here, add it to "
        "interviewer_speakers (not coded) or respondent_speakers (coded) in metadata.csv"
    )


@dataclass
class _Span:
    label: str
    timestamp: str | None
    start: int
    end: int
    line: int  # 1-based line of the label


def _no_turns_error(source: Source, roles: SpeakerRoles) -> TranscriptError:
    first = [line.strip()[:80] for line in source.text.split("\n") if line.strip()][:3]
    shown = " | ".join(repr(line) for line in first) or "(no text)"
    layouts = (
        "start every turn with a speaker label and a colon ('I: ...', optionally after a timestamp "
        "'[00:00:05] I: ...'), or put the label alone on its own line ('Interviewer', or "
        "'00:00:05 Taler 1') with the words on the next line"
    )
    listed = (*roles.interviewer_labels, *roles.respondent_labels)
    if listed:
        hint = (
            f"the speaker labels listed in metadata.csv ({', '.join(listed)}) start no line in either "
            f"layout: {layouts}; check that the labels are written as in the transcript"
        )
    else:
        hint = f"{layouts}; or list the labels in metadata.csv (interviewer_speakers, respondent_speakers)"
    return TranscriptError(
        f"no speaker turns recognised; the first paragraphs are: {shown}", path=source.path, hint=hint
    )


# ---------------------------------------------------------------- reading files


def read_transcript_text(path: Path, *, display: str) -> str:
    """The normalised full text of a .docx or .txt transcript (paragraphs joined by newlines)."""
    return _transcript_text(path, display=display)[0]


def _transcript_text(path: Path, *, display: str) -> tuple[str, tuple[str, ...]]:
    """The normalised text and, of a .docx, its parts with text that are not read (one opening)."""
    suffix = path.suffix.lower()
    unread: list[str] = []
    if suffix == ".docx":
        from hoi_nlp.ingest.docx_text import read_docx

        paragraphs, unread = read_docx(path, display=display)
        raw = "\n".join(paragraphs)
    elif suffix in (".txt", ".vtt", ".srt"):
        raw = decode_text(read_bytes(path, display=display), display=display)
        from hoi_nlp.ingest.subtitles import is_subrip, is_webvtt, subrip_text, webvtt_text

        if suffix == ".vtt" or is_webvtt(raw):  # Teams' or Zoom's transcript, also saved as .txt
            raw = webvtt_text(raw, display=display)
        elif suffix == ".srt" or is_subrip(raw):  # subtitles from a transcription tool, also as .txt
            raw = subrip_text(raw, display=display)
    else:
        from hoi_nlp.ingest.materials import TRANSCRIPT_CONVERSIONS

        hint = dict(TRANSCRIPT_CONVERSIONS).get(suffix, "save transcripts as .docx or .txt")
        raise IngestError(
            f"unsupported transcript type '{suffix}' (transcripts are .docx, .txt, .vtt or .srt)",
            path=display, hint=hint)
    text = normalize_text(raw).strip()
    if not text:
        raise IngestError(
            "the transcript has no text",
            path=display,
            hint="check that the right file was exported, or remove it from transcripts/",
        )
    return text, tuple(unread)


def read_transcript(
    path: Path,
    *,
    study: str,
    display: str,
    interview_id: str | None = None,
    attributes: dict[str, str] | None = None,
) -> tuple[Source, list[Turn]]:
    """Read one transcript into a Source (kind "transcript") and its turns (warnings are logged)."""
    source, parsed = read_transcript_parsed(
        path, study=study, display=display, interview_id=interview_id, attributes=attributes
    )
    for warning in parsed.warnings:
        logger.warning("%s", warning)
    return source, parsed.turns


def read_transcript_parsed(
    path: Path,
    *,
    study: str,
    display: str,
    interview_id: str | None = None,
    attributes: dict[str, str] | None = None,
) -> tuple[Source, ParsedTranscript]:
    """Read one transcript into a Source (kind "transcript") and its turns with their warnings."""
    text, unread = _transcript_text(path, display=display)
    source_id = interview_id or path.stem
    source = Source(
        source_id=source_id,
        study=study,
        kind="transcript",
        path=display,
        text=text,
        content_hash=content_hash(text),
        respondent_id=source_id,
        attributes=dict(attributes or {}),
    )
    parsed = replace(parse_transcript(source), unread_parts=unread)
    logger.info("%s: %d turns", display, len(parsed.turns))
    return source, parsed


def _transcript_metadata(
    result: IngestResult, folder: Path, study_dir: Path, files: list[Path]
) -> tuple[dict[str, TranscriptMeta], bool] | None:
    """The sidecar's rows by transcript file name and whether the sidecar has rows; None if it is bad."""
    sidecar = find_metadata(folder)
    if sidecar is None:
        if files:
            result.warnings.append(
                f"{relative(folder, study_dir)}: no metadata.csv; transcripts get no attributes"
            )
        return {}, False
    try:
        metadata = load_metadata(sidecar, display=relative(sidecar, study_dir))
    except HoiError as exc:
        record_error(result, relative(sidecar, study_dir), exc)
        return None
    matched, missing = match_files(metadata, [path.name for path in files])
    for name, closest in sorted(missing.items()):
        guess = f"; did you mean '{closest}'?" if closest else ""
        result.warnings.append(
            f"{relative(sidecar, study_dir)}: file '{name}' is listed but does not exist{guess}"
        )
    return matched, bool(metadata)


def ingest_transcript_folder(result: IngestResult, folder: Path, study_dir: Path,
                             bar: progress.Stage | None = None) -> None:
    """Read every interview in ``transcripts/`` with its metadata sidecar (the "transcript" material)."""
    files = study_files(folder, TRANSCRIPT_SUFFIXES, companions=METADATA_NAMES)
    sidecar = _transcript_metadata(result, folder, study_dir, files)
    if sidecar is None:
        return
    metadata, has_rows = sidecar
    if not files:
        result.warnings.append(
            f"{relative(folder, study_dir)}: no .docx, .txt, .vtt or .srt transcripts found")
    unread: dict[str, list[str]] = {}
    for path in files:
        display = relative(path, study_dir)
        meta = metadata.get(path.name)
        try:
            source, parsed = read_transcript_parsed(
                path,
                study=result.study,
                display=display,
                interview_id=meta.interview_id if meta else None,
                attributes=meta.attributes if meta else None,
            )
            report = FileReport(path=display, kind="transcript", turns=len(parsed.turns),
                                preamble_lines=parsed.preamble_lines, trailing_lines=parsed.trailing_lines)
            result.add(report, [source])
            if meta is None and has_rows:  # said of a file that was read: one that fails has its error
                result.warnings.append(
                    f"{display}: no row in the metadata sidecar; ingested without attributes")
            result.turns[source.source_id] = parsed.turns
            result.warnings.extend(parsed.warnings)
            unread[display] = list(parsed.unread_parts)
        except HoiError as exc:
            record_error(result, display, exc)
        if bar is not None:
            bar.advance()
    _warn_unread_parts(result, unread)


def _warn_unread_parts(result: IngestResult, unread: dict[str, list[str]]) -> None:
    """One warning naming the .docx parts outside the body that hold text and are not read (page
    headers and footers, footnotes, comments, text boxes): nothing is left out without a word."""
    files = {display: parts for display, parts in unread.items() if parts}
    if not files:
        return
    listed = "; ".join(f"{display}: {', '.join(parts)}" for display, parts in files.items())
    embedded = any(part.startswith("embedded") for parts in files.values() for part in parts)
    result.warnings.append(
        f"text outside the document body is not read (only the body's paragraphs and tables are): {listed}; "
        "if some of it belongs to the interview, move it into the body and run again"
        + ("; an embedded document becomes part of the body when the file is opened in Word and saved"
           if embedded else ""))
