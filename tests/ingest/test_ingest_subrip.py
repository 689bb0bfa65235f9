"""SubRip subtitle transcripts (.srt), as Word's, Premiere's, Descript's and Whisper-based transcription
tools export them, walked through ``hoi run`` (a subprocess): a speaker's consecutive cues are one turn,
its words an exact slice of the stored text without cue numbers or timings; a file that names no
speaker is refused with an error naming it, as a .vtt without voices is."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hoi_nlp.ingest.transcript import read_transcript_parsed

TURNS = [
    ("Mette Skov", ["Hvordan er indsatsen", "organiseret hos jer?"]),
    ("Henrik Bjerregaard", ["Vi har et fast tværgående team,", "der mødes hver uge om familierne."]),
    ("Mette Skov", ["Hvad er de største barrierer?"]),
    ("Henrik Bjerregaard", ["Økonomien følger søjlerne,", "og IT-systemerne taler ikke sammen."]),
]


def _srt(turns: list[tuple[str, list[str]]], *, speaker: str) -> str:
    """Cues as the tools write them: a number, ``hh:mm:ss,mmm --> hh:mm:ss,mmm``, the words (a cue's
    words may take two lines); ``speaker``: «Navn: » on every cue, «[Navn] » where the turn changes,
    or none (Whisper)."""
    blocks, number = [], 0
    for name, cues in turns:
        for part, words in enumerate(cues):
            number += 1
            start, end = f"00:00:{number * 3:02d},250", f"00:00:{number * 3 + 2:02d},900"
            if speaker == "colon":
                words = f"{name}: {words}"
            elif speaker == "bracket" and part == 0:
                words = f"[{name}] {words}"
            words = words.replace(" hos ", "\nhos ")  # a cue's second line
            blocks.append(f"{number}\n{start} --> {end}\n{words}")
    return "\r\n".join("\n\n".join(blocks).split("\n")) + "\r\n\r\n"


def _hoi(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "hoi_nlp.cli", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=300)


def _study(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "studie" / "transcripts"
    folder.mkdir(parents=True)
    (folder / name).write_text(text, encoding="utf-8-sig")
    (folder / "metadata.csv").write_text(
        f"file,municipality,role,interviewer\n{name},Skive,Kommunaldirektør,Mette Skov\n", encoding="utf-8")
    return folder / name


@pytest.mark.parametrize(("speaker", "name"), [("colon", "interview_skive.srt"),
                                               ("bracket", "interview_skive.srt"),
                                               ("colon", "saved_as_text.txt")])
def test_a_subrip_transcript_is_read_and_coded_through_hoi_run(tmp_path: Path, speaker: str,
                                                               name: str) -> None:
    path = _study(tmp_path, name, _srt(TURNS, speaker=speaker))
    ran = _hoi("run", "studie", "--coder", "rules", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert f"transcripts/{name}: 4 turns" in ran.stdout and "not read" not in ran.stderr

    source, parsed = read_transcript_parsed(path, study="studie", display=f"transcripts/{name}",
                                            attributes={"interviewer": "Mette Skov"})
    read = [(turn.speaker, turn.speaker_role, turn.timestamp, source.text[turn.start : turn.end])
            for turn in parsed.turns]
    assert read == [("Mette Skov", "interviewer", "00:00:03", "Hvordan er indsatsen organiseret hos jer?"),
                    ("Henrik Bjerregaard", "respondent", "00:00:09",
                     "Vi har et fast tværgående team, der mødes hver uge om familierne."),
                    ("Mette Skov", "interviewer", "00:00:15", "Hvad er de største barrierer?"),
                    ("Henrik Bjerregaard", "respondent", "00:00:18",
                     "Økonomien følger søjlerne, og IT-systemerne taler ikke sammen.")]
    assert "-->" not in source.text and ",250" not in source.text
    with (tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv").open(
            encoding="utf-8-sig", newline="") as handle:
        segments = list(csv.DictReader(handle))
    assert {row["speaker_role"] for row in segments} == {"respondent"}
    assert any("fast tværgående team" in row["text"] for row in segments)


def test_whisper_speaker_ids_are_speakers_the_metadata_can_name(tmp_path: Path) -> None:
    """WhisperX writes «[SPEAKER_00]: …»; metadata.csv may name them as written."""
    turns = [("SPEAKER_00" if name == "Mette Skov" else "SPEAKER_01", cues) for name, cues in TURNS]
    text = _srt(turns, speaker="bracket").replace("] ", "]: ")
    path = _study(tmp_path, "whisper.srt", text)
    source, parsed = read_transcript_parsed(path, study="studie", display="transcripts/whisper.srt",
                                            attributes={"interviewer_speakers": "SPEAKER_00"})
    assert [(turn.speaker_role, source.text[turn.start : turn.end]) for turn in parsed.turns][:2] == [
        ("interviewer", "Hvordan er indsatsen organiseret hos jer?"),
        ("respondent", "Vi har et fast tværgående team, der mødes hver uge om familierne.")]


@pytest.mark.parametrize("name", ["whisper.srt", "teams.vtt"])
def test_a_subtitle_file_without_speakers_is_refused_with_an_error_naming_it(tmp_path: Path,
                                                                              name: str) -> None:
    text = _srt(TURNS, speaker="none")
    if name.endswith(".vtt"):
        text = "WEBVTT\n\n" + text.replace(",250", ".250").replace(",900", ".900")
    _study(tmp_path, name, text)
    ran = _hoi("ingest", "studie", cwd=tmp_path)
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    assert f"transcripts/{name}: no cue of the" in ran.stderr
    assert "names its speaker" in ran.stderr
    assert "export the transcript again with speaker names" in ran.stderr


def test_a_cue_timing_that_cannot_be_read_is_refused_naming_its_line(tmp_path: Path) -> None:
    text = _srt(TURNS, speaker="colon").replace("00:00:09,250 --> 00:00:11,900", "00:00:09,250 --> ")
    _study(tmp_path, "interview.srt", text)
    ran = _hoi("ingest", "studie", cwd=tmp_path)
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    assert "transcripts/interview.srt (line 11): a cue's timing line cannot be read" in ran.stderr
    assert "00:00:01,000 --> 00:00:04,000" in ran.stderr


def test_a_sound_in_square_brackets_is_no_speaker() -> None:
    from hoi_nlp.ingest.subtitles import subrip_text

    cues = ["[Mette Skov] Hvordan er indsatsen organiseret?", "[Henrik Bjerregaard] Vi har et fast team.",
            "[Latter] Ja, det er rigtigt.", "[Mette Skov] Og barrierer?", "[Henrik Bjerregaard] Økonomien.",
            "[Latter] Sådan er det."]
    text = subrip_text("\n\n".join(f"{number}\n00:00:0{number},000 --> 00:00:0{number},900\n{cue}"
                                    for number, cue in enumerate(cues, start=1)), display="x.srt")
    assert text.splitlines() == [
        "[00:00:01] Mette Skov: Hvordan er indsatsen organiseret?",
        "[00:00:02] Henrik Bjerregaard: Vi har et fast team. [Latter] Ja, det er rigtigt.",
        "[00:00:04] Mette Skov: Og barrierer?",
        "[00:00:05] Henrik Bjerregaard: Økonomien. [Latter] Sådan er det."]


def _cues_srt(cues: list[str]) -> str:
    return "\n\n".join(f"{number}\n00:00:{number * 3:02d},000 --> 00:00:{number * 3 + 2:02d},500\n{cue}"
                       for number, cue in enumerate(cues, start=1)) + "\n"


def test_a_cue_of_two_speakers_dialogue_lines_is_two_turns_through_hoi_run(tmp_path: Path) -> None:
    """«- Mette Skov: Hvem sidder med?» / «- Henrik Bjerregaard: Jobcentret, …» in one cue was one turn
    of the interviewer's, the answer in it not coded; a dash line without a name is the other speaker's."""
    cues = ["Mette Skov: Hvordan er indsatsen organiseret?", "Henrik Bjerregaard: Vi har et fast team.",
            "- Mette Skov: Hvem sidder med?\n- Henrik Bjerregaard: Jobcentret, familieafdelingen og "
            "sundhedsplejen.",
            "Mette Skov: Og barriererne?\n- Det er økonomien, der følger søjlerne.",
            "Henrik Bjerregaard: Og IT-systemerne taler ikke sammen."]
    path = _study(tmp_path, "interview.srt", _cues_srt(cues))
    ran = _hoi("run", "studie", "--coder", "rules", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    with (tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv").open(
            encoding="utf-8-sig", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert any("familieafdelingen og sundhedsplejen" in text for text in texts)
    assert any("økonomien, der følger søjlerne" in text for text in texts)
    assert not any("Hvem sidder med" in text or "Og barriererne" in text for text in texts)

    source, parsed = read_transcript_parsed(path, study="studie", display="transcripts/interview.srt",
                                            attributes={"interviewer": "Mette Skov"})
    assert [(turn.speaker, source.text[turn.start : turn.end]) for turn in parsed.turns][2:] == [
        ("Mette Skov", "Hvem sidder med?"),
        ("Henrik Bjerregaard", "Jobcentret, familieafdelingen og sundhedsplejen."),
        ("Mette Skov", "Og barriererne?"),
        ("Henrik Bjerregaard", "Det er økonomien, der følger søjlerne. Og IT-systemerne taler ikke sammen.")]


def test_a_dialogue_line_without_a_name_among_three_speakers_is_refused_naming_its_cue(
        tmp_path: Path) -> None:
    cues = ["Mette Skov: Hvordan er indsatsen organiseret?", "Henrik Bjerregaard: Vi har et fast team.",
            "Lone Berg: Og sundhedsplejen er med.", "Mette Skov: Og barriererne?\n- Det er økonomien.",
            "Henrik Bjerregaard: Og IT.", "Lone Berg: Ja, IT."]
    _study(tmp_path, "interview.srt", _cues_srt(cues))
    ran = _hoi("ingest", "studie", cwd=tmp_path)
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    message = " ".join(ran.stderr.split())
    assert ("transcripts/interview.srt (the cue at 00:00:12): the SubRip (.srt) cue at 00:00:12 holds a "
            "dialogue line of another speaker than 'Mette Skov' without the speaker's name ('- Det er "
            "økonomien.')") in message
    assert "write the speaker's name after the dash" in message


def test_position_and_style_tags_are_no_words() -> None:
    """SubRip's «{\\an8}» (a subtitle at the top) stayed as «An8» in front of the speaker's name, so the
    speaker was not read and the turn went to the speaker before."""
    from hoi_nlp.ingest.subtitles import subrip_text

    text = subrip_text(_cues_srt(["<i>Mette Skov:</i> Hvordan er indsatsen organiseret?",
                                  "<i>Henrik Bjerregaard: Vi har et fast team.</i>",
                                  "<font color=\"#ffff00\">Mette Skov:</font> Og barriererne?",
                                  "{\\an8}Henrik Bjerregaard: Økonomien følger søjlerne."]), display="x.srt")
    assert text.splitlines()[3] == "[00:00:12] Henrik Bjerregaard: Økonomien følger søjlerne."


def test_a_phrase_before_a_colon_at_turn_changes_is_no_speaker(tmp_path: Path) -> None:
    """A Whisper file without speakers, whose words say «Kort sagt: …» and «Spørgsmålet er: …» twice
    each, was read with the speakers 'Kort Sagt' and 'Spørgsmålet Er' (the opening answer dropped, the
    words changed) instead of refused; names of persons written only where the turn changes still are
    speakers."""
    cues = ["Hvordan er indsatsen organiseret hos jer?", "Vi har et fast tværgående team.",
            "Kort sagt: det virker.", "Hvad er de største barrierer?", "Spørgsmålet er: hvem betaler?",
            "Økonomien følger søjlerne.", "Kort sagt: søjlerne.", "Og hvad er jeres mål?",
            "Spørgsmålet er: hvad kan vi måle?", "Flere i job."]
    _study(tmp_path, "whisper.srt", _cues_srt(cues))
    ran = _hoi("ingest", "studie", cwd=tmp_path)
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    assert "transcripts/whisper.srt: no cue of the SubRip (.srt) file names its speaker" in " ".join(
        ran.stderr.split())

    from hoi_nlp.ingest.subtitles import subrip_text

    named = ["Mette: Hvordan er indsatsen organiseret?", "Henrik: Vi har et fast team,",
             "der mødes hver uge.", "Mette: Og barriererne?", "Henrik: Økonomien,", "kort sagt: søjlerne."]
    assert subrip_text(_cues_srt(named), display="x.srt").splitlines() == [
        "[00:00:03] Mette: Hvordan er indsatsen organiseret?",
        "[00:00:06] Henrik: Vi har et fast team, der mødes hver uge.",
        "[00:00:12] Mette: Og barriererne?",
        "[00:00:15] Henrik: Økonomien, kort sagt: søjlerne."]


def test_a_phrase_once_among_speakers_on_every_cue_stays_words_as_written() -> None:
    from hoi_nlp.ingest.subtitles import subrip_text

    cues = ["Mette Skov: Hvordan er indsatsen organiseret?", "Henrik Bjerregaard: Vi har et fast team.",
            "Mette Skov: Og barriererne?", "Henrik Bjerregaard: Økonomien.", "Kort sagt: søjlerne.",
            "Mette Skov: Tak."]
    assert subrip_text(_cues_srt(cues), display="x.srt").splitlines()[3] == (
        "[00:00:12] Henrik Bjerregaard: Økonomien. Kort sagt: søjlerne.")


@pytest.mark.parametrize(("asks", "answers"), [("Thuy", "Jens-Ole"), ("Leder", "Sagsbehandler")])
def test_names_our_lists_lack_written_where_the_turn_changes_are_speakers(asks: str, answers: str) -> None:
    """A read-through found speakers written only where the turn changes refused when a name was in no list
    of ours («Thuy», «Jens-Ole», roles such as «Sagsbehandler»), and a third such speaker merged into the
    turn before: a capitalised label the file writes as its speakers' is one."""
    from hoi_nlp.ingest.subtitles import subrip_text

    cues = [f"{asks}: Hvordan er indsatsen organiseret?", "Fortæl gerne.", f"{answers}: Vi har et fast team,",
            "der mødes hver uge.", f"{asks}: Hvad er barriererne?", f"{answers}: Økonomien.",
            "Borgmester: Og budgettet er for lille.", f"{asks}: Tak."]
    assert [line.split("] ")[1].split(":")[0] for line in subrip_text(_cues_srt(cues), display="x.srt")
            .splitlines()] == [asks, answers, asks, answers, "Borgmester", asks]


