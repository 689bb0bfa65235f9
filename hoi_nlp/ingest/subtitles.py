"""Subtitle transcripts as transcript text: WebVTT (Microsoft Teams' and Zoom's «Download transcript»
.vtt) and SubRip (.srt, as Premiere, Descript and Whisper-based transcription tools export them).

A cue's speaker is its voice tag (Teams: ``<v Jens Hansen>Hej.</v>``) or a label before a colon in
its words (Zoom: ``Jens Hansen: Hej.``) or in square brackets (``[Jens Hansen] Hej.``, WhisperX'
``[SPEAKER_01]: Hej.``) where most cues are so written or, in a file without voice tags, where two
such labels start two cues or more each (a tool that names the speaker where the turn changes). A
cue without a speaker continues the turn before it: in a file with voice tags as a line of its own,
its words as written; else joined to that turn. A cue holding two speakers' dialogue lines (``- Mette
Skov: Hvem sidder med?`` / ``- Jens Hansen: Jobcentret.``) is read as one cue per line; a dash line
without a name changes the speaker — to the other of a file's two named speakers, else the file is
refused naming the cue (whose words they are cannot be told). A file in which no cue names its speaker
is refused: the interviewer's questions could not be told from the respondent's answers. The speaker is
written as a label the transcript parser reads ("Hansen, Jens" as "Hansen Jens"). The text becomes one
line per turn, ``[00:00:03] Jens Hansen: Hej, og tak.``: consecutive cues of one speaker (Teams cuts a
turn into cues of a few seconds) are joined with a space, each turn keeps the start time of its first
cue, and cue ids, end times, styling and position tags (``<i>``, ``{\\an8}``) and notes are left out.
The transcript parser then reads the lines as it reads a .txt transcript, so offsets point into this
text.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.personal import EMAIL_RE

_TIMING_RE = re.compile(r"^\s*(?:(\d{1,2}):)?(\d{2}):(\d{2})[.,]\d{1,3}\s+-->\s+\S+")
_VOICE_RE = re.compile(r"^\s*<v(?:\.[^\s>]*)?\s+([^>]+)>")
_TAG_RE = re.compile(r"</?[^>\n]*>|\{\\[^{}\n]*\}")  # <i>, <font …>, SubRip's position tag {\an8}
# A subtitle's dialogue line: «- Navn: …» or «- …», a speaker's line in a cue that holds two speakers.
_DASH_RE = re.compile(r"^\s*(?:<[^>\n]*>\s*)*[-–]\s+")
_BRACKET_RE = re.compile(r"^\[(?P<name>[A-ZÆØÅÄÖÜÉ][^\[\]\n:]{0,39})\]:?\s+(?P<text>\S.*)$")
# Sounds that subtitles put in square brackets («[Latter] ja»), never a speaker.
_SOUNDS = frozenset({"latter", "griner", "grin", "musik", "pause", "stilhed", "uforståeligt", "uhørligt",
                     "utydeligt", "hoster", "støj", "laughter", "laughs", "music", "silence", "inaudible",
                     "crosstalk", "applause", "klapsalver", "bifald"})
_NAME_RE = re.compile(r"^(?P<name>[^\s:<>\[\]()][^:<>\[\]()\n]{0,39}):\s+(?P<text>\S.*)$")


def _label(name: str) -> str:
    """A display name as a speaker label the transcript parser reads: words that start with a capital
    letter, four at most, and a number after them ("Hansen, Jens" → "Hansen Jens", "jens hansen" →
    "Jens Hansen", "Speaker 1" stays)."""
    # a guest shown by e-mail address: its name part ("jens.hansen@skive.dk" → "Jens Hansen"), never the
    # address, which the label's form would hide from the pseudonymiser
    name = EMAIL_RE.sub(lambda found: re.sub(r"[._+]+", " ", found.group(1)), name)
    words = re.sub(r"[^\w'’.-]+|_", " ", name).split()  # WhisperX' "SPEAKER_01" as "SPEAKER 01"
    number = words.pop() if words and words[-1].isdigit() and len(words[-1]) <= 2 else ""
    letters = [word[0].upper() + word[1:] for word in words if word[0].isalpha()][:4]
    return " ".join([*letters, number] if letters and number else letters)


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    """Danish (and a few English) function words and fillers, lower-cased: «er», «sagt», «altså»."""
    path = Path(__file__).resolve().parent.parent / "resources" / "stopwords_da.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _person_names() -> frozenset[str]:
    """The first names and surnames of the privacy package's name lists, read as data (ingest comes
    before privacy in the pipeline: it reads the lists' files, not the package)."""
    folder = Path(__file__).resolve().parent.parent / "privacy" / "resources"
    names: set[str] = set()
    for name in ("first_names.txt", "last_names.txt"):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        names.update(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    return frozenset(names)


def looks_like_a_speaker(name: str, *, lenient: bool = False) -> bool:
    """True for a name as a tool writes a speaker: a generic label («Speaker 1», «SPEAKER_01»), a
    built-in one («Interviewer», «D»), an e-mail address, initials («MS»), or a person's or body's name —
    capitalised words (or known first names and surnames), none a Danish function word, one word alone
    only a known name unless ``lenient`` (a label the file writes as its speakers' labels: «Thuy»,
    «Jens-Ole», «Borgmester» are names our lists lack). False for the opening of a sentence: «Kort sagt:
    …», «Spørgsmålet er: …»."""
    from hoi_nlp.ingest.speakers import (
        _GENERIC_SPEAKER_RE,
        DEFAULT_INTERVIEWER_SPEAKERS,
        DEFAULT_RESPONDENT_SPEAKERS,
        label_key,
    )
    key = label_key(name)
    if _GENERIC_SPEAKER_RE.fullmatch(key) or EMAIL_RE.search(name) or key in {
            label_key(label) for label in (*DEFAULT_INTERVIEWER_SPEAKERS, *DEFAULT_RESPONDENT_SPEAKERS)}:
        return True
    words = re.sub(r"[,_]", " ", name).split()
    if words and words[-1].isdigit() and len(words) > 1:
        words.pop()  # «Borgmester 2»
    known = _person_names()
    if not words or len(words) > 4 or any(
            word.casefold().strip(".") in _function_words() or not word[0].isalpha()
            or not (word[0].isupper() or word.title() in known) for word in words):
        return False
    word = words[0].strip(".")
    return len(words) > 1 or lenient or word.title() in known or (word.isupper() and len(word) <= 4)


def is_webvtt(text: str) -> bool:
    """True for WebVTT text (its first line starts with ``WEBVTT``)."""
    return text.lstrip("\ufeff").startswith("WEBVTT")


def is_subrip(text: str) -> bool:
    """True for SubRip text: a cue number on the first line with words, its timing on the next
    (``00:00:01,000 --> 00:00:04,000``), or, as some tools leave the numbers out, a timing on the first
    line and on another line after it."""
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines()]
    lines = lines[next((index for index, line in enumerate(lines) if line), len(lines)):]
    if len(lines) >= 2 and lines[0].isdigit() and _TIMING_RE.match(lines[1]) is not None:
        return True
    return bool(lines) and _TIMING_RE.match(lines[0]) is not None and \
        any(_TIMING_RE.match(line) for line in lines[1:])


