"""Exports: coded datasets (XLSX, Parquet, CSV), quote extracts (Markdown) and exchange formats."""
