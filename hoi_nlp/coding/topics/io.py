"""Save, load, tabulate and plot a :class:`~hoi_nlp.coding.topics.fit.ThemesResult`.

``themes.json`` holds the whole result (pseudonymised quotes only), ``themes.csv`` one row per
theme for a spreadsheet. Plots: topic sizes and topics × respondent groups as PNG
(matplotlib), BERTopic's bar chart and intertopic map as self-contained HTML (plotly.js
inlined, so they open offline). Every file is written to a temporary file and moved in place.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hoi_nlp.coding.topics.model import ThemesResult
from hoi_nlp.errors import ThemesError
from hoi_nlp.io import safe_cell, write_atomic, write_text_atomic

logger = logging.getLogger(__name__)

THEMES_JSON = "themes.json"
THEMES_CSV = "themes.csv"
TABLE_COLUMNS = (
    "topic_id",
    "kind",
    "code_id",
    "label",
    "size",
    "share",
    "keywords",
    "nearest_codes",
    "quote",
)


def table_rows(result: ThemesResult) -> list[dict[str, Any]]:
    """One flat row per theme (keywords, nearest codes and the best quote as text)."""
    return [
        {
            "topic_id": theme.topic_id,
            "kind": theme.kind,
            "code_id": theme.code_id or "",
            "label": theme.label,
            "size": theme.size,
            "share": theme.share,
            "keywords": ", ".join(word for word, _ in theme.keywords),
            "nearest_codes": "; ".join(f"{c.code_id} ({c.score:.3f})" for c in theme.nearest_codes),
            "quote": theme.quotes[0].text if theme.quotes else "",
        }
        for theme in result.themes
    ]


def save_themes(result: ThemesResult, out_dir: Path) -> list[Path]:
    """Write ``themes.json`` and ``themes.csv``; refuses results with raw (not pseudonymised) quotes."""
    if not result.quotes_pseudonymised:
        raise ThemesError(
            "the themes result holds quotes that are not pseudonymised",
            hint="fit with a redactor (the themes flow and `hoi themes fit` do this)",
        )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TABLE_COLUMNS, delimiter=";")
    writer.writeheader()
    writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in table_rows(result))
    return [
        write_text_atomic(out_dir / THEMES_JSON, result.model_dump_json(indent=2)),
        write_atomic(
            out_dir / THEMES_CSV, lambda tmp: tmp.write_text(buffer.getvalue(), encoding="utf-8-sig")
        ),
    ]


def load_themes(path: Path) -> ThemesResult:
    """Load ``themes.json`` (or the folder holding it)."""
    path = path / THEMES_JSON if path.is_dir() else path
    if not path.is_file():
        raise ThemesError(
            "no themes have been fitted for this study",
            path=str(path),
            hint="run `hoi themes fit STUDY` first",
        )
    try:
        return ThemesResult.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise ThemesError(
            f"not a valid themes file: {exc.errors()[0]['msg']}",
            path=str(path),
            hint="fit the themes again with `hoi themes fit STUDY`",
        ) from exc


def markdown_table(result: ThemesResult, *, max_quote: int = 90) -> str:
    """A Markdown table of the themes (for the CLI and reports)."""
    lines = [
        "| topic | kind | label | size | share | nearest codes | quote |",
        "|---:|---|---|---:|---:|---|---|",
    ]
    for row, theme in zip(table_rows(result), result.themes, strict=True):
        kind = f"code `{theme.code_id}`" if theme.kind == "code" else theme.kind
        nearest = ", ".join(f"{c.code_id} {c.score:.2f}" for c in theme.nearest_codes)
        quote = row["quote"][:max_quote] + ("…" if len(row["quote"]) > max_quote else "")
        lines.append(
            f"| {theme.topic_id} | {kind} | {theme.label} | {theme.size} | {theme.share:.0%} "
            f"| {nearest} | {quote.replace('|', '/')} |"
        )
    return "\n".join(lines)


def _plot_sizes(result: ThemesResult, tmp: Path) -> None:
    import matplotlib.pyplot as plt

    themes = list(reversed(result.themes))
    colours = {"code": "#4c72b0", "emergent": "#dd8452", "outlier": "#999999"}
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(themes) + 1.5))
    ax.barh(
        [f"{t.topic_id}: {t.label[:50]}" for t in themes],
        [t.size for t in themes],
        color=[colours[t.kind] for t in themes],
    )
    ax.set_xlabel("Antal segmenter")
    ax.set_title("Temaer (blå: kode i kodebogen, orange: nyt tema)")
    fig.tight_layout()
    fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)


def _plot_groups(result: ThemesResult, tmp: Path) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    groups = sorted({(g.dimension, g.group) for t in result.themes for g in t.groups})
    matrix = np.array(
        [
            [next((g.share for g in t.groups if (g.dimension, g.group) == key), 0.0) for key in groups]
            for t in result.themes
        ]
    )
    fig, ax = plt.subplots(figsize=(1.2 * len(groups) + 4, 0.35 * len(result.themes) + 2))
    image = ax.imshow(matrix, aspect="auto", cmap="Blues", vmin=0.0, vmax=max(float(matrix.max()), 0.01))
    ax.set_xticks(range(len(groups)), [f"{d}\n{g}" for d, g in groups], rotation=45, ha="right", fontsize=8)
    ax.set_yticks(
        range(len(result.themes)), [f"{t.topic_id}: {t.label[:40]}" for t in result.themes], fontsize=8
    )
    fig.colorbar(image, ax=ax, label="Andel af respondenterne i gruppen")
    fig.tight_layout()
    fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)


def write_png_plots(result: ThemesResult, out_dir: Path) -> list[Path]:
    """Topic sizes bar chart and, when respondent groups are known, the topics × groups heatmap."""
    import matplotlib

    matplotlib.use("Agg")
    paths = [write_atomic(out_dir / "topic_sizes.png", lambda tmp: _plot_sizes(result, tmp))]
    if any(theme.groups for theme in result.themes):
        paths.append(write_atomic(out_dir / "topics_by_group.png", lambda tmp: _plot_groups(result, tmp)))
    return paths


def write_html_plots(result: ThemesResult, out_dir: Path) -> list[Path]:
    """BERTopic's bar chart and intertopic map as offline HTML; skipped (with a warning) if they fail."""
    if result.model is None:
        logger.warning("no fitted model in this process: interactive topic plots were not written")
        return []
    model, paths = result.model, []
    n_topics = sum(1 for theme in result.themes if theme.topic_id != -1)
    plots = {
        "topics_barchart.html": lambda: model.visualize_barchart(top_n_topics=min(n_topics, 16), n_words=8),
        "topics_map.html": lambda: model.visualize_topics(),
    }
    for name, make in plots.items():
        try:
            figure = make()
        except Exception as exc:  # noqa: BLE001 - plotly/UMAP fail on few topics; the plot is optional
            logger.warning("skipped %s: BERTopic could not draw it for this corpus (%s)", name, exc)
            continue
        paths.append(
            write_atomic(out_dir / name, lambda tmp, f=figure: f.write_html(tmp, include_plotlyjs=True))
        )
    return paths
