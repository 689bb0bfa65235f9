"""Agreement of coders with analysts: per-code P/R/F1 and kappa, per family and register, micro/macro.

Everything works on binary matrices ``(n_texts, n_codes)``: analysts' codes against a
coder's assigned codes (its ``tier="possible"`` candidates never count). Kappa is Cohen's kappa
on each code's binary labels (computed as scikit-learn's ``cohen_kappa_score`` does). Besides
F1, reports carry F-beta for the beta the coder's thresholds were chosen for, and — on data
with gold stances — the accuracy of the predicted barrier stance.
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
    fbeta: float | None = None


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
    beta: float = 1.5
    stance: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable form."""
        return asdict(self)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return round(precision, 4), round(recall, 4), round(f1, 4)


def cohen_kappa(gold: np.ndarray, pred: np.ndarray) -> float:
    """Cohen's kappa of two binary label vectors (0.0 when chance agreement is total, as scikit-learn)."""
    gold, pred = gold.astype(bool).ravel(), pred.astype(bool).ravel()
    n = len(gold)
    if n == 0 or np.array_equal(gold, pred):
        return 1.0
    observed = float((gold == pred).mean())
    p_gold, p_pred = float(gold.mean()), float(pred.mean())
    expected = p_gold * p_pred + (1 - p_gold) * (1 - p_pred)
    if expected >= 1.0:
        return 0.0
    return (observed - expected) / (1 - expected)


def _fbeta(tp: int, fp: int, fn: int, beta: float) -> float:
    b2 = beta * beta
    denominator = (1 + b2) * tp + b2 * fn + fp
    return round((1 + b2) * tp / denominator, 4) if denominator else 0.0


def scores(gold: np.ndarray, pred: np.ndarray, *, with_kappa: bool = False, beta: float = 1.5) -> Scores:
    """Pooled scores of binary arrays of any shape."""
    gold, pred = gold.astype(bool), pred.astype(bool)
    tp, fp, fn = int((gold & pred).sum()), int((~gold & pred).sum()), int((gold & ~pred).sum())
    kappa = round(cohen_kappa(gold, pred), 4) if with_kappa else None
    return Scores(*_prf(tp, fp, fn), support=int(gold.sum()), predicted=int(pred.sum()), kappa=kappa,
                  fbeta=_fbeta(tp, fp, fn, beta))


def evaluate_matrix(
    gold: np.ndarray,
    pred: np.ndarray,
    code_ids: Sequence[str],
    *,
    coder: str,
    data: str,
    registers: Sequence[str] | None = None,
    beta: float = 1.5,
) -> EvalReport:
    """Per-code, per-family, micro and macro scores; macro F1 averages codes with support.

    ``registers`` (one label per row, e.g. interview/survey/report) adds pooled scores per
    register; rows with an empty label are left out of that breakdown.
    """
    per_code = {cid: scores(gold[:, j], pred[:, j], with_kappa=True, beta=beta)
                for j, cid in enumerate(code_ids)}
    families = sorted({cid.split(".", 1)[0] for cid in code_ids})
    per_family = {}
    for family in families:
        cols = [j for j, cid in enumerate(code_ids) if cid.split(".", 1)[0] == family]
        per_family[family] = scores(gold[:, cols], pred[:, cols], beta=beta)
    supported = [s.f1 for s in per_code.values() if s.support > 0]
    macro = round(float(np.mean(supported)), 4) if supported else 0.0
    per_register = {}
    if registers is not None:
        labels = np.asarray(registers, dtype=object)
        for register in sorted({r for r in labels if r}):
            rows = labels == register
            per_register[register] = scores(gold[rows], pred[rows], beta=beta)
    return EvalReport(
        coder, data, int(gold.shape[0]), scores(gold, pred, beta=beta), macro, per_code, per_family,
        per_register, beta=beta,
    )


def assignments_matrix(
    assignments: Sequence[CodeAssignment], segment_ids: Sequence[str], code_ids: Sequence[str]
) -> np.ndarray:
    """0/1 matrix of which codes were assigned to which segment ("possible" candidates left out)."""
    rows = {sid: i for i, sid in enumerate(segment_ids)}
    cols = {cid: j for j, cid in enumerate(code_ids)}
    matrix = np.zeros((len(segment_ids), len(code_ids)), dtype=np.int8)
    for assignment in assignments:
        if getattr(assignment, "tier", "suggested") == "possible":
            continue
        if assignment.segment_id in rows and assignment.code_id in cols:
            matrix[rows[assignment.segment_id], cols[assignment.code_id]] = 1
    return matrix


