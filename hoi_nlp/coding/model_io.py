"""Save and load trained coder bundles (``models/coder/``): plain arrays and a checked manifest.

A saved coder is three files, none of them a pickle:

- ``coder.npz`` — what prediction needs, as numpy arrays: the TF-IDF vocabularies and idf
  weights, the classifier's weights (float16) and Platt maps, the similarity model's profiles
  and exemplar vectors (float16), the stacker's weights, the co-occurrence matrix, the stance
  model;
- ``training.npz`` — what retraining reuses so that it refits only what changes: the training
  rows' texts, lemmas, rule hits, labels, stances, weights, questions and neighbours, and their
  out-of-fold scores (the embeddings are the similarity model's exemplars in ``coder.npz``);
- ``manifest.json`` — the training data (paths, sha256, rows), the codebook version, the
  embedder id, hyperparameters, thresholds, CV scores and the sha256 of both array files,
  which loading verifies.

Loading reads the arrays with ``allow_pickle=False`` and imports numpy only (no scikit-learn),
so ``hoi code`` starts quickly. The embedding model itself is never stored: it is referenced by
backend and id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.classify import ClassifierModel
from hoi_nlp.coding.combine import CoderBundle, Stacker, TrainedCoder, TrainedMethod
from hoi_nlp.coding.registry import CoderOptions
from hoi_nlp.coding.similarity import SimilarityModel
from hoi_nlp.coding.stance import StanceModel
from hoi_nlp.coding.text_vectors import join_texts, split_texts
from hoi_nlp.coding.training.data import file_sha256
from hoi_nlp.errors import ModelError
from hoi_nlp.io import write_atomic
from hoi_nlp.nlp.embed import Embedder, EmbeddingCache
from hoi_nlp.records import short_hash
from hoi_nlp.settings import REPO_ROOT, EmbeddingSettings, Settings

logger = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = REPO_ROOT / "models" / "coder"
ARTEFACT = "coder.npz"
TRAINING = "training.npz"
MANIFEST = "manifest.json"
FORMAT = "hoi.coder.v2"
_RETRAIN = "retrain with `hoi train` (it writes models/coder/)"
# A codebook of one's own against the bundled coder: never advise overwriting models/coder/.
_OTHER_CODEBOOK = ("code with the codebook's patterns now (`--coder rules`), or train a coder for it: "
                   "`hoi train --codebook FILE --out models/my_coder --no-update-manifest`, then "
                   "`[coding] model_dir = \"models/my_coder\"` in a settings file given with --settings")


def _atomic_write(path: Path, write: Any, *, binary: bool = False) -> None:
    """Write through ``write(stream)`` atomically; model files are readable by everyone (0644)."""

    def to_file(tmp: Path) -> None:
        with tmp.open("wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as stream:
            write(stream)

    write_atomic(path, to_file, mode=0o644)


def bundle_arrays(bundle: CoderBundle) -> dict[str, np.ndarray]:
    """Every array prediction needs."""
    arrays = {**bundle.classifier.to_arrays(), **bundle.similarity.to_arrays(), **bundle.stance.to_arrays()}
    if bundle.stacker.coef is None:
        raise ValueError("the stacker is not fitted")
    arrays["stacker.coef"] = bundle.stacker.coef.astype(np.float64)
    arrays["stacker.question_mean"] = np.asarray(bundle.stacker.question_mean, dtype=np.float64)
    arrays["stacker.neighbour_mean"] = np.asarray(bundle.stacker.neighbour_mean, dtype=np.float64)
    arrays["cooc"] = bundle.cooc.astype(np.float32)
    for method, values in bundle.thresholds.items():
        arrays[f"thresholds.{method}"] = np.asarray(values, dtype=np.float64)
    if bundle.tfidf_embedder is not None:
        texts = bundle.meta.get("tfidf_fit_texts") or []
        arrays["tfidf.fit_texts"] = join_texts(texts)
        arrays["tfidf.params"] = np.asarray(
            [len(texts), bundle.tfidf_embedder.requested_dim, bundle.tfidf_embedder.seed], dtype=np.int64
        )
    return arrays


def bundle_config(bundle: CoderBundle) -> dict[str, Any]:
    """The bundle's non-array settings (stored in the manifest)."""
    return {
        "code_ids": list(bundle.code_ids),
        "families": list(bundle.families),
        "codebook_version": bundle.codebook_version,
        "embedder": bundle.embedder_spec,
        "pipeline": bundle.pipeline,
        "classifier": bundle.classifier.params(),
        "stacker": {
            "c": bundle.stacker.c,
            "seed": bundle.stacker.seed,
            "extras": list(bundle.stacker.extras),
        },
        "possible": dict(bundle.possible),
        "beta": bundle.beta,
        "threshold_methods": sorted(bundle.thresholds),
    }


