"""TF-IDF vectors as plain arrays: fitted with scikit-learn, applied with numpy alone.

A :class:`TfidfSpace` holds a vocabulary (terms in column order) and the idf weights. Its
analysers reproduce scikit-learn's ``TfidfVectorizer`` for the two settings the coder uses —
``word`` n-grams with the token pattern ``\\b\\w+\\b`` and ``char_wb`` n-grams inside word
boundaries (lower-cased, sublinear tf, l2-normalised rows) — so a space fitted by scikit-learn
at training time transforms texts identically at prediction time without importing it
(``tests/coding/test_text_vectors.py`` checks this against scikit-learn itself).

Rows are returned as :class:`SparseRows` (CSR arrays); :func:`SparseRows.dot` multiplies them
with a dense weight matrix using numpy only.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_TOKEN = re.compile(r"(?u)\b\w+\b")
_WHITE = re.compile(r"\s\s+")


@dataclass
class SparseRows:
    """Rows of a sparse matrix in CSR form (``indptr``, ``indices``, ``data``) with ``n_cols`` columns."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_cols: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """``rows @ weights`` for a dense ``(n_cols, k)`` matrix, in numpy."""
        k = weights.shape[1]
        out = np.zeros((self.n_rows, k), dtype=np.float64)
        if not len(self.data):
            return out
        contrib = self.data[:, None].astype(np.float64) * weights[self.indices].astype(np.float64)
        starts = self.indptr[:-1]
        nonempty = self.indptr[1:] > starts
        out[nonempty] = np.add.reduceat(contrib, starts[nonempty], axis=0)
        return out

    def scaled(self, factor: float) -> SparseRows:
        """The rows times ``factor``."""
        return SparseRows(self.indptr, self.indices, self.data * factor, self.n_cols)

    def to_scipy(self):  # noqa: ANN201 - scipy is imported only for training
        """The rows as a ``scipy.sparse.csr_matrix`` (training only)."""
        from scipy import sparse

        return sparse.csr_matrix((self.data, self.indices, self.indptr), shape=(self.n_rows, self.n_cols))


class TfidfSpace:
    """A fitted TF-IDF vocabulary: ``word`` (token n-grams) or ``char_wb`` (character n-grams in words)."""

    def __init__(
        self, analyzer: str, ngram_range: tuple[int, int], terms: Sequence[str], idf: np.ndarray
    ) -> None:
        if analyzer not in ("word", "char_wb"):
            raise ValueError(f"unsupported analyzer {analyzer!r}")
        self.analyzer = analyzer
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.terms = list(terms)
        self.vocabulary = {term: i for i, term in enumerate(self.terms)}
        self.idf = np.asarray(idf, dtype=np.float64)

    def __len__(self) -> int:
        return len(self.terms)

    # ---------------------------------------------------------------- analysers (as scikit-learn's)

    def analyse(self, text: str) -> list[str]:
        """The n-grams of ``text`` (lower-cased), as scikit-learn's analyser yields them."""
        text = text.lower()
        lo, hi = self.ngram_range
        if self.analyzer == "word":
            tokens = _TOKEN.findall(text)
            grams = list(tokens) if lo == 1 else []
            for n in range(max(lo, 2), min(hi, len(tokens)) + 1):
                grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
            return grams
        grams = []
        for word in _WHITE.sub(" ", text).split():
            word = f" {word} "
            length = len(word)
            for n in range(lo, hi + 1):
                offset = 0
                grams.append(word[offset : offset + n])
                while offset + n < length:
                    offset += 1
                    grams.append(word[offset : offset + n])
                if offset == 0:
                    break
        return grams

    def transform(self, texts: Sequence[str]) -> SparseRows:
        """Sublinear-tf × idf rows, each scaled to unit length."""
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        vocabulary, idf = self.vocabulary, self.idf
        for text in texts:
            counts = Counter(j for gram in self.analyse(text) if (j := vocabulary.get(gram)) is not None)
            values = [(j, (1.0 + math.log(c)) * idf[j]) for j, c in counts.items()]
            norm = math.sqrt(sum(v * v for _, v in values)) or 1.0
            for j, v in sorted(values):
                indices.append(j)
                data.append(v / norm)
            indptr.append(len(indices))
        return SparseRows(
            np.asarray(indptr, dtype=np.int64),
            np.asarray(indices, dtype=np.int64),
            np.asarray(data, dtype=np.float64),
            len(self.terms),
        )

    # ---------------------------------------------------------------- fitting and storage

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        *,
        analyzer: str,
        ngram_range: tuple[int, int],
        min_df: int = 2,
        max_df: float = 0.5,
        max_features: int | None = None,
    ) -> TfidfSpace:
        """Fit with scikit-learn's ``TfidfVectorizer`` (training only) and keep its vocabulary and idf."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        options = {"token_pattern": r"(?u)\b\w+\b"} if analyzer == "word" else {}
        vectorizer = TfidfVectorizer(
            analyzer=analyzer,
            ngram_range=ngram_range,
            min_df=min_df,
            max_df=max_df,
            sublinear_tf=True,
            max_features=max_features,
            **options,
        )
        try:
            vectorizer.fit(list(texts))
        except ValueError:  # nothing survives min_df/max_df (tiny corpora): an empty space
            return cls(analyzer, ngram_range, [], np.zeros(0))
        terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        return cls(analyzer, ngram_range, terms, vectorizer.idf_)

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """Arrays for an ``.npz`` file (terms as one UTF-8 byte string, NUL-separated)."""
        joined = "\x00".join(self.terms).encode("utf-8")
        return {
            f"{prefix}.terms": np.frombuffer(joined, dtype=np.uint8),
            f"{prefix}.idf": self.idf.astype(np.float32),
            f"{prefix}.config": np.asarray(
                [0 if self.analyzer == "word" else 1, *self.ngram_range], dtype=np.int64
            ),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray] | object, prefix: str) -> TfidfSpace:
        """The space stored by :meth:`to_arrays`."""
        get = arrays.__getitem__  # type: ignore[attr-defined]
        raw = bytes(get(f"{prefix}.terms")).decode("utf-8")
        config = get(f"{prefix}.config")
        terms = raw.split("\x00") if raw else []
        return cls(
            "word" if int(config[0]) == 0 else "char_wb",
            (int(config[1]), int(config[2])),
            terms,
            get(f"{prefix}.idf").astype(np.float64),
        )


def join_texts(texts: Sequence[str]) -> np.ndarray:
    """Texts as one NUL-separated UTF-8 byte array (for ``.npz`` files without pickles)."""
    return np.frombuffer("\x00".join(t.replace("\x00", " ") for t in texts).encode("utf-8"), dtype=np.uint8)


def split_texts(array: np.ndarray, n: int) -> list[str]:
    """The texts stored by :func:`join_texts` (``n`` of them)."""
    if n == 0:
        return []
    return bytes(array).decode("utf-8").split("\x00")
