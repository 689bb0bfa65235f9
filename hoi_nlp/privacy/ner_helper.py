"""A helper process for the privacy NER: ``python -m hoi_nlp.privacy.ner_helper ARGS_JSON``.

Reads one JSON list of texts per line on stdin and writes one JSON list of entity spans per
text on stdout, in order. Started by :func:`hoi_nlp.privacy.recognise.detect_entity_spans` as a plain
subprocess (not ``multiprocessing``), so the caller's main module is never re-imported.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    """Load the pipeline named by the arguments, then answer chunk by chunk until stdin closes."""
    from hoi_nlp.privacy.recognise import load_ner_pipeline, spans_of_texts

    model_dir, pipeline_name, keep = json.loads(sys.argv[1])
    nlp = load_ner_pipeline(model_dir, pipeline_name, tuple(keep))
    stdin = open(sys.stdin.fileno(), encoding="utf-8", closefd=False)  # noqa: SIM115
    stdout = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    for line in stdin:
        texts = json.loads(line)
        stdout.write(json.dumps(spans_of_texts(nlp, texts)) + "\n")
        stdout.flush()


if __name__ == "__main__":
    main()
