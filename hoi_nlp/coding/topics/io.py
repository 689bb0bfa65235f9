"""Save, load, tabulate and plot a :class:`~hoi_nlp.coding.topics.fit.ThemesResult`.

``themes.json`` holds the whole result (pseudonymised quotes only), ``themes.csv`` one row per
theme for a spreadsheet. Plots: topic sizes and topics × respondent groups as PNG
(matplotlib), BERTopic's bar chart and intertopic map as HTML that opens offline: plotly.js is
written once beside them (``plotly.min.js``) instead of inside each file, so the leak check reads
only the study's data (minified library code holds short names such as "Sct" that a study key may
also hold). Every file is written to a temporary file and moved in place.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hoi_nlp.coding.topics.model import Theme, ThemeQuote, ThemesResult
from hoi_nlp.errors import ThemesError
from hoi_nlp.io import safe_cell, write_atomic, write_text_atomic

logger = logging.getLogger(__name__)

THEMES_JSON = "themes.json"
THEMES_CSV = "themes.csv"
PLOTLY_JS = "plotly.min.js"
TABLE_COLUMNS = (
    "topic_id",
    "kind",
    "code_id",
    "label",
    "size",
    "share",
    "respondents",
    "coherence_npmi",
    "keywords",
    "nearest_codes",
    "who_says_it",
    "quote",
    "quote_role",
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
            "respondents": theme.respondents,
            "coherence_npmi": "" if theme.coherence is None else theme.coherence,
            "keywords": ", ".join(word for word, _ in theme.keywords),
            "nearest_codes": "; ".join(f"{c.code_id} ({c.score:.3f})" for c in theme.nearest_codes),
            "who_says_it": who_says_it(theme, result.n_respondents),
            "quote": theme.quotes[0].text if theme.quotes else "",
            "quote_role": theme.quotes[0].role if theme.quotes else "",
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


MIN_GROUP = 5  # groups of fewer respondents are not named as "who says it" (one role can be one person)


def who_says_it(theme: Theme, n_respondents: int, *, min_group: int = MIN_GROUP) -> str:
    """The respondent group most over-represented in ``theme``: ``"role Koordinator 38% (9/24)"``.

    Only groups of at least ``min_group`` respondents, with two or more in the theme and a share at
    least 1.5 times the theme's share of all respondents; empty when no group stands out.
    """
    if not n_respondents or not theme.respondents:
        return ""
    overall = theme.respondents / n_respondents
    candidates = [g for g in theme.groups
                  if g.respondents >= min_group and g.in_theme >= 2 and g.share >= 1.5 * overall]
    if not candidates:
        return ""
    best = max(candidates, key=lambda g: (g.share, g.in_theme))
    return f"{best.dimension} {best.group} {best.share:.0%} ({best.in_theme}/{best.respondents})"


def quote_line(quote: ThemeQuote) -> str:
    """A quote as a report prints it: «"…" (role; question or turn)»."""
    origin = "; ".join(part for part in (quote.role, quote.place) if part)
    return f'«"{quote.text}"»' + (f" ({origin})" if origin else "")


def quality_line(result: ThemesResult) -> str:
    """One line on what a first look should check: emergent themes, catch-all and outliers, coherence."""
    q = result.quality
    if not q:
        return ""
    npmi = "–" if q.get("npmi_emergent") is None else f"{q['npmi_emergent']:+.2f}"
    return (f"{q['emergent_themes']} emergent themes, the largest holding {q['largest_emergent_share']:.0%} "
            f"of the segments; outliers {q['outlier_share']:.0%}; coherence (NPMI of the top "
            f"{q['npmi_top_words']} words, segments as documents) {npmi}")


def markdown_table(result: ThemesResult, *, max_quote: int = 90) -> str:
    """A Markdown table of the themes (for the CLI and reports)."""
    lines = [
        "| topic | kind | label | size | share | NPMI | who says it | nearest codes | quote |",
        "|---:|---|---|---:|---:|---:|---|---|---|",
    ]
    for row, theme in zip(table_rows(result), result.themes, strict=True):
        kind = f"code `{theme.code_id}`" if theme.kind == "code" else theme.kind
        nearest = ", ".join(f"{c.code_id} {c.score:.2f}" for c in theme.nearest_codes)
        quote = row["quote"][:max_quote] + ("…" if len(row["quote"]) > max_quote else "")
        npmi = "" if theme.coherence is None else f"{theme.coherence:+.2f}"
        lines.append(
            f"| {theme.topic_id} | {kind} | {theme.label} | {theme.size} | {theme.share:.0%} | {npmi} "
            f"| {who_says_it(theme, result.n_respondents)} | {nearest} | {quote.replace('|', '/')} |"
        )
    return "\n".join(lines)


def theme_detail(result: ThemesResult, topic_id: int) -> str:
    """One theme for an analyst: label, keywords, quotes with who said them, and the group shares."""
    theme = result.theme(topic_id)
    kind = f"code {theme.code_id} ({theme.code_label})" if theme.kind == "code" else theme.kind
    npmi = "" if theme.coherence is None else f", NPMI {theme.coherence:+.2f}"
    materials = "".join(f"; {n} {m}" for m, n in sorted(theme.materials.items()))
    lines = [
        f"## {theme.topic_id}: {theme.label}",
        f"{kind}; {theme.size} segments ({theme.share:.0%}) from {theme.respondents} respondents"
        f"{npmi}{materials}",
        "",
        "Keywords: " + ", ".join(word for word, _ in theme.keywords),
    ]
    if theme.nearest_codes:
        nearest = ", ".join(f"{c.code_id} ({c.score:.2f})" for c in theme.nearest_codes)
        lines.append(f"Nearest codes: {nearest}")
    lines += ["", "Quotes (pseudonymised):", *(f"- {quote_line(q)}" for q in theme.quotes)]
    if theme.groups:
        lines += ["", f"Who says it (groups under {MIN_GROUP} respondents shown as –):",
                  "| group | respondents | in theme | share |", "|---|---:|---:|---:|"]
        lines += [f"| {g.dimension} {g.group} | {g.respondents} | {g.in_theme} | {g.share:.0%} |"
                  if g.respondents >= MIN_GROUP else f"| {g.dimension} {g.group} | {g.respondents} | – | – |"
                  for g in theme.groups]
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
    """BERTopic's bar chart and intertopic map as offline HTML (plotly.js beside them, not returned:
    the returned files are the ones to leak-check); skipped (with a warning) if they fail."""
    if result.model is None:
        logger.warning("no fitted model in this process: interactive topic plots were not written")
        return []
    model, paths = result.model, []
    library = write_text_atomic(out_dir / PLOTLY_JS, _plotly_js())
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
        html = lambda tmp, f=figure: f.write_html(tmp, include_plotlyjs=library.name)  # noqa: E731
        paths.append(write_atomic(out_dir / name, html))
    return paths


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())
