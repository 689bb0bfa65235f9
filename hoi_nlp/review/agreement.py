"""Agreement between coders: percent agreement, Cohen's kappa (two coders), Krippendorff's alpha.

Each (coding unit, code) is one binary judgement: was the code applied? Only coding units every
compared coder reviewed count (an analyst reviewed a unit when they decided at least one code on
it); the others are left out and counted (``left_out``), never read as "code absent".

- **Per code**: every compared unit, whether or not anyone applied the code there — absent for
  both is agreement, as in NVivo's coding comparison. Codes are those in play on the compared
  units (suggested by the machine or decided by an analyst); a code nobody met is not listed.
- **Overall** pools the judgements the coders faced: the (unit, code) pairs in play — the
  machine's suggestions on the compared units and every code an analyst decided there. It does
  not pool every code of the codebook on every unit (that would mostly count codes nobody
  considered as agreement).

A blind round compares its analysts' independent codings: ``consensus`` decisions resolve the
round afterwards and are not part of anyone's coding. Machine vs analyst compares the machine's
suggestions with an analyst's decided codes on the units that analyst reviewed; suggestions still
pending there are left out. Kappa comes from ``sklearn.metrics.cohen_kappa_score`` and alpha
(nominal) from the ``krippendorff`` package; both are undefined (``None``) when there is no
variation to agree on.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hoi_nlp.errors import ExportError, ReviewError
from hoi_nlp.review.decisions import MAIN_ROUND, current_state, machine_suggestions
from hoi_nlp.review.rounds import Round, RoundCodings, get_round, list_rounds, round_codings, round_progress
from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

OVERALL = "(overall)"


@dataclass(frozen=True)
class AgreementRow:
    """Agreement on one code (or overall) between named coders.

    ``units``: the binary (coding unit, code) judgements compared; ``segments``: the coding units
    every coder reviewed; ``left_out``: the units of the round that some coder did not review.
    """

    comparison: str
    code_id: str
    coders: str
    units: int
    positives: int
    percent: float | None
    kappa: float | None
    alpha: float | None
    segments: int = 0
    left_out: int = 0
    round: str = MAIN_ROUND


def percent_agreement(a: Sequence[int], b: Sequence[int]) -> float | None:
    """Share of units (in %) on which the two coders agree."""
    if len(a) != len(b):
        raise ValueError("both coders need the same units")
    if not len(a):
        return None
    return 100.0 * sum(int(x == y) for x, y in zip(a, b, strict=True)) / len(a)


def _finite(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def cohen_kappa(a: Sequence[int], b: Sequence[int]) -> float | None:
    """Cohen's kappa via scikit-learn; None when undefined (e.g. both coders constant and equal)."""
    from sklearn.metrics import cohen_kappa_score

    if not len(a):
        return None
    if len(set(a) | set(b)) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _finite(cohen_kappa_score(list(a), list(b)))


