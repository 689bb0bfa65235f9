"""A tiny fabricated coded study (five respondents) as records and as a workspace."""

from __future__ import annotations

import pytest

from hoi_nlp.records import CodeAssignment, Evidence, Segment, Source, content_hash, slice_segment

# respondent, kind, attributes (municipality, region, size_group, role), texts
RESPONDENTS = [
    (
        "R1",
        "survey_answer",
        ("Vejle", "Region Syddanmark", "Større kommune", "Kommunaldirektør"),
        ["Vores IT-systemer taler ikke sammen. Økonomien ligger i søjlerne, og det er svært."],
    ),
    (
        "R2",
        "survey_answer",
        ("Lemvig", "Region Midtjylland", "Mindre kommune", "Direktør"),
        [
            "IT-systemerne er et stort problem for os i Lemvig.",
            "Jobcentret deltager i teamet. Mette Hansen leder det.",
        ],
    ),
    (
        "R3",
        "survey_answer",
        ("Gentofte", "Region Hovedstaden", "Større kommune", "Kommunaldirektør"),
        ["Jobcentret er med, og vores IT-systemer driller stadig."],
    ),
    (
        "R4",
        "survey_answer",
        ("Odsherred", "Region Sjælland", "Mindre kommune", "Direktør"),
        ["Ingen bemærkninger."],
    ),
    (
        "T5",
        "transcript",
        ("Aalborg", "Region Nordjylland", "Større kommune", "Kommunaldirektør"),
        [
            "I: Hvad er det sværeste?\nD: Det er mange ting på én gang, og vi har arbejdet med det i flere "
            "år "
            "sammen med mange forskellige afdelinger og ledere på tværs af hele organisationen. "
            "Men helt konkret er det jobcentret, der skal have gevinsten, mens andre betaler regningen. "
            "Det har vi drøftet i direktionen mange gange uden at finde en løsning, som alle kan leve med, "
            "og derfor venter vi nu på den nye lov og de rammer, den forhåbentlig giver os."
        ],
    ),
]
# (respondent, text index, code, evidence phrase or None, confidence)
CODINGS = [
    ("R1", 0, "barrier.it_integration", "IT-systemer", 0.92),
    ("R1", 0, "barrier.tvaergaaende_oekonomistyring", "Økonomien ligger i søjlerne", 0.9),
    ("R2", 0, "barrier.it_integration", "IT-systemerne", 0.8),
    ("R2", 1, "area.beskaeftigelse", "Jobcentret", 0.85),
    ("R3", 0, "barrier.it_integration", "IT-systemer", 0.7),
    ("R3", 0, "area.beskaeftigelse", "Jobcentret", 0.85),
    ("T5", 0, "area.beskaeftigelse", "jobcentret", 0.85),
]


def _source(respondent: str, kind: str, attrs: tuple[str, ...], index: int, text: str) -> Source:
    keys = ("municipality", "region", "size_group", "role")
    source_id = f"{respondent}:q{index}" if kind == "survey_answer" else respondent
    return Source(
        source_id=source_id,
        study="fixture",
        kind=kind,
        path=f"{kind}.txt",
        locator=f"row {index}",
        text=text,
        content_hash=content_hash(text),
        respondent_id=respondent,
        question_id=f"q{index}" if kind == "survey_answer" else None,
        attributes=dict(zip(keys, attrs, strict=True)),
    )


def _sentences(source: Source, start: int, end: int) -> list[Segment]:
    found, cursor = [], start
    text = source.text
    for i in range(start, end):
        if text[i] in ".?!" and (i + 1 == end or text[i + 1] in " \n"):
            found.append(slice_segment(source, kind="sentence", start=cursor, end=i + 1, codable=False))
            cursor = i + 2
    return found


def build_records() -> tuple[list[Source], list[Segment], list[CodeAssignment]]:
    """Sources, segments (units + sentences) and rule-like assignments with evidence."""
    sources, segments, units = [], [], {}
    for respondent, kind, attrs, texts in RESPONDENTS:
        for index, text in enumerate(texts):
            source = _source(respondent, kind, attrs, index, text)
            sources.append(source)
            start = text.index("D: ") + 3 if kind == "transcript" else 0
            unit = slice_segment(
                source,
                kind="turn" if kind == "transcript" else "answer",
                start=start,
                end=len(text),
                speaker_role="respondent" if kind == "transcript" else None,
            )
            units[(respondent, index)] = unit
            segments += [unit, *_sentences(source, start, len(text))]
    assignments = []
    for respondent, index, code, phrase, confidence in CODINGS:
        unit = units[(respondent, index)]
        at = unit.text.index(phrase)
        assignments.append(
            CodeAssignment(
                segment_id=unit.segment_id,
                code_id=code,
                confidence=confidence,
                method="rule",
                coder="hoi.rules.v1",
                codebook_version="small@0.1",
                evidence=(Evidence(start=at, end=at + len(phrase), text=phrase),),
            )
        )
    return sources, segments, assignments