def format_table(reports: Sequence[EvalReport], *, per_code: bool = True) -> str:
    """A plain-text table: per code (F1 and kappa per coder), per family, per register, summary rows."""
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
        for label, attr in (("P", "precision"), ("R", "recall"), ("F1", "f1")):
            cells = "".join(f"{getattr(r.per_register[register], attr):14.3f}{'':7s}" for r in reports)
            name = f"register {register} micro {label}"
            lines.append(f"{name:44s}{cells}{counts if label == 'F1' else ''}")
    if registers:
        lines.append("-" * len(head))
    beta = reports[0].beta if reports else 1.5
    lines.append(f"{'micro P':44s}" + "".join(f"{r.micro.precision:14.3f}{'':7s}" for r in reports))
    lines.append(f"{'micro R':44s}" + "".join(f"{r.micro.recall:14.3f}{'':7s}" for r in reports))
    lines.append(f"{'micro F1':44s}" + "".join(f"{r.micro.f1:14.3f}{'':7s}" for r in reports))
    lines.append(f"{f'micro F{beta:g} (the operating point)':44s}"
                 + "".join(f"{(r.micro.fbeta or 0.0):14.3f}{'':7s}" for r in reports))
    lines.append(f"{'macro F1':44s}" + "".join(f"{r.macro_f1:14.3f}{'':7s}" for r in reports))
    # the last coder with a stance report (the combined one when all are scored): its "also
    # suggested" figure depends on that coder's own suggestions
    with_stance = next((r for r in reversed(reports) if r.stance), None)
    if with_stance is not None:
        stance = with_stance.stance
        lines.append("-" * len(head))
        lines.append(
            f"barrier stance ({with_stance.coder}): accuracy {stance['accuracy']:.3f} "
            f"on {stance['pairs']} gold "
            f"barrier codes (majority '{stance['majority']}' {stance['majority_share']:.3f}); "
            f"{stance['detected_accuracy']:.3f} on the {stance['detected_pairs']} it also suggested")
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
    """Run each coder on labelled ``rows`` (with their questions as context) and score it.

    Trained coders share one feature pass. Rows with gold stances add the stance accuracy of the
    last trained coder.
    """
    from hoi_nlp.coding.base import code_segments, text_segments
    from hoi_nlp.coding.training.data import label_matrix, row_contexts

    segments = text_segments([(f"row{i}", row.text) for i, row in enumerate(rows)])
    segment_ids = [seg.segment_id for seg in segments]
    contexts = row_contexts(rows)
    gold = label_matrix(rows, code_ids)
    registers = [getattr(row, "register", "") or "" for row in rows]
    shared: dict[int, Any] = {}
    reports = []
    for name, coder in coders.items():
        beta = 1.5
        if hasattr(coder, "code_features"):
            key = id(coder.bundle)
            if key not in shared:
                shared[key] = coder.features([seg.text for seg in segments], contexts)
            assignments = coder.code_features(segments, shared[key])
            beta = float(getattr(coder.bundle, "beta", beta))
        else:
            assignments = code_segments(coder, segments, contexts)
        pred = assignments_matrix(assignments, segment_ids, code_ids)
        report = evaluate_matrix(gold, pred, code_ids, coder=name, data=data, registers=registers, beta=beta)
        if hasattr(coder, "code_features") and any(getattr(r, "stance", None) for r in rows):
            report.stance = stance_report(rows, coder.bundle.stances(shared[id(coder.bundle)]), assignments,
                                          segment_ids)
        reports.append(report)
    return reports


def stance_report(rows: Sequence[Any], predicted: Sequence[str], assignments: Sequence[CodeAssignment],
                  segment_ids: Sequence[str]) -> dict[str, Any]:
    """Stance accuracy on the gold barrier codes, and on those the coder also suggested."""
    index = {sid: i for i, sid in enumerate(segment_ids)}
    suggested = {(index[a.segment_id], a.code_id): a.stance for a in assignments
                 if a.segment_id in index and getattr(a, "tier", "suggested") == "suggested"}
    pairs = [(i, code, stance) for i, row in enumerate(rows) for code, stance in (row.stance or {}).items()]
    if not pairs:
        return {}
    correct = sum(predicted[i] == stance for i, _, stance in pairs)
    detected = [(i, code, stance) for i, code, stance in pairs if (i, code) in suggested]
    detected_correct = sum(suggested[(i, code)] == stance for i, code, stance in detected)
    counts: dict[str, int] = {}
    for _, _, stance in pairs:
        counts[stance] = counts.get(stance, 0) + 1
    majority = max(counts, key=counts.__getitem__)
    return {"pairs": len(pairs), "accuracy": round(correct / len(pairs), 4), "majority": majority,
            "majority_share": round(counts[majority] / len(pairs), 4), "counts": counts,
            "detected_pairs": len(detected),
            "detected_accuracy": round(detected_correct / len(detected), 4) if detected else 0.0}
