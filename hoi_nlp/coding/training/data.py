"""Labelled rows for training and evaluating coders.

A labelled JSONL file has one object per line: ``{"id", "text", "codes": [...]}`` and
optionally ``register`` (survey/interview/report), ``kind`` (positive/negative/...),
``context`` (the interviewer's question before a turn, or a survey answer's question text),
``stance`` (``{"barrier.x": "hindrance|precondition|overcome|rating"}`` for barrier codes) and
``dialogue``/``turn`` (turns of one interview, in order: neighbouring turns are context).
An empty ``codes`` list is a negative example. Codebook examples are labelled rows too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hoi_nlp.codebook import Codebook
from hoi_nlp.errors import InputFormatError
from hoi_nlp.records import STANCES


@dataclass(frozen=True)
class LabelledRow:
    """One text with the set of codes an analyst gave it."""

    id: str
    text: str
    codes: tuple[str, ...]
    register: str = ""
    kind: str = ""
    origin: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False)
    context: str = ""
    stance: dict[str, str] = field(default_factory=dict, compare=False)
    dialogue: str = ""
    turn: int = 0


def load_labelled(
    path: str | Path, *, codebook: Codebook | None = None, unknown: str = "raise"
) -> list[LabelledRow]:
    """Read a labelled JSONL file (an empty one is an error); ``unknown="drop"`` drops codes not in
    ``codebook`` (for the bundled corpora), the default ``"raise"`` names the line of the first one."""
    path = Path(path)
    if not path.is_file():
        raise InputFormatError(
            "labelled data file not found",
            path=str(path),
            hint="give an existing JSONL file with id, text and codes",
        )
    rows: list[LabelledRow] = []
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if line.strip():
                rows.append(_parse_row(line, path=path, number=number, codebook=codebook, unknown=unknown))
    if not rows:
        raise InputFormatError("the file has no labelled texts", path=str(path),
                               hint='give one {"id", "text", "codes": [...]} per line')
    return rows


_ONE_ROW = 'one JSON object per line: {"id": "...", "text": "...", "codes": ["family.code", ...]}'


def _parse_row(line: str, *, path: Path, number: int, codebook: Codebook | None, unknown: str) -> LabelledRow:
    where = f"line {number}"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputFormatError(f"not valid JSON at column {exc.colno}: {exc.msg}", path=str(path),
                               where=where, hint=_ONE_ROW) from exc
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise InputFormatError("each line needs an object with a string 'text'", path=str(path), where=where,
                               hint=_ONE_ROW)
    if not obj["text"].strip():
        raise InputFormatError("'text' is empty: there is nothing to learn from", path=str(path), where=where,
                               hint="give the passage's text or delete the line")
    if "codes" not in obj:
        raise InputFormatError("the line has no 'codes'", path=str(path), where=where,
                               hint='give its code ids, or "codes": [] for a text with none of the codes')
    codes = obj["codes"]
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise InputFormatError("'codes' must be a list of code ids", path=str(path), where=where,
                               hint=_ONE_ROW)
    if codebook is not None:
        codes = _check_codes(codes, codebook=codebook, path=path, where=where, unknown=unknown)
    context = obj.get("context") or ""
    if not isinstance(context, str):
        raise InputFormatError("'context' must be a string (the question before the text)", path=str(path),
                               where=where)
    return LabelledRow(
        id=str(obj.get("id", f"{path.stem}:{number}")),
        text=obj["text"],
        codes=tuple(dict.fromkeys(codes)),
        register=str(obj.get("register", "")),
        kind=str(obj.get("kind", "")),
        origin=path.name,
        context=context,
        stance=_stances(obj.get("stance"), codes, path=path, where=where),
        dialogue=str(obj.get("dialogue") or ""),
        turn=int(obj.get("turn") or 0) if isinstance(obj.get("turn") or 0, int) else 0,
    )


def _stances(value: Any, codes: Sequence[str], *, path: Path, where: str) -> dict[str, str]:
    """The row's barrier stances (unknown codes or values are an error; codes not on the row are dropped)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InputFormatError("'stance' must map barrier code ids to a stance", path=str(path), where=where,
                               hint=f"use one of {', '.join(STANCES)}")
    bad = [v for v in value.values() if v not in STANCES]
    if bad:
        raise InputFormatError(f"unknown stance {bad[0]!r}", path=str(path), where=where,
                               hint=f"use one of {', '.join(STANCES)}")
    return {code: stance for code, stance in value.items() if code in codes and code.startswith("barrier.")}


