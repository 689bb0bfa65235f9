"""Danish sentence spans with exact character offsets."""

from __future__ import annotations

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

    Line breaks inside the text also end a sentence (survey answers are often lists).
    """
    spans: list[tuple[int, int]] = []
    lines: list[tuple[int, str]] = []
    position = 0
    for line in text.split("\n"):
        if line.strip():
            lines.append((position, line))
        position += len(line) + 1
    for (line_start, line), doc in zip(lines, nlp.pipe(line for _, line in lines), strict=True):
        for sent in doc.sents:
            start, end = trimmed_span(line, sent.start_char, sent.end_char)
            if end > start:
                spans.append((offset + line_start + start, offset + line_start + end))
    return spans
