"""`hoi run --settings X` uses X in every stage: coding, pseudonymisation and the report's method text."""

from __future__ import annotations

import shutil
import subprocess
import sys

from hoi_nlp.privacy.guard import exported_text
from hoi_nlp.store import Workspace, load_assignments
from tests.conftest import DATA, REPO

ANSWER = "Vi samarbejder tæt med Fonden Lysglimt om forløbene for de unge."


def test_a_non_default_privacy_and_coding_setting_reaches_the_export(tmp_path):
    study = tmp_path / "study"
    shutil.copytree(DATA / "study_small", study)
    export = study / "survey" / "export.csv"
    lines = export.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("Vores IT-systemer taler ikke sammen",
                                ANSWER.rstrip(".") + ". Vores IT-systemer taler ikke sammen")
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = tmp_path / "run.toml"
    settings.write_text('[coding]\ncoder = "rules"\nmin_confidence = 0.35\n\n'
                        '[pseudonymize]\nkeep_organisations = ["Fonden Lysglimt"]\n', encoding="utf-8")
    workspace = tmp_path / "ws"
    run = subprocess.run([sys.executable, "-m", "hoi_nlp.cli", "run", str(study),
                          "--workspace", str(workspace),
                          "--codebook", str(DATA / "codebooks" / "small.yaml"), "--settings", str(settings)],
                         cwd=REPO, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    segments = exported_text(workspace / "exports" / "coded_dataset_segments.csv")
    assert "Fonden Lysglimt om forløbene" in segments  # kept: the study's own keep list reached privacy
    assert "Kontakt [PERSON" in segments  # the rest is still pseudonymised
    report = (workspace / "exports" / "rapport.md").read_text(encoding="utf-8")
    assert "minimum sikkerhed 0,35" in report  # the method text, with these settings (decimal comma)
    assert {a.coder for a in load_assignments(Workspace.open(workspace, create=False))} == {"hoi.rules.v1"}
