"""What the review app shows a reviewer without original-text rights: each source's one redaction.

The app asks :class:`PrivacyView` for the replaced spans of a source (offsets into the source
text with their placeholders) and renders the text piece by piece, so a span an analyst selects
still maps to exact source offsets. The spans come from the study's
:class:`~hoi_nlp.privacy.redact.StudyRedactor`, the same one every export slices from, cached in
the workspace: a workspace fresh from ``hoi run`` (whose export redacted every source) opens
without any preparation step.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterable, Sequence

from hoi_nlp.privacy.pseudonymize import ReplacedSpan
from hoi_nlp.privacy.redact import _SEGMENT_PLACE as _OFFSET_PLACE
from hoi_nlp.privacy.redact import KEYED_SEGMENT_PLACE as _KEYED_PLACE
from hoi_nlp.privacy.redact import KeyRedactor, StudyRedactor
from hoi_nlp.records import Segment, Source
from hoi_nlp.settings import Settings
from hoi_nlp.store import Whereabouts, Workspace, load_sources

logger = logging.getLogger(__name__)

Hidden = ReplacedSpan
# Respondent attributes a reviewer without original-text rights sees (pseudonymised) and may filter by.
SHOWN_ATTRIBUTES = ("role", "size_group", "region")
#: How many sources :meth:`PrivacyView.warm` shows at a time (the key's lock is held for one batch).
WARM_BATCH = 50


class FullView:
    """A reviewer with original-text rights: every label and id as it is (the same interface as
    :class:`PrivacyView`, so pages and filters need not ask who is looking)."""

    private = False

    def stamp(self) -> tuple[int, ...]:
        """A mark that changes when what this view shows of labels, ids and attributes may have changed
        (for what is kept of it between requests)."""
        return ()

    def speaker(self, label: str | None) -> str:
        """The speaker label as shown."""
        return label or ""

    def ident(self, value: str) -> str:
        """An id as shown."""
        return value

    def segment_id(self, value: str) -> str:
        """A segment id as shown (in links and on pages)."""
        return value

    def memo(self, text: str) -> str:
        """An analyst's memo as shown."""
        return text

    def sources(self, sources: Iterable[Source]) -> dict[str, Source]:
        """Sources with their fields as shown, by id."""
        return {s.source_id: s for s in sources}

    def source(self, source: Source) -> Source:
        """One source with its fields as shown."""
        return self.sources([source])[source.source_id]

    def attribute(self, source: Source, key: str) -> str:
        """An attribute value as shown ("" when hidden or missing)."""
        return str(self.source(source).attributes.get(key, "") or "")

    def segment(self, seg: Segment) -> Segment:
        """A segment with its id, source id, parent id and speaker as shown (offsets unchanged)."""
        return seg

    def offset(self, source: Source, offset: int, *, end: bool = False) -> int:
        """A source offset as the page carries it (for selections and spans)."""
        return offset

    def source_offset(self, source: Source, offset: int, *, end: bool = False) -> int:
        """The source offset of an offset the page sent back (:meth:`offset`'s inverse)."""
        return offset

    def real_id(self, shown_id: str, ids: Collection[str],
                located: Callable[[str], tuple[Segment, Source]] | None = None) -> str | None:
        """The segment id behind a shown one (None: no such segment for this reader)."""
        return shown_id if shown_id in ids else None


