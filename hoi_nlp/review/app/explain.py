"""Why the machine suggests a code, in the analyst's words, and what else it nearly suggested.

For the segment page: per code, the words of the unit that matched (the evidence text, never
the codebook's pattern syntax) with what they matched in plain words, the coders' scores,
the nearest examples (the coder's own, when an explainer is plugged in; else the codebook's
examples and this study's reviewed quotes ranked by shared words) and the code's definition
with its include/exclude rules. Also the below-threshold candidates (tier ``possible``) and
the barrier stance the machine proposed and the analyst set.

A reviewer without original-text rights sees every text pseudonymised: a study passage (the
coder's reviewed passages traced back to their unit, the study's reviewed quotes) as the slice of
its source's one redaction, like the context; any other example (the training corpus names people
and municipalities, a codebook example) through the study's redactor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select

from hoi_nlp.codebook import Code, Codebook
from hoi_nlp.records import STANCES, Segment, Source
from hoi_nlp.review.app.views import Corpus, preview
from hoi_nlp.review.codebook_edit import code_id_map
from hoi_nlp.review.decisions import MAIN_ROUND, CodeState, current_state
from hoi_nlp.review.masking import Hidden, PrivacyView, masked
from hoi_nlp.review.tables import decisions_table
from hoi_nlp.store import Workspace, assignments_table, whereabouts_in

STANCE_FAMILIES = ("barrier",)
STUDY_ORIGINS = ("study", "review")  # training rows from an analyst's review (hoi retrain, hoi train)
_WORD = re.compile(r"\w{3,}", re.UNICODE)
MAX_EXAMPLES = 3
MAX_REVIEWED = 40


@dataclass
class Why:
    """The explanation of one code on one unit."""

    code_id: str
    code: Code | None
    words: list[str] = field(default_factory=list)
    matched: list[tuple[str, str]] = field(default_factory=list)  # (message template, text)
    scores: dict[str, float] = field(default_factory=dict)
    examples: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)


@dataclass(frozen=True)
class NearExample:
    """A training passage the coder finds nearest to a unit (what the ``nearest_examples`` hook
    gives; a plain string is an example of unknown origin): its raw text, its origin (a training
    file, ``codebook``, ``study`` or ``review``) and, for a reviewed passage, the unit it was
    reviewed as."""

    text: str
    origin: str = ""
    segment_id: str | None = None


@dataclass
class Possible:
    """A below-threshold candidate: never counted until an analyst accepts it."""

    code_id: str
    confidence: float
    why: Why


LEMMA_SUFFIX = " (og bøjninger)"  # how hoi_nlp.coding.rules.readable_pattern writes a lemma pattern


def _pattern_words(pattern: str) -> tuple[str, str]:
    """What a rule matched, in words: the coder's readable evidence (``it-system (og bøjninger)``,
    a phrase, or a token pattern's words with "…" and "/"), or the ``kind:value`` form that
    workspaces coded before readable evidence still hold."""
    if pattern.endswith(LEMMA_SUFFIX):
        return "the word «{text}» in any form", pattern[: -len(LEMMA_SUFFIX)]
    kind, separator, rest = pattern.partition(":")
    if separator and kind == "lemma":
        return "the word «{text}» in any form", rest
    if separator and kind == "phrase":
        return "the phrase «{text}»", rest
    if (separator and kind == "tokens") or not pattern or any(c in pattern for c in "[]{}"):
        return "a word pattern of the codebook", ""
    if "…" in pattern or "/" in pattern:
        return "the words «{text}» (… any words, / either word)", pattern
    return "the phrase «{text}»", pattern


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def nearest(
    text: str, candidates: Sequence[tuple[str, str, str]], n: int = MAX_EXAMPLES
) -> list[tuple[str, str]]:
    """The ``n`` candidates ``(kind, ranked text, shown text)`` sharing most words with ``text``
    (cosine over word sets; ties keep the candidates' order)."""
    mine = _words(text)
    scored = []
    for index, (kind, ranked, shown) in enumerate(candidates):
        theirs = _words(ranked)
        overlap = len(mine & theirs) / ((len(mine) * len(theirs)) ** 0.5) if mine and theirs else 0.0
        scored.append((-overlap, index, kind, shown))
    scored.sort()
    out: list[tuple[str, str]] = []
    for _, _, kind, shown in scored:
        if shown not in (s for _, s in out):
            out.append((kind, shown))
        if len(out) == n:
            break
    return out


def _reviewed_quotes(
    workspace: Workspace, corpus: Corpus, privacy: PrivacyView | None, code_ids: Sequence[str], exclude: str
) -> dict[str, list[tuple[str, str]]]:
    """Per code: this study's quotes an analyst applied it to, as (text to rank, text to show)."""
    if not code_ids:
        return {}
    renamed = code_id_map(workspace)
    wanted = set(code_ids)
    stored = wanted | {old for old, new in renamed.items() if new in wanted}
    query = (
        select(decisions_table.c.segment_id, decisions_table.c.code_id, decisions_table.c.created_at)
        .where(decisions_table.c.action.in_(("accept", "add", "consensus")))
        .where(or_(decisions_table.c.round == MAIN_ROUND, decisions_table.c.action == "consensus"))
        .where(decisions_table.c.code_id.in_(sorted(stored)))
        .where(decisions_table.c.segment_id != exclude)
        .order_by(decisions_table.c.seq.desc())
        .limit(MAX_REVIEWED * max(1, len(wanted)))
    )
    with workspace.engine.connect() as conn:
        where = whereabouts_in(conn)  # a unit moved by a correction of its transcript since, where it is now
        pairs = [(now, renamed.get(c, c)) for s, c, at in conn.execute(query)
                 if (now := where.now(s, at)[0]) != exclude]
    segment_ids = sorted({s for s, _ in pairs if s in corpus.by_id})
    if not segment_ids:
        return {}
    state = current_state(workspace, segment_ids=segment_ids)
    if privacy is not None:
        privacy.hidden_many([corpus.sources[corpus.by_id[s].source_id] for s in segment_ids])
    out: dict[str, list[tuple[str, str]]] = {}
    for segment_id, code_id in pairs:
        code_state = state.codes.get((segment_id, code_id))
        if code_state is None or not code_state.present or segment_id not in corpus.by_id:
            continue
        seg = corpus.by_id[segment_id]
        entry = (seg.text, preview(corpus, privacy, seg, limit=300))
        if entry not in out.setdefault(code_id, []):
            out[code_id].append(entry)
    return out


def _traced(corpus: Corpus, example: NearExample) -> tuple[Segment, int, int] | None:
    """The study unit and source span a reviewed passage was taken from (its unit's text, or the
    analyst's adjusted span in its source), or None when it cannot be traced to this study."""
    seg = corpus.by_id.get(example.segment_id or "")
    if seg is None or example.origin not in STUDY_ORIGINS or not example.text:
        return None
    if seg.text == example.text:
        return seg, seg.start, seg.end
    at = corpus.sources[seg.source_id].text.find(example.text)
    return (seg, at, at + len(example.text)) if at >= 0 else None


def _kind(origin: str) -> str:
    return "codebook example" if origin == "codebook" else "training example"


def _shown_examples(
    found: dict[str, list[NearExample | str]], corpus: Corpus, privacy: PrivacyView | None, exclude: str
) -> dict[str, list[tuple[str, str]]]:
    """Per code: the coder's nearest examples as ``(kind, text)`` for this reader. A passage traced
    to a study unit is a "reviewed quote", for a reader without rights the slice of its source's
    redaction; any other text (the training corpus, a passage of another study) is pseudonymised
    with the study's redactor. The unit itself is left out."""
    examples = {
        code_id: [NearExample(e) if isinstance(e, str) else e for e in items]
        for code_id, items in found.items()
    }
    traced = {
        id(e): t for items in examples.values() for e in items if (t := _traced(corpus, e)) is not None
    }
    others: dict[str, str] = {}
    if privacy is not None:
        privacy.hidden_many([corpus.sources[seg.source_id] for seg, _, _ in traced.values()])
        others = privacy.values(e.text for items in examples.values() for e in items if id(e) not in traced)
    out: dict[str, list[tuple[str, str]]] = {}
    for code_id, items in examples.items():
        shown: list[tuple[str, str]] = []
        for e in items:
            if id(e) in traced:
                seg, start, end = traced[id(e)]
                if seg.segment_id == exclude:
                    continue
                source = corpus.sources[seg.source_id]
                text = e.text if privacy is None else masked(source.text, start, end, privacy.hidden(source))
                entry = ("reviewed quote", text)
            else:
                entry = (_kind(e.origin), e.text if privacy is None else others.get(e.text, ""))
            if entry[1] and entry not in shown:
                shown.append(entry)
        out[code_id] = shown
    return out


def _assignments(workspace: Workspace, segment_id: str) -> list[Any]:
    cols = assignments_table.c
    query = select(
        cols.code_id, cols.confidence, cols.evidence, cols.components, cols.stance, cols.tier
    ).where(cols.segment_id == segment_id)
    with workspace.engine.connect() as conn:
        return list(conn.execute(query).mappings())


def segment_extras(
    *,
    workspace: Workspace,
    codebook: Codebook,
    corpus: Corpus,
    seg: Segment,
    source: Source,
    codes: Sequence[CodeState],
    hidden: Sequence[Hidden],
    privacy: PrivacyView | None,
    nearest_examples: Callable[[str, str], Sequence[NearExample | str]] | None = None,
) -> dict[str, Any]:
    """What the segment page adds to each code: why, possible codes, stance."""
    renamed = code_id_map(workspace)
    rows = _assignments(workspace, seg.segment_id)
    shown = {c.code_id for c in codes}
    whys: dict[str, Why] = {}
    machine_stance: dict[str, tuple[float, str]] = {}
    possible: dict[str, float] = {}
    for row in rows:
        code_id = renamed.get(row["code_id"], row["code_id"])
        why = whys.setdefault(
            code_id, Why(code_id, codebook.code(code_id) if codebook.has_code(code_id) else None)
        )
        for ev in row["evidence"] or []:
            start, end = seg.start + int(ev["start"]), seg.start + int(ev["end"])
            words = masked(source.text, start, end, hidden)
            if words not in why.words:
                why.words.append(words)
            # a token pattern is described by the words it matched: the source's, hidden or not
            described = _pattern_words("" if words != source.text[start:end] else str(ev.get("pattern", "")))
            if described not in why.matched:
                why.matched.append(described)
        for name, score in (row["components"] or {}).items():
            why.scores[name] = max(float(score), why.scores.get(name, 0.0))
        if row["tier"] == "possible":
            possible[code_id] = max(float(row["confidence"]), possible.get(code_id, 0.0))
        elif row["stance"] and float(row["confidence"]) >= machine_stance.get(code_id, (-1.0, ""))[0]:
            machine_stance[code_id] = (float(row["confidence"]), row["stance"])
    for state in codes:
        whys.setdefault(
            state.code_id,
            Why(state.code_id, codebook.code(state.code_id) if codebook.has_code(state.code_id) else None),
        )
    candidates = [
        c for c in possible if c not in shown and codebook.has_code(c) and not codebook.code(c).deprecated
    ]
    reviewed = _reviewed_quotes(workspace, corpus, privacy, [*shown, *candidates], seg.segment_id)
    found: dict[str, list[NearExample | str]] = (
        {code_id: list(nearest_examples(seg.text, code_id))[:MAX_EXAMPLES] for code_id in whys}
        if nearest_examples is not None
        else {}
    )
    coders = _shown_examples(found, corpus, privacy, seg.segment_id)
    fallback: list[Why] = []
    for code_id, why in whys.items():
        why.examples = coders.get(code_id, [])
        if not why.examples:
            pool = [("codebook example", e, e) for e in (why.code.examples if why.code else [])]
            pool += [("reviewed quote", ranked, text) for ranked, text in reviewed.get(code_id, [])]
            why.examples = nearest(seg.text, pool)
            fallback.append(why)
    if privacy is not None:  # the codebook's examples chosen: pseudonymised too (a codebook may name someone)
        codebook_texts = privacy.values(
            text for why in fallback for kind, text in why.examples if kind == "codebook example"
        )
        for why in fallback:
            masked_examples = [(kind, codebook_texts.get(text, "") if kind == "codebook example" else text)
                               for kind, text in why.examples]
            why.examples = [(kind, text) for kind, text in masked_examples if text]
    stances = {
        c.code_id: {"analyst": c.stance, "machine": machine_stance.get(c.code_id, (0.0, None))[1]}
        for c in codes
        if c.code_id.split(".", 1)[0] in STANCE_FAMILIES or c.code_id in machine_stance
    }
    return {
        "why": whys,
        "possible": sorted(
            (Possible(c, possible[c], whys[c]) for c in candidates), key=lambda p: -p.confidence
        ),
        "stances": stances,
        "stance_choices": STANCES,
    }
