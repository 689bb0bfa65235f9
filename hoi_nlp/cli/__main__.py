"""``python -m hoi_nlp.cli`` runs the ``hoi`` command (the same as the installed script)."""

from hoi_nlp.cli import main

main(prog_name="hoi")
