"""Quote extracts: per code, citable slices of sources with stable ids and citation lines.

A quote's text is always ``source.text[start:end]``; what is published is its pseudonymised
form. The citation follows the reports' convention: «"…" (Kommunaldirektør)», optionally
with size group and region — never the municipality.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hoi_nlp.export.tables import CodedStudy
from hoi_nlp.records import CodeAssignment, Quote, Segment, Source

Redactor = Callable[[str, str], str]
DEFAULT_ROLE_LABEL = "Respondent"


def role_label(source: Source) -> str:
    """The respondent's role as it is cited (e.g. ``Kommunaldirektør``)."""
    role = (source.attributes.get("role") or "").strip()
    return role[:1].upper() + role[1:] if role else DEFAULT_ROLE_LABEL


def citation_line(text: str, source: Source, *, with_attributes: Sequence[str] = ()) -> str:
    """«"text" (Role[, attribute…])» — the reports' quotation convention."""
    parts = [role_label(source)] + [source.attributes[a] for a in with_attributes if source.attributes.get(a)]
    return f'\u00ab"{text}" ({", ".join(parts)})\u00bb'


def make_quote(assignment: CodeAssignment, segment: Segment, source: Source, *, redact: Redactor,
               review_state: str = "machine", with_attributes: Sequence[str] = ()) -> Quote:
    """A :class:`Quote` for one coded segment."""
    published = redact(segment.segment_id, segment.text).strip()
    return Quote(
        quote_id=Quote.make_id(source.source_id, segment.start, segment.end, assignment.code_id),
        code_id=assignment.code_id, source_id=source.source_id, segment_id=segment.segment_id,
        start=segment.start, end=segment.end, text=source.text[segment.start:segment.end],
        text_pseudonymized=published, citation=citation_line(published, source, with_attributes=with_attributes),
        confidence=assignment.confidence, review_state=review_state,
    )


def quotes_for_code(study: CodedStudy, code_id: str, *, redact: Redactor, limit: int = 10,
                    max_words: int = 80) -> list[Quote]:
    """The most confident quotes for ``code_id``, one per respondent, short enough to cite."""
    segments = {seg.segment_id: seg for seg in study.segments}
    candidates = sorted((a for a in study.assignments if a.code_id == code_id and a.segment_id in segments),
                        key=lambda a: -a.confidence)
    quotes: list[Quote] = []
    seen_respondents: set[str] = set()
    for assignment in candidates:
        segment = segments[assignment.segment_id]
        source = study.sources[segment.source_id]
        if source.respondent_id in seen_respondents or len(segment.text.split()) > max_words:
            continue
        seen_respondents.add(source.respondent_id)
        quotes.append(make_quote(assignment, segment, source, redact=redact))
        if len(quotes) >= limit:
            break
    return quotes


def quotes_markdown(study: CodedStudy, *, redact: Redactor, per_code: int = 5) -> str:
    """All codes' quotes as one Markdown document, grouped by family."""
    lines = [f"# Citater pr. kode — {study.codebook.name or study.codebook.id}", "",
             f"Kodebog: `{study.codebook.version_tag}`. Citaterne er pseudonymiserede; "
             "citat-id'et fører tilbage til kilde og position (`hoi quote ID`).", ""]
    for family in study.codebook.families:
        lines += [f"## {family.label}", ""]
        for code in family.codes:
            quotes = quotes_for_code(study, code.id, redact=redact, limit=per_code)
            lines += [f"### {code.label} (`{code.id}`)", ""]
            if not quotes:
                lines += ["_Ingen citater._", ""]
                continue
            for quote in quotes:
                lines.append(f"- {quote.citation} — `{quote.quote_id}`, sikkerhed {quote.confidence:.2f}")
            lines.append("")
    return "\n".join(lines)
