"""The "why" of a suggestion shows a reviewer without original-text rights no name: the coder's
nearest examples (the training corpus, the study's own reviewed passages) are pseudonymised."""

from __future__ import annotations

import html

import pytest

from hoi_nlp.review.accounts import add_user
from hoi_nlp.review.app.explain import NearExample
from tests.review.conftest import PASSWORD, login, make_client, shown_id

R001 = "R001:1.2_kommentar:a0-68"
LEMVIG = "R002:7_afsluttende_kommentar:a0-65"  # "Her i Lemvig mangler vi tid. Kontakt Mette Hansen på …"
TRAINING = "I Herning Kommune er der en ungeenhed, og Lone Madsen sidder to døre længere nede."
NAMES = ("Herning", "Lone", "Madsen", "Lemvig", "Mette", "Hansen")


def _examples(page: str) -> list[str]:
    """The texts of the page's "Nearest examples" lists."""
    import re

    lists = re.findall(r'<ul class="examples">(.*?)</ul>', page, re.S)
    return [html.unescape(li) for block in lists for li in re.findall(r"<li>(.*?)</li>", block, re.S)]


@pytest.fixture
def hooked(study_ws, small_cb):
    """The app with a coder hook that offers a training-corpus passage and a study passage (the
    Lemvig unit, as a retrained coder's training cache holds it: raw) for every code."""
    from hoi_nlp.store import load_segments

    add_user(study_ws, "anna", PASSWORD)
    add_user(study_ws, "chef", PASSWORD, can_see_original=True)
    lemvig = next(s for s in load_segments(study_ws) if s.segment_id == LEMVIG)
    assert "Mette Hansen" in lemvig.text and "Lemvig" in lemvig.text

    def hook(text: str, code_id: str) -> list[NearExample | str]:
        return [NearExample(TRAINING, "barrier.jsonl"), NearExample(lemvig.text, "study", LEMVIG)]

    return make_client(study_ws, small_cb, nearest_examples=hook), lemvig


def test_nearest_examples_are_pseudonymised_for_a_reviewer_without_rights(hooked, study_ws):
    from hoi_nlp.review.masking import PrivacyView
    from hoi_nlp.store import load_sources
    from tests.review.conftest import review_settings

    client, lemvig = hooked
    login(client, "anna")
    page = client.get(f"/segment/{R001}").text
    examples = _examples(page)
    assert examples, "the page shows no nearest examples"
    for name in NAMES:
        assert name not in page, name
    # the study passage is the slice of its source's one redaction, shown as a reviewed quote
    source = next(s for s in load_sources(study_ws) if s.source_id == lemvig.source_id)
    redacted = PrivacyView(study_ws, review_settings()).text(source, lemvig.start, lemvig.end)
    assert "[" in redacted and any(e.startswith(f"“{redacted}”") and "reviewed quote" in e for e in examples)
    # the training passage went through the study's pseudonymiser
    assert any(e.startswith("“I [KOMMUNE") and "training example" in e for e in examples), examples


def test_a_reviewer_with_rights_sees_the_originals_and_no_unit_is_its_own_example(hooked):
    client, lemvig = hooked
    login(client, "chef")
    examples = _examples(client.get(f"/segment/{R001}").text)
    assert any(e.startswith(f"“{TRAINING}”") for e in examples)
    assert any(e.startswith(f"“{lemvig.text}”") and "reviewed quote" in e for e in examples)
    own = _examples(client.get(f"/segment/{LEMVIG}?status=all").text)
    assert not any(e.startswith(f"“{lemvig.text}”") for e in own)



def test_a_codebook_example_that_names_someone_is_pseudonymised_for_a_reviewer_without_rights(
    study_ws, tmp_path
):
    """A codebook file may name someone: its examples are shown like any text that is no slice of a
    study source, on the code page and among the nearest examples (no coder hook: the codebook's)."""
    from hoi_nlp.codebook import load_codebook
    from tests.conftest import DATA

    example = "I Herning Kommune taler Lone Madsens IT-systemer ikke sammen."
    text = (DATA / "codebooks" / "small.yaml").read_text(encoding="utf-8")
    text = text.replace('- "Vores IT-systemer taler ikke sammen."', f'- "{example}"', 1)
    assert example in text
    (tmp_path / "named.yaml").write_text(text, encoding="utf-8")
    codebook = load_codebook(tmp_path / "named.yaml")
    add_user(study_ws, "anna", PASSWORD)
    add_user(study_ws, "chef", PASSWORD, can_see_original=True)
    pages = {}
    for user in ("chef", "anna"):
        client = make_client(study_ws, codebook)
        login(client, user)
        urls = ("/codebook/barrier.it_integration", f"/segment/{R001}")
        pages[user] = [client.get(url).text for url in urls]
    assert all(example in page for page in pages["chef"])
    assert any(example in e for e in _examples(pages["chef"][1]))
    for page in pages["anna"]:
        assert "[KOMMUNE" in page and not any(name in page for name in NAMES), page[-3000:]
    assert any(e.startswith("“I [KOMMUNE") for e in _examples(pages["anna"][1]))


