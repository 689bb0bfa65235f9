"""Whether a study's coder must or should be retrained for its codebook as it is now."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import HoiError
from hoi_nlp.review.codebook_edit import codebook_history
from hoi_nlp.review.decisions import decided_pairs
from hoi_nlp.store import Workspace, assignments_table


@dataclass(frozen=True)
class RetrainAdvice:
    """Whether the coder must (``required``) or should be retrained for the current codebook."""

    required: bool
    new_codes: tuple[str, ...] = ()
    gone_codes: tuple[str, ...] = ()
    suggestions_from: tuple[str, ...] = ()
    current: str = ""


def _stale_suggestions(workspace: Workspace, codebook: Codebook) -> tuple[str, ...]:
    """The other codebook versions the study's undecided suggestions were made under (a decided one
    keeps the suggestion it was decided on, whatever its version)."""
    column = assignments_table.c
    with workspace.engine.connect() as conn:
        rows = conn.execute(select(column.segment_id, column.code_id, column.codebook_version).distinct()
                            .where(column.codebook_version != codebook.version_tag)).all()
    if not rows:
        return ()
    decided = decided_pairs(workspace, sorted({seg for seg, _, _ in rows}))
    return tuple(sorted({version for seg, code, version in rows if (seg, code) not in decided}))


def retrain_advice(workspace: Workspace, codebook: Codebook, model_dir: Path | None) -> RetrainAdvice | None:
    """Advice when the study's suggestions or its trained coder predate the current codebook.

    Required when the coder's code ids differ from the codebook's (it cannot code with it);
    recommended when the stored suggestions were made under another codebook version after a
    change in the app. None when the codebook was never changed here and the coder fits.
    """
    changed = bool(codebook_history(workspace))
    new: list[str] = []
    gone: list[str] = []
    if model_dir is not None:
        from hoi_nlp.coding.model_io import code_id_changes, read_manifest, trained_code_ids

        try:
            trained = trained_code_ids(read_manifest(model_dir))
        except (HoiError, OSError, ValueError):
            trained = []
        if trained:
            new, gone = code_id_changes(codebook, trained)
    stale = _stale_suggestions(workspace, codebook) if changed else ()
    if not (new or gone or stale):
        return None
    return RetrainAdvice(
        required=bool(new or gone),
        new_codes=tuple(new),
        gone_codes=tuple(gone),
        suggestions_from=stale,
        current=codebook.version_tag,
    )
