"""Danish sentence spans with exact character offsets."""

from __future__ import annotations

import re
from functools import cache

from spacy.language import Language


def trimmed_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``start:end`` so the span neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(text: str, nlp: Language, *, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` as ``(start, end)`` offsets shifted by ``offset``.

    Line breaks inside the text also end a sentence (survey answers are often lists), except a break
    in the middle of a sentence: a line that ends without a full stop, colon or the like and is
    followed by one starting in lower case (text wrapped by hand, pasted from a PDF or an e-mail).
    """
    spans: list[tuple[int, int]] = []
    lines = _wrapped_lines_joined(text)
    for (line_start, line), doc in zip(lines, nlp.pipe(line for _, line in lines), strict=True):
        local = [trimmed_span(line, sent.start_char, sent.end_char) for sent in doc.sents]
        for start, end in _opening_brackets_moved_on(line, [(a, b) for a, b in local if b > a]):
            spans.append((offset + line_start + start, offset + line_start + end))
    return spans


def _wrapped_lines_joined(text: str) -> list[tuple[int, str]]:
    """The non-empty lines of ``text`` with their offsets, a line that goes on mid-sentence on the
    next one joined to it (the line break kept inside)."""
    lines: list[tuple[int, str]] = []
    position = 0
    for line in text.split("\n"):
        if line.strip():
            previous = lines[-1] if lines and lines[-1][0] + len(lines[-1][1]) == position - 1 else None
            if previous and _goes_on(previous[1], line):
                lines[-1] = (previous[0], previous[1] + "\n" + line)
            else:
                lines.append((position, line))
        position += len(line) + 1
    return lines


# A line wrapped by hand (a PDF, an e-mail) is long; a short one is a list item («tid», «økonomi»).
WRAPPED_LINE_WORDS = 6


def _goes_on(line: str, following: str) -> bool:
    """True if ``line`` is as long as a wrapped line, breaks off mid-sentence and ``following`` carries on
    in lower case."""
    end, start = line.rstrip()[-1:], following.lstrip()[:1]
    return (len(line.split()) >= WRAPPED_LINE_WORDS and bool(end) and end not in ".!?:;…)]\"»"
            and start.isalpha() and start.islower())


_OPENING = "([{"


def _opening_brackets_moved_on(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """An opening bracket the sentencizer left at a sentence's end («ikke? (» + «griner) Det …»)
    begins the next sentence instead («(griner) Det …»): no quote starts inside a transcriber note."""
    moved = list(spans)
    for i in range(len(moved) - 1):
        start, end = moved[i]
        cut = end
        while cut > start and (text[cut - 1] in _OPENING or text[cut - 1].isspace()):
            cut -= 1
        if cut < end and cut > start:
            bracket = next(j for j in range(cut, end) if text[j] in _OPENING)
            moved[i] = trimmed_span(text, start, cut)
            moved[i + 1] = (bracket, moved[i + 1][1])
    return moved


# Words that carry no content of their own in spoken and written Danish answers: spaCy's Danish stop
# words plus backchannels, fillers, bare answers and transcriber notes.
_FILLERS = frozenset("""
ja jah jo nej nå næ nej okay ok okey øh øhm æh æhm hm hmm mm mhm mmm altså ikk ikkeså jamen nåh tja jep nope
griner ler pause latter suk host uforståeligt godt rigtig rigtigt præcis netop klart fint bare lige helt vel
sgu da nemlig faktisk ret simpelthen egentlig sikkert selvfølgelig tak spørgsmål hvad hvordan
""".split())
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.da.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | _FILLERS


def content_stems(text: str, *, length: int = 5) -> frozenset[str]:
    """The first ``length`` letters of each content word of ``text`` (longer than 3 letters): a crude,
    language-light way to see that «økonomien» and «økonomiske» speak of the same thing."""
    stop = _stop_words()
    return frozenset(word[:length] for word in _WORD.findall(text.casefold())
                     if len(word) > 3 and word not in stop)


def content_words(text: str) -> int:
    """How many words of ``text`` carry content: not stop words, fillers ("øh", "altså"), backchannels
    ("ja", "mm") or transcriber notes ("griner"). «Nej.», «Mange har.» and «Godt spørgsmål.» have
    at most one; «Jobcentret er med, og vores IT-systemer driller stadig.» has three."""
    stop = _stop_words()
    return sum(1 for word in _WORD.findall(text.casefold()) if len(word) > 1 and word not in stop)