def webvtt_text(text: str, *, display: str) -> str:
    """The transcript text of a WebVTT file: one ``[hh:mm:ss] Speaker: words`` line per turn."""
    return _turn_lines(_cues(text, display=display, header=True), display=display, kind="WebVTT")


def subrip_text(text: str, *, display: str) -> str:
    """The transcript text of a SubRip (.srt) file: one ``[hh:mm:ss] Speaker: words`` line per turn."""
    return _turn_lines(_cues(text, display=display, header=False), display=display, kind="SubRip (.srt)")


class _Cue(NamedTuple):
    """A cue's start (``hh:mm:ss``), voice tag's speaker ("" if none) and words; ``dialogue``: a line
    after the first dialogue dash of a cue that holds two speakers (``- Mette Skov: …`` / ``- …``), a
    change of speaker."""

    start: str
    voice: str
    words: str
    dialogue: bool = False


def _named_speakers(cues: list[_Cue]) -> tuple[set[str], set[str], bool]:
    """The labels taken as speakers in the cues' words: before a colon (``Jens Hansen: Hej.``) and in
    square brackets (``[Jens Hansen] Hej.``), and whether a cue without one goes on with the turn
    before it (a file without voice tags that names speakers in the words). All of one form where
    most cues are so written (Zoom); else, in a file without voice tags, those of a form that
    start two cues or more each, if two such speakers do (a tool that names the speaker where the
    turn changes) — so that a cue's «Kort sagt: …» in a Teams file stays words. A label written only
    where the turn changes, or once among labels on most cues, must look like a speaker's name
    (:func:`looks_like_a_speaker`): «Spørgsmålet er: …» twice in a Whisper file names no one."""
    from hoi_nlp.ingest.speakers import NOT_SPEAKERS

    voiced = any(cue.voice for cue in cues)
    speakers: list[set[str]] = []
    for pattern in (_NAME_RE, _BRACKET_RE):
        found = Counter(named.group("name").strip() for cue in cues
                        if not cue.voice and (named := pattern.match(cue.words)))
        if sum(found.values()) * 2 > len(cues):
            # a label once among labels on most cues is a speaker only as a name: «Kort sagt: …» is words
            speakers.append({name for name, count in found.items() if name.casefold() not in _SOUNDS
                             and (count >= 2 or looks_like_a_speaker(name, lenient=True))})
            continue
        repeated = {name for name, count in found.items()
                    if count >= 2 and looks_like_a_speaker(name, lenient=True)
                    and name.casefold().rstrip(".") not in NOT_SPEAKERS | _SOUNDS}
        speakers.append(repeated if not voiced and len(repeated) >= 2 else set())
    return speakers[0], speakers[1], not voiced and any(speakers)


