"""Transcripts: label forms, timestamps, continuation, header, exact offsets, docx, roles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hoi_nlp.errors import IngestError, TranscriptError
from hoi_nlp.ingest.transcript import Turn, parse_transcript, parse_turns, read_transcript
from hoi_nlp.records import Source, content_hash


def _source(text: str, **attributes: str) -> Source:
    return Source(
        source_id="K1",
        study="s",
        kind="transcript",
        path="transcripts/k1.txt",
        text=text,
        content_hash=content_hash(text),
        respondent_id="K1",
        attributes=attributes,
    )


def _spoken(source: Source, turns: list[Turn]) -> list[tuple[str, str, str | None, str]]:
    return [(t.speaker, t.speaker_role, t.timestamp, source.text[t.start : t.end]) for t in turns]


@pytest.mark.parametrize(
    ("line", "speaker", "role", "timestamp"),
    [
        ("I: Hvad er målet?", "I", "interviewer", None),
        ("Interviewer: Hvad er målet?", "Interviewer", "interviewer", None),
        ("Int.: Hvad er målet?", "Int.", "interviewer", None),
        ("Intervieweren: Hvad er målet?", "Intervieweren", "interviewer", None),
        ("D: Hvad er målet?", "D", "respondent", None),
        ("Direktør: Hvad er målet?", "Direktør", "respondent", None),
        ("Respondent: Hvad er målet?", "Respondent", "respondent", None),
        ("[00:12:34] I: Hvad er målet?", "I", "interviewer", "00:12:34"),
        ("(00:12) I: Hvad er målet?", "I", "interviewer", "00:12"),
        ("00:12:34 I: Hvad er målet?", "I", "interviewer", "00:12:34"),
        ("I [00:12:34]: Hvad er målet?", "I", "interviewer", "00:12:34"),
        ("I (00:12): Hvad er målet?", "I", "interviewer", "00:12"),
        ("I: [00:12:34] Hvad er målet?", "I", "interviewer", "00:12:34"),
        ("I: 00:12:34 Hvad er målet?", "I", "interviewer", "00:12:34"),
        ("  [00:12:34.5] - I: Hvad er målet?", "I", "interviewer", "00:12:34.5"),
    ],
)
def test_label_forms_and_timestamps(line: str, speaker: str, role: str, timestamp: str | None) -> None:
    source = _source(f"Interview 3\n{line}\nD: Svaret.")
    turns = parse_turns(source)
    assert _spoken(source, turns)[0] == (speaker, role, timestamp, "Hvad er målet?")
    assert _spoken(source, turns)[1] == ("D", "respondent", None, "Svaret.")


def test_names_need_two_turns_and_keep_full_name(helpers: object) -> None:
    text = (helpers.DATA / "interview_names.txt").read_text(encoding="utf-8")
    source = _source(text)
    turns = parse_turns(source)
    assert [t.speaker for t in turns] == ["Anne", "Henrik Madsen", "Anne", "Henrik Madsen", "Anne"]
    assert source.text[turns[1].start : turns[1].end] == (
        "Ja. Budgetterne ligger stadig i søjlerne, og det er en barriere.\n"
        "Det betyder at den, der betaler, ikke får gevinsten."
    )
    assert {t.speaker_role for t in turns} == {"respondent"}  # unknown names: respondent by default
    roles = parse_turns(source, interviewer_speakers="Anne", respondent_speakers="Henrik Madsen")
    assert [t.speaker_role for t in roles] == ["interviewer", "respondent"] * 2 + ["interviewer"]


def test_roles_come_from_source_attributes_when_not_given() -> None:
    source = _source(
        "Anne: Spørgsmål?\nBo: Svar.\nAnne: Tak.\nBo: Selv tak.", interviewer_speakers="Anne|Mads"
    )
    assert [t.speaker_role for t in parse_turns(source)] == ["interviewer", "respondent"] * 2


def test_header_is_kept_in_text_but_not_a_turn_and_continuations_join(helpers: object) -> None:
    path = helpers.DATA / "interview_timestamps.txt"
    source, turns = read_transcript(path, study="s", display="transcripts/interview_timestamps.txt")
    assert source.text.startswith("Interview med direktør, Testkommune\nDato: 4. april 2024\n")
    assert all(t.speaker != "Dato" for t in turns)
    assert _spoken(source, turns) == [
        ("I", "interviewer", "00:00:05", "Velkommen, og tak fordi du ville være med."),
        (
            "D",
            "respondent",
            "00:00:09",
            "Selv tak. Jeg er kommunaldirektør i en mellemstor kommune.\n"
            "Vi har arbejdet med helhedsorienterede indsatser siden 2021.",
        ),
        ("I", "interviewer", "00:01", "Hvad er jeres målgruppe?"),
        ("D", "respondent", "00:01:20", "Familier med komplekse udfordringer, og så de udsatte unge."),
        ("I", "interviewer", "00:02:45", "Hvordan er det organiseret?"),
        (
            "D",
            "respondent",
            "00:03:10",
            "Vi har et fast tværgående team, der mødes hver uge.\n"
            "Teamet har egen leder – men ikke eget budget.",
        ),
    ]
    assert [t.index for t in turns] == list(range(6))


def test_label_alone_on_its_line_starts_at_the_next_paragraph() -> None:
    source = _source("Interviewer:\nHvordan går det?\n\nRespondent:\nGodt.\nMeget godt.")
    assert [source.text[t.start : t.end] for t in parse_turns(source)] == [
        "Hvordan går det?",
        "Godt.\nMeget godt.",
    ]


def test_prose_with_colons_is_not_a_turn() -> None:
    source = _source("I: Hvad er barriererne?\nD: Der er to ting:\nFx: økonomien. Men: også IT.\nI: Tak.")
    turns = parse_turns(source)
    assert [t.speaker for t in turns] == ["I", "D", "I"]
    assert source.text[turns[1].start : turns[1].end] == "Der er to ting:\nFx: økonomien. Men: også IT."


def test_no_turns_names_the_file_and_first_paragraphs() -> None:
    with pytest.raises(TranscriptError, match=r"transcripts/k1\.txt.*'Referat af mødet' \| 'Vi talte om"):
        parse_turns(_source("Referat af mødet\nVi talte om økonomi.\nDato: i går"))


def test_docx_bold_labels_tables_and_order(docx_factory: Callable[..., Path]) -> None:
    path = docx_factory(
        "k2.docx",
        [
            "Interview 2",
            ("Interviewer", "Hvem er målgruppen?"),
            ("Direktør [00:01:02]", "Udsatte unge."),
            "Og voksne med flere sager.",
            "Interviewer: Tak.",
        ],
        table_rows=[["I", "Et spørgsmål mere fra tabellen?"], ["D:", "Et svar i tabellen."]],
    )
    source, turns = read_transcript(path, study="s", display="transcripts/k2.docx")
    assert source.text.split("\n")[0] == "Interview 2"
    assert _spoken(source, turns) == [
        ("Interviewer", "interviewer", None, "Hvem er målgruppen?"),
        ("Direktør", "respondent", "00:01:02", "Udsatte unge.\nOg voksne med flere sager."),
        ("Interviewer", "interviewer", None, "Tak."),
        ("I", "interviewer", None, "Et spørgsmål mere fra tabellen?"),
        ("D", "respondent", None, "Et svar i tabellen."),
    ]


def test_docx_text_is_normalised_before_turns_are_parsed(docx_factory: Callable[..., Path]) -> None:
    path = docx_factory("k3.docx", ["I:\u00a0Hvad\u200b med Ã¸konomien?  ", "D: Den er stram."])
    source, turns = read_transcript(
        path, study="s", display="k3.docx", interview_id="K3", attributes={"role": "Direktør"}
    )
    assert source.source_id == source.respondent_id == "K3" and source.attributes == {"role": "Direktør"}
    assert source.text[turns[0].start : turns[0].end] == "Hvad med økonomien?"
    assert parse_turns(source) == turns


def test_cp1252_txt_transcript(tmp_path: Path) -> None:
    path = tmp_path / "k4.txt"
    path.write_bytes("I: Hvordan går det på tværs?\r\nD: Økonomien følger søjlerne.\r\n".encode("cp1252"))
    source, turns = read_transcript(path, study="s", display="k4.txt")
    assert source.text == "I: Hvordan går det på tværs?\nD: Økonomien følger søjlerne."
    assert source.source_id == "k4" and len(turns) == 2


def _run(text: str, *, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{text}</w:t></w:r>'


def test_docx_reads_tracked_changes_accepted_and_content_controls(tmp_path: Path, helpers: object) -> None:
    body = (
        f"<w:p>{_run('I:', bold=True)}{_run(' Er økonomien en barriere?')}</w:p>"
        f"<w:p>{_run('D:', bold=True)}{_run(' Vi har')}"
        f'<w:ins w:id="1" w:author="T">{_run(" IKKE")}</w:ins>'
        f'<w:del w:id="2" w:author="T"><w:r><w:delText> SLETTET Per Hansen</w:delText></w:r></w:del>'
        f"{_run(' fået')}"
        f'<w:moveFrom w:id="3" w:author="T">{_run(" FLYTTET-FRA")}</w:moveFrom>'
        f'<w:ins w:id="4" w:author="T">{_run(" økonomien til at hænge sammen")}</w:ins>'
        f'<w:moveTo w:id="5" w:author="T">{_run(" på tværs")}</w:moveTo>'
        f"<w:sdt><w:sdtPr><w:alias w:val='X'/></w:sdtPr><w:sdtContent>{_run(' i')}</w:sdtContent></w:sdt>"
        f'<w:hyperlink w:anchor="x">{_run(" kommunen")}</w:hyperlink>'
        f'<w:smartTag w:uri="u" w:element="place">{_run(" Fanø")}</w:smartTag>'
        f'<w:fldSimple w:instr=" DATE ">{_run(" i dag")}</w:fldSimple>'
        f'<w:commentRangeStart w:id="0"/>{_run(".")}<w:commentRangeEnd w:id="0"/>'
        f'<w:r><w:commentReference w:id="0"/></w:r></w:p>'
        f"<w:sdt><w:sdtPr/><w:sdtContent><w:p>{_run('I:', bold=True)}{_run(' Tak.')}</w:p>"
        f"</w:sdtContent></w:sdt>"
        f"<w:p><w:ins w:id=\"6\" w:author=\"T\">{_run('D', bold=True)}{_run(' Selv tak.')}</w:ins></w:p>"
    )
    path = helpers.make_docx_xml(tmp_path / "tracked.docx", body)
    source, turns = read_transcript(path, study="s", display="transcripts/tracked.docx")
    assert _spoken(source, turns) == [
        ("I", "interviewer", None, "Er økonomien en barriere?"),
        ("D", "respondent", None,
         "Vi har IKKE fået økonomien til at hænge sammen på tværs i kommunen Fanø i dag."),
        ("I", "interviewer", None, "Tak."),
        ("D", "respondent", None, "Selv tak."),
    ]
    assert "SLETTET" not in source.text and "FLYTTET" not in source.text


CO_INTERVIEWER = (
    "I: Velkommen til interviewet.\n"
    "D: Tak. Vi har arbejdet med helhedsorienterede indsatser siden 2019.\n"
    "Mads: Må jeg spørge ind til økonomien på tværs af forvaltningerne?\n"
    "D: Økonomien ligger i søjlerne.\n"
    "Mads: Hvordan har I så løst det i praksis?\n"
    "D: Vi har lavet en fælles pulje."
)


def test_turn_of_a_speaker_the_listed_speakers_leave_out_is_an_error() -> None:
    source = _source(CO_INTERVIEWER, interviewer_speakers="I", respondent_speakers="D")
    with pytest.raises(TranscriptError) as caught:
        parse_turns(source)
    message = str(caught.value)
    assert "transcripts/k1.txt (line 3): turn 3 has the speaker label 'Mads'" in message
    assert "interviewer_speakers (I)" in message and "respondent_speakers (D)" in message
    assert "add 'Mads' to interviewer_speakers" in message and "metadata.csv" in message
    listed = _source(CO_INTERVIEWER, interviewer_speakers="I|Mads", respondent_speakers="D")
    assert [t.speaker_role for t in parse_turns(listed)] == ["interviewer", "respondent"] * 3


def test_unknown_speaker_without_complete_lists_is_coded_as_respondent_with_a_warning() -> None:
    parsed = parse_transcript(_source(CO_INTERVIEWER, interviewer_speakers="I"))
    respondent = [t.speaker for t in parsed.turns if t.speaker_role == "respondent"]
    assert respondent == ["D", "Mads", "D", "Mads", "D"]
    assert parsed.warnings == [
        "transcripts/k1.txt: speaker 'Mads' (turns 3, 5) is in neither interviewer_speakers nor "
        "respondent_speakers, so its turns are treated as the respondent's and coded; if 'Mads' is an "
        "interviewer, add it to interviewer_speakers in metadata.csv"
    ]


def test_one_off_speaker_line_kept_in_the_previous_turn_is_warned_about() -> None:
    source = _source(
        "I: Kan du beskrive samarbejdet med regionen?\n"
        "R: Det går bedre nu.\n"
        "Borgmester: Må jeg lige tilføje, at byrådet har bakket op hele vejen?\n"
        "Indsats: Budget\n"
        "I: Selvfølgelig."
    )
    parsed = parse_transcript(source)
    assert [t.speaker for t in parsed.turns] == ["I", "R", "I"]
    assert len(parsed.warnings) == 1  # the table-like line 'Indsats: Budget' is not worth one
    assert parsed.warnings[0].startswith(
        "transcripts/k1.txt (line 3): 'Borgmester:' looks like a speaker label, but 'Borgmester' is no "
        "known speaker and starts only this line, so the line is kept in the turn of 'R' (line 2) as the "
        "respondent's words; if 'Borgmester' speaks here, add it to interviewer_speakers"
    )


def test_docx_bold_label_alone_in_its_paragraph_starts_a_turn(docx_factory: Callable[..., Path]) -> None:
    path = docx_factory(
        "bold_alone.docx",
        [("Interviewer", ""), "Hvordan er samarbejdet med jobcentret?", ("Direktør", ""),
         "Samarbejdet er blevet meget bedre.", "Interviewer: Tak for det.", ("Direktør", ""), "Selv tak."],
    )
    attributes = {"interviewer_speakers": "Interviewer", "respondent_speakers": "Direktør"}
    source, turns = read_transcript(path, study="s", display="bold_alone.docx", attributes=attributes)
    assert _spoken(source, turns) == [
        ("Interviewer", "interviewer", None, "Hvordan er samarbejdet med jobcentret?"),
        ("Direktør", "respondent", None, "Samarbejdet er blevet meget bedre."),
        ("Interviewer", "interviewer", None, "Tak for det."),
        ("Direktør", "respondent", None, "Selv tak."),
    ]


def test_label_alone_without_colon_of_a_speaker_of_the_file_starts_a_turn() -> None:
    source = _source(
        "Interviewer: Hvem er med?\nDirektør: Mig.\nInterviewer\nTak for det.\nDirektør: Selv tak."
    )
    assert _spoken(source, parse_turns(source))[2] == ("Interviewer", "interviewer", None, "Tak for det.")


@pytest.mark.parametrize("listed", [True, False])
def test_word_transcription_layout_timestamp_and_label_then_text(listed: bool) -> None:
    text = (
        "00:00:00 Taler 1\nHvordan er samarbejdet?\n\n00:00:05 Taler 2\nDet er blevet bedre.\n\n"
        "00:00:09 Taler 1\nOg økonomien?\n\n00:00:15 Taler 2\nDen ligger i søjlerne."
    )
    attributes = {"interviewer_speakers": "Taler 1", "respondent_speakers": "Taler 2"} if listed else {}
    source = _source(text, **attributes)
    spoken = _spoken(source, parse_turns(source))
    assert [(speaker, timestamp, words) for speaker, _, timestamp, words in spoken] == [
        ("Taler 1", "00:00:00", "Hvordan er samarbejdet?"),
        ("Taler 2", "00:00:05", "Det er blevet bedre."),
        ("Taler 1", "00:00:09", "Og økonomien?"),
        ("Taler 2", "00:00:15", "Den ligger i søjlerne."),
    ]
    # unlisted, «Taler 1» is the interviewer as the one who asks the questions (a warning says so)
    assert [role for _, role, _, _ in spoken] == ["interviewer", "respondent"] * 2


def test_ordinary_short_lines_are_never_taken_for_bare_labels() -> None:
    source = _source(
        "Indledning\nI: Hvordan går det?\nD: Godt.\nAnne\nJa\nSøren Kierkegaard\nmen også økonomien.\n"
        "Indledning\nI: Tak."
    )
    turns = parse_turns(source)
    assert [t.speaker for t in turns] == ["I", "D", "I"]
    assert source.text[turns[1].start : turns[1].end] == (
        "Godt.\nAnne\nJa\nSøren Kierkegaard\nmen også økonomien.\nIndledning"
    )


def test_no_turns_hint_says_the_expected_layout_when_the_labels_are_listed() -> None:
    source = _source(
        "Referat\nInterviewer - Hvordan går det?\nDirektør - Godt.",
        interviewer_speakers="Interviewer",
        respondent_speakers="Direktør",
    )
    with pytest.raises(TranscriptError) as caught:
        parse_turns(source)
    message = str(caught.value)
    assert "the speaker labels listed in metadata.csv (Interviewer, Direktør) start no line" in message
    assert "a colon ('I: ...'" in message and "'00:00:05 Taler 1'" in message
    assert "or list the labels in metadata.csv" not in message


def test_timestamp_alone_on_its_line_is_the_next_turns_timestamp() -> None:
    source = _source(
        "[00:00:05]\nI: Hvordan er samarbejdet?\n[00:00:12]\nD: Det er blevet bedre.\n(00:01:00)\n"
        "I:\n00:01:02\nOg økonomien?\nD: Den ligger i søjlerne.\n[00:01:30]\nOg sådan er det."
    )
    assert _spoken(source, parse_turns(source)) == [
        ("I", "interviewer", "00:00:05", "Hvordan er samarbejdet?"),
        ("D", "respondent", "00:00:12", "Det er blevet bedre."),
        ("I", "interviewer", "00:01:00", "Og økonomien?"),
        ("D", "respondent", None, "Den ligger i søjlerne."),
        ("D", "respondent", "00:01:30", "Og sådan er det."),  # a timestamp is never in a turn's words
    ]


def test_a_short_answer_under_a_timestamp_is_no_speaker_label() -> None:
    """A table's speaker cell is read after its time cell; a «Ja.» or «Okay» under a timestamp inside a
    turn, twice, is words, not a speaker."""
    source = _source(
        "I: Hvad er målet?\nD: Vi har et fast team.\n[00:01:30]\nJa.\nDet virker.\nI: Og så?\n"
        "D: Det er godt.\n[00:02:30]\nOkay\nTak.\nI: Og?\nD: Nej.\n[00:03:00]\nOkay\nmere."
    )
    assert [(speaker, words) for speaker, _, _, words in _spoken(source, parse_turns(source))] == [
        ("I", "Hvad er målet?"), ("D", "Vi har et fast team."), ("D", "Ja.\nDet virker."), ("I", "Og så?"),
        ("D", "Det er godt."), ("D", "Okay\nTak."), ("I", "Og?"), ("D", "Nej."), ("D", "Okay\nmere."),
    ]


def test_a_timestamp_inside_a_turn_starts_a_turn_of_the_same_speaker() -> None:
    source = _source(
        "I: Hvordan er samarbejdet?\nD: Det er blevet bedre.\n[00:01:30] Og økonomien følger søjlerne.\n"
        "Det er svært.\n00:02:10 - Men vi arbejder på det.\nI:\n[00:02:40] Tak.\nD: Selv tak."
    )
    assert _spoken(source, parse_turns(source)) == [
        ("I", "interviewer", None, "Hvordan er samarbejdet?"),
        ("D", "respondent", None, "Det er blevet bedre."),
        ("D", "respondent", "00:01:30", "Og økonomien følger søjlerne.\nDet er svært."),
        ("D", "respondent", "00:02:10", "Men vi arbejder på det."),
        ("I", "interviewer", "00:02:40", "Tak."),
        ("D", "respondent", None, "Selv tak."),
    ]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_txt_transcript_with_bom(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "int_d.txt"
    text = "I: Hvad er jeres største barriere?\r\nD: Økonomien – den følger søjlerne.\r\n"
    path.write_bytes("\ufeff".encode(encoding) + text.encode(encoding))  # as Notepad's "Unicode" saves
    source, turns = read_transcript(path, study="s", display="transcripts/int_d.txt")
    assert source.text == "I: Hvad er jeres største barriere?\nD: Økonomien – den følger søjlerne."
    assert [t.speaker for t in turns] == ["I", "D"]


def test_damaged_utf16_txt_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "int_e.txt"
    path.write_bytes("\ufeffI: Hej".encode("utf-16-le") + b"\x00")  # an odd byte at the end
    with pytest.raises(IngestError, match=r"int_e\.txt: the file starts like UTF-16 text but is damaged"):
        read_transcript(path, study="s", display="int_e.txt")


def test_a_listed_label_typed_in_lower_case_starts_its_turns() -> None:
    """A transcriber typing the listed "KJ" as "kj:" must not have the respondent's every turn merged
    into the interviewer's (nothing of the interview was coded)."""
    text = ("I: Hvad er det sværeste ved jeres indsats?\n"
            "kj: Det er at få økonomien til at hænge sammen på tværs.\n"
            "I: Tak.\n"
            "[00:12:01] kj: Og IT-systemerne taler ikke sammen.\n")
    turns = parse_turns(_source(text, interviewer_speakers="I", respondent_speakers="KJ"))
    assert [(t.speaker, t.speaker_role) for t in turns] == [
        ("I", "interviewer"), ("kj", "respondent"), ("I", "interviewer"), ("kj", "respondent")]
    assert turns[3].timestamp == "00:12:01"
    prose = parse_turns(_source("I: Hvad så?\nKJ: Jo, altså: det er svært.\n", interviewer_speakers="I",
                                respondent_speakers="KJ"))
    assert [t.speaker for t in prose] == ["I", "KJ"]


def test_an_interview_with_no_respondent_turn_is_warned_about() -> None:
    parsed = parse_transcript(_source("I: Hvad er det sværeste?\nI: Og hvad så?\n", interviewer_speakers="I"))
    expected = "every turn is the interviewer's (I), so nothing in it will be coded"
    assert any(expected in warning for warning in parsed.warnings)
