"""Human review: the append-only decision log, accounts, agreement, rounds, retraining and the web app."""
