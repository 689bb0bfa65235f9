"""Report statistics: code frequencies per material and question, crosstabs with tests, co-occurrence.

Everything is counted on the effective (reviewed) coding, and a respondent counts once per code.
Numbers a report can print:

- **Bases.** Shares are computed per material (survey answers and interviews apart, never mixed)
  and, in the survey, per question: the base is who answered (the material: at least one open
  question; a question: that question). Every share is printed with its base, ``22 pct. (17 af 77)``.
- **Small cells.** A group (crosstab column, question, material) with fewer respondents than
  ``min_group_size`` is merged with the other small groups into "Øvrige", or, when even that is too
  small, suppressed ("–"): no count, share or test of it is shown anywhere.
- **Tests.** Pearson's chi-square when every expected count is at least 5, Fisher's exact test for a
  2×2 table otherwise, "for få observationer" when neither applies; all p-values of an export are
  adjusted together with Benjamini–Hochberg and marked when they survive.
- **Stance.** Barrier codes are counted by stance (hindrance, precondition, overcome/absent, rating,
  and "stance unknown" where neither machine nor analyst set one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from hoi_nlp.export.lang import SUPPRESSED, Texts, texts_for
from hoi_nlp.export.study import CodedStudy, coarse_role
from hoi_nlp.records import STANCE_FAMILY
from hoi_nlp.settings import ReportSettings

TOO_FEW = "for få observationer"
FIGURE_CODES = 12  # a family's bar chart shows its most mentioned codes (its table lists them all)
CROSSTAB_ATTRIBUTES = ("size_group", "region", "role")
TARGET_PREFIXES = ("maalgruppe_", "target_")
STANCE_ORDER = ("hindrance", "precondition", "overcome", "rating", None)
STANCE_KEYS = {"hindrance": "hindrance", "precondition": "precondition", "overcome": "overcome",
               "rating": "rating", None: "stance_unknown"}


@dataclass(frozen=True)
class TestResult:
    """Which test was used, its p-value and a note (``for få observationer``)."""

    test: str
    p_value: float | None
    note: str = ""

    def describe(self, texts: Texts | None = None) -> str:
        """``chi² p = 0,031`` / ``Fishers eksakte test p = 0,20`` / ``for få observationer``."""
        texts = texts or texts_for("da")
        if self.p_value is None:
            return texts("too_few")
        return texts("test_p", test=texts(self.test), p=texts.p_value(self.p_value))


def format_p(p: float) -> str:
    """A p-value the Danish way: ``0,031``; below 0.001 as ``< 0,001``."""
    return texts_for("da").p_value(p)


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (step-up, monotone, at most 1), in the input order."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    out = np.empty(m)
    out[order] = adjusted
    return out.tolist()


# ---------------------------------------------------------------- groups and small cells


def group_value(attribute: str, attributes: dict[str, str]) -> str:
    """The group a respondent falls in: the attribute value; roles as the reports' coarse labels."""
    value = (attributes.get(attribute) or "").strip()
    return coarse_role(value) if attribute == "role" else value


@dataclass(frozen=True)
class Groups:
    """The groups of one attribute in one material after small-cell protection."""

    shown: dict[str, list[str]]  # group label -> respondents ("Øvrige" for merged small groups)
    merged: tuple[str, ...] = ()  # small groups pooled into "Øvrige"
    suppressed: tuple[str, ...] = ()  # small groups not shown at all


def protect_groups(groups: dict[str, list[str]], *, min_size: int, other: str) -> Groups:
    """Merge groups below ``min_size`` into ``other``; suppress them when the pool is still too small."""
    small = [g for g, members in groups.items() if len(members) < min_size]
    shown = {g: members for g, members in groups.items() if len(members) >= min_size}
    if not small:
        return Groups(shown)
    pooled = sorted(r for g in small for r in groups[g])
    if len(small) >= 2 and len(pooled) >= min_size:
        return Groups({**shown, other: pooled}, merged=tuple(small))
    return Groups(shown, suppressed=tuple(small))


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
        return TestResult("chi2", float(result.pvalue))
    if table.shape == (2, 2):
        return TestResult("fisher", float(stats.fisher_exact(table.astype(int)).pvalue))
    return TestResult("", None, TOO_FEW)


# ---------------------------------------------------------------- the statistics of one export


FREQUENCY_COLUMNS = ["code_id", "label", "material", "base", "mentioning", "share_pct", "share", "segments",
                     "reviewed_segments"]
STANCE_COLUMNS = ["hindrance", "precondition", "overcome", "rating", "stance_unknown", "hindrance_or_unknown"]
CROSSTAB_COLUMNS = ["material", "attribute", "code_id", "label", "group", "respondents", "mentioning",
                    "share_pct", "share", "test", "p_value", "p_adjusted", "significant", "note"]
