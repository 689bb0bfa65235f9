"""The study's pseudonymisation key: persons numbered across the study, placeholder <-> originals.

The key lives in the workspace's ``keys/`` folder (folder 0700, file 0600), never next to
exports; it is what makes the same person the same ``[PERSON n]`` in every export and page.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hoi_nlp.errors import HoiError
from hoi_nlp.io import write_text_atomic

if TYPE_CHECKING:
    from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

KEY_FILENAME = "pseudonym_key.json"
PLACEHOLDERS = {
    "KOMMUNE": "[KOMMUNE]", "REGION": "[REGION]", "STED": "[STED]", "ORGANISATION": "[ORGANISATION]",
    "JOBCENTER": "[JOBCENTER]", "ENHED": "[ENHED]", "NAVN": "[NAVN]", "EMAIL": "[EMAIL]",
    "TELEFON": "[TELEFON]", "CPR": "[CPR]", "ADRESSE": "[ADRESSE]", "LINK": "[LINK]",
}
GENITIVE = re.compile(r"(?:'s|’s|'|’)$")
_POSSESSIVE = re.compile(r"(?:'s|’s|s)$")  # initials' genitive: "KJ's", "KJs"
_INITIALS_GENITIVE = re.compile(r"[A-ZÆØÅ]{2,4}s")  # "KJs", "MHs"


# where words are glued in a name written as a handle or an id ("jensHansen", "jens_hansen", "jens.hansen")
_GLUE = re.compile(r"(?<=[a-zæøå])(?=[A-ZÆØÅ])|(?<=[^\W\d_])[_.]+(?=[^\W\d_])")


def unglued(name: str) -> str:
    """A name glued into one word written as a name is ("jensHansen", "jens_hansen", "@jensHansen" -> "Jens
    Hansen"; surname first, "hansen.mette" -> "Mette Hansen"); a name that is no such word unchanged."""
    if not _GLUE.search(name):
        return name
    name = name.lstrip("@#")  # a mention or a tag ("@jensHansen")
    return _first_name_first(" ".join("-".join(part[:1].upper() + part[1:] for part in word.split("-"))
                                      for word in _GLUE.sub(" ", name).split()))


def _first_name_first(name: str) -> str:
    """A name of two words unglued from a handle written surname first ("Hansen Mette" from «hansen.mette»)
    in the order a name is written ("Mette Hansen"): the first word a listed surname and no first name, the
    second a listed first name and no surname; any other name unchanged ("Hansen Docx" is no name to learn
    turned round)."""
    from hoi_nlp.privacy.gazetteers import first_names

    if _surname_first(name) and name.split()[1] in first_names():
        surname, given = name.split()
        return f"{given} {surname}"
    return name


def _surname_first(name: str) -> bool:
    """Whether a name of two words may be written surname first ("Hansen Amira" from «hansen.amira»): the
    first word a listed surname and no first name, the second no listed surname. «Frank Thomas» and «Louise
    Anne» are not «Thomas Frank» and «Anne Louise» turned round, but other persons."""
    from hoi_nlp.privacy.gazetteers import first_names, last_names

    words = [word[:1].upper() + word[1:].lower() for word in name.split()]
    return len(words) == 2 and words[0] in last_names() and words[0] not in first_names() \
        and words[1] not in last_names()


def _genitive_s(word: str) -> bool:
    """Whether the final "s" of a name word may be a genitive ("Poulsens", "KJs", "poulsens"): not one in
    capitals ("KJS": other initials) nor one of a listed name ("Andreas", "Jonas", "Elias": names of their
    own, not the genitive of «Andrea», «Jona», «Elia»)."""
    from hoi_nlp.privacy.gazetteers import person_names

    return (len(word) > 2 and word.endswith("s") and not word.isupper()
            and word[:1].upper() + word[1:].lower() not in person_names())


def _same_name_word(a: str, b: str) -> bool:
    """Whether two normalised name words may name the same: equal (a genitive "s" aside), one the
    other's initial ("m." and "mette"), or sharing a part of a double name ("poulsen-berg", "poulsen")."""
    if _with_genitive(a) & _with_genitive(b):
        return True
    short, long = sorted((a.rstrip("."), b.rstrip(".")), key=len)
    if len(short) == 1 and long.startswith(short):
        return True
    return bool({*a.split("-")} & {*b.split("-")})


def _with_genitive(word: str) -> set[str]:
    """A normalised name word and the same without a genitive "s" ("poulsens": poulsen too)."""
    return {word, word[:-1]} if _genitive_s(word) else {word}


def normalise_name(name: str) -> str:
    """Case-folded name without genitive ending or extra spaces ("Lars Hansens" -> "lars hansen")."""
    words = GENITIVE.sub("", " ".join(name.split())).casefold().split()
    return " ".join(words)


@dataclass
class PseudonymKey:
    """Per-study key: person numbers by normalised name, and placeholder <-> originals."""

    study: str = ""
    persons: dict[str, int] = field(default_factory=dict)
    originals: dict[str, str] = field(default_factory=dict)
    # the study's secret for opaque ids ("id-…", "fil-…"): without it a guessed original cannot be
    # confirmed from its id; kept with the key, never exported
    secret: str = field(default="", repr=False)
    # a secret made in this process and not yet written with the key (see :func:`load_key`)
    secret_unsaved: bool = field(default=False, repr=False, compare=False)
    # originals the metadata names (municipality, interviewer, speakers): always looked for, whatever
    # their length or commonness ("Ry", "Bo"); saved with the key, so a page that has not seen the
    # source naming one (the review app) still finds it
    pinned: set[str] = field(default_factory=set, repr=False, compare=False)
    # initials learnt from a memo signed with them ("… /KJ"), the one shape that is surely someone's
    # initials: only these are looked for wherever they stand ("Spørg KJ"); initials opening a line
    # ("KJ: …") or a speaker's label are replaced there only
    signed: set[str] = field(default_factory=set, repr=False, compare=False)
    # the pseudonymiser's compiled patterns of known originals, rebuilt when the key changes
    matcher: Any = field(default=None, repr=False, compare=False)
    # raised by every change of an entry (a new original, a new placeholder for one, a pinned name):
    # what caches of the key's work compare, not its size (a relabelled entry keeps the size)
    generation: int = field(default=0, repr=False, compare=False)

    def placeholders(self) -> dict[str, list[str]]:
        """Placeholder -> sorted originals it replaced."""
        out: dict[str, list[str]] = {}
        for original, placeholder in self.originals.items():
            out.setdefault(placeholder, []).append(original)
        return {k: sorted(v) for k, v in sorted(out.items())}

    def person_number(self, name: str) -> int:
        """The study-wide number of a person; a first or last name alone reuses a unique full name."""
        norm = normalise_name(name)
        if norm not in self.persons:  # "jensHansen" is Jens Hansen (a key may hold the glued form already)
            name = unglued(name)
            norm = normalise_name(name)
            turned = " ".join(reversed(norm.split()))
            if norm not in self.persons and turned in self.persons and _surname_first(name):
                norm = turned  # "hansen.amira" after "Amira Hansen": the known person, written surname first
        last = GENITIVE.sub("", name.strip()).split()[-1] if norm else ""
        if _INITIALS_GENITIVE.fullmatch(last):  # "MHs team" is MH's, never MHS's
            norm, last = norm[:-1], last[:-1]
        genitive = _genitive_s(last)
        known = self._known_spelling(norm, genitive=genitive)
        if known is not None:
            return self.persons[known]
        number = self._match_part(norm, genitive=genitive) or max(self.persons.values(), default=0) + 1
        self.persons[norm] = number
        return number

    def _known_spelling(self, norm: str, *, genitive: bool) -> str | None:
        """The spelling the key holds of the normalised name ``norm``: as written, with a hyphen for a space
        or a space for a hyphen ("Jørgen-Kragh", "lise-marieNielsen" and "liseMarieNielsen"), without a
        ``genitive`` "s" ("KJs", "Mette Poulsens team" after "mettePoulsen") and, a full name, with one
        ("mettePoulsen" after "Mette Poulsens team"). A single word never finds itself with an "s" more:
        «Jona» is not «Jonas», «KJ» not «KJS»."""
        full = len(norm.split()) > 1
        forms = [norm, *([norm[:-1]] if genitive else []),
                 *([norm + "s"] if full and _genitive_s(norm.split()[-1] + "s") else [])]
        found = next((form for form in forms if form in self.persons), None)
        if found is not None:
            return found
        spaced = {form.replace("-", " ") for form in forms}
        return next((known for known in self.persons if known.replace("-", " ") in spaced), None)

    def _match_part(self, norm: str, *, genitive: bool) -> int | None:
        """The number of the one full name ``norm`` is the first or last name of, the last either with a
        genitive "s" ("Poulsens forslag" after "Mette Poulsen", "Hansen" after "Jens Hansens forslag"; a
        first name only as written: «Andreas» is not «Andrea Jensen»), or of the one name alone that is a
        part of the full name ``norm`` and no other full name's ("Mette", then "Mette Poulsen"; not
        "Poulsen" that was Mette Poulsen's, then "Jens Poulsen")."""
        words = norm.split()
        if len(words) == 1:
            forms = {words[0], *([words[0][:-1]] if genitive else [])}
            found = {n for known, n in self.persons.items() if len(known.split()) > 1
                     and (words[0] == known.split()[0] or forms & _with_genitive(known.split()[-1]))}
        else:
            parts = {words[0], words[-1], *([words[-1][:-1]] if genitive else [])}
            found = {self.persons[w] for w in parts if w in self.persons} - self._other_persons(words)
        return found.pop() if len(found) == 1 else None

    def _other_persons(self, words: list[str]) -> set[int]:
        """The numbers of full names the key holds with another first or last name than ``words`` (an
        initial for a name, «M. Poulsen», «Mette P.», and one part of a double name, «Poulsen-Berg», are
        the same name)."""
        return {n for known, n in self.persons.items() if len(known.split()) > 1
                and not (_same_name_word(words[0], known.split()[0])
                         and _same_name_word(words[-1], known.split()[-1]))}

    def placeholder_for(self, label: str, original: str) -> str:
        """The placeholder of ``original`` (recorded in the key). Initials a signature taught the key stay a
        person whatever a later text's recogniser guesses («Enig med LB»: an organisation to the model, and
        then no longer looked for everywhere)."""
        if original in self.signed or _POSSESSIVE.sub("", original) in self.signed:  # "KJ's team"
            label = "PERSON"
        if label == "PERSON":
            placeholder = f"[PERSON {self.person_number(original)}]"
        else:
            placeholder = PLACEHOLDERS.get(label, "[NAVN]")
        if self.originals.get(original) != placeholder:
            self.originals[original] = placeholder
            self.generation += 1
        return placeholder

    def pin(self, label: str, original: str) -> str:
        """Record ``original`` as a name the metadata gives (see ``pinned``); returns its placeholder."""
        if original not in self.pinned:
            self.pinned.add(original)
            self.generation += 1
        return self.originals.get(original) or self.placeholder_for(label, original)

    def sign(self, initials: str) -> None:
        """Record ``initials`` as learnt from a signature ("/KJ"; see ``signed``)."""
        if initials not in self.signed:
            self.signed.add(initials)
            self.generation += 1

    def opaque(self, *parts: str, length: int) -> str:
        """A keyed hash of ``parts`` (HMAC-SHA256 with the study's secret, made on first use): stable
        within the study, and no guess of the parts can be checked against it without the key."""
        if not self.secret:
            self.secret, self.secret_unsaved = secrets.token_hex(32), True
            logger.info("pseudonym key of study %r: made its secret for opaque ids", self.study)
        message = "\x1f".join(parts).encode("utf-8")
        return hmac.new(bytes.fromhex(self.secret), message, hashlib.sha256).hexdigest()[:length]

    def to_json(self) -> str:
        """JSON text of the key (both directions, and the secret of its opaque ids)."""
        data = {"version": 1, "study": self.study, "persons": self.persons, "originals": self.originals,
                "placeholders": self.placeholders(), "secret": self.secret,
                "metadata_names": sorted(self.pinned & set(self.originals)),
                "signed_initials": sorted(self.signed & set(self.originals))}
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, *, path: str = "") -> PseudonymKey:
        """Parse a key written by :meth:`to_json`."""
        try:
            data = json.loads(text)
            key = cls(study=data.get("study", ""), persons=dict(data["persons"]),
                      originals=dict(data["originals"]), secret=str(data.get("secret") or ""),
                      pinned=set(data.get("metadata_names") or ()),
                      signed=set(data.get("signed_initials") or ()))
            if "signed_initials" not in data:  # written before signatures were kept: see older_signatures
                key.signed = older_signatures(key.originals)
            if key.secret:
                bytes.fromhex(key.secret)
            return key
        except (ValueError, KeyError, TypeError) as exc:
            raise HoiError("pseudonym key file is not valid", path=path,
                           hint="restore it from backup; a new key renumbers persons") from exc


