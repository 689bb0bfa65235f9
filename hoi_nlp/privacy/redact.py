"""One redaction per source: every export and every page slices its text from it.

A source (a survey answer or a whole interview transcript) is pseudonymised once, as a whole:
the recogniser's spans are cached in the workspace by source content and privacy fingerprint,
and the study key's known originals are replaced on top (so a name found in one source is
replaced in all). The result, a :class:`Redaction`, keeps an offset map: any span of the source
text (a segment, a quote, an analyst's adjusted span, a REFI-QDA coding) becomes
``redaction.slice(start, end)``, and the same span gives the same text in XLSX, CSV, Parquet,
quotes, the report, the .qdpx project and the review app. A replaced name cut by a span edge is
shown whole, as its placeholder.

Text that is not part of a source but came from the study (attribute values such as free-text
roles, speaker labels, question texts, memos) goes through the same recogniser and key with
:meth:`StudyRedactor.value`; file names are replaced by stable ids (:meth:`KeyRedactor.file_id`).
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, MetaData, String, Table, delete, select

from hoi_nlp import progress
from hoi_nlp.privacy.entity_filter import is_role_label  # noqa: F401 (also imported from here)
from hoi_nlp.privacy.key import PseudonymKey, key_path, load_key, save_key
from hoi_nlp.privacy.pseudonymize import (
    Pseudonymizer,
    ReplacedSpan,
    apply_spans,
    find_originals,
    holds_name,
    merge_spans,
)
from hoi_nlp.records import Source, content_hash
from hoi_nlp.store import Key, create_tables, upsert

if TYPE_CHECKING:
    from spacy.language import Language

    from hoi_nlp.settings import Settings
    from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent

_metadata = MetaData()
recognised_table = Table(
    "privacy_recognised", _metadata,
    Column("source_id", Key, primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("spans", JSON, nullable=False),
)
values_table = Table(
    "privacy_values", _metadata,
    Column("value_key", String(64), primary_key=True),
    Column("spans", JSON, nullable=False),
)
_schema_lock = threading.Lock()
_schema_ready: set[str] = set()

# Attributes whose values are names to replace wherever they occur (the metadata sidecar's).
NAME_ATTRIBUTES = {"municipality": "KOMMUNE", "interviewer": "PERSON"}
SPEAKER_ATTRIBUTES = ("interviewer_speakers", "respondent_speakers")
# The place of a segment in its source, as segment ids carry it ("a0-83": kind letter, start, end).
_SEGMENT_PLACE = re.compile(r"^([a-z])\d+-\d+$")
# ... and as a pseudonymised output shows it ("a-3fa2c1d09b": kind letter, keyed id of the segment).
KEYED_SEGMENT_PLACE = re.compile(r"[a-z]-[0-9a-f]{10}")
# How opaque ids are made (HMAC-SHA256 with the study's secret; segment ids keyed too): what was shown
# under another way is stale.
OPAQUE_IDS = "hmac-sha256+segments"
# Respondent attributes that identify a municipality or a person: left out of what a reader without
# the original sees (pseudonymised exports, reviewers without --can-see-original). Of those, the
# question text is shown, pseudonymised.
IDENTIFYING_ATTRIBUTES = frozenset(
    {"municipality", "interviewer", "interviewer_speakers", "respondent_speakers", "date", "question"}
)
REDACTED_ATTRIBUTES = frozenset({"question"})
# Names an attribute value may keep: a region groups some twenty municipalities, and reports compare
# regions on purpose ("Region Midtjylland" stays in the region column; free text still hides it).
SHOWN_IN_ATTRIBUTES = frozenset({"REGION"})
# Between the options of a multiple-choice answer in one cell (Microsoft Forms' "Skole;Beskæftigelse;",
# Google Forms' "Beskæftigelse, Sundhed, Social"): each option is recognised on its own, as it is when
# chosen alone (the recogniser read glued options as one name, a last «Social» as a person).
_OPTION_MARK = re.compile(r"(\s*[;|]\s*|,\s+)")


# ---------------------------------------------------------------- the record


@dataclass(frozen=True)
class Redaction:
    """A pseudonymised source text with the map between source and redacted offsets."""

    source_id: str
    text: str
    spans: tuple[ReplacedSpan, ...]

    def position(self, offset: int, *, end: bool = False) -> int:
        """The redacted offset of a source ``offset``; inside a replaced span, its start (or ``end``)."""
        index = bisect.bisect_right([s.start for s in self.spans], offset) - 1
        if index < 0:
            return offset
        span = self.spans[index]
        if offset >= span.end:
            return offset + span.out_end - span.end
        if offset == span.start:
            return span.out_start
        return span.out_end if end else span.out_start

    def source_position(self, offset: int, *, end: bool = False) -> int:
        """The source offset of a redacted ``offset`` (the inverse of :meth:`position`); inside a
        placeholder, the start (or ``end``) of the span it replaces."""
        index = bisect.bisect_right([s.out_start for s in self.spans], offset) - 1
        if index < 0:
            return offset
        span = self.spans[index]
        if offset >= span.out_end:
            return offset - span.out_end + span.end
        if offset == span.out_start:
            return span.start
        return span.end if end else span.start

    def slice(self, start: int, end: int) -> str:
        """The redacted text of the source span ``start:end``."""
        return self.text[self.position(start):self.position(end, end=True)]


def unredacted(source: Source) -> Redaction:
    """The identity redaction (raw exports and analysts allowed to see the original)."""
    return Redaction(source.source_id, source.text, ())


# ---------------------------------------------------------------- fingerprint and cache tables


@cache
def _package_digest() -> str:
    files = sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and p.suffix in (".py", ".txt", ".tsv"))
    return content_hash("\n".join(f"{p.relative_to(PACKAGE_DIR)}:{content_hash(p.read_text('utf-8'))}"
                                  for p in files))


@cache
def _model_digest(model_dir: str) -> str:
    from hoi_nlp.privacy.ner_train import model_digest
    from hoi_nlp.settings import resolve_repo_path

    path = resolve_repo_path(model_dir)
    return model_digest(path) if path.is_dir() else f"missing:{model_dir}"


def privacy_fingerprint(settings: Settings) -> str:
    """Changes whenever the privacy pipeline changes: this package's code and word lists, the NER
    model and the privacy settings. Cached recogniser output is reused only under the same one."""
    recogniser = settings.pseudonymize.recogniser
    model = _model_digest(settings.nlp.ner_model) if recogniser == "ner" else "no-model"
    parts = [_package_digest(), model, settings.nlp.pipeline, recogniser,
             ",".join(settings.pseudonymize.keep_organisations)]
    return content_hash("\x1f".join(parts))[:16]


def ensure_privacy_schema(workspace: Workspace) -> None:
    """Create the privacy cache tables once per process and database."""
    url = str(workspace.engine.url)
    with _schema_lock:
        if url not in _schema_ready:
            create_tables(_metadata, workspace.engine)
            _schema_ready.add(url)


# ---------------------------------------------------------------- names known from metadata


def metadata_names(sources: Iterable[Source]) -> dict[str, str]:
    """Originals the metadata tells us are names: municipality, interviewer, speakers -> their label."""
    from hoi_nlp.ingest.transcript import split_speakers

    names: dict[str, str] = {}
    for source in sources:
        for attribute, label in NAME_ATTRIBUTES.items():
            value = (source.attributes.get(attribute) or "").strip()
            if len(value) >= 2:
                names.setdefault(value, label)
        for attribute in SPEAKER_ATTRIBUTES:
            for speaker in split_speakers(source.attributes.get(attribute)):
                if not is_role_label(speaker):
                    names.setdefault(speaker, "PERSON")
    return names


# "_", "+" and "." join words in file names and ids, as does "-" beside a number ("Lejre-02"; "Anne-Mette" and
# "1.2" stay)
_NAME_SEPARATORS = re.compile(r"[_+]+|(?<!\d)\.|\.(?!\d)|(?<=\d)-|-(?=\d)")
# a capital after a small letter starts a word ("InterviewLiseBerg")
_CAMEL_CASE = re.compile(r"(?<=[a-zæøå])(?=[A-ZÆØÅ])")
# What the key learns from file names and ids: persons, places and units, not the recogniser's guesses
FILE_NAME_LABELS = frozenset({"PERSON", "KOMMUNE", "STED", "ENHED", "JOBCENTER"})


def name_text(value: str, *, file: bool = False) -> str:
    """An id, or a ``file``'s name without folder and ending, as text the recogniser reads
    ("transcripts/samtale_Gitte_Brandstrup.docx" -> "samtale Gitte Brandstrup", "InterviewLiseBerg" ->
    "Interview Lise Berg"). A transcript without
    ``interview_id`` is known by its file's name ("Interview med Jørgen Kragh, Tønder"): exports and the
    review app show that id, and the text itself need never name the person or the place."""
    value = unicodedata.normalize("NFC", value)  # a Mac's file names decompose å ("Ta\u030arnby")
    if file:
        value = Path(value).stem
    return " ".join(_NAME_SEPARATORS.sub(" ", _CAMEL_CASE.sub(" ", value)).split())


# ---------------------------------------------------------------- the study's redactor


class KeyRedactor:
    """Redactions by the study key alone: every original the key knows is replaced, nothing else.

    The base of :class:`StudyRedactor` (which adds the recogniser), and the redactor of a key
    without a workspace. ``raw=True`` returns everything unchanged (raw exports, analysts with rights).
    """

    def __init__(self, key: PseudonymKey, *, raw: bool = False) -> None:
        self.key = key
        self.raw = raw
        self._memo: dict[str, tuple[tuple[int, int], str, Redaction]] = {}
        self._lock = threading.RLock()

    # -- what a subclass recognises beyond the key

    def prepare(self, sources: Sequence[Source]) -> int:
        """Get ready to redact ``sources`` in one batch; returns how many were new (none here)."""
        return 0

    def _recognised_spans(self, source: Source) -> list[tuple[int, int, str]]:
        return []

    def _value_spans(self, texts: Sequence[str]) -> dict[str, list[tuple[int, int, str]]]:
        return {text: [] for text in texts}

    def save(self) -> None:
        """Persist the key (nothing to do without a workspace)."""

    def warm(self) -> None:
        """Load now what the first redaction would load (the key's matcher and the word lists it checks
        originals against), e.g. while an app starts, so the first page does not wait for it."""
        from hoi_nlp.privacy.pseudonymize import known_matcher

        if not self.raw:
            with self._lock:
                known_matcher(self.key)

    # -- sources

    def redaction(self, source: Source) -> Redaction:
        """The redaction of ``source``: the recogniser's spans plus every original the key knows."""
        if self.raw:
            return unredacted(source)
        with self._lock:
            cached = self._memo.get(source.source_id)
            if cached is not None and cached[:2] == (self._key_stamp(), source.content_hash):
                return cached[2]
            spans = self._recognised_spans(source)
            result = apply_spans(source.text, merge_spans(spans + find_originals(source.text, self.key)),
                                 self.key)
            redaction = Redaction(source.source_id, result.text_pseudonymized, result.replaced)
            self._memo[source.source_id] = (self._key_stamp(), source.content_hash, redaction)
            return redaction

    def _key_stamp(self) -> tuple[int, int, int]:
        """Changes when the key changes or the metadata names more (a memoised redaction is stale)."""
        return len(self.key.originals), len(self.key.pinned), self.key.generation

    def span(self, source: Source, start: int, end: int) -> str:
        """The redacted text of ``source.text[start:end]``."""
        return self.redaction(source).slice(start, end)

    # -- everything else that came from the study

    def value(self, text: str) -> str:
        """A field value (attribute, question text, memo, label) pseudonymised with the study key."""
        return self.values([text])[text] if text else text

    def values(self, texts: Iterable[str], *, keep: Iterable[str] = ()) -> dict[str, str]:
        """Several field values at once (one batch through the recogniser); names labelled as in
        ``keep`` (``{"REGION"}``) stay."""
        texts = sorted({t for t in texts if t})
        if self.raw:
            return {t: t for t in texts}
        kept = set(keep)
        # read as composed text: a name with a decomposed å ("Ta\u030arnby", a Mac's) is no name to the
        # recogniser or the key
        composed = {t: unicodedata.normalize("NFC", t) for t in texts}
        with self._lock:
            spans = self._value_spans(sorted(set(composed.values())))
            return {t: apply_spans(c, [s for s in merge_spans(spans[c] + find_originals(c, self.key))
                                       if s[2] not in kept], self.key).text_pseudonymized
                    for t, c in composed.items()}

    def public_sources(self, sources: Iterable[Source]) -> dict[str, Source]:
        """Sources as a reader without the original sees their fields: attribute values, question
        texts and locators pseudonymised (regions kept), identifying attributes left out, file names
        replaced by stable ids. Texts stay the originals (slice them through :meth:`redaction`)."""
        sources = list(sources)
        if self.raw:
            return {s.source_id: s for s in sources}
        shown = {(k in REDACTED_ATTRIBUTES, v) for s in sources for k, v in s.attributes.items()
                 if isinstance(v, str) and (k not in IDENTIFYING_ATTRIBUTES or k in REDACTED_ATTRIBUTES)}
        options = {v: [v] if free_text else _OPTION_MARK.split(v) for free_text, v in shown}
        values = self.values([*(part for parts in options.values() for part in parts[::2]),
                              *(s.locator for s in sources)], keep=SHOWN_IN_ATTRIBUTES)
        public = {v: "".join(values.get(part, part) if i % 2 == 0 else part for i, part in enumerate(parts))
                  for v, parts in options.items()}
        return {
            s.source_id: s.model_copy(update={
                "path": self.file_id(s.path),
                "locator": values.get(s.locator, s.locator),
                "attributes": {k: public.get(v, v) if isinstance(v, str) else v
                               for k, v in s.attributes.items()
                               if k not in IDENTIFYING_ATTRIBUTES or k in REDACTED_ATTRIBUTES},
            })
            for s in sources
        }

    def ident(self, value: str) -> str:
        """An id as exports show it: unchanged, unless it holds a name the key knows, in any case or
        ASCII spelling ("interview_Ballerup_Henrik", "int_fanoe_bette"), then a stable opaque id
        ("id-3fa2c1d09b")."""
        if self.raw or not value or not holds_name(value, self.key):
            return value
        return "id-" + self._opaque(value, length=10)

    def segment_id(self, segment_id: str) -> str:
        """A segment id as a pseudonymised export and a reviewer without rights see it.

        A segment id carries its source offsets (``R01:4.1_kommentar:a0-83``); beside the pseudonymised
        text they would tell how much longer the hidden names are than their placeholders. So the place
        becomes a keyed id of the segment: its source id as shown, its kind's letter and an HMAC of the
        whole segment id (``R01:4.1_kommentar:a-3fa2c1d09b``) -- stable while the study's secret is,
        whatever the key learns, and resolved back with :meth:`real_segment_id`. Unchanged when ``raw``.
        """
        if self.raw or not segment_id:
            return segment_id
        source_id, sep, place = segment_id.rpartition(":")
        found = _SEGMENT_PLACE.match(place) if sep else None
        if found is None:  # not an id made from offsets (a test's or an imported one)
            return self.ident(segment_id)
        return f"{self.ident(source_id)}:{found.group(1)}-{self._opaque('segment', segment_id, length=10)}"

    def real_segment_id(self, shown: str, segment_ids: Iterable[str]) -> str | None:
        """The segment of ``segment_ids`` that :meth:`segment_id` shows as ``shown`` (None: none); the
        keyed part alone decides (the source id before it turns opaque once the key knows a name in it)."""
        place = shown.rpartition(":")[2]
        if not KEYED_SEGMENT_PLACE.fullmatch(place):
            return None
        return next((sid for sid in segment_ids if self.segment_id(sid).rpartition(":")[2] == place), None)

    def file_id(self, path: str) -> str:
        """A study file's name as shown: a stable id keyed by the study's secret ("fil-3fa2c1d0.docx";
        unchanged when ``raw``)."""
        if self.raw or path.startswith("fil-"):
            return path
        return f"fil-{self._opaque(Path(path).as_posix(), length=8)}{Path(path).suffix.lower()}"

    def keyed_id(self, kind: str, value: str) -> str:
        """A record's id keyed by the study's secret (32 hex digits of an HMAC of ``kind`` and ``value``) for
        ids a file must carry, such as a ``.qdpx``'s source and case GUIDs: a uuid5 of the raw id would let
        a guessed id (which may hold a name, "Interview_Jens_Hansen") be confirmed by recomputing it.
        ``value`` unchanged when ``raw``."""
        if self.raw or not value:
            return value
        return self._opaque("record", kind, value, length=32)

    def quote_id(self, source_id: str, start: int, end: int, code_id: str) -> str:
        """A quote's id ("Q-3fa2c1d09b"): keyed by the study's secret like the opaque ids, and the same
        in raw and pseudonymised exports, so a citation stays traceable and a guess of a source id
        (which may hold a name) cannot be checked against a published quote id."""
        return "Q-" + self._opaque("quote", source_id, str(start), str(end), code_id, length=10)

    def _saved_secret(self) -> str:
        """The secret of the key as saved now (another process may have made it since this key was read)."""
        return ""

    def _save_secret(self) -> None:
        """Persist a secret just made (the ids it makes must stay the same the next time)."""
        self.save()

    def _opaque(self, *parts: str, length: int) -> str:
        with self._lock:
            if not self.key.secret:
                self.key.secret = self._saved_secret()
            shown = self.key.opaque(*parts, length=length)
            if self.key.secret_unsaved:
                self._save_secret()
            return shown

    def speaker(self, label: str | None) -> str:
        """A speaker label as a reader without rights may see it: roles stay, names become placeholders."""
        if not label or self.raw or is_role_label(label):
            return label or ""
        with self._lock:
            return self.key.placeholder_for("PERSON", label.strip().rstrip(":"))