QUESTION_COLUMNS = ["question_id", "question", "base", "family", "code_id", "label", "mentioning",
                    "share_pct", "share"]


@dataclass
class StudyStats:
    """Every number an export prints, computed once: frequencies per material and question,
    crosstabs with raw and Benjamini–Hochberg adjusted p-values, all with small-cell protection."""

    study: CodedStudy
    options: ReportSettings = field(default_factory=ReportSettings)

    @property
    def texts(self) -> Texts:
        """The texts in the report's language."""
        return texts_for(self.options.language)

    @property
    def min_size(self) -> int:
        """Groups below this many respondents are merged or suppressed."""
        return self.options.min_group_size

    def base(self, material: str) -> list[str]:
        """The respondents of a material (who answered at least one open question / the interviews)."""
        return self.study.bases.get(material, [])

    def shown(self, n: int) -> bool:
        """Whether a group of ``n`` respondents may be shown."""
        return n >= self.min_size

    def share_text(self, k: int | None, n: int) -> str:
        """``22 pct. (17 af 77)``, or ``–`` for a group below the threshold."""
        return self.texts.share(k, n) if self.shown(n) else SUPPRESSED

    def has_stance(self, family_id: str) -> bool:
        """Whether a family is counted by stance (the barrier family)."""
        return family_id == STANCE_FAMILY

    # -- frequencies

    def frequencies(self, family_id: str) -> pd.DataFrame:
        """Per code and material: base, respondents mentioning it, share (suppressed below the threshold),
        segments; for a stance family also the respondents per stance."""
        if family_id not in self._frequencies:
            self._frequencies[family_id] = self._frequency_frame(family_id)
        return self._frequencies[family_id]

    @cached_property
    def _frequencies(self) -> dict[str, pd.DataFrame]:
        return {}

    def _frequency_frame(self, family_id: str) -> pd.DataFrame:
        study = self.study
        with_stance = self.has_stance(family_id)
        codes = study.codebook.family(family_id).codes
        rows = []
        for material, base in study.bases.items():
            matrix = study.material_matrix(material)
            n = len(base)
            by_stance: dict[tuple[str, str | None], int] = {}
            for (_, code_id), found in (study.stances(material) if with_stance else {}).items():
                for stance in found:
                    by_stance[(code_id, stance)] = by_stance.get((code_id, stance), 0) + 1
                if found & {"hindrance", None}:
                    by_stance[(code_id, "hindrance_or_unknown")] = \
                        by_stance.get((code_id, "hindrance_or_unknown"), 0) + 1
            for code in codes:
                codings = [c for c in study.codings_for(code.id)
                           if study.material_of_segment[c.segment_id] == material]
                k = int(matrix[code.id].sum()) if n else 0
                row: dict[str, object] = {
                    "code_id": code.id, "label": code.label, "material": material, "base": n,
                    "mentioning": k if self.shown(n) else None,
                    "share_pct": round(100 * k / n, 1) if n and self.shown(n) else None,
                    "share": self.share_text(k, n),
                    "segments": len({c.segment_id for c in codings}) if self.shown(n) else None,
                    "reviewed_segments": sum(1 for c in codings if c.review in ("accepted", "added"))
                    if self.shown(n) else None,
                }
                if with_stance:
                    for stance in (*STANCE_ORDER, "hindrance_or_unknown"):
                        count = by_stance.get((code.id, stance), 0)
                        row[STANCE_KEYS.get(stance, str(stance))] = count if self.shown(n) else None
                rows.append(row)
        columns = FREQUENCY_COLUMNS + (STANCE_COLUMNS if with_stance else [])
        frame = pd.DataFrame(rows, columns=columns)
        for column in ("base", "mentioning", "segments", "reviewed_segments",
                       *(STANCE_COLUMNS if with_stance else [])):
            frame[column] = frame[column].astype("Int64")
        order = {m: i for i, m in enumerate(study.bases)}
        total = frame.groupby("code_id")["mentioning"].sum()
        frame = frame.assign(_m=frame["material"].map(order), _t=-frame["code_id"].map(total).fillna(0),
                             _k=-frame["mentioning"].fillna(0))
        return frame.sort_values(["_m", "_k", "_t", "code_id"], kind="stable").drop(
            columns=["_m", "_k", "_t"]).reset_index(drop=True)

    def mentioned_codes(self, family_id: str) -> list[str]:
        """Codes of the family mentioned in any shown material, most mentioned first."""
        frame = self.frequencies(family_id)
        totals = frame.groupby("code_id", sort=False)["mentioning"].sum()
        return [str(c) for c in totals.sort_values(ascending=False, kind="stable").index if totals[c] > 0]

    def figure_caption(self, family_id: str) -> str:
        """What a family's bar chart shows (by stance for barriers; its most frequent codes when cut)."""
        texts = self.texts
        family = self.study.codebook.family(family_id).label
        key = "report.figure_caption_stance" if self.has_stance(family_id) else "report.figure_caption"
        caption = texts(key, family=family)
        if len(self.mentioned_codes(family_id)) > FIGURE_CODES:
            caption += texts("report.figure_top", n=FIGURE_CODES)
        return caption

    # -- per question

    @cached_property
    def by_question(self) -> pd.DataFrame:
        """Per survey question and code: who answered the question (the base), who mentions the code."""
        study = self.study
        rows = []
        for question_id, base in study.question_bases.items():
            matrix = study.material_matrix("survey", question_id)
            n = len(base)
            text = self._question_text(question_id)
            counts = matrix.sum(axis=0)
            for code_id, k in counts.items():
                if not k:
                    continue
                code = study.codebook.code(str(code_id))
                rows.append({
                    "question_id": study.question_shown(question_id), "question": text, "base": n,
                    "family": code.family,
                    "code_id": code.id, "label": code.label,
                    "mentioning": int(k) if self.shown(n) else None,
                    "share_pct": round(100 * int(k) / n, 1) if self.shown(n) else None,
                    "share": self.share_text(int(k), n),
                })
        frame = pd.DataFrame(rows, columns=QUESTION_COLUMNS)
        for column in ("base", "mentioning"):
            frame[column] = frame[column].astype("Int64")
        return frame

    def _question_text(self, question_id: str) -> str:
        for source in self.study.sources.values():
            if source.question_id == question_id and source.attributes.get("question"):
                return source.attributes["question"]
        return ""

    @cached_property
    def questions(self) -> list[tuple[str, str, int]]:
        """The survey's open questions: (id, text, respondents who answered)."""
        return [(self.study.question_shown(q), self._question_text(q), len(base))
                for q, base in self.study.question_bases.items()]

    # -- crosstabs

    def groups(self, material: str, attribute: str) -> Groups:
        """The groups of ``attribute`` among the material's respondents, small ones merged or suppressed."""
        found: dict[str, list[str]] = {}
        respondents = self.study.respondents
        for rid in self.base(material):
            value = group_value(attribute, respondents.get(rid, {}))
            if value:
                found.setdefault(value, []).append(rid)
        ordered = dict(sorted(found.items()))
        return protect_groups(ordered, min_size=self.min_size, other=self.texts("other_group"))

    @cached_property
    def crosstabs(self) -> pd.DataFrame:
        """Every crosstab of the export (material × attribute × code × shown group) with its test;
        the p-values adjusted together (Benjamini–Hochberg) and marked when they survive."""
        study = self.study
        rows: list[dict[str, object]] = []
        tests: list[tuple[list[int], float]] = []
        for material in study.bases:
            matrix = study.material_matrix(material)
            for attribute in crosstab_attributes(study):
                groups = self.groups(material, attribute)
                if len(groups.shown) < 2:
                    continue
                for code in study.codebook.codes:
                    start = len(rows)
                    counts = []
                    for group, members in groups.shown.items():
                        k = int(matrix.loc[members, code.id].sum())
                        n = len(members)
                        counts.append([k, n - k])
                        rows.append({"material": material, "attribute": attribute, "code_id": code.id,
                                     "label": code.label, "group": group, "respondents": n, "mentioning": k,
                                     "share_pct": round(100 * k / n, 1), "share": self.texts.share(k, n)})
                    for group in groups.suppressed:
                        rows.append({"material": material, "attribute": attribute, "code_id": code.id,
                                     "label": code.label, "group": group, "respondents": None,
                                     "mentioning": None, "share_pct": None, "share": SUPPRESSED})
                    test = significance(np.array(counts))
                    for row in rows[start:]:
                        row.update({"test": test.test or "-", "p_value": test.p_value,
                                    "note": test.describe(self.texts)})
                    if test.p_value is not None:
                        tests.append((list(range(start, len(rows))), test.p_value))
        adjusted = benjamini_hochberg([p for _, p in tests])
        for (indices, p), q in zip(tests, adjusted, strict=True):
            for i in indices:
                rows[i]["p_adjusted"] = q
                rows[i]["significant"] = q < self.options.fdr
                rows[i]["note"] = self._describe(rows[i]["test"], p, q)
        frame = pd.DataFrame(rows, columns=CROSSTAB_COLUMNS)
        for column in ("respondents", "mentioning"):
            frame[column] = frame[column].astype("Int64")
        frame["significant"] = frame["significant"].astype("boolean")
        return frame

    def _describe(self, test: object, p: float, q: float) -> str:
        texts = self.texts
        text = texts("test_p_adjusted", test=texts(str(test)), p=texts.p_value(p), q=texts.p_value(q))
        return text + (f" ({texts('survives')})" if q < self.options.fdr else "")

    @property
    def test_count(self) -> int:
        """How many tests the export ran (the m of the Benjamini–Hochberg adjustment)."""
        tested = self.crosstabs.dropna(subset=["p_value"])
        return len(tested.drop_duplicates(["material", "attribute", "code_id"]))

    @property
    def survivors(self) -> int:
        """How many tests stay significant after the adjustment."""
        tested = self.crosstabs[self.crosstabs["significant"].fillna(False).astype(bool)]
        return len(tested.drop_duplicates(["material", "attribute", "code_id"]))

    def crosstab_family(self, family_id: str, attribute: str, material: str | None = None) -> pd.DataFrame:
        """The crosstab rows of one family and attribute (in one material, or all)."""
        frame = self.crosstabs
        chosen = frame[(frame["attribute"] == attribute) & frame["code_id"].str.startswith(family_id + ".")]
        if material is not None:
            chosen = chosen[chosen["material"] == material]
        return chosen.reset_index(drop=True)

    def crosstab_shares(self, family_id: str, attribute: str, material: str) -> pd.DataFrame:
        """Codes × shown groups matrix of shares (pct.) — a heatmap's data; suppressed groups left out.
        Columns are labelled with their base (``Mindre kommune (n = 36)``)."""
        long = self.crosstab_family(family_id, attribute, material).dropna(subset=["share_pct"])
        if long.empty:
            return pd.DataFrame()
        sizes = long.drop_duplicates("group").set_index("group")["respondents"]
        long = long.assign(group=[self.texts("group_n", group=g, n=int(sizes[g])) for g in long["group"]])
        return long.pivot_table(index="label", columns="group", values="share_pct", sort=False)

    def crosstab_counts(self, family_id: str, attribute: str, material: str) -> pd.DataFrame:
        """Like :meth:`crosstab_shares`, the respondents mentioning the code (printed beside the share)."""
        long = self.crosstab_family(family_id, attribute, material).dropna(subset=["share_pct"])
        if long.empty:
            return pd.DataFrame()
        sizes = long.drop_duplicates("group").set_index("group")["respondents"]
        long = long.assign(group=[self.texts("group_n", group=g, n=int(sizes[g])) for g in long["group"]],
                           mentioning=long["mentioning"].astype(float))
        return long.pivot_table(index="label", columns="group", values="mentioning", sort=False)


