"""The architecture holds: hoi_nlp never imports Prefect, and a stage never imports a later stage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "hoi_nlp"
STAGES = ["ingest", "segment", "nlp", "coding", "review", "export"]
# The spaCy pipeline loader is shared by every stage that tokenises (segmentation splits sentences).
SHARED = {"hoi_nlp.nlp.pipeline"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", [p for p in _modules() if p.parent.name != "cli"],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_library_never_imports_prefect(path):
    """The CLI sits on top with the flows; everything else is the pure library."""
    assert not {name for name in _imports(path) if name.split(".")[0] in {"prefect", "prefect_dask", "flows"}}


def _stage_of(path: Path) -> str | None:
    relative = path.relative_to(PACKAGE).parts
    return relative[0] if len(relative) > 1 and relative[0] in STAGES else None


@pytest.mark.parametrize("path", [p for p in _modules() if _stage_of(p)], ids=lambda p: str(p.relative_to(PACKAGE)))
def test_stage_imports_only_earlier_stages(path):
    own = STAGES.index(_stage_of(path))
    later = {f"hoi_nlp.{stage}" for stage in STAGES[own + 1:]}
    offending = {name for name in _imports(path) - SHARED
                 if any(name == m or name.startswith(m + ".") for m in later)}
    assert not offending, f"{path.name} imports later stages: {sorted(offending)}"
