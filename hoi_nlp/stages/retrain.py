"""Feed analysts' decisions back into the coders: retrain, then re-score the study.

Reviewed segments become labelled rows (:func:`hoi_nlp.review.labels.labelled_rows`) that are
added to the bundled coder's cached training the quick way; when the study's own codebook has other
codes than the base coder (created, renamed or merged in the review app, promoted from a theme), its
training is carried over to them first (:mod:`hoi_nlp.coding.training.adapt`).
The retrained model is written into the study's workspace (``<workspace>/models/coder``), never
over the bundled model, and the study's coding units are re-coded with it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import ModelError
from hoi_nlp.nlp.embed import EmbeddingCache
from hoi_nlp.review.labels import labelled_rows, partly_reviewed
from hoi_nlp.settings import Settings
from hoi_nlp.stages.study import code_stage, embedding_cache
from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)


def reviewed_training_rows(workspace: Workspace, *, codebook: Codebook) -> list[Any]:
    """The review's decided segments as labelled rows, with the analysts' barrier stances and each
    segment's question (from the workspace) as context."""
    return review_for_training(workspace, codebook=codebook)[0]


def review_for_training(workspace: Workspace, *, codebook: Codebook) -> tuple[list[Any], int]:
    """:func:`reviewed_training_rows` and how many reviewed units are left out of them for a suggestion
    nobody decided yet (:func:`partly_reviewed`), from one read of the review's state."""
    from dataclasses import replace

    from hoi_nlp.review.decisions import current_state, reviewed_rows
    from hoi_nlp.stages.study import coding_contexts
    from hoi_nlp.store import load_segments

    state = current_state(workspace)
    reviewed = reviewed_rows(workspace, state=state)
    undecided = partly_reviewed(workspace, reviewed)
    rows = labelled_rows(workspace, codebook=codebook, reviewed=reviewed)
    if not rows:
        return rows, undecided
    stances: dict[str, dict[str, str]] = {}
    for (segment_id, code_id), code_state in state.codes.items():
        stance = getattr(code_state, "stance", None)
        if stance and code_id.startswith("barrier.") and getattr(code_state, "present", False):
            stances.setdefault(segment_id, {})[code_id] = stance
    ids = [row.id.split(":", 1)[1] for row in rows]
    segments = {seg.segment_id: seg for seg in load_segments(workspace, segment_ids=ids)}
    ordered = [segments[i] for i in ids if i in segments]
    questions = {seg.segment_id: (ctx.question if ctx else "")
                 for seg, ctx in zip(ordered, coding_contexts(workspace, ordered), strict=True)}
    return [replace(row, context=questions.get(sid, ""),
                    stance={c: s for c, s in stances.get(sid, {}).items() if c in row.codes})
            for row, sid in zip(rows, ids, strict=True)], undecided


