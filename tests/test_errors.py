"""Errors cross process boundaries whole: a Prefect task run by a Dask or process task runner raises in a
worker, and the flow (and the CLI printing it) gets the error unpickled there."""

from __future__ import annotations

import pickle

import pytest

from hoi_nlp.errors import HoiError, IngestError, MissingExtraError
from hoi_nlp.review.accounts import LoginBlocked


@pytest.mark.parametrize("error", [
    IngestError("row {row} has no municipality", path="svar.csv", where="row 3", hint="fill row {row}",
                row=3),
    MissingExtraError("torch", "embed"),
    LoginBlocked(2.5),
], ids=["template", "own-arguments", "review-refusal"])
def test_an_error_pickled_in_a_worker_keeps_its_message_hint_and_params(error: HoiError) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert str(back) == str(error) and back.args == error.args
    assert (back.template, back.hint_template, back.params, back.path, back.where) == (
        error.template, error.hint_template, error.params, error.path, error.where)


def test_a_login_refusal_keeps_its_wait() -> None:
    assert pickle.loads(pickle.dumps(LoginBlocked(2.5))).retry_after == 3