# ---------------------------------------------------------------- the demo as `hoi run` leaves it

# Units of the demo study whose suggestions' nearest training examples name someone: a person in
# one ("… så går hun bare ind til Lone to døre længere nede", interview_speech_2.jsonl) and a
# municipality in the other ("I Herning Kommune er der etableret …", other_families.jsonl).
DEMO_PAGES = {"int02:p540-993": ("ind til Lone to døre", "Lone"),
              "R016:5.2a_indsats1:a0-135": ("I Herning Kommune er der", "Herning")}


def test_the_demo_study_s_nearest_examples_name_nobody_to_a_reviewer_without_rights(demo_copy):
    """The app as `hoi review` configures it (the study's redactor, its coder's nearest examples)."""
    import re

    from fastapi.testclient import TestClient

    from hoi_nlp.cli._options import study_inputs
    from hoi_nlp.review.app import create_app
    from hoi_nlp.stages.review import review_app_config

    inputs = study_inputs(None, demo_copy)
    add_user(inputs.workspace, "anna", PASSWORD)
    add_user(inputs.workspace, "chef", PASSWORD, can_see_original=True)
    app = create_app(review_app_config(inputs))
    pages = {}
    for user in ("chef", "anna"):
        client = TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)
        login(client, user)
        for segment_id in DEMO_PAGES:  # anna has the keyed id in her links, chef may use the real one
            linked = shown_id(client, segment_id) if user == "anna" else segment_id
            response = client.get(f"/segment/{linked}")
            assert response.status_code == 200, response.text[-500:]
            pages[user, segment_id] = response.text
    for segment_id, (original, name) in DEMO_PAGES.items():
        # the reviewer with rights sees the training passage as it is: the name is really there
        assert any(original in e for e in _examples(pages["chef", segment_id])), segment_id
        examples = _examples(pages["anna", segment_id])
        assert len(examples) >= 3 and not any(original in e for e in examples)
        assert not re.search(rf"\b{name}\b", pages["anna", segment_id]), segment_id


def test_a_retrained_coder_s_reviewed_passages_come_back_as_their_units(study_ws, small_cb, tmp_path):
    """After a retrain the coder's nearest examples include the study's reviewed passages: the hook
    says which unit each was reviewed as, so the app can show it as a slice of that unit's redaction."""
    from hoi_nlp.nlp.embed import EmbeddingCache, TfidfEmbedder
    from hoi_nlp.review.decisions import current_state, record_decision
    from hoi_nlp.settings import Settings
    from hoi_nlp.stages.retrain import retrain_from_reviews
    from hoi_nlp.stages.review import CoderExamples
    from hoi_nlp.stages.study import RunInputs
    from hoi_nlp.store import load_segments
    from tests.conftest import DATA

    it = "barrier.it_integration"
    for segment_id in (R001, LEMVIG):
        record_decision(study_ws, segment_id=segment_id, action="add", code_id=it, analyst="anna")
    for (segment_id, code), state in current_state(study_ws).codes.items():  # both units fully reviewed
        if segment_id in (R001, LEMVIG) and state.status == "suggested":
            record_decision(study_ws, segment_id=segment_id, action="reject", code_id=code, analyst="anna")
    retrain_from_reviews(study_ws, codebook=small_cb, settings=Settings(), rescore=False,
                         train_paths=[DATA / "review" / "train_small.jsonl"], embedder=TfidfEmbedder(dim=16),
                         cache=EmbeddingCache(tmp_path / "cache"), method="combined")
    texts = {s.segment_id: s.text for s in load_segments(study_ws)}
    examples = CoderExamples(RunInputs(study_ws, small_cb, Settings()), n=50)(texts[LEMVIG], it)
    reviewed = {e.segment_id: e for e in examples if e.segment_id}
    assert set(reviewed) == {R001, LEMVIG}, examples
    assert all(e.origin in ("study", "review") and e.text == texts[e.segment_id]
               for e in reviewed.values()), reviewed
    # the app with that hook (its reviewed passages only): the Lemvig unit, shown as the example of a
    # suggestion on another unit, names nobody
    add_user(study_ws, "anna", PASSWORD)
    hook = CoderExamples(RunInputs(study_ws, small_cb, Settings()), n=50)
    client = make_client(study_ws, small_cb, nearest_examples=lambda text, code_id: [
        e for e in hook(text, code_id) if e.segment_id])
    login(client, "anna")
    page = client.get(f"/segment/{R001}").text
    assert any("reviewed quote" in e and "mangler vi tid" in e for e in _examples(page)), _examples(page)
    assert not any(name in page for name in NAMES)
