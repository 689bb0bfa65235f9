"""Theme labels attacked: topic keywords built from the original text put place names ("padborg",
"gladsaxe-model") into themes.csv and the topic map. Themes are built from the redacted text."""

from __future__ import annotations

import json
import re

from tests.coding.test_topics import _rows, _study

PLACES = ("padborg", "gladsaxe")


def tiny_themes_result(*, quote: str = "En tekst.", label: str = "Tema"):
    """A one-theme result (for writers that need one)."""
    from hoi_nlp.coding.topics.model import Theme, ThemeQuote, ThemesResult

    quotes = [ThemeQuote(segment_id="s:a0-1", source_id="s", text=quote, similarity=1.0)]
    theme = Theme(topic_id=0, kind="emergent", label=label, keywords=[("tekst", 1.0)], keyphrases=[], size=1,
                  share=1.0, quotes=quotes)
    return ThemesResult(study="t", codebook_version="x", embedding_model="tfidf", n_segments=1, params={},
                        outliers_before_reduction=0, themes=[theme], assignments={"s:a0-1": 0},
                        quotes_pseudonymised=True)


def test_theme_keywords_labels_and_plots_hold_no_place_name(tmp_path, hoi_codebook):
    from hoi_nlp.settings import Settings
    from hoi_nlp.stages.themes import fit_stage
    from hoi_nlp.store import Workspace, save_segments, save_sources

    rows = _rows()
    for i, row in enumerate(rows):  # a third of the answers name a town, a third a municipality's model
        if i % 3 == 0:
            row["text"] += " Det gør vi ude i Padborg, hvor Padborg-teamet mødes hver uge."
        elif i % 3 == 1:
            row["text"] = "Gladsaxe-modellen har inspireret os. " + row["text"]
    sources, segments = _study(rows)
    workspace = Workspace.open(tmp_path / "ws", study="themes")
    save_sources(workspace, sources.values())
    save_segments(workspace, segments)
    settings = Settings(embeddings={"backend": "tfidf"}, themes={"reducer": "pca"})
    result, paths = fit_stage(workspace, hoi_codebook, settings)

    keywords = [kw for theme in result.themes for kw, _ in theme.keywords]
    assert keywords and not [kw for kw in keywords if any(p in kw.lower() for p in PLACES)]
    labels = " ".join(f"{t.label} {' '.join(t.keyphrases)}" for t in result.themes).lower()
    assert not [p for p in PLACES if p in labels]
    quotes = " ".join(q.text for t in result.themes for q in t.quotes)
    assert "[STED]" in quotes or "[KOMMUNE]" in quotes  # the names were there to find
    written = {path.name: path.read_text(encoding="utf-8-sig", errors="replace").lower()
               for path in paths if path.suffix in (".json", ".csv", ".html")}
    assert {"themes.json", "themes.csv"} <= set(written)
    assert any(name.endswith(".html") for name in written)
    assert not {name: p for name, text in written.items() for p in PLACES if p in text}
    assert json.loads((workspace.root / "themes" / "themes.json").read_text("utf-8"))["quotes_pseudonymised"]
    # segment ids carry their source offsets, which beside the pseudonymised text would tell the names'
    # lengths: the themes' quotes and assignments hold them keyed, as exports do
    assert not [s.segment_id for s in segments if s.segment_id in written["themes.json"]]
    shown = {q.segment_id for t in result.themes for q in t.quotes} | set(result.assignments)
    assert shown and all(re.fullmatch(r"[^:]+:[a-z]-[0-9a-f]{10}", i) for i in shown), sorted(shown)[:3]
