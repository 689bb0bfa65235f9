"""The review over a study workspace: the app's configuration, display preparation and .qdpx import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hoi_nlp.stages.retrain import retrain_from_reviews
from hoi_nlp.stages.study import RunInputs, active_model_dir


def review_app_config(inputs: RunInputs, *, login: bool = True, local_user: str = "analyst",
                      active_learning: bool = True, secure_cookie: bool = False,
                      allowed_hosts: tuple[str, ...] = ()) -> Any:
    """The review app's configuration: the study's one redactor, its current coder (for the
    active-learning order) and the retrain stage behind the app's retrain button."""
    from hoi_nlp.review.app import AppConfig
    from hoi_nlp.review.masking import PrivacyView

    settings = inputs.settings

    def retrain(workspace: Any, codebook: Any) -> dict[str, Any]:
        return retrain_from_reviews(workspace, codebook=codebook, settings=settings)

    return AppConfig(workspace=inputs.workspace, codebook=inputs.codebook, settings=settings, login=login,
                     local_user=local_user, privacy=PrivacyView(inputs.workspace, settings),
                     active_learning=active_learning, secure_cookie=secure_cookie,
                     model_dir=active_model_dir(inputs.workspace, settings), retrainer=retrain,
                     allowed_hosts=allowed_hosts)


def prepare_review(inputs: RunInputs) -> int:
    """Redact every source for display (normally done by the export of ``hoi run``);
    returns how many were new."""
    from hoi_nlp.review.masking import PrivacyView

    return PrivacyView(inputs.workspace, inputs.settings).prepare_all()


def import_project(inputs: RunInputs, path: Path, *, analyst: str | None = None, round: str = "main",
                   dry_run: bool = False) -> Any:
    """Record what an analyst did to a .qdpx project in another tool as review decisions (or, with
    ``dry_run``, only count them); returns the import's summary."""
    from hoi_nlp.review.refi_import import CodedUnits, import_qdpx

    units = CodedUnits.load(inputs.workspace, inputs.codebook)
    return import_qdpx(inputs.workspace, path, units, analyst=analyst, round=round, dry_run=dry_run)
