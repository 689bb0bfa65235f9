"""Agreement between coders: percent agreement, Cohen's kappa (two coders), Krippendorff's alpha.

Each (segment, code) is one binary unit: was the code applied? Per code, the units are the
round's segments; "overall" pools all codes' units. Kappa comes from
``sklearn.metrics.cohen_kappa_score`` and alpha (nominal) from the ``krippendorff`` package;
both are undefined (``None``) when there is no variation to agree on.

Machine vs analyst compares the machine's suggestions with an analyst's decided codes on
the segments that analyst reviewed; suggestions still pending are left out.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hoi_nlp.errors import ExportError
from hoi_nlp.review.decisions import MAIN_ROUND, current_state, machine_suggestions
from hoi_nlp.review.rounds import coded_values, get_round, list_rounds
from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

OVERALL = "(overall)"


@dataclass(frozen=True)
class AgreementRow:
    """Agreement on one code (or overall) between named coders."""

    comparison: str
    code_id: str
    coders: str
    units: int
    positives: int
    percent: float | None
    kappa: float | None
    alpha: float | None


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


def agreement_rows(
    comparison: str, coders: Sequence[str], units: dict[str, dict[tuple[str, str], int]]
) -> list[AgreementRow]:
    """Per-code and overall agreement for ``coders`` over the same (segment, code) units."""
    keys = sorted(set.intersection(*(set(units[c]) for c in coders))) if coders else []
    codes = sorted({code for _, code in keys})
    rows = []
    for code in [*codes, OVERALL]:
        chosen = [k for k in keys if code == OVERALL or k[1] == code]
        matrix = [[units[c][k] for k in chosen] for c in coders]
        kappa = cohen_kappa(matrix[0], matrix[1]) if len(coders) == 2 else None
        rows.append(
            AgreementRow(
                comparison=comparison,
                code_id=code,
                coders=" vs ".join(coders),
                units=len(chosen),
                positives=sum(sum(r) for r in matrix),
                percent=_round(pairwise_percent(matrix)),
                kappa=_round(kappa),
                alpha=_round(krippendorff_alpha(matrix) if chosen else None),
            )
        )
    return rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def round_agreement(workspace: Workspace, round_id: str) -> list[AgreementRow]:
    """Analyst-vs-analyst agreement in a blind round (kappa for two, alpha for any number)."""
    current = get_round(workspace, round_id)
    values = coded_values(workspace, current)
    units = {a: {k: int(v) for k, v in per.items()} for a, per in values.items()}
    return agreement_rows(f"round {round_id}", current.analysts, units)


def machine_vs_analyst(
    workspace: Workspace, analyst: str | None = None, *, round: str = MAIN_ROUND
) -> list[AgreementRow]:
    """Machine suggestions vs the analyst's (or everyone's, ``None``) decided codes on reviewed segments."""
    state = current_state(workspace, analyst=analyst, round=round)
    reviewed = {seg for (seg, _), s in state.codes.items() if s.status in ("accepted", "added", "rejected")}
    if not reviewed:
        return []
    suggestions = machine_suggestions(workspace, segment_ids=sorted(reviewed))
    keys = set(suggestions) | {k for k in state.codes if k[0] in reviewed}
    machine: dict[tuple[str, str], int] = {}
    human: dict[tuple[str, str], int] = {}
    for key in keys:
        code_state = state.codes.get(key)
        if code_state is not None and code_state.status in ("suggested", "none"):
            continue  # still pending: no human judgement yet
        machine[key] = int(key in suggestions)
        human[key] = int(bool(code_state and code_state.present))
    who = analyst or "analysts"
    label = f"machine vs {who}" + (f" (round {round})" if round != MAIN_ROUND else "")
    return agreement_rows(label, ["machine", who], {"machine": machine, who: human})


def all_agreement(workspace: Workspace, *, round_id: str | None = None) -> list[AgreementRow]:
    """The rows shown in the app and exported: rounds' inter-coder agreement and machine vs analysts."""
    rows: list[AgreementRow] = []
    rounds = [get_round(workspace, round_id)] if round_id else list_rounds(workspace)
    for current in rounds:
        rows += round_agreement(workspace, current.round_id)
        for analyst in current.analysts:
            rows += machine_vs_analyst(workspace, analyst, round=current.round_id)
    if round_id is None:
        rows += machine_vs_analyst(workspace, None)
    return rows


def write_agreement(rows: Sequence[AgreementRow], path: str | Path) -> Path:
    """Write rows as CSV (UTF-8 with BOM) or XLSX, atomically."""
    import pandas as pd

    from hoi_nlp.io import write_atomic

    path = Path(path)
    frame = pd.DataFrame([asdict(r) for r in rows], columns=list(AgreementRow.__dataclass_fields__))
    if path.suffix.lower() == ".csv":
        return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8-sig"))
    if path.suffix.lower() == ".xlsx":
        return write_atomic(
            path, lambda tmp: frame.to_excel(tmp, index=False, sheet_name="Agreement", engine="openpyxl")
        )
    raise ExportError(f"unknown agreement format '{path.suffix}'", path=str(path), hint="use .csv or .xlsx")