@pytest.fixture
def study(small_codebook):
    """The fabricated study as a :class:`CodedStudy` (no workspace)."""
    from hoi_nlp.export.study import CodedStudy

    sources, segments, assignments = build_records()
    sentences: dict[str, list[Segment]] = {}
    for seg in segments:
        if seg.kind == "sentence":
            sentences.setdefault(seg.source_id, []).append(seg)
    return CodedStudy(
        codebook=small_codebook,
        sources={s.source_id: s for s in sources},
        segments=[s for s in segments if s.codable],
        assignments=assignments,
        sentences=sentences,
        name="fixture",
    )


@pytest.fixture
def key():
    """A pseudonymisation key that knows the fixture's names."""
    from hoi_nlp.privacy.key import PseudonymKey

    return PseudonymKey(
        study="fixture",
        persons={"mette hansen": 1},
        originals={"Mette Hansen": "[PERSON 1]", "Lemvig": "[KOMMUNE]"},
    )


@pytest.fixture
def redact(key):
    """A key-based redactor: replaces every original the key knows (no NER model needed)."""
    from hoi_nlp.privacy.redact import KeyRedactor

    return KeyRedactor(key)


@pytest.fixture
def guard(key, study):
    """The fixture study's leak guard."""
    from hoi_nlp.privacy.guard import LeakGuard

    return LeakGuard.for_study(key, study.codebook, study.sources.values())


def export_formats(study, out_dir, *, redact, formats, guard=None, raw=False, csv_dialect="excel",
                   workspace=None, figures=True, settings=None, embeddings=True):
    """Run the export formats' writers on a study without a workspace (what export_study does inside).

    The fixture's groups are tiny (four survey respondents, one interview): unless ``settings`` says
    otherwise, the small-cell threshold is 1 so that its counts are shown.
    """
    from hoi_nlp.export.formats import ExportContext, load_formats
    from hoi_nlp.privacy.guard import LeakGuard
    from hoi_nlp.settings import Settings

    registry = load_formats()
    guard = guard or LeakGuard.for_study(redact.key, study.codebook, study.sources.values(), raw=raw)
    settings = settings or Settings(report={"min_group_size": 1})
    ctx = ExportContext(workspace=workspace, codebook=study.codebook, settings=settings, study=study,
                        redact=redact, guard=guard, out_dir=out_dir, formats=tuple(formats), raw=raw,
                        csv_dialect=csv_dialect, embeddings=embeddings)
    if not figures:
        ctx.shared["figures"] = []
    files = []
    for name in formats:
        files += [f for f in registry.get(name)(ctx) if f not in files]
    return [guard.check_file(f) for f in files]


@pytest.fixture
def coded_workspace(tmp_path, key):
    """The fabricated study written into a fresh workspace, with its key saved."""
    from hoi_nlp.privacy.key import key_path, save_key
    from hoi_nlp.store import Workspace, replace_assignments, save_segments, save_sources

    workspace = Workspace.open(tmp_path / "fixture", study="fixture")
    sources, segments, assignments = build_records()
    save_sources(workspace, sources)
    save_segments(workspace, segments)
    replace_assignments(
        workspace, assignments, segment_ids=[s.segment_id for s in segments], coders=["hoi.rules.v1"]
    )
    save_key(key, key_path(workspace))
    return workspace


@pytest.fixture
def memo_unit(coded_workspace):
    """R2:q1's unit, accepted for area.beskaeftigelse by ana, with ana's memo on that coding (naming a
    person) and bo's memo on the unit: its segment id."""
    from hoi_nlp.review.decisions import record_decision
    from hoi_nlp.store import load_segments

    unit = next(s.segment_id for s in load_segments(coded_workspace, codable=True) if s.source_id == "R2:q1")
    record_decision(coded_workspace, segment_id=unit, action="accept", analyst="ana",
                    code_id="area.beskaeftigelse")
    record_decision(coded_workspace, segment_id=unit, action="memo", analyst="ana",
                    code_id="area.beskaeftigelse", memo="Spørg Mette Hansen om teamet")
    record_decision(coded_workspace, segment_id=unit, action="memo", analyst="bo",
                    memo="Hele svaret er uklart")
    return unit
