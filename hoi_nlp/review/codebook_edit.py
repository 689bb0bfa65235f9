"""The study's own codebook: versions written by codebook work in the review app, with an audit log.

The first change copies the codebook the study was coded with into the workspace as version 1;
every change (create a code, rename, merge two codes, move a code to another family, deprecate
or restore it) writes the next complete version, ``<workspace>/codebook/v0002.yaml`` …, and
appends one row to ``review_codebook_changes``: who, when, what, and the code ids it renamed.
That row is the commit point: a version file without its row is never used. The review app,
``hoi export`` and ``hoi retrain`` use the latest version (:func:`current_codebook`).

Renames follow the data: in the same transaction the machine's stored assignments are moved
to the new id (a merge keeps the stronger of two suggestions on one segment), and the
analysts' decisions, an append-only log that is never rewritten, are read through the rename
map (:func:`code_id_map`), so an accepted old code is an accepted new code.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, func, insert, select, update

from hoi_nlp.codebook import Codebook, load_codebook
from hoi_nlp.errors import HoiError, ReviewError
from hoi_nlp.io import write_text_atomic
from hoi_nlp.records import utcnow
from hoi_nlp.review.tables import codebook_changes_table, ensure_review_schema
from hoi_nlp.store import ASSIGNMENTS_COUNTER, Workspace, assignments_table, compose_renames, count_change

logger = logging.getLogger(__name__)

FOLDER = "codebook"
ACTIONS = ("import", "create", "rename", "merge", "move", "deprecate", "restore")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"})


class CodebookEditError(ReviewError):
    """A codebook change that cannot be made (unknown or taken id, empty label …).

    ``template`` and ``params`` let the review app show the message in the analyst's language.
    """


@dataclass(frozen=True)
class CodebookChange:
    """One row of the audit log: version ``version`` made by ``analyst`` at ``created_at``."""

    version: int
    action: str
    analyst: str
    created_at: datetime
    code_id: str | None
    target: str | None
    detail: dict[str, Any]
    renames: dict[str, str]
    path: str
    version_tag: str


# ---------------------------------------------------------------- reading


def versions_dir(workspace: Workspace) -> Path:
    """``<workspace>/codebook``: one YAML file per version."""
    return workspace.root / FOLDER


def codebook_history(workspace: Workspace) -> list[CodebookChange]:
    """Every codebook change of the study, oldest first."""
    ensure_review_schema(workspace)
    query = select(codebook_changes_table).order_by(codebook_changes_table.c.seq)
    with workspace.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        CodebookChange(
            version=row["version"],
            action=row["action"],
            analyst=row["analyst"],
            created_at=row["created_at"],
            code_id=row["code_id"],
            target=row["target"],
            detail=dict(row["detail"] or {}),
            renames=dict(row["renames"] or {}),
            path=row["path"],
            version_tag=row["version_tag"],
        )
        for row in rows
    ]


def latest_version_path(workspace: Workspace) -> str | None:
    """The path (relative to the workspace) of the study's latest codebook version, None when none."""
    ensure_review_schema(workspace)
    query = select(codebook_changes_table.c.path).order_by(codebook_changes_table.c.seq.desc()).limit(1)
    with workspace.engine.connect() as conn:
        return conn.execute(query).scalar()


def current_codebook(workspace: Workspace, fallback: Codebook) -> Codebook:
    """The study's latest codebook version, or ``fallback`` when the codebook was never changed here."""
    path = latest_version_path(workspace)
    if path is None:
        return fallback
    return load_codebook(workspace.root / path)


def code_id_map(workspace: Workspace) -> dict[str, str]:
    """Old code id -> the id it has now, over every rename, move and merge (chains followed)."""
    return code_lineage(workspace).current