def _turn_lines(cues: list[_Cue], *, display: str, kind: str) -> str:
    """One ``[hh:mm:ss] Speaker: words`` line per turn: a speaker's consecutive cues joined."""
    if not cues:
        raise IngestError(f"the {kind} file holds no cues with words", path=display,
                          hint="check that the right file was downloaded, or remove it from transcripts/")
    colon, bracket, at_changes = _named_speakers(cues)
    named_labels = {_label(name) for name in colon | bracket} - {""}
    turns: list[list[str]] = []  # [start, speaker, words]
    for start, speaker, words, dialogue in cues:
        if not speaker and (named := _NAME_RE.match(words)) and named.group("name").strip() in colon:
            speaker, words = named.group("name").strip(), named.group("text")
        elif not speaker and (named := _BRACKET_RE.match(words)) and named.group("name").strip() in bracket:
            speaker, words = named.group("name").strip(), named.group("text")
        elif not speaker and dialogue and named_labels and turns:
            # a dialogue dash changes the speaker: of two, the other one; else no one can tell whose
            others = named_labels - {turns[-1][1]}
            if len(named_labels) != 2 or len(others) != 1:
                raise _unnamed_dialogue_error(start, words, turns[-1][1], display=display, kind=kind)
            speaker = others.pop()
        elif not speaker and at_changes and turns and turns[-1][1]:
            turns[-1][2] += " " + words  # the speaker is named where the turn starts: this cue goes on
            continue
        speaker = _label(speaker)
        if turns and speaker and turns[-1][1] == speaker:
            turns[-1][2] += " " + words
        else:
            turns.append([start, speaker, words])
    if not any(speaker for _, speaker, _ in turns):
        first = " | ".join(repr(cue.words[:60]) for cue in cues[:2])
        raise IngestError(
            f"no cue of the {kind} file names its speaker (the first cues: {first}), so the interviewer's "
            "questions cannot be told from the respondent's answers",
            path=display,
            hint="export the transcript again with speaker names (speaker labels / speaker identification "
            "in the transcription tool), or save it as .docx or .txt and start each turn with a label "
            "('I: …', 'D: …')")
    return "\n".join(f"[{start}] {speaker}: {words}" if speaker else f"[{start}] {words}"
                     for start, speaker, words in turns)