def older_signatures(originals: dict[str, str]) -> set[str]:
    """The initials to look for everywhere in a key written before signatures were kept (no
    ``signed_initials``): every person entry that is someone's initials ("KJ", "MKH"; not "IT", "TR").
    Such a key cannot tell a memo's signature ("/KJ") from a line opened "KJ:" or a speaker's label, and
    its study's texts may all be cached: waiting for each memo to be recognised again left «Spørg KJ» as
    written in pages, quotes and exports, and the leak check did not look for it."""
    from hoi_nlp.privacy.recognise import is_initials

    return {original for original, placeholder in originals.items()
            if placeholder.startswith("[PERSON") and is_initials(original)}


def key_path(workspace: Workspace) -> Path:
    """Where the study's key lives: ``<workspace>/keys/pseudonym_key.json``."""
    return workspace.keys_dir / KEY_FILENAME


def load_key(path: str | Path, *, study: str = "") -> PseudonymKey:
    """Load a key; a missing file gives an empty key for ``study``."""
    path = Path(path)
    if not path.is_file():
        return PseudonymKey(study=study)
    return PseudonymKey.from_json(path.read_text(encoding="utf-8"), path=str(path))


def save_key(key: PseudonymKey, path: str | Path) -> Path:
    """Write the key atomically with file mode 0600 inside a 0700 folder, after taking in what another
    process saved since ``key`` was read (:func:`merge_saved`), under a lock on the key file: the open
    review app saving its key overwrote the names a `hoi run` beside it had learnt, so the run's exports
    and the leak check lost them."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.parent.chmod(0o700)
    with _locked(path):
        if path.is_file():
            merge_saved(key, PseudonymKey.from_json(path.read_text(encoding="utf-8"), path=str(path)))
        written = write_text_atomic(path, key.to_json(), mode=0o600)
    key.secret_unsaved = False
    return written


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside the key file while it is read and written (POSIX; elsewhere none)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: one process at a time is the user's to keep
        yield
        return
    lock = path.with_name(path.name + ".lock")
    descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


def merge_saved(key: PseudonymKey, saved: PseudonymKey) -> None:
    """Take into ``key`` what ``saved`` (the key file as another process left it) knows and it does not:
    originals, person numbers, names the metadata gives, initials signatures taught it and the secret.
    Where the two numbered persons differently, the saved numbers stand (exports may already show them):
    a person both know takes the saved number, and a number ``key`` gave a person the file does not know,
    but the file gave another, is replaced by a new one."""
    if saved.secret and (not key.secret or key.secret_unsaved):
        key.secret, key.secret_unsaved = saved.secret, False
    remap: dict[int, int] = {}
    for name, number in key.persons.items():
        if name in saved.persons and saved.persons[name] != number:
            remap[number] = saved.persons[name]
    taken = set(saved.persons.values())
    fresh = max([*taken, *key.persons.values()], default=0)
    for name, number in key.persons.items():
        if name not in saved.persons and number in taken and number not in remap:
            fresh += 1
            remap[number] = fresh
    persons = {name: remap.get(number, number) for name, number in key.persons.items()} | saved.persons
    originals = {original: _renumbered(placeholder, remap) for original, placeholder in key.originals.items()}
    originals = {**saved.originals, **originals}
    pinned, signed = key.pinned | saved.pinned, key.signed | saved.signed
    if (persons, originals, pinned, signed) != (key.persons, key.originals, key.pinned, key.signed):
        key.persons, key.originals, key.pinned, key.signed = persons, originals, pinned, signed
        key.generation += 1


def _renumbered(placeholder: str, remap: dict[int, int]) -> str:
    match = re.fullmatch(r"\[PERSON (\d+)\]", placeholder)
    if match and int(match.group(1)) in remap:
        return f"[PERSON {remap[int(match.group(1))]}]"
    return placeholder
