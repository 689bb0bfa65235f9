"""The review over a study workspace: the app's configuration, display preparation and .qdpx import."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from hoi_nlp.errors import HoiError
from hoi_nlp.stages.retrain import retrain_from_reviews
from hoi_nlp.stages.study import RunInputs, active_model_dir, embedding_cache

logger = logging.getLogger(__name__)


class CoderExamples:
    """For the review app's "why": the training passages nearest to a unit that carry a code,
    from the study's current coder (:func:`hoi_nlp.coding.explain.nearest_training_examples`).

    Each is a :class:`~hoi_nlp.review.app.explain.NearExample`: its raw text, its origin and, for a
    passage an analyst reviewed (a retrained coder's study passages), the unit it was reviewed as.
    The app pseudonymises them for reviewers without original-text rights (a reviewed passage as
    the slice of its source's redaction). The coder is loaded on first use and again after a
    retrain. Without a usable trained coder (none configured, or a codebook the analysts changed
    since it was trained) it gives nothing and the app falls back on the codebook's examples.
    """

    def __init__(self, inputs: RunInputs, *, n: int = 3) -> None:
        self.inputs, self.n = inputs, n
        self._lock = threading.Lock()
        self._loaded: tuple[tuple[str, float], Any] | None = None
        self._last: tuple[str, Any] | None = None  # (text, its embedding): a page asks code by code

    def _coder(self) -> Any:
        from hoi_nlp.coding.model_io import load_trained_coder

        directory = active_model_dir(self.inputs.workspace, self.inputs.settings)
        manifest = directory / "manifest.json"
        key = (str(directory), manifest.stat().st_mtime if manifest.exists() else 0.0)
        if self._loaded is None or self._loaded[0] != key:
            coder = load_trained_coder(self.inputs.codebook, model_dir=directory, method="combined",
                                       cache=embedding_cache(self.inputs.workspace))
            self._loaded, self._last = (key, coder), None
        return self._loaded[1]

    def __call__(self, text: str, code_id: str) -> list[Any]:
        from hoi_nlp.coding.explain import nearest_training_examples
        from hoi_nlp.review.app.explain import NearExample
        from hoi_nlp.review.labels import reviewed_segment_id

        with self._lock:
            try:
                coder = self._coder()
            except (HoiError, OSError, ValueError) as exc:
                logger.info("no training examples for the review app: %s", exc)
                return []
            if code_id not in coder.bundle.code_ids:
                return []
            if self._last is None or self._last[0] != text:
                self._last = (text, coder.features([text], [None]).embeddings[0])
            found = nearest_training_examples(coder, self._last[1], coder.bundle.code_ids.index(code_id),
                                              n=self.n)
        return [NearExample(e.text, e.origin, reviewed_segment_id(e.row_id)) for e in found]


class StudyCodebookWatch:
    """The study's codebook as its commands read it (:func:`study_codebook_file`, then the study's own
    versions), reloaded when the file or the latest version changed: the review app's
    ``codebook_refresh``, so a file edited while the app runs (a code marked deprecated) counts there
    as it does for ``hoi run``. A refused codebook raises :class:`CodebookError` once per change."""

    def __init__(self, workspace: Any) -> None:
        self.workspace = workspace
        self._state = self._now()

    def _now(self) -> tuple[Any, ...]:
        from hoi_nlp.review.codebook_edit import latest_version_path
        from hoi_nlp.stages.study import study_codebook_file

        try:
            path = study_codebook_file(self.workspace.root)
            stat = path.stat()
            file_state: tuple[Any, ...] = (str(path), stat.st_mtime_ns, stat.st_size)
        except (HoiError, OSError) as exc:
            file_state = ("unreadable", str(exc))
        return (*file_state, latest_version_path(self.workspace))

    def __call__(self) -> Any:
        from hoi_nlp.stages.study import load_run_codebook, study_codebook, study_codebook_file

        state = self._now()
        if state == self._state:
            return None
        self._state = state  # a refused codebook is reported once, not on every request
        return study_codebook(self.workspace, load_run_codebook(study_codebook_file(self.workspace.root)))


class StudyCoderWatch:
    """The study's coder as its commands use it (:func:`active_model_dir`: the retrained one, else the
    configured one) with a key that changes when it is swapped (``hoi retrain``, ``--restore-previous``):
    the review app's ``coder_state``, so a coder retrained from the command line while the app runs
    orders its queue and informs its advice as it does for ``hoi run``."""

    def __init__(self, inputs: RunInputs) -> None:
        self.inputs = inputs

    def __call__(self) -> tuple[Path, tuple[Any, ...]]:
        directory = active_model_dir(self.inputs.workspace, self.inputs.settings)
        try:
            stat = (directory / "manifest.json").stat()
            key: tuple[Any, ...] = (str(directory), stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except OSError:
            key = (str(directory), None)
        return directory, key


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
                     nearest_examples=CoderExamples(inputs), allowed_hosts=allowed_hosts,
                     codebook_refresh=StudyCodebookWatch(inputs.workspace),
                     coder_state=StudyCoderWatch(inputs))


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
