"""Quotes: citable, exact slices of sources with stable ids and the reports' citation line.

A quote's span is always ``source.text[start:end]`` (offsets, never re-found by string
search). Long passages are trimmed to the sentence(s) holding the coder's evidence or the
analyst's span. What is published is the pseudonymised text with a citation line in the
reports' convention «"…" (Kommunaldirektør)» — the role label only, optionally size group
and region, never the municipality.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from hoi_nlp.errors import ExportError
from hoi_nlp.export.lang import Texts, format_place, texts_for
from hoi_nlp.export.study import CodedStudy, Coding, Redactor, coarse_role
from hoi_nlp.records import STANCES, Quote, Source, is_stance_code
from hoi_nlp.segment.sentences import content_stems, content_words, trimmed_span

DEFAULT_ROLE_LABEL = "Respondent"
CITATION_ATTRIBUTES = ("size_group", "region")
MAX_QUOTE_WORDS = 60
MIN_QUOTE_WORDS = 12  # a sentence cut from a longer unit is joined with its neighbours up to this length
MIN_CONTENT_WORDS = 3  # the default of [report] quote_min_content_words
MIN_GROUP_SIZE = 5  # the default of [report] min_group_size
STANCE_CHOICES = (*STANCES, "any")
"""What ``hoi cite --stance`` takes: a barrier's stance, or ``any``."""


def quoted_stances(code_id: str, stance: str = "hindrance") -> frozenset[str | None] | None:
    """The stances whose codings may quote ``code_id`` (None: any; codes other than barriers carry none).

    A barrier is quoted by default where it is spoken of as a hindrance or its stance is not set — what
    the report's tables count first —, never where it was overcome or is absent («det har vi løst»).
    """
    if not is_stance_code(code_id) or stance == "any":
        return None
    if stance not in STANCES:
        raise ExportError(f"unknown stance '{stance}'", hint=f"choose one of: {', '.join(STANCE_CHOICES)}")
    return frozenset({"hindrance", None}) if stance == "hindrance" else frozenset({stance})


def role_label(source: Source) -> str:
    """The respondent's role as reports cite it: «Kommunaldirektør», «Direktør» or «Leder».

    Full titles ("Direktør for social, sundhed og beskæftigelse") are reduced to the reports'
    coarse labels: a rare exact title could otherwise help identify the municipality.
    """
    return coarse_role(source.attributes.get("role") or "") or DEFAULT_ROLE_LABEL


_ROW = re.compile(r"\brow (\d+)")


def source_place(study: CodedStudy, segment_id: str, *, redact: Redactor) -> dict[str, object]:
    """Where a passage comes from, as data: material, respondent (or interview) id, and the question and
    spreadsheet row (survey) or the turn (interview, counted from 1); ids as exports show them."""
    seg = study.segment_by_id.get(segment_id)
    if seg is None:
        return {}
    source = study.sources[seg.source_id]
    respondent = redact.ident(source.respondent_id)
    if source.kind == "transcript":
        return {"material": "interview", "respondent": respondent,
                "turn": seg.turn_index + 1 if seg.turn_index is not None else None}
    row = _ROW.search(source.locator or "")
    return {"material": "survey", "respondent": respondent,
            "question": redact.ident(seg.question_id or source.question_id or ""),
            "row": int(row.group(1)) if row is not None else None}


def source_reference(study: CodedStudy, segment_id: str, *, redact: Redactor,
                     texts: Texts | None = None) -> str:
    """Where a passage comes from, as the XLSX says it: the material, the respondent or interview id,
    and the question and spreadsheet row (survey) or the turn (interview, counted from 1).

    ``Spørgeskema, R012, spm. 1.2_kommentar, række 13`` / ``Interview int07, tur 12``.
    """
    return format_place(source_place(study, segment_id, redact=redact), texts)