def _check_codes(codes: list[str], *, codebook: Codebook, path: Path, where: str, unknown: str) -> list[str]:
    bad = [c for c in codes if not codebook.has_code(c)]
    if bad and unknown == "raise":
        raise InputFormatError(
            f"unknown code id(s) {', '.join(bad)} for codebook {codebook.version_tag}",
            path=str(path),
            where=where,
            hint="fix the id or pass the matching --codebook",
        )
    return [c for c in codes if codebook.has_code(c)]


def row_contexts(rows: Sequence[LabelledRow]) -> list[Any]:
    """Each row's :class:`~hoi_nlp.coding.base.CodingContext`: its question and, for the turns of one
    interview (``dialogue``, ordered by ``turn``), the texts of the turns before and after."""
    from hoi_nlp.coding.base import CodingContext

    by_dialogue: dict[tuple[str, str], list[int]] = {}
    for i, row in enumerate(rows):
        if row.dialogue:
            by_dialogue.setdefault((row.origin, row.dialogue), []).append(i)
    neighbours: dict[int, tuple[str, ...]] = {}
    for members in by_dialogue.values():
        ordered = sorted(members, key=lambda i: rows[i].turn)
        for k, i in enumerate(ordered):
            near = [ordered[k - 1]] if k > 0 else []
            near += [ordered[k + 1]] if k + 1 < len(ordered) else []
            neighbours[i] = tuple(rows[j].text for j in near)
    contexts: list[Any] = []
    for i, row in enumerate(rows):
        context = CodingContext(row.context, neighbours.get(i, ()))
        contexts.append(context if context else None)
    return contexts


def codebook_rows(codebook: Codebook) -> list[LabelledRow]:
    """Each code's examples as positive rows for that code."""
    return [
        LabelledRow(
            id=f"cb:{code.id}:{i}", text=text, codes=(code.id,), kind="codebook_example", origin="codebook"
        )
        for code in codebook.codes
        for i, text in enumerate(code.examples)
    ]


def merge_duplicates(rows: Iterable[LabelledRow]) -> list[LabelledRow]:
    """One row per distinct text; the codes of identical texts are united."""
    merged: dict[str, LabelledRow] = {}
    for row in rows:
        key = " ".join(row.text.split())
        if not key:
            continue
        if key in merged:
            first = merged[key]
            merged[key] = LabelledRow(
                first.id,
                first.text,
                tuple(dict.fromkeys(first.codes + row.codes)),
                first.register,
                first.kind,
                first.origin,
                context=first.context or row.context,
                stance={**row.stance, **first.stance},
                dialogue=first.dialogue,
                turn=first.turn,
            )
        else:
            merged[key] = row
    return list(merged.values())


