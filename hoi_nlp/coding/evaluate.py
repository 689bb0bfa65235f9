"""Agreement of coders with analysts: per-code P/R/F1 and kappa, per family and register, micro/macro.

Everything works on binary matrices ``(n_texts, n_codes)``: analysts' codes against a
coder's assigned codes. Kappa is sklearn's ``cohen_kappa_score`` on each code's binary labels.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import cohen_kappa_score

from hoi_nlp.records import CodeAssignment


@dataclass(frozen=True)
class Scores:
    """Precision, recall, F1 and kappa with support (positives in the gold labels)."""

    precision: float
    recall: float
    f1: float
    support: int
    predicted: int
    kappa: float | None = None


@dataclass
class EvalReport:
    """Scores of one coder on one labelled set."""

    coder: str
    data: str
    n_texts: int
    micro: Scores
    macro_f1: float
    per_code: dict[str, Scores] = field(default_factory=dict)
    per_family: dict[str, Scores] = field(default_factory=dict)
    per_register: dict[str, Scores] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable form."""
        return asdict(self)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return round(precision, 4), round(recall, 4), round(f1, 4)


def scores(gold: np.ndarray, pred: np.ndarray, *, with_kappa: bool = False) -> Scores:
    """Pooled scores of binary arrays of any shape."""
    gold, pred = gold.astype(bool), pred.astype(bool)
    tp, fp, fn = int((gold & pred).sum()), int((~gold & pred).sum()), int((gold & ~pred).sum())
    kappa = None
    if with_kappa:
        kappa = 1.0 if np.array_equal(gold, pred) else float(cohen_kappa_score(gold.ravel(), pred.ravel()))
        kappa = round(kappa, 4)
    return Scores(*_prf(tp, fp, fn), support=int(gold.sum()), predicted=int(pred.sum()), kappa=kappa)


def evaluate_matrix(
    gold: np.ndarray,
    pred: np.ndarray,
    code_ids: Sequence[str],
    *,
    coder: str,
    data: str,
    registers: Sequence[str] | None = None,
) -> EvalReport:
    """Per-code, per-family, micro and macro scores; macro F1 averages codes with support.

    ``registers`` (one label per row, e.g. interview/survey/report) adds pooled scores per
    register; rows with an empty label are left out of that breakdown.
    """
    per_code = {cid: scores(gold[:, j], pred[:, j], with_kappa=True) for j, cid in enumerate(code_ids)}
    families = sorted({cid.split(".", 1)[0] for cid in code_ids})
    per_family = {}
    for family in families:
        cols = [j for j, cid in enumerate(code_ids) if cid.split(".", 1)[0] == family]
        per_family[family] = scores(gold[:, cols], pred[:, cols])
    supported = [s.f1 for s in per_code.values() if s.support > 0]
    macro = round(float(np.mean(supported)), 4) if supported else 0.0
    per_register = {}
    if registers is not None:
        labels = np.asarray(registers, dtype=object)
        for register in sorted({r for r in labels if r}):
            rows = labels == register
            per_register[register] = scores(gold[rows], pred[rows])
    return EvalReport(
        coder, data, int(gold.shape[0]), scores(gold, pred), macro, per_code, per_family, per_register
    )


def assignments_matrix(
    assignments: Sequence[CodeAssignment], segment_ids: Sequence[str], code_ids: Sequence[str]
) -> np.ndarray:
    """0/1 matrix of which codes were assigned to which segment."""
    rows = {sid: i for i, sid in enumerate(segment_ids)}
    cols = {cid: j for j, cid in enumerate(code_ids)}
    matrix = np.zeros((len(segment_ids), len(code_ids)), dtype=np.int8)
    for assignment in assignments:
        if assignment.segment_id in rows and assignment.code_id in cols:
            matrix[rows[assignment.segment_id], cols[assignment.code_id]] = 1
    return matrix


