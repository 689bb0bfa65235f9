"""Report figures (matplotlib, Agg backend): code shares per family, crosstab and co-occurrence heatmaps.

Titles and labels are Danish; shares are in percent with a decimal comma, as in the reports.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pandas as pd

from hoi_nlp.io import write_atomic

logger = logging.getLogger(__name__)

BAR_COLOR = "#2b5d8a"
DPI = 150


def _pyplot():  # noqa: ANN202 - matplotlib's module type
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titleweight": "bold",
        }
    )
    return plt


def _wrap(label: str, width: int = 42) -> str:
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def _pct(value: float) -> str:
    return f"{value:.0f}".replace(".", ",")


def bar_chart(frequencies: pd.DataFrame, path: Path, *, title: str, total: int) -> Path:
    """Horizontal bars: share of respondents mentioning each code (largest on top)."""
    plt = _pyplot()
    frame = frequencies.sort_values("share_of_respondents_pct", kind="stable")
    height = max(2.0, 0.42 * len(frame) + 1.2)
    fig, ax = plt.subplots(figsize=(7.2, height))
    bars = ax.barh(
        [_wrap(v) for v in frame["label"]], frame["share_of_respondents_pct"], color=BAR_COLOR, height=0.62
    )
    for bar, n in zip(bars, frame["respondents"], strict=True):
        ax.text(
            bar.get_width() + 1,
            bar.get_y() + bar.get_height() / 2,
            f"{_pct(bar.get_width())} pct. (n={n})",
            va="center",
            fontsize=8,
        )
    ax.set_xlim(0, 112)
    ax.set_xlabel(f"Andel af respondenterne, der nævner koden (pct., N = {total})")
    fig.suptitle(_wrap(title, 90), x=0.01, ha="left", fontweight="bold", fontsize=10)
    return _save(fig, path, plt)


def heatmap(frame: pd.DataFrame, path: Path, *, title: str, value_label: str, percent: bool = False) -> Path:
    """A labelled heatmap of ``frame`` (rows × columns), values printed in the cells."""
    plt = _pyplot()
    rows, cols = frame.shape
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * cols + 3.8), max(2.4, 0.42 * rows + 1.8)))
    values = frame.fillna(0).to_numpy(dtype=float)
    image = ax.imshow(
        values, cmap="Blues", aspect="auto", vmin=0, vmax=100 if percent else max(1, values.max())
    )
    ax.set_xticks(
        range(cols),
        [_wrap(c, 16) for c in frame.columns],
        rotation=30 if cols > 4 else 0,
        ha="right" if cols > 4 else "center",
    )
    ax.set_yticks(range(rows), [_wrap(r, 45) for r in frame.index])
    threshold = (100 if percent else max(1, values.max())) * 0.6
    for i in range(rows):
        for j in range(cols):
            text = _pct(values[i, j]) if percent else f"{values[i, j]:.0f}"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=8,
                color="white" if values[i, j] > threshold else "black",
            )
    fig.colorbar(image, ax=ax, label=value_label, shrink=0.8)
    fig.suptitle(_wrap(title, 90), x=0.01, ha="left", fontweight="bold", fontsize=10)
    return _save(fig, path, plt)


def _save(fig: object, path: Path, plt: object) -> Path:
    fig.tight_layout()  # type: ignore[attr-defined]
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=DPI, format="png"))  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[attr-defined]
    logger.debug("wrote figure %s", path)
    return path