@dataclass(frozen=True)
class CodeLineage:
    """How a study's code ids changed: each old id's id now, each id's own line (renames and moves
    only: the same code under a new name) and when other codes were last merged into an id."""

    current: dict[str, str]
    own: dict[str, str]
    merged_at: dict[str, datetime]

    def origin(self, code_id: str, decided_at: datetime) -> str | None:
        """The code a decision on ``code_id`` made at ``decided_at`` was about, where it differs from
        the merged code it counts for now (a decision made before a merge into that code), else None."""
        now = self.current.get(code_id, code_id)
        merged = self.merged_at.get(now)
        return self.own.get(code_id, code_id) if merged is not None and decided_at < merged else None


def code_lineage(workspace: Workspace) -> CodeLineage:
    """The study's :class:`CodeLineage` from its codebook change log."""
    ensure_review_schema(workspace)
    query = (
        select(codebook_changes_table.c.action, codebook_changes_table.c.renames,
               codebook_changes_table.c.created_at)
        .where(codebook_changes_table.c.action.in_(("rename", "move", "merge")))
        .order_by(codebook_changes_table.c.seq)
    )
    with workspace.engine.connect() as conn:
        steps = [(action, dict(renames or {}), at) for action, renames, at in conn.execute(query)]
    current = resolve_renames([renames for _, renames, _ in steps])
    merged_at: dict[str, datetime] = {}
    for action, renames, at in steps:
        if action == "merge":
            for target in renames.values():
                merged_at[current.get(target, target)] = at
    own = resolve_renames([renames for action, renames, _ in steps if action != "merge"])
    return CodeLineage(current, own, merged_at)


def resolve_renames(steps: Sequence[dict[str, str]]) -> dict[str, str]:
    """Compose rename steps in order into one map from every old id to its final id."""
    return compose_renames(pair for step in steps for pair in step.items())


# ---------------------------------------------------------------- writing


