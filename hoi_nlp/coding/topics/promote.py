"""Promote an emergent theme to a code: as a mapping for the study's own codebook, or into a YAML file.

``hoi themes promote`` adds :func:`promoted_code` to the study's codebook as its next version
(:func:`hoi_nlp.stages.themes.promote_stage`); the codebook file it was run with, the bundled one
included, is never edited. :func:`promote_topic` edits a codebook file of your own: the new code
is inserted as text at the end of its family's ``codes`` list (or in a new family at the end of
the file), so the comments and layout of a hand-written codebook survive. Its
examples are the theme's pseudonymised representative quotes and its patterns the theme's
keyphrases as low-weight lemma patterns. The edited file must load with
:func:`~hoi_nlp.codebook.load_codebook` before it replaces the original.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import yaml

from hoi_nlp.codebook import Codebook
from hoi_nlp.coding.topics.model import Theme, ThemesResult
from hoi_nlp.errors import CodebookError, ThemesError
from hoi_nlp.io import write_atomic

logger = logging.getLogger(__name__)

EMERGENT_FAMILY = "emergent"
EMERGENT_LABEL = "Nye temaer"
EMERGENT_FAMILY_FIELDS = {
    "id": EMERGENT_FAMILY,
    "label": EMERGENT_LABEL,
    "description": "Temaer fundet med emnemodellering og godkendt som koder.",
}
PATTERN_WEIGHT = 0.35
_CODE_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def code_entry(theme: Theme, *, code_id: str, label: str, description: str | None, indent: int) -> str:
    """The YAML text of the new code as one item of a block sequence indented by ``indent``."""
    pad, inner = " " * indent, " " * (indent + 2)
    text = description or f"Nyt tema fundet med emnemodellering (emne {theme.topic_id}): {theme.label}."
    lines = [f"{pad}- id: {code_id}", f"{inner}label: {_q(label)}", f"{inner}description: {_q(text)}"]
    phrases = theme.keyphrases[:5] or [word for word, _ in theme.keywords[:3]]
    if phrases:
        lines.append(f"{inner}patterns:")
        lines += [f"{inner}  - lemma: {_q(p)}\n{inner}    weight: {PATTERN_WEIGHT}" for p in phrases]
    if theme.quotes:
        lines.append(f"{inner}examples:")
        lines += [f"{inner}  - {_q(quote.text)}" for quote in theme.quotes]
    return "\n".join(lines) + "\n"


def _families_node(text: str, path: Path) -> yaml.SequenceNode:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "families" and isinstance(value, yaml.SequenceNode):
                return value
    raise CodebookError("expected a mapping with a 'families' list", path=str(path), where="line 1")


def _family_codes(family: yaml.MappingNode) -> tuple[str | None, yaml.Node | None]:
    fields = {key.value: value for key, value in family.value}
    fid = fields.get("id")
    return (fid.value if isinstance(fid, yaml.ScalarNode) else None), fields.get("codes")


def _line_start(text: str, index: int) -> int:
    """The start of the line after the last non-blank, non-comment content before ``index``."""
    lines = text[:index].splitlines(keepends=True)
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    return sum(len(line) for line in lines)


def insert_code(
    text: str, path: Path, theme: Theme, *, code_id: str, label: str, description: str | None
) -> str:
    """Return ``text`` with the new code added under its family (created if it is ``emergent``)."""
    family_id = code_id.split(".", 1)[0]
    families = _families_node(text, path)
    for family in families.value:
        fid, codes = _family_codes(family)
        if fid != family_id:
            continue
        if not isinstance(codes, yaml.SequenceNode) or codes.flow_style or not codes.value:
            raise CodebookError(
                f"family '{family_id}' has no block list of codes to add to",
                path=str(path),
                where=f"line {family.start_mark.line + 1}",
            )
        indent = codes.value[0].start_mark.column - 2
        at = _line_start(text, codes.end_mark.index)
        return (
            text[:at]
            + code_entry(theme, code_id=code_id, label=label, description=description, indent=indent)
            + text[at:]
        )
    if family_id != EMERGENT_FAMILY:
        raise ThemesError(
            f"the codebook has no family '{family_id}'",
            path=str(path),
            hint=f"use an id in an existing family or '{EMERGENT_FAMILY}.<name>'",
        )
    return _append_family(text, families, theme, code_id=code_id, label=label, description=description)


def _append_family(
    text: str, families: yaml.SequenceNode, theme: Theme, *, code_id: str, label: str, description: str | None
) -> str:
    indent = families.value[0].start_mark.column - 2 if families.value else 2
    pad = " " * indent
    block = (
        f"{pad}- id: {EMERGENT_FAMILY}\n{pad}  label: {_q(EMERGENT_LABEL)}\n"
        f"{pad}  description: {_q(EMERGENT_FAMILY_FIELDS['description'])}\n"
        f"{pad}  codes:\n"
    )
    block += code_entry(theme, code_id=code_id, label=label, description=description, indent=indent + 4)
    at = _line_start(text, families.end_mark.index)
    body = text[:at] if text[:at].endswith("\n") else text[:at] + "\n"
    return body + block + text[at:]


def promote_topic(
    themes_result: ThemesResult,
    topic_id: int,
    *,
    codebook_path: str | Path,
    code_id: str,
    label: str,
    description: str | None = None,
) -> Path:
    """Add topic ``topic_id`` as code ``code_id`` to the codebook file; return its path."""
    from hoi_nlp.codebook import load_codebook

    path = Path(codebook_path)
    codebook = load_codebook(path)
    theme = themes_result.theme(topic_id)
    _check_new_code(theme, code_id, label, codebook.code_ids, path)
    if not themes_result.quotes_pseudonymised:
        raise ThemesError("the theme's quotes are not pseudonymised", hint="fit the themes with a redactor")
    text = insert_code(
        path.read_text(encoding="utf-8"), path, theme, code_id=code_id, label=label, description=description
    )
    _write_checked(path, text)
    logger.info("promoted topic %d to code %s in %s", topic_id, code_id, path)
    return path


def promoted_code(
    themes_result: ThemesResult,
    topic_id: int,
    codebook: Codebook,
    *,
    code_id: str,
    label: str,
    description: str | None = None,
    where: str | Path = "",
) -> dict[str, Any]:
    """Topic ``topic_id`` as the new code ``code_id`` of ``codebook`` (a mapping as in the codebook
    YAML), checked: a free id in an existing family or ``emergent``, a label, pseudonymised quotes."""
    path = Path(where or codebook.id)
    theme = themes_result.theme(topic_id)
    _check_new_code(theme, code_id, label, codebook.code_ids, path)
    family_id = code_id.split(".", 1)[0]
    if family_id != EMERGENT_FAMILY and family_id not in {family.id for family in codebook.families}:
        raise ThemesError(
            f"the codebook has no family '{family_id}'",
            path=str(path),
            hint=f"use an id in an existing family or '{EMERGENT_FAMILY}.<name>'",
        )
    if not themes_result.quotes_pseudonymised:
        raise ThemesError("the theme's quotes are not pseudonymised", hint="fit the themes with a redactor")
    entry = code_entry(theme, code_id=code_id, label=label, description=description, indent=0)
    return dict(yaml.safe_load(entry)[0])


def _check_new_code(theme: Theme, code_id: str, label: str, known: list[str], path: Path) -> None:
    if not _CODE_ID.match(code_id):
        raise ThemesError(
            f"code id '{code_id}' must look like 'family.slug' (a-z, 0-9, _)",
            path=str(path),
            hint="e.g. emergent.sprogbarrierer",
        )
    if code_id in known:
        raise ThemesError(
            f"code id '{code_id}' already exists in the codebook", path=str(path), hint="choose a new id"
        )
    if not label.strip():
        raise ThemesError("the new code needs a label", hint='give --label "…"')
    if theme.topic_id == -1:
        raise ThemesError("the outlier topic (-1) is not a theme and cannot be promoted")


def _write_checked(path: Path, text: str) -> None:
    """Validate ``text`` as a codebook in a temporary file beside ``path``, then replace ``path``."""
    from hoi_nlp.codebook import load_codebook

    def write_valid(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")
        load_codebook(tmp)

    write_atomic(path, write_valid)
