"""Report figures (matplotlib, Agg backend): code shares per family, crosstab and co-occurrence heatmaps.

Titles and labels come in the report's language; every share is drawn with its base.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pandas as pd

from hoi_nlp.io import write_atomic

logger = logging.getLogger(__name__)

BAR_COLOR = "#2b5d8a"
COLORS = (BAR_COLOR, "#e0a030", "#6aa84f", "#999999")
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


def bar_chart(shares: pd.DataFrame, labels: pd.DataFrame, path: Path, *, title: str, axis_label: str) -> Path:
    """Horizontal bars, one group per code (first row on top), one bar per series (material).

    ``shares`` holds the percentages (codes × series); ``labels`` the text printed at each bar's end,
    the share with its base (``22 pct. (17 af 77)``). The legend names each series with its base.
    """
    plt = _pyplot()
    rows, series = shares.shape
    bar = 0.8 / max(1, series)
    height = max(2.2, (0.2 + 0.1 * series) * rows + 1.4)
    fig, ax = plt.subplots(figsize=(7.2, min(height, 5.0)))
    positions = list(range(rows))[::-1]
    for j, name in enumerate(shares.columns):
        offsets = [p + (series - 1) * bar / 2 - j * bar for p in positions]
        values = shares[name].fillna(0).to_list()
        ax.barh(offsets, values, height=bar * 0.9, color=COLORS[j % len(COLORS)], label=str(name))
        for y, value, text in zip(offsets, values, labels[name].to_list(), strict=True):
            ax.text(value + 1, y, str(text), va="center", fontsize=6.5 if series > 1 else 8)
    ax.set_yticks(positions, [_wrap(v, 48) for v in shares.index], fontsize=8)
    ax.set_xlim(0, 125)
    ax.set_xlabel(axis_label)
    if series > 1:  # above the bars, below the title: never over a bar
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=series, fontsize=7, frameon=False)
    fig.suptitle(_wrap(title, 90), x=0.01, ha="left", fontweight="bold", fontsize=10)
    return _save(fig, path, plt)


def heatmap(frame: pd.DataFrame, path: Path, *, title: str, value_label: str, percent: bool = False,
            cells: pd.DataFrame | None = None) -> Path:
    """A labelled heatmap of ``frame`` (rows × columns), values (or ``cells``' texts) printed in the cells."""
    plt = _pyplot()
    rows, cols = frame.shape
    fig, ax = plt.subplots(figsize=(max(5.0, 1.3 * cols + 3.8), max(2.4, 0.42 * rows + 1.8)))
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
            if cells is not None:
                text = str(cells.iat[i, j])
            else:
                text = _pct(values[i, j]) if percent else f"{values[i, j]:.0f}"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=7 if cells is not None else 8,
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
