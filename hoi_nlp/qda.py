"""REFI-QDA (QDA-XML 1.0) names shared by the writer (:mod:`hoi_nlp.export.refi`) and the reader
(:mod:`hoi_nlp.review.refi_import`): namespaces, stable GUIDs and the machine coder's user name."""

from __future__ import annotations

import uuid

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
MACHINE_USER = "hoi_nlp"
_GUID_NAMESPACE = uuid.UUID("6f1c7a4e-3b9d-5c2a-8e71-2d4b9f0a6c13")


def guid(kind: str, *parts: str) -> str:
    """A stable GUID for a record: uuid5 of its kind and ids."""
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x1f".join((kind, *parts))))