class PrivacyView(FullView):
    """Replaced spans per source and pseudonymised labels, from the study's one redactor.

    What a reviewer without original-text rights sees: texts as their one redaction; speaker
    labels as role or placeholder ("Henrik" -> "[PERSON 3]"); attribute values, question texts
    and memos pseudonymised; identifying attributes (municipality, interviewer, date) left out;
    file names as stable ids; ids that hold a name ("interview_Ballerup_Henrik:t3") as opaque ids;
    segment ids keyed, without the source offsets they carry ("R001:1.2_kommentar:a-3fa2c1d09b"), also
    in links (:meth:`real_id` maps them back, and a real id that could tell something is not accepted).
    """

    private = True

    def __init__(self, workspace: Workspace, settings: Settings | None = None, *,
                 redactor: KeyRedactor | None = None) -> None:
        self.workspace = workspace
        self.redactor = redactor or StudyRedactor(workspace, settings or Settings())
        self._lock = threading.RLock()
        self._sources: dict[str, tuple[tuple[str, str], int, Source]] = {}
        self._aliases: tuple[int, Collection[str], dict[str, str]] | None = None
        self._keyed: tuple[str, Collection[str], dict[str, list[str]]] | None = None
        self._former: tuple[str, Whereabouts, Collection[str], dict[str, str]] | None = None
        # ids and speaker labels as shown, while the key is the same (a list page asks for every unit's)
        self._shown: tuple[tuple[int, int, int], dict[str, str], dict[str, str]] = ((0, -1, -1), {}, {})
        self._key_file_seen: tuple[int, int] | None = None

    def follow_saved_key(self) -> bool:
        """Take in what another process saved to the study's key file since it was last read here (names a
        `hoi run` beside the app learnt, e.g. from an added interview's file name: without them the app
        showed that interview's ids as written to a reviewer without rights). True when it read the file."""
        from hoi_nlp.privacy.key import key_path, load_key, merge_saved

        redactor = self.redactor
        if redactor.raw or not isinstance(redactor, StudyRedactor):
            return False
        path = key_path(self.workspace)
        try:
            stat = path.stat()
        except FileNotFoundError:
            return False
        seen = (stat.st_mtime_ns, stat.st_size)
        if seen == self._key_file_seen:
            return False
        saved = load_key(path, study=self.workspace.study)
        with redactor._lock:
            merge_saved(redactor.key, saved)
        self._key_file_seen = seen
        return True

    def _memo(self) -> tuple[dict[str, str], dict[str, str]]:
        """The ids and speaker labels shown so far with the key as it is now (emptied when it changes:
        an id holding a name it has just learnt turns opaque)."""
        key = self.redactor.key
        stamp = (id(key), len(key.originals), len(key.pinned), key.generation)
        if self._shown[0] != stamp:
            self._shown = (stamp, {}, {})
        return self._shown[1], self._shown[2]

    def stamp(self) -> tuple[int, ...]:
        """The key's: what is shown changes only when the key does."""
        key = self.redactor.key
        return (id(key), len(key.originals), len(key.pinned), key.generation)

    def _grew(self, before: int) -> None:
        """Save the key when its generation moved past ``before``."""
        if self.redactor.key.generation != before:
            self.redactor.save()  # a label the key did not know yet keeps its placeholder from now on

    def speaker(self, label: str | None) -> str:
        """A speaker label with names replaced by their placeholders (roles stay)."""
        with self._lock:
            speakers = self._memo()[1]
            if label and label in speakers:
                return speakers[label]
            before = self.redactor.key.generation
            shown = self.redactor.speaker(label)
            self._grew(before)
            if label:
                self._memo()[1][label] = shown
            return shown

    def ident(self, value: str) -> str:
        """An id as shown: unchanged unless it holds a name, then a stable opaque id."""
        if not value:
            return value
        with self._lock:
            idents = self._memo()[0]
        shown = idents.get(value)
        if shown is None:
            shown = idents[value] = self.redactor.ident(value)
        return shown

    def segment_id(self, value: str) -> str:
        """A segment id as shown: keyed, without the source offsets it carries (they would tell the
        length of the names its text hides), see :meth:`KeyRedactor.segment_id`."""
        return self.redactor.segment_id(value) if value else value

    def memo(self, text: str) -> str:
        """An analyst's memo, pseudonymised (an analyst with rights may have named someone)."""
        return self.value(text) if text else text

    def sources(self, sources: Iterable[Source]) -> dict[str, Source]:
        """Sources as shown: :meth:`~hoi_nlp.privacy.redact.KeyRedactor.public_sources`, plus the
        respondent id as shown (cached per source until its content or the key changes)."""
        wanted = {s.source_id: s for s in sources}
        if wanted:  # loaded before this view's lock: a page that needs only the lock does not wait for it
            self.load_recogniser()
        with self._lock:
            before = self.redactor.key.generation
            todo = [s for s in wanted.values()
                    if self._sources.get(s.source_id, ("", 0))[:2] != (_shown_parts(s), before)]
            if todo:
                for sid, public in self.redactor.public_sources(todo).items():
                    shown = public.model_copy(update={"respondent_id": self.ident(public.respondent_id)})
                    self._sources[sid] = (_shown_parts(wanted[sid]), before, shown)
                self._grew(before)
            return {sid: self._sources[sid][2] for sid in wanted}

    def segment(self, seg: Segment) -> Segment:
        """A segment with its ids and speaker as shown (offsets unchanged)."""
        update = {"segment_id": self.segment_id(seg.segment_id), "source_id": self.ident(seg.source_id),
                  "parent_id": self.segment_id(seg.parent_id) if seg.parent_id else seg.parent_id,
                  "speaker": self.speaker(seg.speaker) if seg.speaker else seg.speaker}
        return seg.model_copy(update=update)

    def real_id(self, shown_id: str, ids: Collection[str],
                located: Callable[[str], tuple[Segment, Source]] | None = None) -> str | None:
        """The segment id behind a shown one (as :meth:`segment_id` makes it now, by its keyed part
        alone, or an opaque id an earlier version showed). A real id is accepted only where it tells
        nothing (``located`` gives its segment and source): it holds no name (it would confirm a guessed
        name) and nothing of its source before its end is hidden, so its offsets are the redaction's
        own (else trying ids would confirm a guessed length of a hidden name)."""
        place = shown_id.rpartition(":")[2]
        if _KEYED_PLACE.fullmatch(place) and not self.redactor.raw:
            candidates = self._keyed_places(ids).get(place, [])
            if len(candidates) > 1:  # two units under one keyed part: the whole shown id decides
                return next((sid for sid in candidates if self.segment_id(sid) == shown_id), candidates[0])
            if candidates:
                return candidates[0]
        with self._lock:
            # the key's size and the very id collection: a reloaded corpus (a transcript corrected by a
            # later `hoi run`) may hold as many units under other ids
            stamp = (len(self.redactor.key.originals), self.redactor.key.generation)
            if self._aliases is None or self._aliases[0] != stamp or self._aliases[1] is not ids:
                aliases: dict[str, str] = {}
                for sid in ids:
                    shown = self.segment_id(sid)
                    aliases[shown] = sid
                    if _KEYED_PLACE.fullmatch(shown.rpartition(":")[2]):
                        aliases.setdefault(shown.rpartition(":")[2], sid)  # the keyed part alone
                    earlier = self.ident(sid)
                    if earlier != sid:
                        aliases.setdefault(earlier, sid)
                self._aliases = (stamp, ids, aliases)
            aliases = self._aliases[2]
        found = aliases.get(shown_id)
        if found is None and _KEYED_PLACE.fullmatch(shown_id.rpartition(":")[2]):
            found = aliases.get(shown_id.rpartition(":")[2])
        if found is None and shown_id in ids and located is not None and self.ident(shown_id) == shown_id:
            seg, source = located(shown_id)
            if not any(span.start < seg.end for span in self.redactor.redaction(source).spans):
                found = shown_id
        return found

    def _keyed_places(self, ids: Collection[str]) -> dict[str, list[str]]:
        """The units of ``ids`` by the keyed part of the id they are shown under ("a-3fa2c1d09b": the kind's
        letter and an HMAC of the whole id with the study's secret, see
        :meth:`~hoi_nlp.privacy.redact.KeyRedactor.segment_id`), in their order. It stays while the secret
        and the id collection do, whatever the key learns: the source id before it, which turns opaque
        when the key learns a name in it, is most of the work of the whole shown ids (a second or more at
        17k units, and again at each name the key learns)."""
        with self._lock:
            known = self._keyed
            if known is None or not known[0] or known[0] != self.redactor.key.secret or known[1] is not ids:
                places: dict[str, list[str]] = {}
                for sid in ids:
                    place = _keyed_place(self.redactor, sid)  # (makes or reads the secret on first use)
                    if place:
                        places.setdefault(place, []).append(sid)
                self._keyed = known = (self.redactor.key.secret, ids, places)
            return known[2]

    def former_id(self, shown_id: str, moves: Whereabouts, ids: Collection[str]) -> str | None:
        """The id a unit now in ``ids`` had before a correction of its transcript moved it or its source was
        renamed (``moves``), that the keyed ``shown_id`` names (a page's link from before, a pseudonymised
        export's id); None: none. By the keyed part alone, as :meth:`_keyed_places`: an HMAC per former id,
        kept while the moves, the units and the study's secret are the same."""
        place = shown_id.rpartition(":")[2]
        if self.redactor.raw or not _KEYED_PLACE.fullmatch(place):
            return None
        with self._lock:
            known = self._former
            if (known is None or not known[0] or known[0] != self.redactor.key.secret or known[1] is not moves
                    or known[2] is not ids):
                places: dict[str, str] = {}
                for old in sorted(moves.former_ids(ids) - set(ids)):
                    if keyed := _keyed_place(self.redactor, old):
                        places.setdefault(keyed, old)
                self._former = known = (self.redactor.key.secret, moves, ids, places)
            return known[3].get(place)

    def load_recogniser(self) -> None:
        """Load the study's recogniser if it is not yet, holding neither this view's nor the key's lock."""
        if isinstance(self.redactor, StudyRedactor) and not self.redactor.raw:
            self.redactor.load_recogniser()

    def warm(self, sources: Sequence[Source] | None = None) -> None:
        """Load what the first page needs, e.g. while an app starts: the key's matcher and its word lists
        (every page's ids); with ``sources`` (a reviewer without rights will read them) also the recogniser
        (seconds: the first page's redaction and its sources' attributes need it) and ``sources`` as shown
        (their attributes' names recognised, as every list page's first step). The recogniser loads
        without the key's lock and the sources are shown a few at a time, so a page made meanwhile (a login
        page, a reviewer with rights) waits for one batch at most, not the whole warm-up."""
        try:
            self.redactor.warm()
            if sources is None or self.redactor.raw:
                return
            self.load_recogniser()
            for start in range(0, len(sources), WARM_BATCH):
                self.sources(sources[start:start + WARM_BATCH])
        except Exception as exc:  # noqa: BLE001 - the first page that needs it reports the problem
            logger.warning("preparing the pseudonymised view failed: %s", exc)

    def offset(self, source: Source, offset: int, *, end: bool = False) -> int:
        """An offset into the source's redaction: the page never carries the original's offsets, which
        would tell how long a hidden name is (a placeholder spans its whole replaced span)."""
        return self.redactor.redaction(source).position(offset, end=end)

    def source_offset(self, source: Source, offset: int, *, end: bool = False) -> int:
        """The source offset of an offset into the redaction (a selection's edge inside a placeholder
        takes the whole hidden span)."""
        return self.redactor.redaction(source).source_position(offset, end=end)

    def hidden(self, source: Source) -> list[Hidden]:
        """Spans of ``source.text`` to hide."""
        return list(self.redactor.redaction(source).spans)

    def hidden_many(self, sources: Sequence[Source]) -> dict[str, list[Hidden]]:
        """Hidden spans for several sources (missing ones recognised in one batch and cached)."""
        self.redactor.prepare(list({s.source_id: s for s in sources}.values()))
        return {s.source_id: self.hidden(s) for s in sources}

    def text(self, source: Source, start: int, end: int) -> str:
        """The pseudonymised text of ``source.text[start:end]`` (as every export shows it)."""
        return self.redactor.span(source, start, end)

    def value(self, text: str) -> str:
        """A field value (attribute, memo) pseudonymised with the study key."""
        return self.redactor.value(text)

    def values(self, texts: Iterable[str]) -> dict[str, str]:
        """Several texts that are no slice of a study source (training passages shown as examples)
        pseudonymised at once, as :meth:`value` does one."""
        return self.redactor.values(texts)

    def prepare_all(self, *, batch: int = 500) -> int:
        """Recognise every source not cached yet; returns how many were new."""
        sources = load_sources(self.workspace)
        return sum(self.redactor.prepare(sources[i:i + batch]) for i in range(0, len(sources), batch))


