"""The codebook as validated data: families of codes with descriptions, patterns and examples.

A codebook is a YAML file (see ``configs/codebooks/hoi.yaml``). Loading it checks the
structure (unknown keys are rejected), that every code id is ``<family>.<name>`` under its
own family, that ids are unique, and that every token pattern is valid for spaCy's Matcher.
Every error names the file and the line of the offending entry.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hoi_nlp.errors import CodebookError
from hoi_nlp.records import content_hash

DEFAULT_CODEBOOK = Path(__file__).resolve().parent.parent / "configs" / "codebooks" / "hoi.yaml"
_ID_PART = re.compile(r"^[a-z][a-z0-9_]*$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LINE = "__line__"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Pattern(_Frozen):
    """One match pattern: a lemma phrase, an exact (case-insensitive) phrase or spaCy tokens."""

    lemma: str | None = None
    phrase: str | None = None
    tokens: list[dict[str, Any]] | None = None
    weight: float = Field(default=0.7, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> Pattern:
        kinds = [k for k in ("lemma", "phrase", "tokens") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError("a pattern needs exactly one of 'lemma', 'phrase' or 'tokens'")
        return self

    @property
    def kind(self) -> str:
        """``lemma``, ``phrase`` or ``tokens``."""
        return "lemma" if self.lemma else "phrase" if self.phrase else "tokens"

    def describe(self) -> str:
        """A short readable form used as evidence provenance."""
        if self.tokens is not None:
            return "tokens:" + yaml.safe_dump(self.tokens, default_flow_style=True,
                                              allow_unicode=True).strip()
        return f"{self.kind}:{self.lemma or self.phrase}"


class Code(_Frozen):
    """One code: stable id, Danish label and description, patterns and examples."""

    id: str
    label: str
    description: str = ""
    include: str | None = None
    exclude: str | None = None
    color: str | None = None
    patterns: list[Pattern] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    deprecated: bool = False  # kept for earlier codings; not offered for new coding

    @property
    def family(self) -> str:
        """The family id: the part of the id before the first dot."""
        return self.id.split(".", 1)[0]

    def profile_text(self) -> str:
        """Label, description and inclusion note as one text (for similarity coders)."""
        return ". ".join(p for p in (self.label, self.description, self.include or "") if p)


class Family(_Frozen):
    """A family of codes (barrier, potential, orgform, target, goal, area, other)."""

    id: str
    label: str
    description: str = ""
    codes: list[Code]


class Codebook(_Frozen):
    """A validated codebook."""

    id: str
    version: str
    language: str = "da"
    name: str = ""
    description: str = ""
    coding_rules: list[str] = Field(default_factory=list)
    families: list[Family]
    source_hash: str = ""

    @cached_property
    def codes(self) -> list[Code]:
        """All codes in file order."""
        return [code for family in self.families for code in family.codes]

    @cached_property
    def _by_id(self) -> dict[str, Code]:
        return {code.id: code for code in self.codes}

    @property
    def code_ids(self) -> list[str]:
        """All code ids in file order."""
        return [code.id for code in self.codes]

    def code(self, code_id: str) -> Code:
        """Return the code ``code_id`` or raise :class:`CodebookError` listing close ids."""
        try:
            return self._by_id[code_id]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(code_id, self.code_ids, n=3)
            hint = "did you mean {close}?" if close else \
                "see `hoi codebook show` (a study's codes now: `hoi codebook show --study STUDY`)"
            raise CodebookError("unknown code id '{code}'", hint=hint, code=code_id,
                                close=", ".join(close)) from None

    def has_code(self, code_id: str) -> bool:
        """Whether ``code_id`` is a code of this codebook."""
        return code_id in self._by_id

    def family(self, family_id: str) -> Family:
        """Return the family ``family_id``."""
        for family in self.families:
            if family.id == family_id:
                return family
        raise CodebookError("unknown family '{family}'", hint="known: {known}", family=family_id,
                            known=", ".join(self.family_ids))

    @property
    def family_ids(self) -> list[str]:
        """Family ids in file order."""
        return [family.id for family in self.families]

    @property
    def version_tag(self) -> str:
        """``id@version+hash``: changes whenever the file content changes."""
        return f"{self.id}@{self.version}+{self.source_hash[:8]}"


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when PyYAML has it
    """A YAML loader that records the line of every mapping as ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != _LINE}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def load_codebook(path: str | Path = DEFAULT_CODEBOOK) -> Codebook:
    """Load and validate a codebook YAML file (parsed once per process for the same content)."""
    path = Path(path)
    if not path.is_file():
        raise CodebookError("codebook file not found", path=str(path),
                            hint="check the path or use the default")
    return _parse_codebook(path, path.read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def _parse_codebook(path: Path, text: str) -> Codebook:
    try:
        raw = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise CodebookError(f"not valid YAML: {getattr(exc, 'problem', exc)}", path=str(path),
                            where=where) from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("families"), list):
        raise CodebookError("expected a mapping with a 'families' list", path=str(path), where="line 1")
    _check_structure(raw, path)
    try:
        codebook = Codebook.model_validate({**_strip_lines(raw), "source_hash": content_hash(text)})
    except ValidationError as exc:
        raise _validation_error(exc, raw, path) from exc
    validate_patterns(codebook, raw=raw, path=path)
    return codebook


