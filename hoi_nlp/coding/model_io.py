"""Save and load trained coder bundles (``models/coder/``) with a checked manifest.

``coder.joblib`` holds the fitted scikit-learn parts, exemplar vectors (float16) and
thresholds; ``manifest.json`` records the training data (paths, sha256, rows), the codebook
version, the embedder id, CV scores and the artefact's own sha256, which loading verifies.
The embedding model itself is never stored: it is referenced by backend and id.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.combine import CoderBundle, TrainedCoder, TrainedMethod
from hoi_nlp.coding.registry import CoderOptions
from hoi_nlp.coding.training.data import file_sha256
from hoi_nlp.errors import ModelError
from hoi_nlp.io import write_atomic
from hoi_nlp.nlp.embed import Embedder, EmbeddingCache
from hoi_nlp.records import short_hash
from hoi_nlp.settings import REPO_ROOT, EmbeddingSettings, Settings

logger = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = REPO_ROOT / "models" / "coder"
ARTEFACT = "coder.joblib"
MANIFEST = "manifest.json"
_RETRAIN = "retrain with `hoi train` (it writes models/coder/)"


def _atomic_write(path: Path, write: Any, *, binary: bool = False) -> None:
    """Write through ``write(stream)`` atomically; model files are readable by everyone (0644)."""

    def to_file(tmp: Path) -> None:
        with tmp.open("wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as stream:
            write(stream)

    write_atomic(path, to_file, mode=0o644)


def save_bundle(bundle: CoderBundle, out_dir: str | Path, manifest: dict[str, Any]) -> Path:
    """Write the artefact and its manifest (atomically); return the directory."""
    import joblib

    out = Path(out_dir)
    bundle.model_version = "pending"
    _atomic_write(out / ARTEFACT, lambda s: joblib.dump(bundle, s, compress=3), binary=True)
    digest = file_sha256(out / ARTEFACT)
    bundle.model_version = f"coder-{digest[:12]}"
    manifest = {**manifest, "artefact": ARTEFACT, "sha256": digest, "model_version": bundle.model_version}
    _atomic_write(out / MANIFEST, lambda s: json.dump(manifest, s, ensure_ascii=False, indent=1))
    return out


def read_manifest(model_dir: str | Path) -> dict[str, Any]:
    """The manifest of a saved coder, or :class:`ModelError` when missing."""
    path = Path(model_dir) / MANIFEST
    if not path.is_file():
        raise ModelError(
            "no trained coder here (manifest.json missing)", path=str(path.parent), hint=_RETRAIN
        )
    return json.loads(path.read_text(encoding="utf-8"))


def load_bundle(model_dir: str | Path = DEFAULT_MODEL_DIR) -> CoderBundle:
    """Load and verify a saved bundle (sha256 must match the manifest)."""
    import joblib

    manifest = read_manifest(model_dir)
    path = Path(model_dir) / manifest.get("artefact", ARTEFACT)
    if not path.is_file() or file_sha256(path) != manifest.get("sha256"):
        raise ModelError(
            "coder artefact is missing or does not match its manifest (sha256)", path=str(path), hint=_RETRAIN
        )
    try:
        bundle: CoderBundle = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a corrupt/incompatible file
        raise ModelError(f"cannot read coder artefact: {exc}", path=str(path), hint=_RETRAIN) from exc
    bundle.model_version = manifest.get("model_version", bundle.model_version)
    bundle.meta = manifest
    return bundle


def check_codebook(bundle: CoderBundle, codebook: Codebook, *, model_dir: str | Path = "") -> None:
    """Raise when the codebook's ids differ from the model's; warn when only its text changed."""
    if list(codebook.code_ids) != list(bundle.code_ids):
        added = sorted(set(codebook.code_ids) - set(bundle.code_ids))
        removed = sorted(set(bundle.code_ids) - set(codebook.code_ids))
        raise ModelError(
            f"the coder was trained for codebook {bundle.codebook_version}, whose code ids differ "
            f"from {codebook.version_tag} (new: {added[:5]}, gone: {removed[:5]})",
            path=str(model_dir) or None,
            hint=_RETRAIN,
        )
    if codebook.version_tag != bundle.codebook_version:
        logger.warning(
            "coder trained for codebook %s, now %s (same ids): consider `hoi train`",
            bundle.codebook_version,
            codebook.version_tag,
        )


def bundle_embedder(bundle: CoderBundle) -> Embedder:
    """The embedder the bundle was trained with (never a different one)."""
    from hoi_nlp.nlp.embed import get_embedder

    spec = bundle.embedder_spec
    if spec["backend"] == "tfidf":
        return bundle.tfidf_embedder  # type: ignore[no-any-return]
    embedder = get_embedder(EmbeddingSettings(backend=spec["backend"], model=spec.get("model", "")))
    if embedder.model_id != spec["model_id"]:
        raise ModelError(
            f"the coder was trained with embeddings '{spec['model_id']}' but "
            f"'{embedder.model_id}' is installed",
            hint=_RETRAIN,
        )
    return embedder


def load_trained_coder(
    codebook: Codebook,
    *,
    model_dir: str | Path = DEFAULT_MODEL_DIR,
    method: TrainedMethod = "combined",
    cache: EmbeddingCache | None = None,
    min_confidence: float | None = None,
) -> TrainedCoder:
    """Load ``model_dir`` as the similarity, classifier or combined coder for ``codebook``."""
    bundle = load_bundle(model_dir)
    check_codebook(bundle, codebook, model_dir=model_dir)
    return TrainedCoder(
        bundle,
        codebook,
        method=method,
        embedder=bundle_embedder(bundle),
        cache=cache,
        min_confidence=min_confidence,
    )


def models_toml_entry(model_dir: str | Path, manifest: dict[str, Any]) -> str:
    """The ``[coder]`` table for models/models.toml."""
    shown = Path(model_dir).resolve()
    shown_str = str(shown.relative_to(REPO_ROOT)) if shown.is_relative_to(REPO_ROOT) else str(shown)
    return (
        "\n".join(
            [
                "[coder]",
                'name = "hoi.combined.v1"',
                f'path = "{shown_str}/{manifest["artefact"]}"',
                f'revision = "{manifest["model_version"]}"',
                f'sha256 = "{manifest["sha256"]}"',
                f'codebook = "{manifest["codebook_version"]}"',
                f'embedder = "{manifest["embedder"]["model_id"]}"',
                'card = "models/coder/MODEL_CARD.md"',
                f'trained_at = "{manifest["trained_at"]}"',
            ]
        )
        + "\n"
    )


def update_models_toml(
    model_dir: str | Path,
    manifest: dict[str, Any],
    toml_path: str | Path = REPO_ROOT / "models" / "models.toml",
) -> Path:
    """Replace (or append) only the ``[coder]`` table; other tables are left as they are."""
    path = Path(toml_path)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    kept, skipping = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            skipping = stripped in ("[coder]",) or stripped.startswith("[coder.")
        if not skipping:
            kept.append(line)
    body = "\n".join(kept).rstrip()
    new = (body + "\n\n" if body else "") + models_toml_entry(model_dir, manifest)
    _atomic_write(path, lambda s: s.write(new))
    return path


def bundle_fingerprint(bundle: CoderBundle) -> str:
    """A short id of a bundle's code ids and thresholds (for logs)."""
    return short_hash(*bundle.code_ids, json.dumps(bundle.thresholds, sort_keys=True), length=10)


def _build_trained(method: TrainedMethod, codebook: Codebook, settings: Settings, options: CoderOptions) -> Any:
    floor = options.min_confidence
    if floor is None and settings.coding.min_confidence > 0:
        floor = settings.coding.min_confidence
    return load_trained_coder(codebook, model_dir=options.model_dir, method=method,
                              cache=options.cache if options.cache is not None else EmbeddingCache(),
                              min_confidence=floor)


def build_similarity(codebook: Codebook, settings: Settings, options: CoderOptions) -> Any:
    """The trained similarity coder (registered as ``hoi.similarity.v1``)."""
    return _build_trained("similarity", codebook, settings, options)


def build_classifier(codebook: Codebook, settings: Settings, options: CoderOptions) -> Any:
    """The trained classifier coder (registered as ``hoi.classifier.v1``)."""
    return _build_trained("classifier", codebook, settings, options)


def build_combined(codebook: Codebook, settings: Settings, options: CoderOptions) -> Any:
    """The trained combined coder (registered as ``hoi.combined.v1``)."""
    return _build_trained("combined", codebook, settings, options)
