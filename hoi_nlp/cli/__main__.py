"""``python -m hoi_nlp.cli`` runs the ``hoi`` command line (as the installed ``hoi`` script does)."""

from hoi_nlp.cli import app

app()