def test_subtitles_without_cue_numbers_saved_as_text_are_read_as_subtitles(tmp_path: Path) -> None:
    """A tool that leaves out the cue numbers, the file saved as .txt: it was read as a plain transcript,
    each cue's timing line («00:00:06,250 --> 00:00:08,900») ending up inside the coded turns."""
    text = "\n".join(line for line in _srt(TURNS, speaker="colon").replace("\r\n", "\n").split("\n")
                     if not line.strip().isdigit())
    path = _study(tmp_path, "interview.txt", text)
    ran = _hoi("run", "studie", "--coder", "rules", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    source, parsed = read_transcript_parsed(path, study="studie", display="transcripts/interview.txt",
                                            attributes={"interviewer": "Mette Skov"})
    assert [source.text[turn.start : turn.end] for turn in parsed.turns][1] == (
        "Vi har et fast tværgående team, der mødes hver uge om familierne.")
    assert "-->" not in source.text
    with (tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv").open(
            encoding="utf-8-sig", newline="") as handle:
        assert not any("-->" in row["text"] for row in csv.DictReader(handle))


@pytest.mark.parametrize("name", ["interview.srt", "interview.vtt"])
def test_a_respondent_who_answers_in_one_turn_is_coded(tmp_path: Path, name: str) -> None:
    """The director's consecutive cues are joined into one turn line, so the name started one line
    only; the parser took a name once for no speaker and kept the whole answer in the interviewer's
    turn: nothing in the file was coded. A phrase before a colon there stays words."""
    cues = ["Mette Skov: Hvordan er indsatsen organiseret, og hvad er barriererne?",
            "Henrik Bjerregaard: Vi har et fast tværgående team,",
            "Henrik Bjerregaard: og økonomien følger søjlerne,",
            "Henrik Bjerregaard: så IT-systemerne taler ikke sammen.", "Mette Skov: Tak for det."]
    text = _cues_srt(cues)
    if name.endswith(".vtt"):
        text = "WEBVTT\n\n" + text.replace(",000", ".000").replace(",500", ".500")
    path = _study(tmp_path, name, text)
    ran = _hoi("run", "studie", "--coder", "rules", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    with (tmp_path / "outputs" / "studie" / "exports" / "coded_dataset_segments.csv").open(
            encoding="utf-8-sig", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    assert any("fast tværgående team" in text for text in texts)
    assert not any("Hvordan er indsatsen" in text for text in texts)
    source, parsed = read_transcript_parsed(path, study="studie", display=f"transcripts/{name}",
                                            attributes={"interviewer": "Mette Skov"})
    assert [(turn.speaker, turn.speaker_role) for turn in parsed.turns] == [
        ("Mette Skov", "interviewer"), ("Henrik Bjerregaard", "respondent"), ("Mette Skov", "interviewer")]