def _check_structure(raw: dict[str, Any], path: Path) -> None:
    seen: dict[str, int] = {}
    for family in raw["families"]:
        fid = family.get("id") if isinstance(family, dict) else None
        fline = family.get(_LINE, "?") if isinstance(family, dict) else "?"
        if not isinstance(fid, str) or not _ID_PART.match(fid):
            raise CodebookError(f"family id {fid!r} must be lower-case letters, digits and _",
                                path=str(path), where=f"line {fline}")
        for code in family.get("codes") or []:
            _check_code_id(code, fid, seen, path)


def _check_code_id(code: Any, family_id: str, seen: dict[str, int], path: Path) -> None:
    line = code.get(_LINE, "?") if isinstance(code, dict) else "?"
    cid = code.get("id") if isinstance(code, dict) else None
    where = f"line {line}"
    if not isinstance(cid, str) or "." not in cid:
        raise CodebookError(f"code id {cid!r} must look like '{family_id}.<name>'", path=str(path),
                            where=where)
    prefix, _, name = cid.partition(".")
    if prefix != family_id:
        raise CodebookError(f"unknown code id '{cid}': its family '{prefix}' is not the enclosing family "
                            f"'{family_id}'", path=str(path), where=where, hint="move the code or fix its id")
    if not _ID_PART.match(name):
        raise CodebookError(f"code id '{cid}' may only use a-z, 0-9 and _ after the dot",
                            path=str(path), where=where)
    if cid in seen:
        raise CodebookError(f"duplicate code id '{cid}' (first defined on line {seen[cid]})",
                            path=str(path), where=where, hint="code ids must be unique")
    seen[cid] = line
    color = code.get("color")
    if color is not None and not (isinstance(color, str) and _COLOR.match(color)):
        raise CodebookError(f"code '{cid}': color {color!r} must be '#rrggbb'", path=str(path), where=where)


def _validation_error(exc: ValidationError, raw: dict[str, Any], path: Path) -> CodebookError:
    first = exc.errors()[0]
    loc = first["loc"]
    node: Any = raw
    line: Any = raw.get(_LINE, 1)
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and _LINE in node:
            line = node[_LINE]
    dotted = ".".join(str(p) for p in loc)
    return CodebookError(f"{dotted}: {first['msg']}", path=str(path), where=f"line {line}")


def validate_patterns(codebook: Codebook, *, raw: dict[str, Any] | None = None,
                      path: Path | None = None) -> None:
    """Check every token pattern with spaCy's own schema; raise naming file and line."""
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    matcher = Matcher(Vocab(), validate=True)  # the schema check needs no language data (no tokenizer)
    lines = _pattern_lines(raw) if raw else {}
    for code in codebook.codes:
        for index, pattern in enumerate(code.patterns):
            if pattern.kind == "tokens":
                try:
                    matcher.add(f"{code.id}#{index}", [pattern.tokens])
                except (ValueError, TypeError) as exc:
                    raise CodebookError(
                        f"code '{code.id}' pattern {index + 1} is not a valid spaCy token pattern: {exc}",
                        path=str(path) if path else None, where=f"line {lines.get((code.id, index), '?')}",
                    ) from exc
            elif not (pattern.lemma or pattern.phrase or "").strip():
                raise CodebookError(f"code '{code.id}' pattern {index + 1} is empty",
                                    path=str(path) if path else None,
                                    where=f"line {lines.get((code.id, index), '?')}")


def _pattern_lines(raw: dict[str, Any]) -> dict[tuple[str, int], int]:
    lines: dict[tuple[str, int], int] = {}
    for family in raw.get("families", []):
        for code in family.get("codes") or []:
            for index, pattern in enumerate(code.get("patterns") or []):
                if isinstance(pattern, dict):
                    lines[(code.get("id"), index)] = pattern.get(_LINE, code.get(_LINE))
    return lines


_CODE_REFERENCE = re.compile(r"(?<![\w.])([a-z][a-z0-9_]*)\.([a-z0-9_]+)(?![\w.])")


def dangling_references(codebook: Codebook) -> list[str]:
    """Code ids of this codebook's families that a code's description or include/exclude rule names
    but the codebook lacks (a code deleted from one's own copy of a codebook is still named as the
    code to use instead): one line per code and field."""
    families = set(codebook.family_ids)
    found = []
    for code in codebook.codes:
        for field in ("description", "include", "exclude"):
            text = getattr(code, field) or ""
            named = [f"{m.group(1)}.{m.group(2)}" for m in _CODE_REFERENCE.finditer(text)
                     if m.group(1) in families]
            missing = sorted({ref for ref in named if not codebook.has_code(ref)})
            if missing:
                found.append(f"{code.id}: {field} names {', '.join(missing)}, which this codebook lacks")
    return found


def check_against_spec(codebook: Codebook, spec_path: str | Path) -> list[str]:
    """Compare code ids and labels with a codebook specification; return the differences."""
    spec = yaml.safe_load(Path(spec_path).read_text(encoding="utf-8"))
    expected = {c["id"]: c["label"] for fam in spec["families"].values() for c in fam["codes"]}
    actual = {code.id: code.label for code in codebook.codes}
    problems = [f"missing code {cid}" for cid in expected if cid not in actual]
    problems += [f"unknown code {cid} (not in the specification)" for cid in actual if cid not in expected]
    problems += [f"label of {cid} differs: {actual[cid]!r} != {label!r}"
                 for cid, label in expected.items() if cid in actual and actual[cid] != label]
    return problems
