"""hoi_nlp: qualitative text analysis for Danish survey comments and interview transcripts."""

from __future__ import annotations

import os
import sys
from typing import Any

__version__ = "0.1.0"

# spaCy imports thinc, and thinc probes for PyTorch (``import torch`` in ``thinc.compat``) when it
# is first imported: seconds and ~200 MB that none of the bundled pipelines (blank Danish with
# lookup lemmas, the CNN privacy NER) needs. So thinc.compat runs with ``torch`` hidden, and the
# moment anything imports torch for real (sentence-transformers, BERTopic, a transformer spaCy
# pipeline), thinc's torch support is switched back on exactly as thinc would have set it up.
# ``HOI_THINC_TORCH=1`` turns this off (thinc then imports torch as usual).
THINC_TORCH_ENV = "HOI_THINC_TORCH"


class _LazyThincTorch:
    """A meta-path finder: runs ``thinc.compat`` without torch; restores it once torch is imported."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname == "thinc.compat":
            spec = _real_spec(fullname)
            if spec is not None and spec.loader is not None and "torch" not in sys.modules:
                spec.loader = _WrappedLoader(spec.loader, before=_hide_torch, after=_unhide_torch, then=None)
            else:
                _uninstall()
            return spec
        if fullname == "torch" and "thinc.compat" in sys.modules:
            spec = _real_spec(fullname)
            _uninstall()
            if spec is not None and spec.loader is not None:
                spec.loader = _WrappedLoader(spec.loader, before=None, after=None, then=_give_thinc_torch)
            return spec
        return None


class _WrappedLoader:
    """Runs ``before``, the real loader, ``after`` (always) and ``then`` (when the module loaded)."""

    def __init__(self, loader: Any, *, before: Any, after: Any, then: Any) -> None:
        self.loader = loader
        self.before = before
        self.after = after
        self.then = then

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        if self.before:
            self.before()
        try:
            self.loader.exec_module(module)
        finally:
            module.__loader__ = self.loader  # the module looks as if loaded normally (reload, find_spec)
            if getattr(module, "__spec__", None) is not None:
                module.__spec__.loader = self.loader
            if self.after:
                self.after()
        if self.then:
            self.then()

    def __getattr__(self, name: str) -> Any:  # resources, get_filename, is_package …
        return getattr(self.loader, name)


def _real_spec(fullname: str) -> Any:
    import importlib.util

    finders = [f for f in sys.meta_path if isinstance(f, _LazyThincTorch)]
    for finder in finders:
        sys.meta_path.remove(finder)
    try:
        return importlib.util.find_spec(fullname)
    finally:
        sys.meta_path[:0] = finders


def _uninstall() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _LazyThincTorch)]


def _hide_torch() -> None:
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError


def _unhide_torch() -> None:
    if "torch" in sys.modules and sys.modules["torch"] is None:
        del sys.modules["torch"]
    compat = sys.modules.get("thinc.compat")
    if compat is not None:
        compat.hoi_torch_hidden = True  # type: ignore[attr-defined]


def _give_thinc_torch() -> None:
    """Set thinc's torch globals (in every loaded thinc module) as thinc.compat would have with torch."""
    import importlib.util

    compat = sys.modules.get("thinc.compat")
    torch = sys.modules.get("torch")
    if compat is None or torch is None or not getattr(compat, "hoi_torch_hidden", False):
        return
    spec = importlib.util.find_spec("thinc.compat")
    if spec is None or spec.loader is None:
        return
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    changed = {name: (getattr(compat, name), value) for name, value in vars(fresh).items()
               if not name.startswith("__") and hasattr(compat, name) and getattr(compat, name) is not value
               and ("torch" in name or name == "has_gpu")}
    for module_name, module in list(sys.modules.items()):
        if module is None or not (module_name == "thinc" or module_name.startswith("thinc.")):
            continue
        namespace = vars(module)
        for name, (old, new) in changed.items():
            if name in namespace and namespace[name] is old:
                namespace[name] = new
    compat.hoi_torch_hidden = False  # type: ignore[attr-defined]


if (os.environ.get(THINC_TORCH_ENV, "") in ("", "0") and "thinc.compat" not in sys.modules
        and "torch" not in sys.modules and not any(isinstance(f, _LazyThincTorch) for f in sys.meta_path)):
    sys.meta_path.insert(0, _LazyThincTorch())
