"""Report statistics: code frequencies per respondent, crosstabs with a test, co-occurrence.

Everything is counted on the effective (reviewed) coding. A respondent counts once per code.
The significance test follows the usual rule for small survey tables: Pearson's chi-square
when every expected count is at least 5, Fisher's exact test for a 2×2 table otherwise, and
"for få observationer" when neither applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hoi_nlp.export.study import CodedStudy

TOO_FEW = "for få observationer"
CROSSTAB_ATTRIBUTES = ("size_group", "region", "role")
TARGET_PREFIXES = ("maalgruppe_", "target_")


@dataclass(frozen=True)
class TestResult:
    """Which test was used, its p-value and a Danish note (``for få observationer``)."""

    test: str
    p_value: float | None
    note: str = ""

    def describe(self) -> str:
        """``chi² p = 0,031`` / ``Fishers eksakte test p = 0,20`` / ``for få observationer``."""
        if self.p_value is None:
            return self.note or TOO_FEW
        return f"{self.test} p = {format_p(self.p_value)}"


def format_p(p: float) -> str:
    """A p-value the Danish way: ``0,031``; below 0.001 as ``< 0,001``."""
    return "< 0,001" if p < 0.001 else f"{p:.3f}".replace(".", ",")


def frequency_table(study: CodedStudy, family_id: str) -> pd.DataFrame:
    """Per code: respondents mentioning it, share of all respondents (pct.), segments, reviewed."""
    matrix = study.respondent_matrix
    total = len(matrix)
    rows = []
    for code in study.codebook.family(family_id).codes:
        codings = study.codings_for(code.id)
        mentioning = int(matrix[code.id].sum()) if total else 0
        rows.append(
            {
                "code_id": code.id,
                "label": code.label,
                "respondents": mentioning,
                "share_of_respondents_pct": round(100 * mentioning / total, 1) if total else 0.0,
                "segments": len({c.segment_id for c in codings}),
                "reviewed_segments": sum(1 for c in codings if c.review in ("accepted", "added")),
            }
        )
    columns = ["code_id", "label", "respondents", "share_of_respondents_pct", "segments", "reviewed_segments"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["respondents", "segments"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def crosstab_attributes(study: CodedStudy) -> list[str]:
    """Attributes to cross codes by: size group, region, role and target-group closed items present."""
    present = {k for attrs in study.respondents.values() for k, v in attrs.items() if v}
    found = [a for a in CROSSTAB_ATTRIBUTES if a in present]
    return found + sorted(a for a in present if a.startswith(TARGET_PREFIXES))


def significance(table: np.ndarray) -> TestResult:
    """Chi-square when all expected counts ≥ 5, else Fisher's exact test for 2×2, else not testable."""
    from scipy import stats

    table = np.asarray(table, dtype=float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.ndim != 2 or min(table.shape) < 2:
        return TestResult("", None, TOO_FEW)
    expected = stats.contingency.expected_freq(table)
    if (expected >= 5).all():
        result = stats.chi2_contingency(table, correction=False)
        return TestResult("chi²", float(result.pvalue))
    if table.shape == (2, 2):
        return TestResult("Fishers eksakte test", float(stats.fisher_exact(table.astype(int)).pvalue))
    return TestResult("", None, TOO_FEW)


def crosstab(study: CodedStudy, code_id: str, attribute: str) -> tuple[pd.DataFrame, TestResult]:
    """Respondents mentioning ``code_id`` per group of ``attribute``: counts, shares and the test."""
    matrix = study.respondent_matrix
    groups = pd.Series({rid: attrs.get(attribute) or "" for rid, attrs in study.respondents.items()})
    groups = groups[groups != ""]
    rows = []
    counts = []
    for group in sorted(groups.unique()):
        members = groups.index[groups == group]
        mentioning = int(matrix.loc[members, code_id].sum())
        rows.append(
            {
                "group": group,
                "respondents": len(members),
                "mentioning": mentioning,
                "share_pct": round(100 * mentioning / len(members), 1) if len(members) else 0.0,
            }
        )
        counts.append([mentioning, len(members) - mentioning])
    frame = pd.DataFrame(rows, columns=["group", "respondents", "mentioning", "share_pct"])
    return frame, significance(np.array(counts)) if counts else TestResult("", None, TOO_FEW)


def crosstab_family(study: CodedStudy, family_id: str, attribute: str) -> pd.DataFrame:
    """Long table for a family: per code and group the counts and shares, with the code's test."""
    rows = []
    for code in study.codebook.family(family_id).codes:
        frame, test = crosstab(study, code.id, attribute)
        for record in frame.to_dict("records"):
            rows.append(
                {
                    "code_id": code.id,
                    "label": code.label,
                    "attribute": attribute,
                    **record,
                    "test": test.test or "-",
                    "p_value": test.p_value,
                    "note": test.describe(),
                }
            )
    columns = [
        "code_id",
        "label",
        "attribute",
        "group",
        "respondents",
        "mentioning",
        "share_pct",
        "test",
        "p_value",
        "note",
    ]
    return pd.DataFrame(rows, columns=columns)


def crosstab_shares(study: CodedStudy, family_id: str, attribute: str) -> pd.DataFrame:
    """Codes × groups matrix of shares (pct.) — the heatmap's data."""
    long = crosstab_family(study, family_id, attribute)
    if long.empty:
        return pd.DataFrame()
    return long.pivot_table(index="label", columns="group", values="share_pct", sort=False)


def cooccurrence(
    study: CodedStudy, *, level: str = "respondent", codes: Sequence[str] | None = None
) -> pd.DataFrame:
    """Code × code counts of respondents (or segments) carrying both; the diagonal is each code's count."""
    matrix = study.respondent_matrix if level == "respondent" else study.segment_matrix
    if codes is not None:
        matrix = matrix[list(codes)]
    values = matrix.to_numpy().T @ matrix.to_numpy()
    return pd.DataFrame(values, index=matrix.columns, columns=matrix.columns)