def citation_line(text: str, source: Source, *, with_attributes: Sequence[str] = ()) -> str:
    """«"text" (Role[, attribute…])» — the reports' quotation convention (never the municipality).

    A quote within the quote («sagde: "Jamen, …"») is shown in single quotes, so that the line's own
    quotation marks stay paired; the quote's text (its exact slice) is not changed.
    """
    allowed = [a for a in with_attributes if a != "municipality"]
    parts = [role_label(source)] + [source.attributes[a] for a in allowed if source.attributes.get(a)]
    shown = text.replace('"', "'")
    return f'\u00ab"{shown}" ({", ".join(parts)})\u00bb'


def citation_attributes(study: CodedStudy, source: Source, with_attributes: Sequence[str], *,
                        min_group_size: int = MIN_GROUP_SIZE) -> list[str]:
    """Of ``with_attributes`` (never the municipality), the leading ones a citation of ``source`` may show:
    as many as at least ``min_group_size`` respondents of the same material and role share — with the
    region, the size group and the role the one interview from a larger municipality in a region would
    name the municipality to anyone who knows the sample. The last attribute is left out first."""
    wanted = [a for a in with_attributes if a != "municipality" and source.attributes.get(a)]
    while wanted:
        values = [source.attributes.get(a) for a in wanted]
        sharing = {s.respondent_id for s in study.sources.values()
                   if s.kind == source.kind and role_label(s) == role_label(source)
                   and [s.attributes.get(a) for a in wanted] == values}
        if len(sharing) >= min_group_size:
            return wanted
        wanted = wanted[:-1]
    return []


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