def krippendorff_alpha(matrix: Sequence[Sequence[float]]) -> float | None:
    """Nominal Krippendorff's alpha of a coders × units matrix (``nan`` = missing)."""
    import krippendorff

    data = np.asarray(matrix, dtype=float)
    values = data[~np.isnan(data)]
    if data.size == 0 or len(np.unique(values)) < 2:
        return None
    return _finite(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def pairwise_percent(matrix: Sequence[Sequence[int]]) -> float | None:
    """Mean percent agreement over all pairs of coders."""
    rows = [list(r) for r in matrix]
    scores = [percent_agreement(rows[i], rows[j]) for i in range(len(rows)) for j in range(i + 1, len(rows))]
    valid = [s for s in scores if s is not None]
    return sum(valid) / len(valid) if valid else None


Key = tuple[str, str]


@dataclass(frozen=True)
class Comparison:
    """What is compared: coders' applied (unit, code) pairs on the units they all reviewed."""

    label: str
    coders: tuple[str, ...]
    applied: dict[str, frozenset[Key]]
    units: tuple[str, ...]
    in_play: frozenset[Key]
    skip: frozenset[Key] = frozenset()
    left_out: int = 0
    round: str = MAIN_ROUND

    def code_keys(self, code: str) -> list[Key]:
        """Per code: every compared unit (absent for all is agreement)."""
        return [(unit, code) for unit in self.units if (unit, code) not in self.skip]

    def overall_keys(self) -> list[Key]:
        """Overall: the (unit, code) pairs in play on the compared units."""
        units = set(self.units)
        return sorted(k for k in self.in_play if k[0] in units and k not in self.skip)


def agreement_rows(comparison: Comparison) -> list[AgreementRow]:
    """Per-code and overall agreement of one comparison (see the module's docstring)."""
    overall = comparison.overall_keys()
    codes = sorted({code for _, code in overall})
    return [
        _row(comparison, code, comparison.code_keys(code) if code != OVERALL else overall)
        for code in [*codes, OVERALL]
    ]


def _row(comparison: Comparison, code: str, keys: list[Key]) -> AgreementRow:
    coders = comparison.coders
    matrix = [[int(k in comparison.applied[c]) for k in keys] for c in coders]
    kappa = cohen_kappa(matrix[0], matrix[1]) if len(coders) == 2 else None
    return AgreementRow(
        comparison=comparison.label,
        code_id=code,
        coders=" vs ".join(coders),
        units=len(keys),
        positives=sum(sum(r) for r in matrix),
        percent=_round(pairwise_percent(matrix)),
        kappa=_round(kappa),
        alpha=_round(krippendorff_alpha(matrix) if keys else None),
        segments=len(comparison.units),
        left_out=comparison.left_out,
        round=comparison.round,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def round_agreement(workspace: Workspace, round_id: str, *,
                    codings: RoundCodings | None = None) -> list[AgreementRow]:
    """Analyst-vs-analyst agreement in a blind round (kappa for two, alpha for any number), on the
    units every analyst of the round reviewed (``codings``: the round's, when already read)."""
    current = get_round(workspace, round_id)
    codings = codings or round_codings(workspace, current)
    compared = tuple(codings.compared())
    return agreement_rows(Comparison(
        label=f"round {round_id}", coders=current.analysts, applied=codings.applied, units=compared,
        in_play=codings.in_play, left_out=len(current.segment_ids) - len(compared), round=round_id,
    ))


def machine_vs_analyst(
    workspace: Workspace, analyst: str | None = None, *, round: str = MAIN_ROUND
) -> list[AgreementRow]:
    """Machine suggestions vs the analyst's (or everyone's, ``None``) decided codes on reviewed units."""
    state = current_state(workspace, analyst=analyst, round=round)
    reviewed = tuple(sorted(s for s, note in state.segments.items() if note.reviewed))
    if not reviewed:
        return []
    suggestions = machine_suggestions(workspace, segment_ids=list(reviewed))
    chosen = set(reviewed)
    on_reviewed = {k: s for k, s in state.codes.items() if k[0] in chosen}
    pending = frozenset(k for k, s in on_reviewed.items() if s.status in ("suggested", "none"))
    who = analyst or "analysts"
    label = f"machine vs {who}" + (f" (round {round})" if round != MAIN_ROUND else "")
    return agreement_rows(Comparison(
        label=label, coders=("machine", who),
        applied={"machine": frozenset(suggestions),
                 who: frozenset(k for k, s in on_reviewed.items() if s.present)},
        units=reviewed, in_play=frozenset(suggestions) | frozenset(on_reviewed), skip=pending, round=round,
    ))


def all_agreement(workspace: Workspace, *, round_id: str | None = None) -> list[AgreementRow]:
    """The rows shown in the app, `hoi agreement` and the report: complete rounds' inter-coder
    agreement and machine vs analysts. An unfinished or cancelled round is left out (asked for by
    ``round_id``: a :class:`ReviewError` saying how far it is)."""
    rows: list[AgreementRow] = []
    if round_id:
        rounds = [_complete_round(workspace, round_id)]
    else:
        rounds = [r for r in list_rounds(workspace) if r.complete]
    for current in rounds:
        rows += round_agreement(workspace, current.round_id)
        for analyst in current.analysts:
            rows += machine_vs_analyst(workspace, analyst, round=current.round_id)
    if round_id is None:
        rows += machine_vs_analyst(workspace, None)
    return rows


def _complete_round(workspace: Workspace, round_id: str) -> Round:
    current = get_round(workspace, round_id)
    if current.cancelled is not None:
        raise ReviewError("round '{round}' was cancelled: it has no agreement", round=round_id)
    if not current.complete:
        raise ReviewError(
            "round '{round}' is unfinished ({progress}): its agreement is computed once all have finished",
            hint="each finishes it on /rounds/{round} or: `hoi review cancel-round STUDY --round {round}`",
            round=round_id, progress=round_progress(workspace, current))
    return current


def write_agreement(rows: Sequence[AgreementRow], path: str | Path, *, dialect: str = "excel") -> Path:
    """Write rows as CSV (UTF-8 with BOM; ``dialect`` ``excel-da``: semicolons and decimal commas for
    Danish Excel) or XLSX, atomically."""
    import pandas as pd

    from hoi_nlp.io import CSV_DIALECTS, write_atomic, write_csv_frame

    path = Path(path)
    if dialect not in CSV_DIALECTS:
        raise ExportError("unknown CSV dialect '{dialect}'", hint="choose {dialects}", dialect=dialect,
                          dialects=" or ".join(CSV_DIALECTS))
    frame = pd.DataFrame([asdict(r) for r in rows], columns=list(AgreementRow.__dataclass_fields__))
    if path.suffix.lower() == ".csv":
        return write_atomic(path, lambda tmp: write_csv_frame(frame, tmp, dialect=dialect))
    if path.suffix.lower() == ".xlsx":
        return write_atomic(
            path, lambda tmp: frame.to_excel(tmp, index=False, sheet_name="Agreement", engine="openpyxl")
        )
    raise ExportError("unknown agreement format '{suffix}'", path=str(path), hint="use .csv or .xlsx",
                      suffix=path.suffix)
