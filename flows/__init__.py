"""Thin Prefect flows over the hoi_nlp library: ingest, code, export and run (all three)."""
