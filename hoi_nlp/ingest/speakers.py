"""The words of speaker labels: the built-in interviewer and respondent labels, words that start a line
but name no speaker, generic labels of transcription tools, and how labels compare. Shared by the
transcript parser and the subtitle reader (neither imports the other for them)."""

from __future__ import annotations

import re

DEFAULT_INTERVIEWER_SPEAKERS = ("I", "Int", "IV", "Interviewer", "Intervieweren", "Interviewer 1",
                                "Spørgsmål", "Spørger")


DEFAULT_RESPONDENT_SPEAKERS = (
    "D",
    "R",
    "K",
    "Respondent",
    "Respondenten",
    "Direktør",
    "Direktøren",
    "Kommunaldirektør",
    "Informant",
    "Interviewperson",
    "IP",
    "Resp",
    "Inf",
    "Svar",
    "Svarer",
    "Deltager",
)


# Labels that start header or prose lines ("Dato: ...") and are never speakers unless listed in metadata.
NOT_SPEAKERS = frozenset(
    {
        "dato",
        "date",
        "tid",
        "tidspunkt",
        "sted",
        "emne",
        "titel",
        "tema",
        "interview",
        "interviewdato",
        "varighed",
        "kommune",
        "region",
        "deltagere",
        "note",
        "noter",
        "nb",
        "obs",
        "ps",
        "bemærk",
        "bemærkning",
        "kilde",
        "fil",
        "lydfil",
        "transskribent",
        "optaget",
        "link",
        "mail",
        "e-mail",
        "telefon",
        "tlf",
        "dagsorden",
        "og",
        "men",
        "så",
        "det",
        "der",
        "hvis",
        "altså",
        "fx",
        "eksempel",
        "citat",
    }
)


def label_key(label: str) -> str:
    """Compare labels case-insensitively, without trailing dots, commas and extra spaces (``Int.`` =
    ``int``; the metadata's interviewer ``Skov, Mette`` = the Teams transcript's ``Skov Mette``; the
    metadata's ``SPEAKER_01`` = a subtitle file's ``SPEAKER 01``)."""
    return " ".join(label.replace(",", " ").replace("_", " ").strip().rstrip(".").split()).casefold()


# The labels automatic transcription gives speakers it cannot name (Word's «Speaker 1», «Taler 2»,
# WhisperX' «SPEAKER_00», «Deltager 1», «Person 2»), as label_key writes them.
_GENERIC_SPEAKER_RE = re.compile(r"(?:speaker|taler|talende|deltager|person|unknown speaker) \d{1,2}")