def _keyed_place(redactor: KeyRedactor, segment_id: str) -> str:
    """The keyed part of the id ``redactor.segment_id`` shows ``segment_id`` under ("a-3fa2c1d09b"; "" for
    an id not made from offsets), without working out the source id shown before it."""
    source_id, sep, place = segment_id.rpartition(":")
    found = _OFFSET_PLACE.match(place) if sep else None
    if found is None:
        return ""
    return f"{found.group(1)}-{redactor._opaque('segment', segment_id, length=10)}"  # as segment_id makes it


def masked(text: str, start: int, end: int, hidden: Sequence[Hidden]) -> str:
    """``text[start:end]`` with hidden spans shown as placeholders (a span cut at an edge is hidden whole)."""
    parts = []
    cursor = start
    for span in sorted(hidden, key=lambda h: h.start):
        if span.end <= start or span.start >= end:
            continue
        parts.append(text[cursor : max(cursor, span.start)])
        parts.append(span.placeholder)
        cursor = max(cursor, span.end)
    parts.append(text[cursor:end] if cursor < end else "")
    return "".join(parts)


def _shown_parts(source: Source) -> tuple[str, str]:
    """What a source as shown is made of: its text and its attributes (an attribute corrected in the
    metadata changes nothing of the text)."""
    return source.content_hash, repr(sorted(source.attributes.items()))
