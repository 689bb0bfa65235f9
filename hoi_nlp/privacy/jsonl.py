"""JSONL contract of ``hoi pseudonymize``: lines with "id" and "text" in, the same plus
"text_pseudonymized" and "replaced" out (written atomically)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hoi_nlp.errors import InputFormatError
from hoi_nlp.io import write_jsonl_atomic
from hoi_nlp.privacy.key import load_key, save_key
from hoi_nlp.privacy.pseudonymize import PseudonymizedText, Pseudonymizer
from hoi_nlp.settings import Settings


def _parse_line(raw: str, path: Path, line_no: int) -> dict[str, Any]:
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputFormatError(f"not valid JSON ({exc.msg})", path=str(path), where=f"line {line_no}",
                               hint='each line must be an object like {"id": "r1", "text": "..."}') from exc
    if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("text"), str):
        raise InputFormatError('expected an object with "id" and a string "text"', path=str(path),
                               where=f"line {line_no}", hint="fix or remove that line")
    return item


def read_text_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read ``{"id", "text", ...}`` objects; blank lines are skipped."""
    path = Path(path)
    if not path.is_file():
        raise InputFormatError("input file not found", path=str(path))
    with path.open(encoding="utf-8") as handle:
        return [_parse_line(raw, path, n) for n, raw in enumerate(handle, start=1) if raw.strip()]


def _output_item(item: dict[str, Any], result: PseudonymizedText, *, drop_original: bool) -> dict[str, Any]:
    kept = {k: v for k, v in item.items() if not (drop_original and k == "text")}
    return {**kept, **result.to_dict()}


def pseudonymize_jsonl(input_path: str | Path, output_path: str | Path, *, key_file: str | Path,
                       settings: Settings, pseudonymizer: Pseudonymizer | None = None,
                       drop_original: bool = False) -> int:
    """Pseudonymise a JSONL file with the key in ``key_file`` (created/updated); return the count.

    With ``drop_original`` the input "text" is left out, so the output is safe to share.
    """
    items = read_text_jsonl(input_path)
    key = load_key(key_file, study=Path(key_file).parent.parent.name)
    pseudo = pseudonymizer or Pseudonymizer(key=key, settings=settings)
    pseudo.key = key
    results = pseudo.pseudonymize_many([item["text"] for item in items])
    pairs = zip(items, results, strict=True)
    write_jsonl_atomic(output_path, (_output_item(i, r, drop_original=drop_original) for i, r in pairs))
    save_key(key, key_file)
    return len(items)