# ---------------------------------------------------------------- simple views (tests, other callers)


def frequency_table(study: CodedStudy, family_id: str, options: ReportSettings | None = None) -> pd.DataFrame:
    """Per code and material: respondents mentioning it, base, share, segments (see :class:`StudyStats`)."""
    return StudyStats(study, options or ReportSettings()).frequencies(family_id)


def crosstab(study: CodedStudy, code_id: str, attribute: str, *, material: str | None = None,
             options: ReportSettings | None = None) -> tuple[pd.DataFrame, TestResult]:
    """Respondents mentioning ``code_id`` per shown group of ``attribute`` in ``material`` (default: the
    first material present), with the unadjusted test."""
    stats = StudyStats(study, options or ReportSettings())
    material = material or next(iter(study.bases), "survey")
    groups = stats.groups(material, attribute)
    matrix = study.material_matrix(material)
    rows, counts = [], []
    for group, members in groups.shown.items():
        k = int(matrix.loc[members, code_id].sum())
        rows.append({"group": group, "respondents": len(members), "mentioning": k,
                     "share_pct": round(100 * k / len(members), 1)})
        counts.append([k, len(members) - k])
    frame = pd.DataFrame(rows, columns=["group", "respondents", "mentioning", "share_pct"])
    return frame, significance(np.array(counts)) if counts else TestResult("", None, TOO_FEW)


def cooccurrence(
    study: CodedStudy, *, level: str = "respondent", codes: Sequence[str] | None = None
) -> pd.DataFrame:
    """Code × code counts of respondents (or segments) carrying both; the diagonal is each code's count."""
    matrix = study.respondent_matrix if level == "respondent" else study.segment_matrix
    if codes is not None:
        matrix = matrix[list(codes)]
    values = matrix.to_numpy().T @ matrix.to_numpy()
    return pd.DataFrame(values, index=matrix.columns, columns=matrix.columns)