def retrain_from_reviews(
    workspace: Workspace,
    *,
    codebook: Codebook,
    settings: Settings,
    out_dir: str | Path | None = None,
    train_paths: Sequence[str | Path] | None = None,
    embedder: Any = None,
    cache: EmbeddingCache | None = None,
    rescore: bool = True,
    method: str = "combined",
    base_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Retrain the coders with the reviewed rows and (by default) re-score the study with them.

    The reviewed segments are added to the base coder (default: the configured model, never an
    earlier retrained one, so every retraining starts from the same base) the quick way, weighted by
    cross-validation (:func:`hoi_nlp.coding.training.train.train_with_study`). Returns a JSON-able
    summary: rows used, the chosen weight, model folder, seconds, CV micro-F1 and what re-scoring did.
    """
    from hoi_nlp.coding.training.train import train_from_rows

    rows, undecided = review_for_training(workspace, codebook=codebook)
    changed = train_paths is None and _codes_differ(workspace, codebook, settings, base_dir)
    if not rows and not changed:
        raise ModelError("no reviewed segments yet" + (
            f" (on {undecided} reviewed coding units some suggestions are still undecided: a unit is "
            "learnt from once every suggestion on it is accepted or rejected)" if undecided else ""),
            path=str(workspace.root),
            hint="accept or reject the suggestions of some units in `hoi review` first")
    renames = None
    if changed:
        # The study's codes are mapped onto the base coder's (renamed and moved codes carried over, new
        # and merged codes refitted on its cached rows) and the reviews added the quick way.
        from hoi_nlp.review.codebook_edit import code_id_map

        logger.info("the study's codebook %s has other codes than the base coder: carrying its training "
                    "over to them", codebook.version_tag)
        renames = code_id_map(workspace)
    cache = cache if cache is not None else embedding_cache(workspace)
    target = Path(out_dir) if out_dir is not None else workspace.coder_model_dir
    staged = _staging_dir(target)
    report = train_from_rows(rows, codebook=codebook, settings=settings, train_paths=train_paths,
                             embedder=embedder, out_dir=staged, cache=cache, base_dir=base_dir,
                             renames=renames)
    previous = install_coder(staged, target)
    summary: dict[str, Any] = {
        "reviewed_rows": len(rows),
        "left_out_undecided": undecided,
        "training_texts": report.n_rows,
        "model_dir": str(target),
        "previous_model_dir": str(previous) if previous else None,
        "seconds": report.seconds,
        "study_weight": report.manifest.get("study_weight", {}).get("chosen"),
        "cv_micro_f1": {name: round(r.micro.f1, 4) for name, r in report.cv.items() if "rows)" not in name},
        "cv": {name: {"data": r.data, "texts": r.n_texts, "micro_f1": r.micro.f1,
                      "precision": r.micro.precision, "recall": r.micro.recall}
               for name, r in report.cv.items()},
    }
    if rescore:
        # The analysts may have changed the codebook in the app while the coder trained (minutes): a
        # re-score with the codebook the training started from would write the machine's suggestions
        # under code ids the study no longer has (a renamed code's old id), replacing those the rename
        # had moved. Re-score with the study's codebook as it is now, and only when it still has the
        # codes the coder was trained on.
        from hoi_nlp.review.codebook_edit import current_codebook

        now = current_codebook(workspace, codebook)
        if set(now.code_ids) == set(codebook.code_ids):
            summary["rescore"] = rescore_study(workspace, codebook=now, settings=settings,
                                               model_dir=target, method=method, cache=cache)
        else:
            summary["rescore_skipped"] = now.version_tag
            logger.info("the study's codebook changed to %s during the retraining (trained on %s, with "
                        "other codes): the study was not re-scored; run `hoi retrain` again",
                        now.version_tag, codebook.version_tag)
    logger.info("retrained from %d reviewed segments -> %s", len(rows), target)
    return summary


def restore_previous_coder(workspace: Workspace) -> Path | None:
    """Go back to the coder the study's last retraining replaced: swap ``models/coder`` with
    ``models/coder.previous`` (so the same call goes forward again). Returns the study's coder folder
    now, or None when the study codes with the configured coder again (its first retraining replaced
    that one)."""
    import shutil

    from hoi_nlp.coding.model_io import MANIFEST, previous_model_dir

    target = workspace.coder_model_dir
    previous = previous_model_dir(target)
    current, earlier = (target / MANIFEST).is_file(), (previous / MANIFEST).is_file()
    if not (current or earlier):
        raise ModelError("this study has no retrained coder to go back from", path=str(target.parent),
                         hint="it codes with the configured coder; `hoi retrain STUDY` trains its own")
    swap = target.with_name(target.name + ".swap")
    shutil.rmtree(swap, ignore_errors=True)
    if current:
        target.rename(swap)
    if earlier:
        previous.rename(target)
    if current:
        swap.rename(previous)
    return target if earlier else None


def _staging_dir(target: Path) -> Path:
    """An empty folder beside ``target`` to train into (a killed earlier try's leftovers removed)."""
    import shutil

    staged = target.with_name(target.name + ".new")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    return staged


def install_coder(staged: Path, target: Path) -> Path | None:
    """Put the complete coder in ``staged`` in ``target``'s place; the coder it replaces is kept as
    ``coder.previous`` (returned; None when there was none). Until the first rename the study's coder is
    the old one, so a retraining killed while training leaves it in place; a kill between the two renames
    (an instant) leaves the study on the configured coder, with the new one in ``coder.new`` and the old
    in ``coder.previous``."""
    import shutil

    from hoi_nlp.coding.model_io import MANIFEST, previous_model_dir

    previous = previous_model_dir(target)
    kept = None
    if (target / MANIFEST).is_file():
        shutil.rmtree(previous, ignore_errors=True)
        target.rename(previous)
        kept = previous
    elif target.exists():
        shutil.rmtree(target)  # no manifest: not a coder anything could load
    staged.rename(target)
    return kept


def _codes_differ(workspace: Workspace, codebook: Codebook, settings: Settings,
                  base_dir: str | Path | None) -> bool:
    """Whether the study's own codebook (changed in the study) has other codes than the base coder."""
    from hoi_nlp.settings import resolve_repo_path
    from hoi_nlp.stages.study import study_code_order_differs, study_codes_differ

    base = Path(base_dir) if base_dir is not None else resolve_repo_path(settings.coding.model_dir)
    return any(study_codes_differ(workspace, codebook, base)) or study_code_order_differs(workspace, codebook,
                                                                                          base)


def rescore_study(workspace: Workspace, *, codebook: Codebook, settings: Settings, model_dir: str | Path,
                  method: str = "combined", cache: EmbeddingCache | None = None) -> dict[str, int]:
    """Re-code the study's coding units with the trained coder in ``model_dir``."""
    from hoi_nlp.coding.model_io import load_trained_coder

    coder = load_trained_coder(codebook, model_dir=model_dir, method=method,  # type: ignore[arg-type]
                               cache=cache if cache is not None else embedding_cache(workspace))
    return code_stage(workspace, codebook, settings, coder=coder)


def train_stage(codebook: Codebook, settings: Settings, *, data: Sequence[str | Path] = (),
                study_data: Sequence[str | Path] = (), base_dir: str | Path | None = None,
                review_workspace: str | Path | None = None, out_dir: str | Path | None = None, folds: int = 5,
                seed: int = 0) -> Any:
    """Train the similarity, classifier and combined coders (``hoi train``); returns the training report.

    ``data`` defaults to the bundled training files; ``review_workspace`` adds a study's reviewed
    decisions. ``study_data`` (labelled JSONL files of the study's own passages) are added to the
    trained coder in ``base_dir`` (default: the configured model; trained first from ``data`` when
    ``data`` is given), weighted by cross-validation.
    """
    from hoi_nlp.coding.model_io import DEFAULT_MODEL_DIR
    from hoi_nlp.coding.training.data import load_labelled
    from hoi_nlp.coding.training.train import default_train_paths, train_coder, train_with_study
    from hoi_nlp.nlp.embed import get_embedder
    from hoi_nlp.settings import resolve_repo_path

    for path in data:  # the bundled files' codes are checked by tests; a user's file is checked here
        load_labelled(path, codebook=codebook, unknown="raise")
    extra = labelled_rows(Workspace.open(review_workspace, create=False), codebook=codebook) \
        if review_workspace else []
    target = Path(out_dir) if out_dir is not None else DEFAULT_MODEL_DIR
    if not study_data:
        return train_coder(codebook, train_paths=list(data) or default_train_paths(), extra_rows=extra,
                           embedder=get_embedder(settings.embeddings), out_dir=target, cache=EmbeddingCache(),
                           folds=folds, seed=seed)
    base = Path(base_dir) if base_dir is not None else resolve_repo_path(settings.coding.model_dir)
    if not data and not extra:
        _check_base_codes(base, codebook, study_data)
    rows = [row for path in study_data for row in load_labelled(path, codebook=codebook, unknown="raise")]
    if data or extra:
        base = target / "base"
        train_coder(codebook, train_paths=list(data) or default_train_paths(), extra_rows=extra,
                    embedder=get_embedder(settings.embeddings), out_dir=base, cache=EmbeddingCache(),
                    folds=folds, seed=seed)
    return train_with_study(codebook, rows, base_dir=base, out_dir=target, cache=EmbeddingCache(), seed=seed,
                            study_paths=list(study_data))


def _check_base_codes(base: Path, codebook: Codebook, study_data: Sequence[str | Path]) -> None:
    """One clear error before anything is read when the study's passages use a codebook whose code ids
    differ from the base coder's (e.g. a code renamed in the study's own codebook): the quick path can
    only add passages coded with the base coder's ids."""
    from hoi_nlp.coding.model_io import code_id_changes, read_manifest, trained_code_ids
    from hoi_nlp.errors import InputFormatError

    manifest = read_manifest(base)
    trained = trained_code_ids(manifest)
    if not trained or trained == list(codebook.code_ids):
        return
    new, gone = code_id_changes(codebook, trained)
    raise InputFormatError(
        f"the codebook {codebook.version_tag} has other code ids than the coder the passages would be "
        f"added to ({base}, codebook {manifest.get('codebook_version')}): new {new[:5]}, missing {gone[:5]}",
        path=", ".join(str(p) for p in study_data),
        hint="code the passages with the coder's ids (a code renamed in the study: its former id) and "
             "leave out --codebook; or train a coder for the new codebook: `hoi retrain STUDY` for a "
             "study whose codebook changed, else `hoi train --codebook FILE --data ... --out DIR`",
    )