def _nearest_to_code(study: CodedStudy, code_id: str, sentences: list[tuple[int, str]]) -> int:
    """Of the numbered ``sentences``, the one that shares most words with the code's label,
    description, inclusion rule and examples (the first on a tie): the sentence a code an analyst
    added without marking a span is about, not simply the unit's first."""
    code = study.codebook.code(code_id) if study.codebook.has_code(code_id) else None
    if code is None:
        return sentences[0][0]
    profile = content_stems(" ".join([code.profile_text(), *code.examples]))
    shared = [len(content_stems(sentence) & profile) for _, sentence in sentences]
    return sentences[max(range(len(sentences)), key=lambda k: (shared[k], -k))][0]


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` widened to the words it cuts: an analyst's selection «t der ikke … overb» is quoted
    as «det der ikke … overblik» (still a slice of ``text``)."""
    while 0 < start < end and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while start < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    return start, end


def quote_span(study: CodedStudy, coding: Coding, *, max_words: int = MAX_QUOTE_WORDS,
               min_content_words: int = MIN_CONTENT_WORDS) -> tuple[int, int]:
    """The span to quote: a passage that stands on its own.

    The coding's span (widened to the words it cuts, see :func:`whole_words`) without bare sentences at
    its edges (backchannels, «Ja.», «Nej.», «(griner)»);
    when that is longer than ``max_words``, the sentence(s) holding the coders' evidence (or the
    analyst's span), else the sentence with enough content nearest the code, each joined with its neighbours
    (the next first) until it carries ``min_content_words`` content words and :data:`MIN_QUOTE_WORDS`
    words: «Budgettet ligger i de forskellige afdelinger.» alone, cut from a turn of 80 words, says too
    little to cite. Whether the result is citable is for :func:`citable` to say.
    """
    source = study.sources[coding.source_id]
    text = source.text
    start, end = whole_words(text, *trimmed_span(text, coding.start, coding.end))
    sentences = [(s.start, s.end) for s in study.sentences_of(coding.source_id)
                 if start <= s.start and s.end <= end]
    if not sentences:
        return start, end
    content = [content_words(text[a:b]) for a, b in sentences]
    keep = [i for i, c in enumerate(content) if c > 0]
    if not keep:
        return start, end

    def words(first: int, last: int) -> int:
        return len(text[sentences[first][0]:sentences[last][1]].split())

    lo, hi = keep[0], keep[-1]
    evidence = _evidence_spans(study, coding)
    if words(lo, hi) <= max_words:
        first, last = _about_this_code(study, coding, sentences, keep, evidence, words)
        return trimmed_span(text, sentences[first][0], sentences[last][1])
    hits = [i for i in range(lo, hi + 1)
            if any(e_start < sentences[i][1] and sentences[i][0] < e_end for e_start, e_end in evidence)]
    if hits:
        first, last = hits[0], hits[-1]
        if words(first, last) > max_words:
            last = first
    else:
        enough = [i for i in range(lo, hi + 1) if content[i] >= max(1, min_content_words)] or \
            [max(range(lo, hi + 1), key=content.__getitem__)]
        numbered = [(i, text[sentences[i][0]:sentences[i][1]]) for i in enough]
        first = last = _nearest_to_code(study, coding.code_id, numbered)
    total = sum(content[first:last + 1])
    while total < min_content_words or words(first, last) < MIN_QUOTE_WORDS:
        if last < hi and words(first, last + 1) <= max_words:
            last += 1
            total += content[last]
        elif first > lo and words(first - 1, last) <= max_words:
            first -= 1
            total += content[first]
        else:
            break
    return trimmed_span(text, sentences[first][0], sentences[last][1])


def _about_this_code(study: CodedStudy, coding: Coding, sentences: list[tuple[int, int]], keep: list[int],
                     evidence: list[tuple[int, int]], words: Callable[[int, int], int]) -> tuple[int, int]:
    """The first and last of the ``keep`` sentences to quote a short unit by: all of them, less those at its
    edges that hold another code's evidence and none of this coding's (while what is left holds
    :data:`MIN_QUOTE_WORDS` words) — «Datadeling!! Vi bruger … samtykker.» before the sentence about who
    pays. A span an analyst set, or a coding without evidence, keeps every sentence."""
    seg = study.segment_by_id[coding.segment_id]
    first, last = 0, len(keep) - 1
    if not evidence or (coding.start, coding.end) != (seg.start, seg.end):
        return keep[first], keep[last]
    others = [(seg.start + ev.start, seg.start + ev.end)
              for code_id, found in study.assignment_keys_by_segment.get(coding.segment_id, [])
              if code_id != coding.code_id
              for a in found if a.tier == "suggested" for ev in a.evidence]

    def holds(i: int, spans: list[tuple[int, int]]) -> bool:
        start, end = sentences[keep[i]]
        return any(a < end and start < b for a, b in spans)

    def elsewhere(i: int) -> bool:
        return holds(i, others) and not holds(i, evidence)

    while first < last and elsewhere(first) and words(keep[first + 1], keep[last]) >= MIN_QUOTE_WORDS:
        first += 1
    while last > first and elsewhere(last) and words(keep[first], keep[last - 1]) >= MIN_QUOTE_WORDS:
        last -= 1
    return keep[first], keep[last]


def citable(quote: Quote, *, min_content_words: int = MIN_CONTENT_WORDS) -> bool:
    """Whether a quote stands on its own: at least ``min_content_words`` content words."""
    return content_words(quote.text) >= min_content_words


def text_key(text: str) -> str:
    """A quote's text as compared for duplicates: case, spacing and punctuation ignored."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def is_repeat(text: str, seen: set[str]) -> bool:
    """Whether ``text`` repeats (or is part of, or holds) a text already quoted."""
    key = text_key(text)
    return not key or any(key == other or key in other or other in key for other in seen)


def usable(quote: Quote, seen: set[str], *, min_content_words: int = MIN_CONTENT_WORDS) -> bool:
    """Whether a quote may be listed: it stands on its own and its text was not quoted before."""
    return (citable(quote, min_content_words=min_content_words)
            and not is_repeat(quote.text_pseudonymized, seen))


def make_quote(
    study: CodedStudy,
    coding: Coding,
    *,
    redact: Redactor,
    with_attributes: Sequence[str] = (),
    max_words: int = MAX_QUOTE_WORDS,
    min_content_words: int = MIN_CONTENT_WORDS,
    min_group_size: int = MIN_GROUP_SIZE,
) -> Quote:
    """A :class:`Quote` for one coding: exact span, pseudonymised text, citation (with those of
    ``with_attributes`` that :func:`citation_attributes` allows) and stable id."""
    source = study.sources[coding.source_id]
    start, end = quote_span(study, coding, max_words=max_words, min_content_words=min_content_words)
    text = source.text[start:end]
    published = redact.span(source, start, end).strip()
    return Quote(
        quote_id=redact.quote_id(source.source_id, start, end, coding.code_id),
        code_id=coding.code_id,
        source_id=source.source_id,
        segment_id=coding.segment_id,
        start=start,
        end=end,
        text=text,
        text_pseudonymized=published,
        citation=citation_line(published, source, with_attributes=citation_attributes(
            study, source, with_attributes, min_group_size=min_group_size) if with_attributes else ()),
        confidence=coding.confidence,
        review_state=coding.review,
        stance=coding.stance if is_stance_code(coding.code_id) else None,
    )


def quotes_for_code(
    study: CodedStudy,
    code_id: str,
    *,
    redact: Redactor,
    limit: int = 5,
    ranking: Sequence[Coding] | None = None,
    with_attributes: Sequence[str] = (),
    min_content_words: int = MIN_CONTENT_WORDS,
    seen: set[str] | None = None,
) -> list[Quote]:
    """Citable quotes for ``code_id``, one per respondent, in ``ranking`` order (default: reviewed, then
    score; a barrier where it is a hindrance, see :func:`quoted_stances`); a text already in ``seen``
    (quoted before in the same document) is not quoted again."""
    if limit <= 0:
        return []
    stances = quoted_stances(code_id)
    ordered = (
        list(ranking)
        if ranking is not None
        else sorted((c for c in study.codings_for(code_id) if stances is None or c.stance in stances),
                    key=lambda c: (c.rank_tier, -c.confidence, c.segment_id))
    )
    quotes: list[Quote] = []
    respondents: set[str] = set()
    seen = set() if seen is None else seen
    for coding in ordered:
        respondent = study.respondent_of[coding.segment_id]
        if respondent in respondents:
            continue
        quote = make_quote(study, coding, redact=redact, with_attributes=with_attributes,
                           min_content_words=min_content_words)
        if not usable(quote, seen, min_content_words=min_content_words):
            continue
        respondents.add(respondent)
        seen.add(text_key(quote.text_pseudonymized))
        quotes.append(quote)
        if len(quotes) >= limit:
            break
    return quotes


def quote_line(quote: Quote, reference: str = "", *, texts: Texts | None = None) -> str:
    """One Markdown list line: citation, source reference, id, review state, confidence and stance."""
    where = f" — {reference}" if reference else ""
    return f"- {' '.join(quote.citation.split())}{where} · `{quote.quote_id}` ({quote_state(quote, texts)})"


def quote_state(quote: Quote, texts: Texts | None = None) -> str:
    """What a quote's coding rests on: review state, the machine's confidence (not for a code an analyst
    added) and, for a barrier, its stance — «accepteret, sikkerhed 0,97, hindring»."""
    texts = texts or texts_for("da")
    parts = [texts(f"review.{quote.review_state}") if quote.review_state in ("accepted", "added")
             else texts("review.machine")]
    if quote.review_state != "added":  # an analyst's code: no machine confidence to show
        parts.append(texts("quotes.confidence", value=texts.number(quote.confidence, 2)))
    if is_stance_code(quote.code_id):
        parts.append(texts(f"stance.{quote.stance or 'unknown'}").lower())
    return ", ".join(parts)


def stance_shown(stance: str, texts: Texts) -> str:
    """A ``--stance`` choice in words: «hindring (eller ikke angivet)», «overvundet/fraværende», «alle»."""
    if stance in ("hindrance", "any"):
        return texts(f"quotes.stance_{stance}")
    return texts(f"stance.{stance}").lower()


def selection_facts(study: CodedStudy, quotes: Sequence[Quote], *, group: tuple[str, str] | None = None,
                    stance: str | None = None, today: date | None = None) -> dict[str, Any]:
    """What a list of quotes rests on, as data: how many an analyst accepted or added and how many are the
    machine's alone, the selection (a barrier's ``stance``, the ``group``), the codebook version, the
    coders and model versions that coded them, and the date they were drawn. :func:`selection_note` says
    it in words; ``hoi cite --format json`` carries it as it is."""
    reviewed = sum(q.review_state in ("accepted", "added") for q in quotes)
    coders = sorted({" ".join(filter(None, (a.coder, a.model_version)))
                     for q in quotes for a in study.assignments_for(q.segment_id, q.code_id)})
    return {"quotes": len(quotes), "reviewed": reviewed, "machine_only": len(quotes) - reviewed,
            "stance": stance, "group": f"{group[0]}={group[1]}" if group is not None else None,
            "codebook": study.codebook.version_tag, "coders": coders,
            "drawn": (today or date.today()).isoformat()}


def selection_note(study: CodedStudy, quotes: Sequence[Quote], *, texts: Texts | None = None,
                   group: tuple[str, str] | None = None, stance: str | None = None,
                   today: date | None = None, facts: dict[str, Any] | None = None) -> str:
    """What a list of quotes rests on, for its header (:func:`selection_facts`, or ``facts`` made by it):

    «5 citater: 3 accepteret eller tilføjet af en analytiker, 2 kun maskinkodet (ikke gennemset) ·
    holdning: hindring (eller ikke angivet) · kodebog hoi@1.0.0+8cc8279c · kodet af hoi.combined.v1 0.76 ·
    udtrukket 2026-12-07»
    """
    texts = texts or texts_for("da")
    facts = facts or selection_facts(study, quotes, group=group, stance=stance, today=today)
    n = facts["quotes"]
    count = texts("quotes.count_one") if n == 1 else texts("quotes.count", n=n)
    parts = [texts("quotes.state", count=count, reviewed=facts["reviewed"], machine=facts["machine_only"])]
    if facts["stance"] is not None:
        parts.append(texts("quotes.stance", stance=stance_shown(facts["stance"], texts)))
    if facts["group"] is not None:
        parts.append(texts("quotes.group", group=facts["group"]))
    parts.append(texts("quotes.codebook", version=facts["codebook"]))
    if facts["coders"]:
        parts.append(texts("quotes.coders", coders=", ".join(facts["coders"])))
    parts.append(texts("quotes.drawn", date=facts["drawn"]))
    return " · ".join(parts)


def quotes_markdown(study: CodedStudy, *, redact: Redactor, pick: Callable[[str], list[Quote]] | None = None,
                    per_code: int = 5, raw: bool = False, texts: Texts | None = None) -> str:
    """All codes' quotes as one Markdown document, grouped by family, each with its source reference.

    ``pick`` chooses a code's quotes (default: :func:`quotes_for_code`, no text quoted twice).
    """
    from hoi_nlp.privacy.guard import RAW_NOTE

    texts = texts or texts_for("da")
    seen: set[str] = set()
    pick = pick or (lambda code_id: quotes_for_code(study, code_id, redact=redact, limit=per_code, seen=seen))
    lines = [f"# {texts('quotes.title', name=study.codebook.name or study.codebook.id)}", ""]
    if raw:
        lines += [f"**{RAW_NOTE}**", ""]
    state = texts("quotes.raw") if raw else texts("quotes.pseudonymised")
    lines += [texts("quotes.intro", version=study.codebook.version_tag, state=state), ""]
    body: list[str] = []
    quoted: list[Quote] = []
    for family in study.codebook.families:
        body += [f"## {family.label}", ""]
        for code in family.codes:
            quotes = pick(code.id)
            quoted += quotes
            body += [f"### {code.label} (`{code.id}`)", ""]
            body += [quote_line(q, source_reference(study, q.segment_id, redact=redact, texts=texts),
                                texts=texts) for q in quotes] or [texts("quotes.none")]
            body.append("")
    lines += [selection_note(study, quoted, texts=texts) + ".", ""]
    if any(is_stance_code(code_id) for code_id in study.codebook.code_ids):
        lines += [texts("quotes.barriers"), ""]
    return "\n".join(lines + body)
