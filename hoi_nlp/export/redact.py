"""The redactor every export uses: segment text → pseudonymised text, consistent within a study.

Texts are pseudonymised with the study's key (``<workspace>/keys/``, owner-only) so the same
person gets the same placeholder in every export. Results are cached in the workspace by text
hash and privacy-pipeline fingerprint: re-exporting an unchanged study does not run NER again,
and an improved pseudonymiser is applied on the next export. ``raw=True`` returns the
original text; callers must mark such exports as not pseudonymised.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from sqlalchemy import JSON, Column, MetaData, String, Table, Text, select

from hoi_nlp.export.tables import CodedStudy
from hoi_nlp.records import content_hash
from hoi_nlp.store import Workspace, create_tables, upsert

logger = logging.getLogger(__name__)

Redactor = Callable[[str, str], str]

_metadata = MetaData()
pseudonymized_table = Table(
    "pseudonymized_texts", _metadata,
    Column("text_hash", String(64), primary_key=True),
    Column("text_out", Text, nullable=False),
    Column("spans", JSON, nullable=False),
)


@lru_cache(maxsize=1)
def privacy_fingerprint() -> str:
    """Changes whenever the privacy pipeline changes: NER model, gazetteers, filter and pseudonymiser code.

    Part of the cache key, so an improved pseudonymiser re-processes texts on the next export.
    """
    from hoi_nlp.nlp.ner_train import model_digest
    from hoi_nlp.settings import load_settings, resolve_repo_path

    package = Path(__file__).resolve().parent.parent
    parts = [model_digest(resolve_repo_path(load_settings().nlp.ner_model))]
    files = sorted((package / "resources").glob("*.t*")) + [
        package / "pseudonymize.py", package / "nlp" / "ner.py", package / "nlp" / "entity_filter.py",
        package / "nlp" / "gazetteers.py"]
    parts += [content_hash(path.read_text(encoding="utf-8")) for path in files if path.is_file()]
    return content_hash("\n".join(parts))[:16]


def _text_key(text: str) -> str:
    return content_hash(privacy_fingerprint() + "\x1f" + text)


def _cached(workspace: Workspace, hashes: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    with workspace.engine.connect() as conn:
        for start in range(0, len(hashes), 500):
            query = select(pseudonymized_table.c.text_hash, pseudonymized_table.c.text_out).where(
                pseudonymized_table.c.text_hash.in_(list(hashes[start:start + 500])))
            found.update(dict(conn.execute(query).all()))
    return found


def pseudonymize_texts(workspace: Workspace, texts: Sequence[str]) -> dict[str, str]:
    """Pseudonymised form of each distinct text (cached in the workspace), keyed by the text."""
    from hoi_nlp.pseudonymize import pseudonymize_records

    create_tables(_metadata, workspace.engine)
    by_hash = {_text_key(text): text for text in texts}
    done = _cached(workspace, list(by_hash))
    todo = [(h, t) for h, t in by_hash.items() if h not in done]
    if todo:
        logger.info("pseudonymising %d texts (%d cached)", len(todo), len(done))
        results = pseudonymize_records(todo, workspace=workspace)
        rows = [{"text_hash": h, "text_out": r.text_pseudonymized,
                 "spans": json.loads(json.dumps(r.to_dict().get("replaced", [])))} for h, r in results.items()]
        with workspace.engine.begin() as conn:
            upsert(conn, pseudonymized_table, rows, keys=["text_hash"], replace=False)
        done.update({row["text_hash"]: row["text_out"] for row in rows})
    return {text: done[h] for h, text in by_hash.items()}


def identity_redactor(_segment_id: str, text: str) -> str:
    """The raw 'redactor': returns the text unchanged (raw exports only)."""
    return text


def study_redactor(workspace: Workspace, study: CodedStudy, *, raw: bool = False) -> Redactor:
    """A redactor for the study's coding units; ``raw`` keeps the original text."""
    if raw:
        logger.warning("raw export requested: texts are NOT pseudonymised")
        return identity_redactor
    mapping = pseudonymize_texts(workspace, [seg.text for seg in study.segments])

    def redact(_segment_id: str, text: str) -> str:
        if text not in mapping:
            mapping.update(pseudonymize_texts(workspace, [text]))
        return mapping[text]

    return redact
