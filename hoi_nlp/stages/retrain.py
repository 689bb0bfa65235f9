"""Feed analysts' decisions back into the coders: retrain, then re-score the study.

Reviewed segments become labelled rows (:func:`hoi_nlp.review.labels.labelled_rows`) that are
added to the bundled training data. The retrained model is written into the study's workspace
(``<workspace>/models/coder``), never over the bundled model, and the study's coding units are
re-coded with it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import ModelError
from hoi_nlp.nlp.embed import EmbeddingCache
from hoi_nlp.review.labels import labelled_rows
from hoi_nlp.settings import Settings
from hoi_nlp.stages.study import code_stage, embedding_cache
from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)


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
) -> dict[str, Any]:
    """Retrain the coders with the reviewed rows and (by default) re-score the study with them.

    Returns a JSON-able summary: rows used, model folder, CV micro-F1 and what re-scoring did.
    """
    from hoi_nlp.coding.training.train import train_from_rows

    rows = labelled_rows(workspace, codebook=codebook)
    if not rows:
        raise ModelError("no reviewed segments yet", path=str(workspace.root),
                         hint="accept or reject some suggestions in `hoi review` first")
    cache = cache if cache is not None else embedding_cache(workspace)
    target = Path(out_dir) if out_dir is not None else workspace.coder_model_dir
    report = train_from_rows(rows, codebook=codebook, settings=settings, train_paths=train_paths,
                             embedder=embedder, out_dir=target, cache=cache)
    summary: dict[str, Any] = {
        "reviewed_rows": len(rows),
        "training_texts": report.n_rows,
        "model_dir": str(report.out_dir),
        "seconds": report.seconds,
        "cv_micro_f1": {name: round(r.micro.f1, 4) for name, r in report.cv.items()},
    }
    if rescore:
        summary["rescore"] = rescore_study(workspace, codebook=codebook, settings=settings,
                                           model_dir=report.out_dir, method=method, cache=cache)
    logger.info("retrained from %d reviewed segments -> %s", len(rows), report.out_dir)
    return summary


def rescore_study(workspace: Workspace, *, codebook: Codebook, settings: Settings, model_dir: str | Path,
                  method: str = "combined", cache: EmbeddingCache | None = None) -> dict[str, int]:
    """Re-code the study's coding units with the trained coder in ``model_dir``."""
    from hoi_nlp.coding.model_io import load_trained_coder

    coder = load_trained_coder(codebook, model_dir=model_dir, method=method,  # type: ignore[arg-type]
                               cache=cache if cache is not None else embedding_cache(workspace))
    return code_stage(workspace, codebook, settings, coder=coder)


def train_stage(codebook: Codebook, settings: Settings, *, data: Sequence[str | Path] = (),
                review_workspace: str | Path | None = None, out_dir: str | Path | None = None, folds: int = 5,
                seed: int = 0) -> Any:
    """Train the similarity, classifier and combined coders (``hoi train``); returns the training report.

    ``data`` defaults to the bundled training files; ``review_workspace`` adds a study's reviewed decisions.
    """
    from hoi_nlp.coding.model_io import DEFAULT_MODEL_DIR
    from hoi_nlp.coding.training.train import default_train_paths, train_coder
    from hoi_nlp.nlp.embed import get_embedder

    extra = labelled_rows(Workspace.open(review_workspace, create=False), codebook=codebook) \
        if review_workspace else []
    return train_coder(codebook, train_paths=list(data) or default_train_paths(), extra_rows=extra,
                       embedder=get_embedder(settings.embeddings), out_dir=out_dir or DEFAULT_MODEL_DIR,
                       cache=EmbeddingCache(), folds=folds, seed=seed)
