"""One real ``hoi-themes`` flow run on the theme fixture corpus: embed → fit → plots, then a cached re-run."""

from __future__ import annotations

import json

import pytest

from tests.coding.test_topics import _rows, _study


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
