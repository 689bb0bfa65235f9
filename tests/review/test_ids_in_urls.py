"""Respondent ids as survey tools write them ('R#12', 'R?7', a time stamp) reach the review app's links."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from hoi_nlp.review.accounts import add_user
from hoi_nlp.review.decisions import current_state
from tests.conftest import DATA
from tests.review.conftest import PASSWORD, login, make_client


def _study_with_odd_ids(root: Path):
    from hoi_nlp.codebook import load_codebook
    from hoi_nlp.coding.rules import RuleCoder
    from hoi_nlp.settings import Settings
    from hoi_nlp.stages.study import code_stage, ingest_stage, segment_stage
    from hoi_nlp.store import Workspace

    study = root / "study_small"
    shutil.copytree(DATA / "study_small", study)
    export = study / "survey" / "export.csv"
    export.write_text(export.read_text(encoding="utf-8").replace("R001", "R#?001"),
                      encoding="utf-8")
    workspace = Workspace.open(root / "ws", study="study_small")
    ingest_stage(study, workspace)
    segment_stage(workspace, Settings())
    codebook = load_codebook(DATA / "codebooks" / "small.yaml")
    code_stage(workspace, codebook, Settings(), coder=RuleCoder(codebook))
    return workspace, codebook


def test_units_of_respondent_ids_with_hash_or_question_mark_open_and_take_decisions(tmp_path: Path) -> None:
    workspace, codebook = _study_with_odd_ids(tmp_path)
    add_user(workspace, "anna", PASSWORD)
    client = make_client(workspace, codebook)
    csrf = login(client, "anna")
    queue = client.get("/queue").text
    links = sorted({href for href in re.findall(r'href="(/segment/[^"?]+)', queue)
                    if href.startswith("/segment/R%23%3F001:")})
    assert len(links) == 2  # both of the respondent's coded answers, with their ids whole
    for link in links:
        page = client.get(link)
        assert page.status_code == 200 and f'action="{link}/decide"' in page.text
        # the j/k keys follow data-next/data-prev: quoted like the links
        keyboard = re.findall(r'data-(?:next|prev)="(/segment/[^"]*)"', page.text)
        assert keyboard and not any(set("#?") & set(url.split("?")[0]) for url in keyboard), keyboard
        decided = client.post(f"{link}/decide", data={"action": "flag"}, headers={"X-CSRF-Token": csrf})
        assert decided.status_code == 303
        assert decided.headers["location"].startswith(link)
    # anna has no original-text rights: her links carry keyed ids; both real units were flagged
    from hoi_nlp.store import load_segments

    state = current_state(workspace)
    flagged = [s.segment_id for s in load_segments(workspace)
               if s.segment_id.startswith("R#?001:") and state.note(s.segment_id).flagged]
    assert len(flagged) == 2, flagged
