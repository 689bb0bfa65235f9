"""TF-IDF spaces fitted with scikit-learn transform identically with numpy alone; the linear fitters."""

from __future__ import annotations

import numpy as np
import pytest

from hoi_nlp.coding.classify import _hstack
from hoi_nlp.coding.linear import fit_logistic, fit_multilabel
from hoi_nlp.coding.text_vectors import TfidfSpace, join_texts, split_texts

TEXTS = [
    "vi mangle ressource og tid til det tværgående samarbejde",
    "jobcentret og familieafdelingen sidde  på hver sin matrikel",
    "familieindsats med én plan og én koordinator for hele familien",
    "det være ikke en barriere hos os , vi have fælles pulje",
    "systemerne tale ikke sammen – dobbeltregistrering i fagsystem",
    "ØU kræve besparelse i år 1 ; investering i familien betale sig først senere",
    "a",
    "",
]


@pytest.mark.parametrize(("analyzer", "ngrams"), [("word", (1, 2)), ("char_wb", (3, 5))])
def test_numpy_transform_equals_scikit_learn(analyzer, ngrams):
    from sklearn.feature_extraction.text import TfidfVectorizer

    options = {"token_pattern": r"(?u)\b\w+\b"} if analyzer == "word" else {}
    reference = TfidfVectorizer(
        analyzer=analyzer, ngram_range=ngrams, min_df=1, max_df=1.0, sublinear_tf=True, **options
    ).fit(TEXTS)
    space = TfidfSpace.fit(TEXTS, analyzer=analyzer, ngram_range=ngrams, min_df=1, max_df=1.0)
    assert space.terms == sorted(reference.vocabulary_, key=reference.vocabulary_.__getitem__)
    unseen = ["familieafdelingen mangler tid", "helt nye ord her", "ØU ØU ØU kræver"]
    for texts in (TEXTS, unseen):
        expected = reference.transform(texts).toarray()
        got = space.transform(texts).to_scipy().toarray()
        np.testing.assert_allclose(got, expected, atol=1e-12)


def test_space_round_trips_through_arrays():
    space = TfidfSpace.fit(TEXTS, analyzer="char_wb", ngram_range=(3, 5), min_df=1, max_df=1.0)
    again = TfidfSpace.from_arrays(space.to_arrays("x"), "x")
    assert again.terms == space.terms and again.analyzer == "char_wb" and again.ngram_range == (3, 5)
    np.testing.assert_allclose(
        again.transform(TEXTS).to_scipy().toarray(), space.transform(TEXTS).to_scipy().toarray(), atol=1e-6
    )
    assert split_texts(join_texts(["a", "", "æøå"]), 3) == ["a", "", "æøå"]


def test_sparse_rows_dot_and_hstack_match_scipy():
    space = TfidfSpace.fit(TEXTS, analyzer="word", ngram_range=(1, 2), min_df=1, max_df=1.0)
    rows = space.transform(TEXTS)
    weights = np.random.default_rng(0).normal(size=(len(space), 3))
    np.testing.assert_allclose(rows.dot(weights), rows.to_scipy() @ weights, atol=1e-12)
    both = _hstack([rows, rows.scaled(2.0)])
    from scipy import sparse

    np.testing.assert_allclose(
        both.to_scipy().toarray(),
        sparse.hstack([rows.to_scipy(), rows.to_scipy() * 2.0]).toarray(),
        atol=1e-12,
    )


def test_multilabel_fit_matches_scikit_learn_per_code():
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    x_sparse = sparse.random(120, 30, density=0.2, random_state=3, format="csr")
    x_dense = rng.normal(size=(120, 4))
    labels = (rng.uniform(size=(120, 2)) < 0.2).astype(int)
    weights, _ = fit_multilabel(x_sparse, x_dense, labels, c=2.0, gtol=1e-8, ftol=1e-12, max_iter=2000)
    design = sparse.hstack([x_sparse, sparse.csr_matrix(x_dense)]).toarray()
    for j in range(2):
        reference = LogisticRegression(C=2.0, class_weight="balanced", max_iter=5000, tol=1e-10).fit(
            design, labels[:, j]
        )
        ours = np.r_[weights.sparse_w[:, j], weights.dense_w[:, j]]
        np.testing.assert_allclose(ours, reference.coef_[0], atol=2e-3)
        assert abs(weights.bias[j] - reference.intercept_[0]) < 2e-3


def test_small_logistic_matches_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 2))
    y = (x[:, 0] + 0.5 * rng.normal(size=200) > 0.3).astype(int)
    reference = LogisticRegression(C=1.0, tol=1e-10).fit(x, y)
    theta = fit_logistic(x, y, c=1.0)
    np.testing.assert_allclose(theta[:2], reference.coef_[0], atol=1e-4)
    assert abs(theta[2] - reference.intercept_[0]) < 1e-4