class StudyRedactor(KeyRedactor):
    """The study's redactions: the recogniser's spans cached in the workspace, plus the key.

    Call :meth:`prepare` with the sources an export or page needs (one batch through the
    recogniser, the key saved once), then :meth:`redaction`, :meth:`span` and :meth:`value`.
    """

    def __init__(self, workspace: Workspace, settings: Settings, *, raw: bool = False,
                 nlp: Language | None = None) -> None:
        super().__init__(load_key(key_path(workspace), study=workspace.study), raw=raw)
        self.workspace = workspace
        self.settings = settings
        self._nlp = nlp
        self._pseudonymizer: Pseudonymizer | None = None
        self._loading = threading.Lock()  # the recogniser's, apart from the key's lock (see load_recogniser)
        self._recognised: dict[str, tuple[str, list[tuple[int, int, str]]]] = {}
        self._values_done: dict[str, list[tuple[int, int, str]]] = {}
        self.fingerprint = privacy_fingerprint(settings)
        if not raw:
            ensure_privacy_schema(workspace)

    @property
    def pseudonymizer(self) -> Pseudonymizer:
        """The privacy pipeline with the study key (loaded on first use)."""
        if self._pseudonymizer is None:
            self.load_recogniser()
        return self._pseudonymizer  # type: ignore[return-value]

    def load_recogniser(self) -> None:
        """Load the privacy pipeline now if not yet (seconds), without the key's lock: what needs only the
        key (an id shown, a key file another process saved) does not wait for it."""
        with self._loading:
            if self._pseudonymizer is None:
                self._pseudonymizer = Pseudonymizer(key=self.key, settings=self.settings, nlp=self._nlp)

    def save(self) -> None:
        """Write the key (after :meth:`speaker` or :meth:`value` added entries)."""
        if not self.raw:
            save_key(self.key, key_path(self.workspace))

    def _saved_secret(self) -> str:
        return load_key(key_path(self.workspace)).secret

    def _save_secret(self) -> None:
        if not self.raw:
            self.save()
            return
        # A raw redactor never writes the names of its key: add the secret to the key as saved now.
        saved = load_key(key_path(self.workspace), study=self.workspace.study)
        saved.secret = self.key.secret
        save_key(saved, key_path(self.workspace))
        self.key.secret_unsaved = False

    def _seed(self, sources: Iterable[Source]) -> None:
        """Put names known from the metadata into the key, so they are replaced wherever they occur, and
        let the key learn the names in the sources' file names and ids and in the study's name."""
        sources = list(sources)
        for original, label in metadata_names(sources).items():
            self.key.pin(label, original)
        # each part of an id once ("R0084:1.2_kommentar": the respondent's, the question's)
        names = {name_text(s.path, file=True) for s in sources} | {
            name_text(part) for s in sources for part in s.source_id.split(":")} | {
            name_text(self.workspace.study)}  # the study's folder ("Evaluering_Bente_Lykke")
        self.pseudonymizer.learn_names(sorted(names - {""}), FILE_NAME_LABELS)

    def _is_done(self, source: Source) -> bool:
        return self._recognised.get(source.source_id, ("",))[0] == source.content_hash

    def prepare(self, sources: Sequence[Source]) -> int:
        """Recognise the entities of every source not done yet (one batch); returns how many were new."""
        if self.raw:
            return 0
        with self._lock:
            wanted = {s.source_id: s for s in sources if not self._is_done(s)}
            if not wanted:
                return 0
            self._seed(wanted.values())
            self._recognised.update(self._load_cached(list(wanted.values())))
            todo = [s for s in wanted.values() if not self._is_done(s)]
            if todo:
                self._recognise(todo)
            self.save()
            return len(todo)

    def _recognised_spans(self, source: Source) -> list[tuple[int, int, str]]:
        self.prepare([source])
        return self._recognised[source.source_id][1]

    def _load_cached(self, sources: Sequence[Source]) -> dict[str, tuple[str, list[tuple[int, int, str]]]]:
        found: dict[str, tuple[str, list[tuple[int, int, str]]]] = {}
        by_id = {s.source_id: s for s in sources}
        ids = list(by_id)
        with self.workspace.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                query = select(recognised_table).where(
                    recognised_table.c.source_id.in_(ids[start:start + 500]))
                for row in conn.execute(query).mappings():
                    source = by_id[row["source_id"]]
                    if row["content_hash"] == source.content_hash and row["fingerprint"] == self.fingerprint:
                        found[source.source_id] = (source.content_hash, [tuple(s) for s in row["spans"]])
        return found

    def _recognise(self, sources: Sequence[Source]) -> None:
        logger.info("pseudonymising %d sources", len(sources))
        with progress.stage("pseudonymise", len(sources), unit="sources") as bar:
            results = self.pseudonymizer.recognise_many([s.text for s in sources], done=bar.advance)
        rows = [{"source_id": s.source_id, "content_hash": s.content_hash, "fingerprint": self.fingerprint,
                 "spans": [list(span) for span in spans]} for s, spans in zip(sources, results, strict=True)]
        self._store(rows)
        for source, spans in zip(sources, results, strict=True):
            self._recognised[source.source_id] = (source.content_hash, spans)

    def _store(self, rows: list[dict[str, Any]]) -> None:
        """Replace the cached rows of these sources (a concurrent writer of the same rows is no error)."""
        with self.workspace.engine.begin() as conn:
            for start in range(0, len(rows), 500):
                upsert(conn, recognised_table, rows[start:start + 500], keys=["source_id"])

    def _value_spans(self, texts: Sequence[str]) -> dict[str, list[tuple[int, int, str]]]:
        todo = [t for t in texts if t not in self._values_done]
        if todo:
            self._values_done.update(self._recognise_values(todo))
        return {t: self._values_done[t] for t in texts}

    def _recognise_values(self, texts: Sequence[str]) -> dict[str, list[tuple[int, int, str]]]:
        keys = {content_hash(self.fingerprint + "\x1f" + t): t for t in texts}
        ids = list(keys)
        with self.workspace.engine.connect() as conn:
            found = {row[0]: [tuple(s) for s in row[1]] for start in range(0, len(ids), 500)
                     for row in conn.execute(select(values_table.c.value_key, values_table.c.spans)
                                             .where(values_table.c.value_key.in_(ids[start:start + 500])))}
        missing = [k for k in ids if k not in found]
        if missing:
            spans = self.pseudonymizer.recognise_many([keys[k] for k in missing])
            with self.workspace.engine.begin() as conn:
                upsert(conn, values_table, [{"value_key": k, "spans": [list(s) for s in found_spans]}
                                            for k, found_spans in zip(missing, spans, strict=True)],
                       keys=["value_key"], replace=False)
            found.update(zip(missing, spans, strict=True))
            self.save()
        return {keys[k]: found[k] for k in ids}  # type: ignore[misc]


def forget_cached(workspace: Workspace, source_ids: Sequence[str]) -> None:
    """Drop cached recogniser output of these sources (they are recognised again on next use)."""
    ensure_privacy_schema(workspace)
    with workspace.engine.begin() as conn:
        conn.execute(delete(recognised_table).where(recognised_table.c.source_id.in_(list(source_ids))))


def describe(redaction: Redaction) -> dict[str, Any]:
    """A JSON-able view of a redaction (no original text)."""
    return {"source_id": redaction.source_id, "text": redaction.text,
            "replaced": [[s.start, s.end, s.placeholder] for s in redaction.spans]}
