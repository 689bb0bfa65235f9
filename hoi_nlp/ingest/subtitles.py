"""WebVTT transcripts (Microsoft Teams' and Zoom's «Download transcript» .vtt) as transcript text.

A cue's speaker is its voice tag (Teams: ``<v Jens Hansen>Hej.</v>``) or, where most cues are so
written, a label before a colon in its words (Zoom: ``Jens Hansen: Hej.``); a cue without either
keeps its words as written (it continues the turn before it). The speaker is written as a label
the transcript parser reads ("Hansen, Jens" as "Hansen Jens"). The text becomes one line per turn,
``[00:00:03] Jens Hansen: Hej, og tak.``: consecutive cues of one speaker (Teams cuts a turn into
cues of a few seconds) are joined with a space, each turn keeps the start time of its first cue, and
cue ids, end times, styling tags and notes are left out. The transcript parser then reads the lines as it
reads a .txt transcript, so offsets point into this text.
"""

from __future__ import annotations

import html
import re

from hoi_nlp.errors import IngestError
from hoi_nlp.ingest.personal import EMAIL_RE

_TIMING_RE = re.compile(r"^\s*(?:(\d{1,2}):)?(\d{2}):(\d{2})[.,]\d{1,3}\s+-->\s+\S+")
_VOICE_RE = re.compile(r"^\s*<v(?:\.[^\s>]*)?\s+([^>]+)>")
_TAG_RE = re.compile(r"</?[^>\n]*>")
_NAME_RE = re.compile(r"^(?P<name>[^\s:<>\[\]()][^:<>\[\]()\n]{0,39}):\s+(?P<text>\S.*)$")


def _label(name: str) -> str:
    """A display name as a speaker label the transcript parser reads: words that start with a capital
    letter, four at most, and a number after them ("Hansen, Jens" → "Hansen Jens", "jens hansen" →
    "Jens Hansen", "Speaker 1" stays)."""
    # a guest shown by e-mail address: its name part ("jens.hansen@skive.dk" → "Jens Hansen"), never the
    # address, which the label's form would hide from the pseudonymiser
    name = EMAIL_RE.sub(lambda found: re.sub(r"[._+]+", " ", found.group(1)), name)
    words = re.sub(r"[^\w'’.-]+", " ", name).split()
    number = words.pop() if words and words[-1].isdigit() and len(words[-1]) <= 2 else ""
    letters = [word[0].upper() + word[1:] for word in words if word[0].isalpha()][:4]
    return " ".join([*letters, number] if letters and number else letters)


def is_webvtt(text: str) -> bool:
    """True for WebVTT text (its first line starts with ``WEBVTT``)."""
    return text.lstrip("\ufeff").startswith("WEBVTT")


def webvtt_text(text: str, *, display: str) -> str:
    """The transcript text of a WebVTT file: one ``[hh:mm:ss] Speaker: words`` line per turn."""
    cues = _cues(text, display=display)
    # Zoom's «Name: words»: only where most cues are written so, else a cue's «Kort sagt: …» is words
    zoom = sum(1 for _, voice, words in cues if not voice and _NAME_RE.match(words)) * 2 > len(cues)
    turns: list[list[str]] = []  # [start, speaker, words]
    for start, speaker, words in cues:
        if not speaker and zoom and (named := _NAME_RE.match(words)):
            speaker, words = named.group("name").strip(), named.group("text")
        speaker = _label(speaker)
        if turns and speaker and turns[-1][1] == speaker:
            turns[-1][2] += " " + words
        else:
            turns.append([start, speaker, words])
    if not turns:
        raise IngestError("the WebVTT file holds no cues with words", path=display,
                          hint="check that the right file was downloaded, or remove it from transcripts/")
    return "\n".join(f"[{start}] {speaker}: {words}" if speaker else f"[{start}] {words}"
                     for start, speaker, words in turns)


def _cues(text: str, *, display: str) -> list[tuple[str, str, str]]:
    """The cues with words: their start (``hh:mm:ss``), voice tag's speaker ("" if none) and words."""
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    cues: list[tuple[str, str, str]] = []
    for block in blocks[1:]:  # the first block is the WEBVTT header
        lines = block.strip("\n").split("\n")
        timing = next((index for index, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue  # NOTE, STYLE or REGION block
        found = _TIMING_RE.match(lines[timing])
        if found is None:
            raise IngestError(
                f"a cue's timing line cannot be read: {lines[timing].strip()[:60]!r}",
                path=display, hint="save the transcript again from Teams or Zoom, or as .docx")
        hours, minutes, seconds = found.group(1) or "0", found.group(2), found.group(3)
        start = f"{int(hours):02d}:{minutes}:{seconds}"
        payload = " ".join(line.strip() for line in lines[timing + 1 :] if line.strip())
        voice = _VOICE_RE.match(payload)
        speaker = voice.group(1).strip() if voice else ""
        words = " ".join(html.unescape(_TAG_RE.sub("", payload)).split())
        if words:
            cues.append((start, speaker, words))
    return cues