def slug(text: str) -> str:
    """A code-name part from a label: ``"Ny kode: Økonomi"`` -> ``ny_kode_oekonomi``."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD).lower())
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c))
    name = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")
    if name and not name[0].isalpha():
        name = "k_" + name
    return name[:60].rstrip("_")


def codebook_yaml(codebook: Codebook) -> str:
    """The codebook as YAML that :func:`~hoi_nlp.codebook.load_codebook` reads back unchanged."""
    data = codebook.model_dump(mode="json", exclude={"source_hash"}, exclude_defaults=True)
    data = {"id": codebook.id, "version": codebook.version, **data}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _raw(codebook: Codebook) -> dict[str, Any]:
    return codebook.model_dump(mode="json", exclude={"source_hash"})


def _find(raw: dict[str, Any], code_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for family in raw["families"]:
        for code in family["codes"]:
            if code["id"] == code_id:
                return family, code
    raise CodebookEditError("unknown code '{code}'", hint="reload the page", code=code_id)


def _family(raw: dict[str, Any], family_id: str) -> dict[str, Any]:
    for family in raw["families"]:
        if family["id"] == family_id:
            return family
    raise CodebookEditError("unknown family '{family}'", family=family_id)


def _free(raw: dict[str, Any], code_id: str) -> None:
    if any(code["id"] == code_id for family in raw["families"] for code in family["codes"]):
        raise CodebookEditError("a code '{code}' exists already", hint="choose another name", code=code_id)


def _not_retired(workspace: Workspace, new_id: str, code_id: str | None = None) -> None:
    """Refuse an id a code of the study had before it was renamed, moved or merged away: decisions and
    the coder's training under that id count for the code that has it now, so a new code under it
    would be read as that code (its reviews, its training rows). Giving a code its own earlier id back
    (``code_id`` renamed or moved back) is allowed."""
    lineage = code_lineage(workspace)
    now = lineage.current.get(new_id)
    if now is not None and (code_id is None or lineage.own.get(new_id) != code_id):  # own: renames, moves
        raise CodebookEditError(
            "'{code}' was the id of the code now called '{now}', whose decisions it holds",
            hint="choose another name", code=new_id, now=now)


def _label(label: str) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise CodebookEditError("a code needs a label")
    if len(label) > 200:
        raise CodebookEditError("a label may have at most 200 characters")
    return label


def _name(name: str, label: str) -> str:
    name = (name or "").strip().lower() or slug(label)
    if not _NAME.match(name):
        raise CodebookEditError(
            "the code name '{name}' may only use a-z, 0-9 and _ (starting with a letter)", name=name
        )
    return name


def _no_name_in_id(workspace: Workspace, code_id: str) -> None:
    """Refuse a new code id that holds a name the study's key knows ("orgform.toender_model").

    Labels and descriptions are pseudonymised as they are typed, but a code's id is shown as it is:
    to every analyst, also those without original-text rights, and in every export (whose leak check
    then refuses to publish anything until the code is renamed)."""
    from hoi_nlp.privacy.key import key_path, load_key
    from hoi_nlp.privacy.pseudonymize import holds_name

    if holds_name(code_id, load_key(key_path(workspace), study=workspace.study)):
        raise CodebookEditError(
            "the code's id would hold a name the study pseudonymises",
            hint="choose an id without persons, municipalities or places: every analyst and export shows it",
        )


def _latest_version(conn: Any) -> int:
    return int(conn.execute(select(func.max(codebook_changes_table.c.version))).scalar() or 0)


def _write_version(
    workspace: Workspace, raw: dict[str, Any], version: int, root_version: str
) -> tuple[str, Codebook]:
    raw = {**raw, "version": f"{root_version}-r{version}"}
    top = {k: v for k, v in raw.items() if k in ("id", "version", "families") or v not in (None, [], "")}
    text = yaml.safe_dump(top, allow_unicode=True, sort_keys=False, width=100)
    relative = f"{FOLDER}/v{version:04d}.yaml"
    path = write_text_atomic(workspace.root / relative, text)
    try:
        return relative, load_codebook(path)
    except HoiError:
        path.unlink(missing_ok=True)
        raise


def _clean(raw: dict[str, Any]) -> dict[str, Any]:
    """Drop empty optional fields so version files stay readable."""
    for family in raw["families"]:
        for index, code in enumerate(family["codes"]):
            family["codes"][index] = {
                k: v for k, v in code.items() if not (k != "id" and v in (None, [], "", False))
            }
            for p_index, pattern in enumerate(family["codes"][index].get("patterns", [])):
                family["codes"][index]["patterns"][p_index] = {
                    k: v for k, v in pattern.items() if v is not None
                }
    return raw


def _move_assignments(conn: Any, renames: dict[str, str]) -> int:
    """Give the machine's stored assignments their new code ids.

    Two assignments of one coder on one segment (a merge) keep the stronger one.
    """
    moved = 0
    cols = assignments_table.c
    for old, new in renames.items():
        rows = conn.execute(
            select(cols.id, cols.segment_id, cols.coder, cols.code_id, cols.confidence, cols.tier).where(
                cols.code_id.in_([old, new])
            )
        ).all()
        by_key: dict[tuple[str, str], list[Any]] = {}
        for row in rows:
            by_key.setdefault((row.segment_id, row.coder), []).append(row)
        drop: list[int] = []
        rename: list[int] = []
        for group in by_key.values():
            best = max(group, key=lambda r: (r.tier == "suggested", r.confidence, r.code_id == new))
            drop += [r.id for r in group if r.id != best.id]
            if best.code_id == old:
                rename.append(best.id)
        for start in range(0, len(drop), 500):
            conn.execute(delete(assignments_table).where(cols.id.in_(drop[start : start + 500])))
        for start in range(0, len(rename), 500):
            conn.execute(
                update(assignments_table).where(cols.id.in_(rename[start : start + 500])).values(code_id=new)
            )
        moved += len(rename)
        if drop or rename:
            count_change(conn, ASSIGNMENTS_COUNTER)
    return moved


def _commit(
    workspace: Workspace,
    base: Codebook,
    raw: dict[str, Any],
    *,
    action: str,
    analyst: str,
    code_id: str | None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    renames: dict[str, str] | None = None,
) -> tuple[Codebook, CodebookChange]:
    ensure_review_schema(workspace)
    if not analyst.strip():
        raise CodebookEditError("a codebook change needs the analyst's name")
    renames = dict(renames or {})
    with workspace.engine.begin() as conn:
        version = _latest_version(conn)
        if version:
            latest = conn.execute(
                select(codebook_changes_table.c.version_tag).where(
                    codebook_changes_table.c.version == version
                )
            ).scalar()
            if latest != base.version_tag:
                raise CodebookEditError(
                    "the codebook was changed meanwhile (now {tag})",
                    hint="reload the page and make the change again",
                    tag=latest,
                )
        root_version = base.version.split("-r")[0]
        rows = []
        if version == 0:
            relative, _ = _write_version(workspace, _clean(_raw(base)), 1, root_version)
            rows.append(
                {
                    "version": 1,
                    "action": "import",
                    "analyst": analyst,
                    "created_at": utcnow(),
                    "code_id": None,
                    "target": None,
                    "detail": {"from": base.version_tag, "codes": len(base.codes)},
                    "renames": {},
                    "path": relative,
                    "version_tag": base.version_tag,
                }
            )
            version = 1
        relative, codebook = _write_version(workspace, _clean(raw), version + 1, root_version)
        moved = _move_assignments(conn, renames) if renames else 0
        detail = {**(detail or {}), **({"assignments_moved": moved} if renames else {})}
        rows.append(
            {
                "version": version + 1,
                "action": action,
                "analyst": analyst,
                "created_at": utcnow(),
                "code_id": code_id,
                "target": target,
                "detail": detail,
                "renames": renames,
                "path": relative,
                "version_tag": codebook.version_tag,
            }
        )
        conn.execute(insert(codebook_changes_table), rows)
    logger.info(
        "%s: codebook %s %s%s -> version %d",
        analyst,
        action,
        code_id or "",
        f" -> {target}" if target else "",
        version + 1,
    )
    last = rows[-1]
    return codebook, CodebookChange(**{k: last[k] for k in last})


def create_code(
    workspace: Workspace,
    codebook: Codebook,
    *,
    analyst: str,
    family_id: str,
    label: str,
    name: str = "",
    description: str = "",
    include: str = "",
    exclude: str = "",
    example: str = "",
) -> tuple[Codebook, CodebookChange]:
    """Add a code to ``family_id`` (its id is ``family.name``; the name defaults to the label's slug).

    ``example`` (e.g. the pseudonymised quote it was created from) becomes its first example.
    """
    label = _label(label)
    code: dict[str, Any] = {"id": f"{family_id}.{_name(name, label)}", "label": label,
                            "description": " ".join(description.split())}
    for key, value in (("include", include), ("exclude", exclude)):
        if value.strip():
            code[key] = " ".join(value.split())
    if example.strip():
        code["examples"] = [" ".join(example.split())]
    return add_code(workspace, codebook, code, analyst=analyst, detail={"from_quote": bool(example.strip())})


def add_code(
    workspace: Workspace,
    codebook: Codebook,
    code: dict[str, Any],
    *,
    analyst: str,
    new_family: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> tuple[Codebook, CodebookChange]:
    """Add a complete code (``id``, ``label``, patterns, examples …) to the study's codebook as its
    next version; its family (``family.name``) is created from ``new_family`` when the codebook has
    none of that id (e.g. ``emergent`` for a promoted theme)."""
    raw = _raw(codebook)
    code_id = str(code.get("id", ""))
    family_id = code_id.split(".", 1)[0]
    if new_family is not None and not any(f["id"] == family_id for f in raw["families"]):
        raw["families"].append({**new_family, "id": family_id, "codes": []})
    family = _family(raw, family_id)
    _free(raw, code_id)
    _not_retired(workspace, code_id)
    _no_name_in_id(workspace, code_id)
    family["codes"].append(dict(code))
    return _commit(
        workspace,
        codebook,
        raw,
        action="create",
        analyst=analyst,
        code_id=code_id,
        detail={"label": code.get("label", ""), "family": family_id, **(detail or {})},
    )


def rename_code(
    workspace: Workspace, codebook: Codebook, *, analyst: str, code_id: str, label: str, name: str = ""
) -> tuple[Codebook, CodebookChange]:
    """Give a code a new label and, when ``name`` is given, a new id in the same family."""
    raw = _raw(codebook)
    family, code = _find(raw, code_id)
    label = _label(label)
    new_id = f"{family['id']}.{_name(name, label)}" if name.strip() else code_id
    if new_id != code_id:
        _free(raw, new_id)
        _not_retired(workspace, new_id, code_id)
        _no_name_in_id(workspace, new_id)
    if new_id == code_id and label == code["label"]:
        raise CodebookEditError("nothing to change: the code is already called '{label}'", label=label)
    before = code["label"]
    code.update(id=new_id, label=label)
    return _commit(
        workspace,
        codebook,
        raw,
        action="rename",
        analyst=analyst,
        code_id=code_id,
        target=new_id,
        detail={"label_before": before, "label": label},
        renames={code_id: new_id} if new_id != code_id else {},
    )


def merge_codes(
    workspace: Workspace, codebook: Codebook, *, analyst: str, code_id: str, into: str
) -> tuple[Codebook, CodebookChange]:
    """Merge ``code_id`` into ``into``: its patterns, examples and codings become ``into``'s."""
    if code_id == into:
        raise CodebookEditError("a code cannot be merged into itself")
    raw = _raw(codebook)
    family, code = _find(raw, code_id)
    _, target = _find(raw, into)
    target["patterns"] = list(target.get("patterns") or []) + [
        p for p in code.get("patterns") or [] if p not in (target.get("patterns") or [])
    ]
    target["examples"] = list(target.get("examples") or []) + [
        e for e in code.get("examples") or [] if e not in (target.get("examples") or [])
    ]
    family["codes"] = [c for c in family["codes"] if c["id"] != code_id]
    return _commit(
        workspace,
        codebook,
        raw,
        action="merge",
        analyst=analyst,
        code_id=code_id,
        target=into,
        detail={"label": code["label"], "into_label": target["label"]},
        renames={code_id: into},
    )


def move_code(
    workspace: Workspace, codebook: Codebook, *, analyst: str, code_id: str, family_id: str
) -> tuple[Codebook, CodebookChange]:
    """Move a code to another family; its id becomes ``family_id.<name>``."""
    raw = _raw(codebook)
    family, code = _find(raw, code_id)
    if family["id"] == family_id:
        raise CodebookEditError("the code is in family '{family}' already", family=family_id)
    destination = _family(raw, family_id)
    new_id = f"{family_id}.{code_id.split('.', 1)[1]}"
    _free(raw, new_id)
    _not_retired(workspace, new_id, code_id)
    family["codes"] = [c for c in family["codes"] if c["id"] != code_id]
    destination["codes"].append({**code, "id": new_id})
    return _commit(
        workspace,
        codebook,
        raw,
        action="move",
        analyst=analyst,
        code_id=code_id,
        target=new_id,
        detail={"label": code["label"], "from_family": family["id"], "family": family_id},
        renames={code_id: new_id},
    )


def deprecate_code(
    workspace: Workspace,
    codebook: Codebook,
    *,
    analyst: str,
    code_id: str,
    reason: str = "",
    restore: bool = False,
) -> tuple[Codebook, CodebookChange]:
    """Mark a code as no longer used for new coding (its earlier codings stay); ``restore`` undoes that."""
    raw = _raw(codebook)
    _, code = _find(raw, code_id)
    if bool(code.get("deprecated")) != restore:
        raise CodebookEditError(
            "the code is already deprecated" if not restore else "the code is not deprecated"
        )
    code["deprecated"] = not restore
    return _commit(
        workspace,
        codebook,
        raw,
        action="restore" if restore else "deprecate",
        analyst=analyst,
        code_id=code_id,
        detail={"label": code["label"], "reason": " ".join(reason.split())},
    )