def label_matrix(rows: Sequence[LabelledRow], code_ids: Sequence[str]) -> np.ndarray:
    """``(len(rows), len(code_ids))`` 0/1 matrix of the rows' codes."""
    index = {code_id: j for j, code_id in enumerate(code_ids)}
    matrix = np.zeros((len(rows), len(code_ids)), dtype=np.int8)
    for i, row in enumerate(rows):
        for code_id in row.codes:
            if code_id in index:
                matrix[i, index[code_id]] = 1
    return matrix


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_code_input(path: str | Path) -> list[tuple[str, str, Any]]:
    """``(key, text, id)`` of each line of a ``hoi code`` input file (``key`` is ``str(id)``).

    A bad line raises :class:`InputFormatError` naming its line number.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFormatError(
            "input file not found", path=str(path), hint="give a JSONL file with id and text"
        )
    items: list[tuple[str, str, Any]] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            item_id, text, raw_id = _parse_input_line(line, path=path, number=number)
            if item_id in seen:
                raise InputFormatError(
                    f"duplicate id {item_id!r} (first on line {seen[item_id]})",
                    path=str(path),
                    where=f"line {number}",
                    hint="ids must be unique",
                )
            seen[item_id] = number
            items.append((item_id, text, raw_id))
    if not items:
        raise InputFormatError("the file has no texts to code", path=str(path),
                               hint='give one {"id", "text"} per line')
    return items


def _parse_input_line(line: str, *, path: Path, number: int) -> tuple[str, str, Any]:
    where = f"line {number}"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputFormatError(
            f"not valid JSON: {exc.msg} (column {exc.colno})",
            path=str(path),
            where=where,
            hint='each line must be {"id": ..., "text": ...}',
        ) from exc
    if not isinstance(obj, dict):
        raise InputFormatError(
            "expected a JSON object",
            path=str(path),
            where=where,
            hint='each line must be {"id": ..., "text": ...}',
        )
    if "id" not in obj or not isinstance(obj["id"], str | int) or isinstance(obj["id"], bool):
        raise InputFormatError("missing or invalid 'id' (string or integer)", path=str(path), where=where)
    if not isinstance(obj.get("text"), str):
        raise InputFormatError("missing or non-string 'text'", path=str(path), where=where)
    return str(obj["id"]), obj["text"], obj["id"]


def read_code_contexts(path: str | Path) -> dict[str, str]:
    """The optional ``"context"`` (question text) of each line of a ``hoi code`` input file, by id.

    Call after :func:`read_code_input` (which reports bad lines); a non-string context is an error.
    """
    contexts: dict[str, str] = {}
    with Path(path).open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            obj = json.loads(line)
            context = obj.get("context")
            if context is None:
                continue
            if not isinstance(context, str):
                raise InputFormatError("'context' must be a string (the question the text answers)",
                                       path=str(path), where=f"line {number}")
            contexts[str(obj["id"])] = context
    return contexts


def _code_entry(assignment: Any) -> dict[str, Any]:
    entry = {"code": assignment.code_id, "confidence": round(float(assignment.confidence), 4),
             "method": assignment.method}
    if assignment.code_id.startswith("barrier."):
        entry["stance"] = getattr(assignment, "stance", None) or "hindrance"
    return entry


def write_coded(path: str | Path, items: Sequence[tuple[str, str, Any]], assignments: Iterable[Any], *,
                with_possible: bool = False, contexts: Mapping[str, str] | None = None) -> Path:
    """Write ``{"id", "text", "codes": [{"code", "confidence", "method"(, "stance")}]}`` lines atomically.

    A line given a ``"context"`` (``contexts``, by id) repeats it after ``"text"``. Barrier codes add
    ``"stance"``. Only suggestions above the threshold are ``"codes"``; with ``with_possible`` the
    below-threshold candidates follow as ``"possible"`` in the same form.
    """
    from hoi_nlp.io import write_jsonl_atomic

    by_id: dict[str, list[Any]] = {}
    for assignment in assignments:
        by_id.setdefault(assignment.segment_id, []).append(assignment)

    def lines() -> Iterable[dict[str, Any]]:
        for item_id, text, raw_id in items:
            found = sorted(by_id.get(item_id, []), key=lambda a: (-a.confidence, a.code_id))
            line: dict[str, Any] = {"id": raw_id, "text": text}
            if contexts and item_id in contexts:
                line["context"] = contexts[item_id]
            line["codes"] = [_code_entry(a) for a in found if getattr(a, "tier", "suggested") != "possible"]
            if with_possible:
                line["possible"] = [_code_entry(a) for a in found
                                    if getattr(a, "tier", "suggested") == "possible"]
            yield line

    return write_jsonl_atomic(path, lines())
