"""The analysts' decisions as labelled training rows for the coders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.training.data import LabelledRow
from hoi_nlp.review.decisions import reviewed_rows
from hoi_nlp.store import Workspace

REVIEWED_ROW = "review:"  # the id prefix of a reviewed segment's training row: review:<segment id>


def reviewed_segment_id(row_id: str) -> str | None:
    """The segment id a training row was reviewed as (``review:<segment id>``), or None."""
    return (row_id[len(REVIEWED_ROW):] or None) if row_id.startswith(REVIEWED_ROW) else None


def labelled_rows(workspace: Workspace, *, codebook: Codebook,
                  reviewed: Sequence[dict[str, Any]] | None = None) -> list[LabelledRow]:
    """The review's decided segments as labelled rows (unknown codes dropped).

    Accepted and added codes are the row's codes; a segment whose codes were all rejected is a
    negative example. A segment with a suggestion nobody has decided yet is left out until it is: as
    a row it would teach the coder that the undecided code is absent, and the re-scoring after the
    retraining would drop that suggestion from the queue before any analyst had judged it.
    ``reviewed``: the study's :func:`reviewed_rows` when the caller read them already.
    """
    rows = []
    for row in reviewed if reviewed is not None else reviewed_rows(workspace):
        if row["codes_pending"]:
            continue
        codes = tuple(c for c in row["codes_accepted"] if codebook.has_code(c))
        rows.append(LabelledRow(id=f"{REVIEWED_ROW}{row['segment_id']}", text=row["text"], codes=codes,
                                kind="positive" if codes else "negative", origin="review"))
    return rows


def partly_reviewed(workspace: Workspace, reviewed: Sequence[dict[str, Any]] | None = None) -> int:
    """How many segments have decisions and also suggestions nobody has decided (left out of training);
    ``reviewed``: the study's :func:`reviewed_rows` when the caller read them already."""
    return sum(1 for row in (reviewed if reviewed is not None else reviewed_rows(workspace))
               if row["codes_pending"])