def format_table(reports: Sequence[EvalReport], *, per_code: bool = True) -> str:
    """A plain-text table: per code (F1 and kappa per coder), per family and the summary rows."""
    names = [r.coder for r in reports]
    head = f"{'code':44s}" + "".join(f"{n[:12]:>14s}{'κ':>7s}" for n in names) + f"{'n':>6s}"
    lines = [
        f"data: {reports[0].data}  ({reports[0].n_texts} texts)" if reports else "",
        head,
        "-" * len(head),
    ]
    if per_code and reports:
        for cid in reports[0].per_code:
            cells = "".join(f"{r.per_code[cid].f1:14.3f}{_k(r.per_code[cid].kappa):>7s}" for r in reports)
            lines.append(f"{cid:44s}{cells}{reports[0].per_code[cid].support:6d}")
        lines.append("-" * len(head))
    for family in reports[0].per_family if reports else []:
        cells = "".join(f"{r.per_family[family].f1:14.3f}{'':7s}" for r in reports)
        lines.append(f"{'family ' + family:44s}{cells}{reports[0].per_family[family].support:6d}")
    lines.append("-" * len(head))
    registers = reports[0].per_register if reports else {}
    for register in registers:
        counts = f"{registers[register].support:6d}"
        cells = "".join(f"{r.per_register[register].f1:14.3f}{'':7s}" for r in reports)
        lines.append(f"{'register ' + register + ' (micro F1)':44s}{cells}{counts}")
    if registers:
        lines.append("-" * len(head))
    lines.append(f"{'micro P':44s}" + "".join(f"{r.micro.precision:14.3f}{'':7s}" for r in reports))
    lines.append(f"{'micro R':44s}" + "".join(f"{r.micro.recall:14.3f}{'':7s}" for r in reports))
    lines.append(f"{'micro F1':44s}" + "".join(f"{r.micro.f1:14.3f}{'':7s}" for r in reports))
    lines.append(f"{'macro F1':44s}" + "".join(f"{r.macro_f1:14.3f}{'':7s}" for r in reports))
    return "\n".join(lines)


def _k(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def write_reports(reports: Sequence[EvalReport], path: str | Path) -> Path:
    """Write reports as JSON (``.json``) or a long CSV (any other suffix), atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            if path.suffix == ".json":
                json.dump([r.to_dict() for r in reports], stream, ensure_ascii=False, indent=1)
            else:
                _write_csv(reports, stream)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _write_csv(reports: Sequence[EvalReport], stream: Any) -> None:
    writer = csv.writer(stream)
    writer.writerow(["coder", "level", "id", "precision", "recall", "f1", "kappa", "support", "predicted"])
    for r in reports:
        rows = [("code", k, s) for k, s in r.per_code.items()] + [
            ("family", k, s) for k, s in r.per_family.items()
        ]
        rows += [("register", k, s) for k, s in r.per_register.items()]
        rows.append(("micro", "all", r.micro))
        for level, key, s in rows:
            writer.writerow(
                [r.coder, level, key, s.precision, s.recall, s.f1, s.kappa, s.support, s.predicted]
            )
        writer.writerow([r.coder, "macro", "all", "", "", r.macro_f1, "", "", ""])


def evaluate_coders(
    rows: Sequence[Any], coders: dict[str, Any], code_ids: Sequence[str], *, data: str
) -> list[EvalReport]:
    """Run each coder on labelled ``rows`` and score it; trained coders share one feature pass."""
    from hoi_nlp.coding.base import text_segments
    from hoi_nlp.coding.training.data import label_matrix

    segments = text_segments([(f"row{i}", row.text) for i, row in enumerate(rows)])
    segment_ids = [seg.segment_id for seg in segments]
    gold = label_matrix(rows, code_ids)
    shared: dict[int, Any] = {}
    reports = []
    for name, coder in coders.items():
        if hasattr(coder, "code_features"):
            key = id(coder.bundle)
            if key not in shared:
                shared[key] = coder.features([seg.text for seg in segments])
            assignments = coder.code_features(segments, shared[key])
        else:
            assignments = coder.code(segments)
        pred = assignments_matrix(assignments, segment_ids, code_ids)
        registers = [getattr(row, "register", "") or "" for row in rows]
        reports.append(evaluate_matrix(gold, pred, code_ids, coder=name, data=data, registers=registers))
    return reports
