"""Dask workers load the coding models once (the worker plugin), and reuse them for every batch,
study and flow run in that process. Unit level: the plugin is set up as a worker would (after
pickling), without a cluster; the slow Dask flow test runs the real thing."""

from __future__ import annotations

import pickle
from collections import OrderedDict

import pytest

from tests.conftest import DATA

pytest.importorskip("distributed")


class FakeCoder:
    """Stands in for a trained coder: it has models (counted when built) and a per-study cache."""

    name = "fake"
    version = "v1"

    def __init__(self, cache: object) -> None:
        self.cache = cache
        self.models = object()

    def code(self, segments):
        return []


@pytest.fixture
def fresh_caches(monkeypatch):
    """Empty per-process coder caches, and a counting ``make_coder``."""
    from hoi_nlp.coding import registry
    from hoi_nlp.stages import study

    monkeypatch.setattr(study, "_LOADED", {})
    monkeypatch.setattr(study, "_VIEWS", OrderedDict())
    built: list[str] = []

    def make_coder(name, codebook, settings, *, model_dir=None, cache=None, min_confidence=None):
        built.append(name)
        return FakeCoder(cache)

    monkeypatch.setattr(registry, "make_coder", make_coder)
    return built


def _as_on_a_worker(plugin):
    """A worker receives the plugin pickled, then calls setup()."""
    received = pickle.loads(pickle.dumps(plugin))
    received.setup(worker=None)
    return received.wait(120)


def test_plugin_loads_the_models_once_per_worker_process(fresh_caches, tmp_path):
    from flows.dask_workers import HoiModelsPlugin
    from hoi_nlp.stages import study

    codebook = str(DATA / "codebooks" / "small.yaml")
    plugin = HoiModelsPlugin(codebook, "fake", None)
    first = _as_on_a_worker(plugin)
    assert first is not None and first["coders_loaded"] == 1
    assert fresh_caches == ["fake"]
    assert _as_on_a_worker(plugin) is not None  # registered again by the next flow run
    assert fresh_caches == ["fake"]

    # Batches of two studies (two flow runs) on this worker: the loaded models, each study's own cache.
    views = []
    for name in ("study_a", "study_b"):
        inputs = study.run_inputs(tmp_path / name, codebook)
        views += [study.study_coder(inputs, "fake"), study.study_coder(inputs, "fake")]
    assert fresh_caches == ["fake"]
    assert views[0] is views[1] and views[2] is views[3] and views[0] is not views[2]
    assert views[0].models is views[2].models
    assert str(views[0].cache.root) != str(views[2].cache.root)
    assert str(views[2].cache.root).startswith(str(tmp_path / "study_b"))


def test_a_task_that_starts_during_the_load_waits_for_it(fresh_caches, tmp_path, monkeypatch):
    """The plugin loads in a background thread; a coding task arriving meanwhile does not load twice."""
    import threading

    from flows.dask_workers import HoiModelsPlugin
    from hoi_nlp.coding import registry
    from hoi_nlp.stages import study

    release = threading.Event()
    counting = registry.make_coder

    def slow_make_coder(*args, **kwargs):
        release.wait(30)
        return counting(*args, **kwargs)

    monkeypatch.setattr(registry, "make_coder", slow_make_coder)
    codebook = str(DATA / "codebooks" / "small.yaml")
    plugin = pickle.loads(pickle.dumps(HoiModelsPlugin(codebook, "fake", None)))
    plugin.setup(worker=None)
    results = []
    task = threading.Thread(target=lambda: results.append(
        study.study_coder(study.run_inputs(tmp_path / "ws", codebook), "fake")))
    task.start()
    release.set()
    plugin.wait(60)
    task.join(60)
    assert fresh_caches == ["fake"] and len(results) == 1


def test_rule_coder_plugin_loads_for_real(monkeypatch):
    """The plugin's load runs the real path (spaCy pipeline, codebook, coder, one warm-up text)."""
    from flows.dask_workers import HoiModelsPlugin
    from hoi_nlp.stages import study

    monkeypatch.setattr(study, "_LOADED", {})
    monkeypatch.setattr(study, "_VIEWS", OrderedDict())
    result = _as_on_a_worker(HoiModelsPlugin(str(DATA / "codebooks" / "small.yaml"), "rules", None))
    assert result is not None and result["coder"] == "rules" and study.loaded_coders() == 1


def test_the_dask_task_runner_registers_the_plugin(monkeypatch, tmp_path):
    from flows.dask_workers import PLUGIN_NAME, HoiDaskTaskRunner, HoiModelsPlugin
    from flows.runners import make_task_runner

    settings = tmp_path / "dask.toml"
    settings.write_text('[flow]\ntask_runner = "dask"\ndask_address = "tcp://127.0.0.1:1"\n',
                        encoding="utf-8")
    runner = make_task_runner(str(settings))
    assert isinstance(runner, HoiDaskTaskRunner) and isinstance(runner.duplicate(), HoiDaskTaskRunner)

    registered = []

    class FakeClient:
        def register_plugin(self, plugin, name=None):
            registered.append((type(plugin), name, plugin.coder_name, plugin.settings_path))

    monkeypatch.setattr(HoiDaskTaskRunner, "client", property(lambda self: FakeClient()))
    runner.load_models("cb.yaml", "combined", str(settings))
    assert registered == [(HoiModelsPlugin, PLUGIN_NAME, "combined", str(settings))]
