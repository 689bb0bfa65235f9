"""Privacy for exports: the study's redactor and the leak check that is every writer's last step.

Exports are pseudonymised by default. After a file is written, :class:`LeakGuard` reads its
text back (XLSX cells, DOCX paragraphs and tables, zip members, plain text, Parquet) and
looks for any original the pseudonymisation key has replaced, and for the study's own
municipality names. If one is found the file is removed and :class:`ExportError` raised.
Raw exports (``--raw``) are not checked but say "IKKE PSEUDONYMISERET" in the file itself.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hoi_nlp.errors import ExportError

if TYPE_CHECKING:
    from hoi_nlp.export.tables import CodedStudy, Redactor
    from hoi_nlp.pseudonymize import PseudonymKey
    from hoi_nlp.store import Workspace

logger = logging.getLogger(__name__)

RAW_MARK = "IKKE PSEUDONYMISERET"
RAW_NOTE = (
    f"{RAW_MARK}: denne fil indeholder originale tekster med navne på personer, kommuner og steder. "
    "Den må ikke deles eller offentliggøres."
)
# Key entries of these types name groups that reports deliberately show (regions).
_ALLOWED_PLACEHOLDERS = frozenset({"[REGION]"})


@dataclass
class LeakGuard:
    """Checks exported text against the pseudonymisation key and the study's municipality names."""

    key: PseudonymKey | None
    raw: bool = False
    public: str = ""

    @classmethod
    def for_study(cls, workspace: Workspace | None, study: CodedStudy, *, raw: bool) -> LeakGuard:
        """The guard of a study: its key (if any) plus the municipality names of its respondents."""
        from hoi_nlp.pseudonymize import PseudonymKey, key_path, load_key

        key = (
            load_key(key_path(workspace), study=workspace.study) if workspace is not None else PseudonymKey()
        )
        return cls(key=guard_key(key, study), raw=raw, public=_public_text(study))

    def leaks(self, text: str) -> list[str]:
        """Originals found in ``text`` (empty: nothing leaks)."""
        if self.raw or self.key is None or not self.key.originals:
            return []
        from hoi_nlp.pseudonymize import assert_no_leak

        return [found for found in assert_no_leak(text, self.key) if found not in self.public]

    def check_text(self, text: str, *, where: str = "") -> None:
        """Raise :class:`ExportError` if ``text`` contains an original."""
        found = self.leaks(text)
        if found:
            raise ExportError(
                f"{len(found)} original name(s) would leak into the export",
                where=where or None,
                hint="the text was not fully pseudonymised; re-run pseudonymisation, or "
                "export with --raw for internal use only",
            )

    def check_file(self, path: Path) -> Path:
        """Check a written file; remove it and raise if an original name appears in it."""
        if self.raw:
            return path
        try:
            self.check_text(exported_text(path), where=path.name)
        except ExportError as exc:
            path.unlink(missing_ok=True)
            raise ExportError(
                exc.message, path=str(path), hint="the file was removed; " + (exc.hint or "")
            ) from exc
        return path


def _public_text(study: CodedStudy) -> str:
    """Text every export shows on purpose: the codebook and the non-identifying attribute values."""
    from hoi_nlp.export.tables import IDENTIFYING_ATTRIBUTES

    parts = [study.codebook.name]
    for family in study.codebook.families:
        parts += [family.label, family.description]
        parts += [f"{c.label} {c.description}" for c in family.codes]
    for attrs in study.respondents.values():
        parts += [v for k, v in attrs.items() if k not in IDENTIFYING_ATTRIBUTES]
    return "\n".join(parts)


def guard_key(key: PseudonymKey, study: CodedStudy) -> PseudonymKey:
    """The key the guard checks with: the study's key plus its municipality names.

    Left out: region entries and words that the export shows on purpose (codebook labels,
    size groups, roles), and single common Danish words the recogniser mistook for names
    ("Altså", "Familie"); full names and multi-word units stay.
    """
    from hoi_nlp.nlp.ner import is_common_word
    from hoi_nlp.pseudonymize import PseudonymKey

    public = _public_text(study)
    originals = {
        o: p
        for o, p in key.originals.items()
        if p not in _ALLOWED_PLACEHOLDERS
        and o not in public
        and not (len(o.split()) == 1 and is_common_word(o))
    }
    for attrs in study.respondents.values():
        name = (attrs.get("municipality") or "").strip()
        if len(name) >= 3:
            originals.setdefault(name, "[KOMMUNE]")
    return PseudonymKey(study=key.study, persons=dict(key.persons), originals=originals)


class KeyPassRedactor:
    """``redact`` followed by replacing any original ``key`` knows that is still in the output.

    The recogniser pseudonymises texts one by one while the key grows; this pass makes every
    output consistent with the final key (and catches municipality names it missed).
    :meth:`prepare` pseudonymises many new texts in one batch before they are asked for one by one.
    """

    def __init__(self, redact: Redactor, key: PseudonymKey, *, workspace: Workspace | None = None) -> None:
        self.redact = redact
        self.key = key
        self.workspace = workspace

    def __call__(self, unit_id: str, text: str) -> str:
        from hoi_nlp.pseudonymize import apply_spans, find_originals

        out = self.redact(unit_id, text)
        spans = find_originals(out, self.key)
        return apply_spans(out, spans, self.key).text_pseudonymized if spans else out

    def prepare(self, texts: Sequence[str]) -> None:
        """Pseudonymise ``texts`` in one batch (cached in the workspace)."""
        inner = getattr(self.redact, "prepare", None)
        if inner is not None:
            inner(texts)
        elif self.workspace is not None:
            from hoi_nlp.export.redact import pseudonymize_texts

            pseudonymize_texts(self.workspace, sorted({t for t in texts if t.strip()}))


def with_key_pass(redact: Redactor, key: PseudonymKey, *, workspace: Workspace | None = None) -> Redactor:
    """Wrap ``redact`` with the key pass (see :class:`KeyPassRedactor`)."""
    return KeyPassRedactor(redact, key, workspace=workspace)


def prepare(redact: Redactor, texts: Sequence[str]) -> None:
    """Let a redactor batch-pseudonymise ``texts`` ahead of single calls (no-op if it cannot)."""
    hook = getattr(redact, "prepare", None)
    if hook is not None and texts:
        hook(list(texts))


def exported_text(path: Path) -> str:
    """All human-readable text of an exported file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_text(path)
    if suffix == ".docx":
        return _docx_text(path)
    if suffix in (".qdpx", ".zip"):
        return _zip_text(path)
    if suffix == ".parquet":
        import pandas as pd

        return pd.read_parquet(path).to_csv(index=False)
    if suffix in (".png", ".pdf"):
        return ""
    return path.read_bytes().decode("utf-8-sig", errors="replace")


def _xlsx_text(path: Path) -> str:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    parts = list(book.sheet_names)
    for name in book.sheet_names:
        for row in book.get_sheet_by_name(name).to_python():
            parts.extend(str(v) for v in row if v is not None and v != "")
    return "\n".join(parts)


def _docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.header.paragraphs + section.footer.paragraphs)
    return "\n".join(parts)


def _zip_text(path: Path) -> str:
    parts = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            parts.append(name)
            if name.lower().endswith((".xml", ".qde", ".txt", ".md", ".json", ".html")):
                parts.append(io.BytesIO(data).read().decode("utf-8", errors="replace"))
    return "\n".join(parts)
