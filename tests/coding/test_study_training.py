"""Training with a study's own passages: the study weight by CV, the quick path from the base model's
cache, the CLI (`hoi train --study-data` as a subprocess), stance and possible tiers in the output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hoi_nlp.coding.training.data import LabelledRow

HOI = str(Path(sys.executable).with_name("hoi"))

STUDY = [
    (
        "s1",
        "Koordinatoren kopierer oplysninger fra det ene skærmbillede til det andet hver dag.",
        ["barrier.it_integration"],
    ),
    (
        "s2",
        "Hun taster det hele ind to gange, fordi programmerne ikke kan se hinanden.",
        ["barrier.it_integration"],
    ),
    ("s3", "Vi har simpelthen ikke hænder nok, folk løber stærkt.", ["barrier.ressourcer"]),
    ("s4", "Der er ikke timer i døgnet til de ekstra møder.", ["barrier.ressourcer"]),
    ("s5", "De unge dukker ikke op, mange har angst og er droppet ud af skolen.", ["target.udsatte_unge"]),
    ("s6", "Jobkonsulenterne sidder med til alle møderne.", ["area.beskaeftigelse"]),
    ("s7", "Tak, det var vist det hele.", []),
    ("s8", "Vejret har været fint i år.", []),
    (
        "s9",
        "Skærmene viser ikke det samme, og det koster tid hver eneste dag.",
        ["barrier.it_integration", "barrier.ressourcer"],
    ),
    (
        "s10",
        "Det unge menneske har haft elleve rådgivere, og jobcentret vidste intet.",
        ["target.udsatte_unge", "area.beskaeftigelse"],
    ),
]


def _write_study(path):
    path.write_text(
        "".join(json.dumps({"id": i, "text": t, "codes": c}, ensure_ascii=False) + "\n" for i, t, c in STUDY),
        encoding="utf-8",
    )
    return path


def test_study_training_reuses_the_base_cache_and_weights_the_study(trained_tfidf, coding_codebook, tmp_path):
    from hoi_nlp.coding.model_io import load_bundle, load_training
    from hoi_nlp.coding.training.train import train_with_study
    from hoi_nlp.nlp.embed import EmbeddingCache

    base, _ = trained_tfidf
    rows = [LabelledRow(i, t, tuple(c)) for i, t, c in STUDY]
    report = train_with_study(
        coding_codebook,
        rows,
        base_dir=base,
        out_dir=tmp_path / "study",
        cache=EmbeddingCache(tmp_path / "cache"),
        candidates=(1.0, 4.0),
    )
    manifest = report.manifest
    assert manifest["study_weight"]["chosen"] in (1.0, 4.0)
    assert set(manifest["study_weight"]["cv_average_precision"]) == {1.0, 4.0} or set(
        manifest["study_weight"]["cv_average_precision"]
    ) == {"1.0", "4.0"}
    base_rows = int(load_training(base)["n_rows"][0])
    training = load_training(tmp_path / "study")
    assert int(training["n_rows"][0]) == base_rows + len(STUDY)
    weights = training["weights"]
    assert np.all(weights[:base_rows] == 1.0) and np.all(
        weights[base_rows:] == manifest["study_weight"]["chosen"]
    )
    bundle = load_bundle(tmp_path / "study")
    assert bundle.similarity.exemplars.shape[0] == base_rows + len(STUDY)
    assert manifest["base_model"]["model_version"] == load_bundle(base).model_version
    # the study's passages are scored apart (out of fold), not only inside the whole training set
    from hoi_nlp.coding.training.train import STUDY_CV

    assert report.cv[STUDY_CV].n_texts == len(STUDY) < report.cv["combined"].n_texts
    assert "study's 10 passages" in report.cv[STUDY_CV].data


def test_cli_train_with_study_data_then_code(trained_tfidf, coding_data, tmp_path):
    base, _ = trained_tfidf
    study = _write_study(tmp_path / "study.jsonl")
    codebook = coding_data["train"].parent / "codebook.yaml"
    out = tmp_path / "coder-study"
    env_cache = {"HOI_CACHE_DIR": str(tmp_path / "cache")}
    import os

    env = {**os.environ, **env_cache}
    result = subprocess.run(
        [
            HOI,
            "train",
            "--codebook",
            str(codebook),
            "--base",
            str(base),
            "--study-data",
            str(study),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "study passages: 10, weighted" in result.stdout and "micro F1" in result.stdout
    assert "on the study's 10 passages alone" in result.stdout
    assert "only 10 study passages: too few" in " ".join(result.stdout.split())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["study_weight"]["study_passages"] == 10
    assert manifest["study_data"][0]["rows"] == 10
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps(
            {"id": 1, "text": "Systemerne taler ikke sammen, det er ikke løst.", "context": "Hvad med IT?"},
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    coded = tmp_path / "out.jsonl"
    result = subprocess.run(
        [
            HOI,
            "code",
            "-i",
            str(source),
            "-o",
            str(coded),
            "--codebook",
            str(codebook),
            "--model-dir",
            str(out),
            "--possible",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    line = json.loads(coded.read_text(encoding="utf-8"))
    assert "possible" in line
    for entry in line["codes"] + line["possible"]:
        assert ("stance" in entry) == entry["code"].startswith("barrier.")


def test_cli_study_data_without_out_is_a_clear_error(trained_tfidf, coding_data, tmp_path):
    base, _ = trained_tfidf
    study = _write_study(tmp_path / "study.jsonl")
    result = subprocess.run(
        [
            HOI,
            "train",
            "--codebook",
            str(coding_data["train"].parent / "codebook.yaml"),
            "--base",
            str(base),
            "--study-data",
            str(study),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0 and "--out" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "bad",
    [
        '{"id": 1, "text": "x", "codes": [], "stance": {"barrier.it_integration": "x"}}',
        '{"id": 1, "text": "x", "codes": ["nope.code"]}',
        '{"id": 1, "text": "   ", "codes": []}',
        '{"id": 1, "text": "De unge dukker ikke op."}',
    ],
)
def test_bad_study_lines_name_the_line(trained_tfidf, coding_data, tmp_path, bad):
    base, _ = trained_tfidf
    study = tmp_path / "study.jsonl"
    study.write_text('{"id": 0, "text": "fint", "codes": []}\n' + bad + "\n", encoding="utf-8")
    result = subprocess.run(
        [
            HOI,
            "train",
            "--codebook",
            str(coding_data["train"].parent / "codebook.yaml"),
            "--base",
            str(base),
            "--study-data",
            str(study),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0 and "line 2" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": 1, "text": "x", "codes": ["barrier.it_integration"', "not valid JSON at column"),
        ('{"id": 1, "text": "", "codes": []}', "'text' is empty"),
        ('{"id": 1, "text": "Vi har ikke hænder nok."}', "has no 'codes'"),
    ],
)
def test_labelled_file_errors_name_the_line_and_the_fix(coding_codebook, tmp_path, line, message):
    """A study's labelled file is refused at its bad line with what to do: broken JSON (with the
    column), an empty text, a line without codes (it was read as a negative example before)."""
    from hoi_nlp.coding.training.data import load_labelled
    from hoi_nlp.errors import InputFormatError

    path = tmp_path / "study.jsonl"
    path.write_text('{"id": 0, "text": "fint", "codes": []}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as info:
        load_labelled(path, codebook=coding_codebook)
    text = str(info.value)
    assert "line 2" in text and message in text and str(path) in text and info.value.hint


def test_study_training_shows_progress_until_the_coder_is_saved(trained_tfidf, coding_codebook, tmp_path):
    """After the study weight is chosen, the final fit, calibration and saving (minutes on the bundled
    coder) are reported as steps too: the display does not sit on a finished step meanwhile."""
    from hoi_nlp.coding.training.train import train_with_study
    from hoi_nlp.nlp.embed import EmbeddingCache

    base, _ = trained_tfidf
    events = []
    train_with_study(coding_codebook, [LabelledRow(i, t, tuple(c)) for i, t, c in STUDY], base_dir=base,
                     out_dir=tmp_path / "study", cache=EmbeddingCache(tmp_path / "cache"), candidates=(1.0,),
                     progress=lambda step, done, total: events.append((step, done, total)))
    last_weight = max(i for i, e in enumerate(events) if e[0] == "choosing the study weight")
    after = events[last_weight + 1:]
    assert after[0][1] == 0 and after[-1][1] == after[-1][2] and len(after) >= 3, events


def test_study_data_for_a_codebook_with_a_renamed_code_says_what_to_do(trained_tfidf, coding_data, tmp_path):
    """Passages coded with a study codebook in which a code was renamed cannot be added to a coder that
    knows the old id: one clear error naming the file, the differing ids and the way out (it pointed at
    `hoi train` writing models/coder/ before), and no model folder."""
    base, _ = trained_tfidf
    source = (coding_data["train"].parent / "codebook.yaml").read_text(encoding="utf-8")
    codebook = tmp_path / "renamed.yaml"
    codebook.write_text(source.replace("barrier.it_integration", "barrier.it_systemer"), encoding="utf-8")
    study = tmp_path / "study.jsonl"
    line = {"id": 1, "text": "Skærmene taler ikke sammen.", "codes": ["barrier.it_systemer"]}
    study.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = subprocess.run(
        [HOI, "train", "--codebook", str(codebook), "--base", str(base), "--study-data", str(study),
         "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert str(study) in message and "barrier.it_systemer" in message and "former id" in message, message
    assert not (tmp_path / "o").exists()