def _unnamed_dialogue_error(start: str, words: str, previous: str, *, display: str, kind: str) -> IngestError:
    return IngestError(
        f"the {kind} cue at {start} holds a dialogue line of another speaker than '{previous}' without "
        f"the speaker's name ('- {words[:60]}'), and this file has more or fewer speakers than two, so "
        "whose words they are cannot be told",
        path=display, where=f"the cue at {start}",
        hint="write the speaker's name after the dash ('- Henrik Hansen: …') in the file, or export the "
        "transcript again with speaker names, then ingest again")


def _dialogue_lines(lines: list[str]) -> list[tuple[list[str], bool]]:
    """A cue's lines cut where a dialogue dash starts a line after its first (``- Mette Skov: …`` /
    ``- Henrik Hansen: …``), the dash left out; each part's lines and whether it changes the speaker.
    A cue without such a line is one part, as written."""
    lines = [line for line in lines if line.strip()]
    if not any(_DASH_RE.match(line) for line in lines[1:]):
        return [(lines, False)]
    parts: list[tuple[list[str], bool]] = []
    for number, line in enumerate(lines):
        dash = _DASH_RE.match(line)
        if dash:
            parts.append(([line[: dash.start()] + line[dash.end() :]], number > 0))
        elif parts:
            parts[-1][0].append(line)
        else:
            parts.append(([line], False))
    return parts


def _cues(text: str, *, display: str, header: bool) -> list[_Cue]:
    """The cues with words: their start (``hh:mm:ss``), voice tag's speaker ("" if none) and words, a
    cue of two speakers' dialogue lines as one per line; ``header``: the first block is WebVTT's
    header."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n[ \t]*\n", text)
    cues: list[_Cue] = []
    position = 0
    for number, block in enumerate(blocks):
        position = text.find(block, position)
        if header and number == 0:
            continue
        lines = block.split("\n")
        timing = next((index for index, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue  # NOTE, STYLE or REGION block
        found = _TIMING_RE.match(lines[timing])
        if found is None:
            raise IngestError(
                f"a cue's timing line cannot be read: {lines[timing].strip()[:60]!r}", path=display,
                where=f"line {text.count(chr(10), 0, position) + timing + 1}",
                hint="a timing line reads 00:00:01,000 --> 00:00:04,000 (.srt) or 00:00:01.000 --> "
                "00:00:04.000 (.vtt): correct the line, or save the transcript again from the tool that "
                "made it, or as .docx")
        hours, minutes, seconds = found.group(1) or "0", found.group(2), found.group(3)
        start = f"{int(hours):02d}:{minutes}:{seconds}"
        first = " ".join(line.strip() for line in lines[timing + 1 :] if line.strip())
        body = lines[timing + 1 :]
        parts = [(body, False)] if _VOICE_RE.match(first) else _dialogue_lines(body)
        for part, dialogue in parts:
            payload = " ".join(line.strip() for line in part if line.strip())
            voice = _VOICE_RE.match(payload)
            speaker = voice.group(1).strip() if voice else ""
            words = " ".join(html.unescape(_TAG_RE.sub("", payload)).split())
            if words:
                cues.append(_Cue(start, speaker, words, dialogue))
    return cues