def save_bundle(
    bundle: CoderBundle,
    out_dir: str | Path,
    manifest: dict[str, Any],
    training: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write the arrays, the training cache and the manifest (each atomically); return the directory."""
    out = Path(out_dir)
    _atomic_write(out / ARTEFACT, lambda s: np.savez_compressed(s, **bundle_arrays(bundle)), binary=True)
    files = {ARTEFACT: file_sha256(out / ARTEFACT)}
    if training is not None:
        _atomic_write(out / TRAINING, lambda s: np.savez_compressed(s, **training), binary=True)
        files[TRAINING] = file_sha256(out / TRAINING)
    digest = files[ARTEFACT]
    bundle.model_version = f"coder-{digest[:12]}"
    manifest = {
        **manifest,
        "format": FORMAT,
        "config": bundle_config(bundle),
        "artefact": ARTEFACT,
        "sha256": digest,
        "files": files,
        "model_version": bundle.model_version,
    }
    _atomic_write(out / MANIFEST, lambda s: json.dump(manifest, s, ensure_ascii=False, indent=1))
    bundle.meta = manifest
    bundle.source_dir = str(out)
    return out


def previous_model_dir(model_dir: str | Path) -> Path:
    """Where the coder a retraining replaced in ``model_dir`` is kept (``models/coder.previous``)."""
    target = Path(model_dir)
    return target.with_name(target.name + ".previous")


def read_manifest(model_dir: str | Path) -> dict[str, Any]:
    """The manifest of a saved coder, or :class:`ModelError` when missing."""
    path = Path(model_dir) / MANIFEST
    if not path.is_file():
        raise ModelError(
            "no trained coder here (manifest.json missing)", path=str(path.parent), hint=_RETRAIN
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelError(
            f"the coder's manifest is not valid JSON: {exc.msg}", path=str(path), hint=_RETRAIN
        ) from exc


def trained_code_ids(manifest: dict[str, Any]) -> list[str]:
    """The code ids a saved coder was trained for, as its manifest records them."""
    return list(manifest.get("code_ids") or manifest.get("config", {}).get("code_ids") or [])


def code_id_changes(codebook: Codebook, trained: Sequence[str]) -> tuple[list[str], list[str]]:
    """The codebook's codes a coder trained for ``trained`` lacks, and the trained codes it lacks."""
    current = set(codebook.code_ids)
    return sorted(current - set(trained)), sorted(set(trained) - current)


def _verified(model_dir: str | Path, manifest: dict[str, Any], name: str) -> Path:
    path = Path(model_dir) / name
    expected = manifest.get("files", {}).get(name) or (manifest.get("sha256") if name == ARTEFACT else None)
    if not path.is_file() or file_sha256(path) != expected:
        raise ModelError(
            f"coder file {name} is missing or does not match its manifest (sha256)",
            path=str(path),
            hint=_RETRAIN,
        )
    return path


def _open_arrays(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot read coder arrays: {exc}", path=str(path), hint=_RETRAIN) from exc


def load_bundle(model_dir: str | Path = DEFAULT_MODEL_DIR) -> CoderBundle:
    """Load and verify a saved bundle (the sha256 of ``coder.npz`` must match the manifest)."""
    manifest = read_manifest(model_dir)
    if manifest.get("format") != FORMAT:
        raise ModelError(
            f"the coder in this folder has format {manifest.get('format', 'unknown')!r}, "
            f"this version reads {FORMAT!r}",
            path=str(model_dir),
            hint=_RETRAIN,
        )
    arrays = _open_arrays(_verified(model_dir, manifest, ARTEFACT))
    config = manifest["config"]
    code_ids = config["code_ids"]
    try:
        stacker = Stacker(
            config["families"],
            c=config["stacker"]["c"],
            seed=config["stacker"]["seed"],
            extras=config["stacker"]["extras"],
        )
        stacker.coef = arrays["stacker.coef"]
        stacker.question_mean = arrays["stacker.question_mean"]
        stacker.neighbour_mean = arrays["stacker.neighbour_mean"]
        bundle = CoderBundle(
            code_ids=list(code_ids),
            families=list(config["families"]),
            codebook_version=config["codebook_version"],
            embedder_spec=config["embedder"],
            pipeline=config["pipeline"],
            similarity=SimilarityModel.from_arrays(arrays, code_ids),
            classifier=ClassifierModel.from_arrays(arrays, config["classifier"], code_ids),
            stacker=stacker,
            thresholds={m: arrays[f"thresholds.{m}"].tolist() for m in config["threshold_methods"]},
            model_version=manifest.get("model_version", ""),
            meta=manifest,
            stance=StanceModel.from_arrays(arrays),
            cooc=arrays["cooc"].astype(np.float64),
            possible=dict(config.get("possible", {})),
            beta=float(config.get("beta", 1.0)),
            source_dir=str(Path(model_dir)),
        )
    except KeyError as exc:
        raise ModelError(f"the coder's arrays lack {exc}", path=str(model_dir), hint=_RETRAIN) from exc
    if "tfidf.params" in arrays:
        bundle.tfidf_embedder = _tfidf_embedder(arrays)
        bundle.meta = {
            **manifest,
            "tfidf_fit_texts": split_texts(arrays["tfidf.fit_texts"], int(arrays["tfidf.params"][0])),
        }
    return bundle


def load_training(model_dir: str | Path) -> dict[str, np.ndarray]:
    """The training cache of a saved coder (``training.npz``), verified."""
    manifest = read_manifest(model_dir)
    if TRAINING not in manifest.get("files", {}):
        raise ModelError(
            "this coder was saved without its training cache (training.npz)",
            path=str(model_dir),
            hint=_RETRAIN,
        )
    return _open_arrays(_verified(model_dir, manifest, TRAINING))


def _tfidf_embedder(arrays: dict[str, np.ndarray]) -> Any:
    """Refit the tfidf embedder on the texts it was fitted on (deterministic; imports scikit-learn)."""
    from hoi_nlp.nlp.embed import TfidfEmbedder

    n, dim, seed = (int(v) for v in arrays["tfidf.params"])
    return TfidfEmbedder(dim=dim, seed=seed).fit(split_texts(arrays["tfidf.fit_texts"], n))


def check_codebook(bundle: CoderBundle, codebook: Codebook, *, model_dir: str | Path = "") -> None:
    """Raise when the codebook's ids differ from the model's; warn when only its text changed."""
    if list(codebook.code_ids) != list(bundle.code_ids):
        added, removed = code_id_changes(codebook, bundle.code_ids)
        raise ModelError(
            f"the coder was trained for codebook {bundle.codebook_version}, whose code ids differ "
            f"from {codebook.version_tag} (new: {added[:5]}, gone: {removed[:5]})",
            path=str(model_dir) or None,
            hint=_OTHER_CODEBOOK,
        )
    if codebook.version_tag != bundle.codebook_version:
        logger.warning(
            "coder trained for codebook %s, now %s (same code ids: it codes with it; to learn the new "
            "wording, retrain it: `hoi retrain STUDY` for a study's coder, `hoi train` for your own)",
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
    files = manifest.get("files", {})
    lines = [
        "[coder]",
        'name = "hoi.combined.v1"',
        f'format = "{manifest.get("format", FORMAT)}"',
        f'path = "{shown_str}/{manifest["artefact"]}"',
        f'revision = "{manifest["model_version"]}"',
        f'sha256 = "{manifest["sha256"]}"',
    ]
    if TRAINING in files:
        lines += [
            f'training_cache = "{shown_str}/{TRAINING}"',
            f'training_cache_sha256 = "{files[TRAINING]}"',
        ]
    lines += [
        f'codebook = "{manifest["codebook_version"]}"',
        f'embedder = "{manifest["embedder"]["model_id"]}"',
        'card = "models/coder/MODEL_CARD.md"',
        f'trained_at = "{manifest["trained_at"]}"',
    ]
    return "\n".join(lines) + "\n"


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


def _build_trained(
    method: TrainedMethod, codebook: Codebook, settings: Settings, options: CoderOptions
) -> Any:
    floor = options.min_confidence
    if floor is None and settings.coding.min_confidence > 0:
        floor = settings.coding.min_confidence
    return load_trained_coder(
        codebook,
        model_dir=options.model_dir,
        method=method,
        cache=options.cache if options.cache is not None else EmbeddingCache(),
        min_confidence=floor,
    )


def build_similarity(codebook: Codebook, settings: Settings, options: CoderOptions) -> Any:
    """The trained similarity coder (registered as ``hoi.similarity.v1``)."""
    return _build_trained("similarity", codebook, settings, options)


def build_classifier(codebook: Codebook, settings: Settings, options: CoderOptions) -> Any:
    """The trained classifier coder (registered as ``hoi.classifier.v1``)."""
    return _build_trained("classifier", codebook, settings, options)


def build_combined(codebook: Codebook, settings: Settings, options: CoderOptions) -> Any:
    """The trained combined coder (registered as ``hoi.combined.v1``)."""
    return _build_trained("combined", codebook, settings, options)
