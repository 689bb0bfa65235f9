"""Feed analysts' decisions back into the coders: retrain, then re-score the study.

Reviewed segments become labelled rows (accepted/added codes; a segment whose codes were all
rejected is a negative example) that are added to the bundled training data. The retrained
model is written into the study's workspace (``<workspace>/models/coder``), never over the
bundled model, and the study's coding units are re-coded with it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import ModelError
from hoi_nlp.review.decisions import reviewed_rows
from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

MODEL_SUBDIR = ("models", "coder")


def study_model_dir(workspace: Workspace) -> Path:
    """Where a study's retrained coder lives."""
    return workspace.root.joinpath(*MODEL_SUBDIR)


def labelled_rows(workspace: Workspace, *, codebook: Codebook) -> list[Any]:
    """The review's decided segments as :class:`~hoi_nlp.coding.data.LabelledRow` (unknown codes dropped)."""
    from hoi_nlp.coding.data import LabelledRow

    rows = []
    for row in reviewed_rows(workspace):
        codes = tuple(c for c in row["codes_accepted"] if codebook.has_code(c))
        rows.append(
            LabelledRow(
                id=f"review:{row['segment_id']}",
                text=row["text"],
                codes=codes,
                kind="positive" if codes else "negative",
                origin="review",
            )
        )
    return rows


def retrain_from_reviews(
    workspace: Workspace,
    *,
    codebook: Codebook,
    out_dir: str | Path | None = None,
    train_paths: Sequence[str | Path] | None = None,
    embedder: Any = None,
    cache: Any = None,
    rescore: bool = True,
    method: str = "combined",
    settings: Any = None,
) -> dict[str, Any]:
    """Retrain the coders with the reviewed rows and (by default) re-score the study with them.

    Returns a JSON-able summary: rows used, model folder, CV micro-F1 and what re-scoring did.
    """
    from hoi_nlp.coding.train import train_from_rows

    rows = labelled_rows(workspace, codebook=codebook)
    if not rows:
        raise ModelError(
            "no reviewed segments yet",
            path=str(workspace.root),
            hint="accept or reject some suggestions in `hoi review` first",
        )
    target = Path(out_dir) if out_dir is not None else study_model_dir(workspace)
    report = train_from_rows(
        rows, codebook=codebook, train_paths=train_paths, embedder=embedder, out_dir=target, cache=cache
    )
    summary: dict[str, Any] = {
        "reviewed_rows": len(rows),
        "training_texts": report.n_rows,
        "model_dir": str(report.out_dir),
        "seconds": report.seconds,
        "cv_micro_f1": {name: round(r.micro.f1, 4) for name, r in report.cv.items()},
    }
    if rescore:
        summary["rescore"] = rescore_study(
            workspace,
            codebook=codebook,
            model_dir=report.out_dir,
            method=method,
            cache=cache,
            settings=settings,
        )
    logger.info("retrained from %d reviewed segments -> %s", len(rows), report.out_dir)
    return summary


def rescore_study(
    workspace: Workspace,
    *,
    codebook: Codebook,
    model_dir: str | Path,
    method: str = "combined",
    cache: Any = None,
    settings: Any = None,
) -> dict[str, int]:
    """Re-code the study's coding units with the trained coder in ``model_dir``."""
    from hoi_nlp.coding.model_io import load_trained_coder
    from hoi_nlp.nlp.embed import EmbeddingCache
    from hoi_nlp.runner import code_stage
    from hoi_nlp.settings import load_settings

    coder = load_trained_coder(
        codebook,
        model_dir=model_dir,
        method=method,  # type: ignore[arg-type]
        cache=cache if cache is not None else EmbeddingCache(),
    )
    return code_stage(workspace, codebook, settings or load_settings(), coder=coder)
