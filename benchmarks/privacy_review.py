"""``python -m benchmarks.privacy_review [--study corpora/demo | --workspace DIR] [--key KEY]``.

Precision review of the pseudonymiser on a study: runs :class:`~hoi_nlp.privacy.pseudonymize.Pseudonymizer`
over every source text (a fresh, throw-away key) and prints each distinct replaced original with
its type and count, so a person can judge what the study key would hold. ``--key`` lists the
originals of an existing key file instead (e.g. ``outputs/demo/keys/pseudonym_key.json``).
Prints to the terminal only; the originals are confidential, so never commit its output.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReviewRow:
    """One distinct replaced original: its text, entity type and number of occurrences."""

    original: str
    type: str
    count: int


def review(texts: Iterable[str], *, pseudonymizer: object | None = None) -> list[ReviewRow]:
    """Distinct replaced originals in ``texts`` (most frequent first)."""
    from hoi_nlp.privacy.pseudonymize import Pseudonymizer, PseudonymKey
    from hoi_nlp.settings import load_settings

    texts = list(texts)
    pseudo = pseudonymizer or Pseudonymizer(key=PseudonymKey(study="privacy-review"),
                                            settings=load_settings())
    counts: Counter[tuple[str, str]] = Counter()
    for text, result in zip(texts, pseudo.pseudonymize_many(texts), strict=True):  # type: ignore[attr-defined]
        counts.update((text[r.start:r.end], r.type) for r in result.replaced)
    return [ReviewRow(orig, label, n) for (orig, label), n in
            sorted(counts.items(), key=lambda item: (-item[1], item[0][1], item[0][0]))]


def study_texts(*, study_dir: Path | None = None, workspace: Path | None = None) -> list[str]:
    """Source texts of a study folder (ingested in memory) or of an existing workspace."""
    if workspace is not None:
        from hoi_nlp.store import Workspace, load_sources

        return [s.text for s in load_sources(Workspace.open(workspace))]
    from hoi_nlp.ingest.study import ingest_study

    return [s.text for s in ingest_study(Path(study_dir or "corpora/demo")).sources]


def key_rows(path: Path) -> list[ReviewRow]:
    """The originals of a saved key file (count 0: the key holds no counts)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    originals = sorted(data["originals"].items())
    return [ReviewRow(orig, placeholder.strip("[]"), 0) for orig, placeholder in originals]


def table(rows: Sequence[ReviewRow]) -> str:
    """Tab-separated lines: count, type, original."""
    return "\n".join(f"{r.count}\t{r.type}\t{r.original}" for r in rows)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--study", type=Path, default=None)
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--key", type=Path, default=None)
    args = parser.parse_args()
    rows = key_rows(args.key) if args.key else review(study_texts(study_dir=args.study,
                                                                  workspace=args.workspace))
    print(table(rows))
    print(f"# {len(rows)} distinct originals")


if __name__ == "__main__":
    main()
