"""The coding flow on a local Dask cluster (two workers) gives the same results as the default runner."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import DATA


def _coded(workspace_dir):
    from hoi_nlp.store import Workspace, load_assignments

    return sorted((a.segment_id, a.code_id, a.confidence)
                  for a in load_assignments(Workspace.open(workspace_dir)))


@pytest.mark.slow
def test_dask_runner_matches_thread_runner(tmp_path):
    from flows.study import run_flow

    study = tmp_path / "study_small"
    shutil.copytree(DATA / "study_small", study)
    codebook = str(DATA / "codebooks" / "small.yaml")
    dask_settings = tmp_path / "dask.toml"
    dask_settings.write_text('[flow]\ntask_runner = "dask"\nbatch_size = 2\n', encoding="utf-8")
    thread_settings = tmp_path / "threads.toml"
    thread_settings.write_text('[flow]\ntask_runner = "threads"\nbatch_size = 2\n', encoding="utf-8")

    threads = run_flow(str(study), str(tmp_path / "ws_threads"), codebook, None, "rules",
                       str(thread_settings))
    dask = run_flow(str(study), str(tmp_path / "ws_dask"), codebook, None, "rules", str(dask_settings))

    assert dask["coding"]["batches"] == threads["coding"]["batches"] >= 2
    assert _coded(tmp_path / "ws_dask") == _coded(tmp_path / "ws_threads") != []
