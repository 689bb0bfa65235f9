"""The study report: blocks built from a coded study, rendered to DOCX, Markdown or HTML."""
