"""The architecture holds: the layout reads as the pipeline, imports point one way, no cycles.

- ``hoi_nlp`` never imports Prefect or ``flows``.
- Core modules (records, codebook, errors, settings, store, io, registry, qda) import no stage.
- A stage package imports only core modules, itself and earlier stages
  (ingest → segment → nlp → privacy → coding → review → export → stages).
- ``flows/`` calls the library only through ``hoi_nlp.stages`` (plus the core).
- Below ``stages`` and the CLI, nothing reads a settings file (``load_settings``): settings are passed down.
- No import cycles between modules, counting imports inside functions too (not type-only imports).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "hoi_nlp"
STAGES = ["ingest", "segment", "nlp", "privacy", "coding", "review", "export", "stages"]
CORE = {"records", "codebook", "errors", "settings", "store", "io", "registry", "qda", "progress"}
TOP = {"cli"}
# The spaCy pipeline loader is shared by every stage that tokenises (segmentation splits sentences).
SHARED = {"hoi_nlp.nlp.pipeline"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_only(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks (imports for annotations only, never run)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (
            getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING"
        ):
            found.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return found


def _imports(path: Path, *, runtime_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_only(tree) if runtime_only else set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _layer(module: str) -> str | None:
    """The top-level part of hoi_nlp a module belongs to (``stages``, ``records``, ``cli``, …)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "hoi_nlp" else None


MODULES = {_module_name(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _library_imports(path: Path, *, runtime_only: bool = False) -> set[str]:
    """The hoi_nlp modules ``path`` imports (``from m import name`` counts as ``m``,
    or ``m.name`` if a module)."""
    found = set()
    for name in _imports(path, runtime_only=runtime_only):
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name.startswith("hoi_nlp"):
            found.add(name)
    return found


def test_the_layout_reads_as_the_architecture():
    found = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert set(STAGES) <= found
    assert found - set(STAGES) <= TOP | {"resources"}
    root_modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert root_modules <= CORE, f"root modules outside the core: {sorted(root_modules - CORE)}"


@pytest.mark.parametrize("path", [p for p in _modules() if _layer(_module_name(p)) != "cli"],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_library_never_imports_prefect(path):
    """The CLI sits on top with the flows; everything else is the pure library."""
    assert not {name for name in _imports(path) if name.split(".")[0] in {"prefect", "prefect_dask", "flows"}}


def _allowed(importer: str, imported: str) -> bool:
    own, other = _layer(importer), _layer(imported)
    if imported in SHARED or other is None or other in CORE or own == other or own in TOP:
        return True
    if own in CORE:
        return False
    return other in STAGES and STAGES.index(other) < STAGES.index(own)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_pipeline(path):
    module = _module_name(path)
    offending = sorted(name for name in _library_imports(path) if not _allowed(module, name))
    assert not offending, f"{module} imports later layers: {offending}"


@pytest.mark.parametrize("path", sorted((REPO / "flows").glob("*.py")), ids=lambda p: p.name)
def test_flows_call_only_the_stages(path):
    allowed = {"hoi_nlp.stages"} | {f"hoi_nlp.{core}" for core in CORE}
    offending = sorted(name for name in _library_imports(path)
                       if not any(name == a or name.startswith(a + ".") for a in allowed))
    assert not offending, f"flows/{path.name} reaches past the stages: {offending}"


def _calls(path: Path, name: str) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == name
               for node in ast.walk(tree))


@pytest.mark.parametrize("path", [p for p in _modules() if _layer(_module_name(p)) not in ("stages", "cli")
                                  and p.name != "settings.py"], ids=lambda p: str(p.relative_to(PACKAGE)))
def test_settings_are_passed_down_not_reread(path):
    assert not _calls(path, "load_settings"), f"{path.name} reads the settings file itself"


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _modules()}
    graph = {}
    for name, path in modules.items():
        graph[name] = {imported for imported in _library_imports(path, runtime_only=True)
                       if imported != name and not name.startswith(imported + ".")
                       and not imported.startswith(name + ".")}
    return graph


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in graph[node]:
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = 2
        stack.pop()
        return None

    for start in graph:
        if start not in state:
            cycle = visit(start)
            assert cycle is None, " -> ".join(cycle)
