"""CLI commands for ingest: ``hoi ingest``, ``hoi survey infer-schema`` (owned by the ingest stage)."""

from __future__ import annotations
