"""The coding stage passes each unit's context from the workspace: the interviewer's question before a
turn, a survey answer's question text, and the neighbouring units."""

from __future__ import annotations

from hoi_nlp.coding.base import CodingContext
from hoi_nlp.records import CodeAssignment
from hoi_nlp.segment import segment_source
from hoi_nlp.stages.study import code_batch, coding_contexts, coding_ledger
from hoi_nlp.store import load_segments, save_segments, save_sources
from tests.conftest import make_source

TRANSCRIPT = (
    "I: Hvordan spiller jeres IT-systemer sammen?\n"
    "D: Det gør de ikke. Hun taster det hele ind to gange.\n"
    "I: Mm.\n"
    "D: Og så er der jo økonomien, den ligger i søjlerne.\n"
    "I: Hvem er med i teamet?\n"
    "D: Jobcentret og familieafdelingen.\n"
)


class _Recording:
    """A coder that takes context and records what it was given."""

    name = "test.recording.v1"
    version = "1"
    accepts_context = True

    def __init__(self) -> None:
        self.seen: list[CodingContext | None] = []

    def code(self, segments, contexts=None):
        self.seen = list(contexts or [])
        return [
            CodeAssignment(
                segment_id=s.segment_id,
                code_id="barrier.it_integration",
                confidence=0.9,
                method="combined",
                coder=self.name,
                codebook_version="x",
            )
            for s in segments[:1]
        ]


def _study(workspace):
    transcript = make_source(TRANSCRIPT, source_id="T1", kind="transcript", respondent_id="T1")
    answer = make_source(
        "Fagsystemerne kan ikke tale sammen.", question="Hvis du vil fremhæve andre barrierer"
    )
    save_sources(workspace, [transcript, answer])
    save_segments(workspace, [seg for src in (transcript, answer) for seg in segment_source(src)])
    return load_segments(workspace, codable=True)


def test_questions_and_neighbours_come_from_the_workspace(workspace):
    units = _study(workspace)
    contexts = dict(zip([u.text for u in units], coding_contexts(workspace, units), strict=True))
    first = contexts["Det gør de ikke. Hun taster det hele ind to gange."]
    assert "Hvordan spiller jeres IT-systemer sammen?" in first.question
    assert first.neighbours == ("Og så er der jo økonomien, den ligger i søjlerne.",)
    second = contexts["Og så er der jo økonomien, den ligger i søjlerne."]
    assert "IT-systemer" in second.question and len(second.neighbours) == 2  # "Mm." is no question
    assert "teamet" in contexts["Jobcentret og familieafdelingen."].question
    survey = contexts["Fagsystemerne kan ikke tale sammen."]
    assert survey.question == "Hvis du vil fremhæve andre barrierer" and survey.neighbours == ()


def test_code_batch_hands_contexts_to_a_coder_that_takes_them(workspace, small_codebook):
    units = _study(workspace)
    coder = _Recording()
    code_batch(workspace, coder, units, codebook=small_codebook,
               ledger=coding_ledger(workspace, small_codebook, coder))
    assert len(coder.seen) == len(units) and all(isinstance(c, CodingContext) for c in coder.seen)
    assert any("IT-systemer" in c.question for c in coder.seen)



def test_a_code_the_codebook_marks_deprecated_is_not_suggested(workspace, small_codebook, tmp_path):
    # "kept for earlier codings; not offered for new coding": the rule coder still suggested it, counted
    import yaml

    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.registry import make_coder
    from hoi_nlp.settings import Settings
    from hoi_nlp.stages.study import code_texts
    from hoi_nlp.store import load_assignments
    from tests.conftest import DATA

    answer = make_source("Vores IT-systemer taler ikke sammen.", question="Andre barrierer")
    save_sources(workspace, [answer])
    save_segments(workspace, segment_source(answer))
    units = load_segments(workspace, codable=True)
    data = yaml.safe_load((DATA / "codebooks" / "small.yaml").read_text("utf-8"))
    for family in data["families"]:
        for code in family["codes"]:
            if code["id"] == "barrier.it_integration":
                code["deprecated"] = True
    (tmp_path / "retired.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    retired = load_codebook(tmp_path / "retired.yaml")
    text = [("t", "Vores IT-systemer taler ikke sammen.")]
    for codebook, expected in ((small_codebook, True), (retired, False)):
        coder = make_coder("rules", codebook, Settings())
        ledger = coding_ledger(workspace, codebook, coder)
        code_batch(workspace, coder, units, codebook=codebook, ledger=ledger)
        stored = {a.code_id for a in load_assignments(workspace)}
        coded = {a.code_id for a in code_texts(text, codebook, Settings(), coder_name="rules")}
        assert ("barrier.it_integration" in stored) is expected
        assert ("barrier.it_integration" in coded) is expected
