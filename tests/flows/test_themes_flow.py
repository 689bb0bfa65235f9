"""One real ``hoi-themes`` flow run on the theme fixture corpus: embed → fit → plots, then a cached re-run;
and ``hoi themes fit`` / ``hoi themes show`` as a user runs them, as subprocesses on a workspace that
``hoi run`` made.

The fast CLI test turns the theme fixture corpus (117 texts, 33 on interpreters, a theme the codebook
lacks) into a study folder and uses the PCA reducer, the rule coder and the pattern recogniser; the
slow one runs the defaults (UMAP, NER, combined coder) on the invented staff survey in
``corpora/themes_eval``.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest

from tests.coding.test_topics import NAMES, _rows, _study
from tests.conftest import DATA, REPO


@pytest.mark.slow
def test_themes_flow_writes_results_and_reuses_embeddings(tmp_path, prefect_home):
    from flows.themes import themes_flow
    from hoi_nlp.store import Workspace, save_segments, save_sources

    sources, segments = _study(_rows())
    workspace = Workspace.open(tmp_path / "ws", study="themes")
    save_sources(workspace, sources.values())
    save_segments(workspace, segments)
    settings = tmp_path / "run.toml"
    settings.write_text('[embeddings]\nbackend = "tfidf"\n\n[themes]\nreducer = "pca"\n', encoding="utf-8")

    summary = themes_flow(str(workspace.root), settings_path=str(settings))
    assert summary["embedding"]["embedded"] == len(segments) and summary["segments"] == len(segments)
    names = {path.rsplit("/", 1)[-1] for path in summary["files"]}
    assert {"themes.json", "themes.csv", "topic_sizes.png", "topics_by_group.png"} <= names
    saved = json.loads((workspace.root / "themes" / "themes.json").read_text(encoding="utf-8"))
    assert saved["quotes_pseudonymised"] and saved["n_segments"] == len(segments)

    again = themes_flow(str(workspace.root), settings_path=str(settings))
    assert again["embedding"]["embedded"] == 0 and again["embedding"]["cached"] == len(segments)


CODEBOOK = DATA / "coding" / "codebook.yaml"
SCHEMA = """survey: "Temafixtur"
respondent_id: "Respondent-ID"
attributes: {size_group: "Størrelsesgruppe", role: "Respondentrolle"}
closed: [{column: "Unge valgt", name: "maalgruppe_unge"}]
open_text:
  - {column: "Kommentar", question_id: "1.2_kommentar", question: "Andre barrierer"}
missing_values: ["-"]
"""


def _env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "HF_"))}
    return env | {"PREFECT_HOME": str(tmp_path / "prefect"), "HF_HUB_OFFLINE": "1"}


def hoi(tmp_path, *args: str, timeout: int = 900) -> str:
    """Run ``hoi ARGS`` in a fresh process; its output (stdout), or the test fails with stderr."""
    out = subprocess.run([sys.executable, "-c", "from hoi_nlp.cli import app; app()", *args], cwd=REPO,
                         env=_env(tmp_path), capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    return out.stdout


def _fixture_study(folder):
    """The theme fixture corpus as a survey export: one row per text."""
    (folder / "survey").mkdir(parents=True)
    (folder / "survey" / "schema.yaml").write_text(SCHEMA, encoding="utf-8")
    with (folder / "survey" / "export.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Respondent-ID", "Størrelsesgruppe", "Respondentrolle", "Unge valgt", "Kommentar"])
        for i, row in enumerate(_rows(), start=1):
            attributes = [row["size_group"], row["role"], row["maalgruppe_unge"]]
            writer.writerow([f"T{i:03d}", *attributes, row["text"]])
    return folder


def _check_themes(workspace, show: str, *, max_share: float) -> dict:
    from hoi_nlp.coding.topics.fit import theme_terms
    from hoi_nlp.settings import Settings

    saved = json.loads((workspace / "themes" / "themes.json").read_text(encoding="utf-8"))
    emergent = [t for t in saved["themes"] if t["kind"] == "emergent"]
    assert emergent and max(t["share"] for t in emergent) <= max_share  # no catch-all
    assert saved["quality"]["largest_emergent_share"] == max(t["share"] for t in emergent)
    stops = theme_terms(Settings()).stopwords
    for theme in emergent:
        assert theme["label"] in show
        words = [w.lower() for part in theme["label"].split(" · ") for w in part.split()]
        assert not [w for w in words if w in stops], theme["label"]
        assert all(q["role"] and q["place"] for q in theme["quotes"])
    assert "the largest holding" in show and "who says it" in show
    return saved


def test_themes_fit_and_show_on_a_hoi_run_workspace_fast(tmp_path):
    """PCA reducer: the fast path. The interpreter theme comes out emergent, labelled without generic
    words, no theme is a catch-all, and the CLI shows one theme with its quotes and who says them."""
    study = _fixture_study(tmp_path / "study")
    workspace = tmp_path / "ws"
    settings = tmp_path / "run.toml"
    settings.write_text('[coding]\ncoder = "rules"\n\n[pseudonymize]\nrecogniser = "patterns"\n\n'
                        '[themes]\nreducer = "pca"\n', encoding="utf-8")
    common = ["--codebook", str(CODEBOOK), "--settings", str(settings)]
    hoi(tmp_path, "run", str(study), "--workspace", str(workspace), *common)
    fitted = hoi(tmp_path, "themes", "fit", str(workspace), *common)
    assert "Largest emergent theme:" in fitted and "coherence (NPMI)" in fitted
    show = hoi(tmp_path, "themes", "show", str(workspace))
    saved = _check_themes(workspace, show, max_share=0.3)
    interpreters = next(t for t in saved["themes"] if any("tolk" in kw for kw, _ in t["keywords"][:5]))
    assert interpreters["kind"] == "emergent"
    detail = hoi(tmp_path, "themes", "show", str(workspace), "--topic", str(interpreters["topic_id"]))
    assert interpreters["label"] in detail and "Quotes (pseudonymised):" in detail
    quote = interpreters["quotes"][0]
    assert f'«"{quote["text"]}"» ({quote["role"]}; 1.2_kommentar)' in detail
    assert not [name for name in NAMES if name in show + detail]


@pytest.mark.slow
def test_themes_fit_and_show_with_the_defaults_on_the_second_corpus(tmp_path):
    """UMAP, NER and the combined coder on corpora/themes_eval: several emergent themes, none a catch-all."""
    workspace = tmp_path / "ws"
    hoi(tmp_path, "run", str(REPO / "corpora" / "themes_eval"), "--workspace", str(workspace))
    hoi(tmp_path, "themes", "fit", str(workspace))
    show = hoi(tmp_path, "themes", "show", str(workspace), "--kind", "emergent")
    saved = _check_themes(workspace, show, max_share=0.3)
    assert saved["quality"]["emergent_themes"] >= 3 and saved["quality"]["npmi_emergent"] is not None
    assert "Thisted" not in (workspace / "themes" / "themes.json").read_text(encoding="utf-8")
