"""Quotes: citable, exact slices of sources with stable ids and the reports' citation line.

A quote's span is always ``source.text[start:end]`` (offsets, never re-found by string
search). Long passages are trimmed to the sentence(s) holding the coder's evidence or the
analyst's span. What is published is the pseudonymised text with a citation line in the
reports' convention «"…" (Kommunaldirektør)» — the role label only, optionally size group
and region, never the municipality.
"""

from __future__ import annotations

from collections.abc import Sequence

from hoi_nlp.export.study import CodedStudy, Coding, Redactor
from hoi_nlp.records import Quote, Source
from hoi_nlp.segment.sentences import trimmed_span

DEFAULT_ROLE_LABEL = "Respondent"
CITATION_ATTRIBUTES = ("size_group", "region")
MAX_QUOTE_WORDS = 60


def role_label(source: Source) -> str:
    """The respondent's role as reports cite it: «Kommunaldirektør», «Direktør» or «Leder».

    Full titles ("Direktør for social, sundhed og beskæftigelse") are reduced to the reports'
    coarse labels: a rare exact title could otherwise help identify the municipality.
    """
    role = (source.attributes.get("role") or "").strip().lower()
    if not role:
        return DEFAULT_ROLE_LABEL
    if "kommunaldirektør" in role:
        return "Kommunaldirektør"
    if "direktør" in role:
        return "Direktør"
    return "Leder"


def citation_line(text: str, source: Source, *, with_attributes: Sequence[str] = ()) -> str:
    """«"text" (Role[, attribute…])» — the reports' quotation convention (never the municipality)."""
    allowed = [a for a in with_attributes if a != "municipality"]
    parts = [role_label(source)] + [source.attributes[a] for a in allowed if source.attributes.get(a)]
    return f'\u00ab"{text}" ({", ".join(parts)})\u00bb'


def _evidence_spans(study: CodedStudy, coding: Coding) -> list[tuple[int, int]]:
    """Source-offset spans that made the code: the analyst's span or the coders' evidence."""
    seg = study.segment_by_id[coding.segment_id]
    if (coding.start, coding.end) != (seg.start, seg.end):
        return [(coding.start, coding.end)]
    return [
        (seg.start + ev.start, seg.start + ev.end)
        for a in study.assignments_for(coding.segment_id, coding.code_id)
        for ev in a.evidence
    ]


def quote_span(study: CodedStudy, coding: Coding, *, max_words: int = MAX_QUOTE_WORDS) -> tuple[int, int]:
    """The span to quote: the whole coding when short, else its evidence sentence(s)."""
    source = study.sources[coding.source_id]
    start, end = trimmed_span(source.text, coding.start, coding.end)
    if len(source.text[start:end].split()) <= max_words:
        return start, end
    sentences = [s for s in study.sentences_of(coding.source_id) if start <= s.start and s.end <= end]
    if not sentences:
        return start, end
    evidence = _evidence_spans(study, coding)
    hit = [s for s in sentences if any(e_start < s.end and s.start < e_end for e_start, e_end in evidence)]
    chosen = hit or sentences[:1]
    first, last = chosen[0], chosen[-1]
    if len(source.text[first.start : last.end].split()) > max_words:
        last = first
    return trimmed_span(source.text, first.start, last.end)


def make_quote(
    study: CodedStudy,
    coding: Coding,
    *,
    redact: Redactor,
    with_attributes: Sequence[str] = (),
    max_words: int = MAX_QUOTE_WORDS,
) -> Quote:
    """A :class:`Quote` for one coding: exact span, pseudonymised text, citation and stable id."""
    source = study.sources[coding.source_id]
    start, end = quote_span(study, coding, max_words=max_words)
    text = source.text[start:end]
    published = redact.span(source, start, end).strip()
    return Quote(
        quote_id=Quote.make_id(source.source_id, start, end, coding.code_id),
        code_id=coding.code_id,
        source_id=source.source_id,
        segment_id=coding.segment_id,
        start=start,
        end=end,
        text=text,
        text_pseudonymized=published,
        citation=citation_line(published, source, with_attributes=with_attributes),
        confidence=coding.confidence,
        review_state=coding.review,
    )


def quotes_for_code(
    study: CodedStudy,
    code_id: str,
    *,
    redact: Redactor,
    limit: int = 5,
    ranking: Sequence[Coding] | None = None,
    with_attributes: Sequence[str] = (),
) -> list[Quote]:
    """Quotes for ``code_id``, one per respondent, in ``ranking`` order (default: reviewed, then score)."""
    ordered = (
        list(ranking)
        if ranking is not None
        else sorted(study.codings_for(code_id), key=lambda c: (c.rank_tier, -c.confidence, c.segment_id))
    )
    quotes: list[Quote] = []
    seen: set[str] = set()
    for coding in ordered:
        respondent = study.respondent_of[coding.segment_id]
        if respondent in seen:
            continue
        seen.add(respondent)
        quotes.append(make_quote(study, coding, redact=redact, with_attributes=with_attributes))
        if len(quotes) >= limit:
            break
    return quotes


def quote_line(quote: Quote) -> str:
    """One Markdown list line: citation, id, review state and confidence."""
    state = {"accepted": "accepteret", "added": "tilføjet"}.get(quote.review_state, "maskinkodet")
    return f"- {quote.citation} — `{quote.quote_id}` ({state}, sikkerhed {quote.confidence:.2f})"


def quotes_markdown(study: CodedStudy, *, redact: Redactor, per_code: int = 5, raw: bool = False) -> str:
    """All codes' quotes as one Markdown document, grouped by family."""
    from hoi_nlp.privacy.guard import RAW_NOTE

    lines = [f"# Citater pr. kode — {study.codebook.name or study.codebook.id}", ""]
    if raw:
        lines += [f"**{RAW_NOTE}**", ""]
    lines += [
        f"Kodebog: `{study.codebook.version_tag}`. "
        + ("Citaterne er IKKE pseudonymiserede. " if raw else "Citaterne er pseudonymiserede. ")
        + "Citat-id'et fører tilbage til kilde og position (`hoi quote ID`).",
        "",
    ]
    for family in study.codebook.families:
        lines += [f"## {family.label}", ""]
        for code in family.codes:
            quotes = quotes_for_code(study, code.id, redact=redact, limit=per_code)
            lines += [f"### {code.label} (`{code.id}`)", ""]
            lines += [quote_line(q) for q in quotes] or ["_Ingen citater._"]
            lines.append("")
    return "\n".join(lines)
