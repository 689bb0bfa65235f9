"""Train and evaluate the bundled Danish NER on UNER_Danish-DDT (IOB2, CC BY-SA 4.0).

The data never enters the repository: ``convert_split`` reads the IOB2 files from wherever
the user keeps them and writes spaCy ``DocBin`` files to a temporary folder. ``train_ner``
runs ``spacy train`` with ``configs/ner/ner_da.cfg`` and keeps only ``model-best``.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hoi_nlp.errors import HoiError, ModelError
from hoi_nlp.settings import REPO_ROOT

logger = logging.getLogger(__name__)

DEFAULT_CONFIG = REPO_ROOT / "configs" / "ner" / "ner_da.cfg"
DEFAULT_DATA = Path("/work/shared/data/uner_danish_ddt")
SPLIT_FILES = {"train": "da_ddt-ud-train.iob2", "dev": "da_ddt-ud-dev.iob2", "test": "da_ddt-ud-test.iob2"}
# Training-only files spaCy writes next to the pipeline; not shipped.
_DROP_FROM_MODEL = ("meta.json.bak",)


@dataclass(frozen=True)
class GoldSentence:
    """One IOB2 sentence: tokens, their tags, whether a space follows, and the raw text."""

    sent_id: str
    text: str
    words: tuple[str, ...]
    tags: tuple[str, ...]
    spaces: tuple[bool, ...]

    def token_offsets(self) -> list[tuple[int, int]]:
        """Character offsets of each token in ``self.as_text()``."""
        offsets, pos = [], 0
        for word, space in zip(self.words, self.spaces, strict=True):
            offsets.append((pos, pos + len(word)))
            pos += len(word) + int(space)
        return offsets

    def as_text(self) -> str:
        """The sentence rebuilt from tokens and spaces (equals ``text`` when they align)."""
        return "".join(w + (" " if s else "") for w, s in zip(self.words, self.spaces, strict=True))


def split_path(data_dir: str | Path, split: str) -> Path:
    """Path of ``split`` (train/dev/test) inside the UNER folder, checked to exist."""
    path = Path(data_dir) / SPLIT_FILES[split]
    if not path.is_file():
        raise HoiError("UNER_Danish-DDT split not found", path=str(path),
                       hint="pass --data pointing at the folder with da_ddt-ud-*.iob2")
    return path


def _spaces_from_text(words: list[str], text: str) -> list[bool]:
    spaces, pos = [], 0
    for word in words:
        found = text.find(word, pos)
        if found < 0:
            spaces.append(True)
            continue
        pos = found + len(word)
        spaces.append(pos < len(text) and text[pos] == " ")
    if spaces:
        spaces[-1] = False
    return spaces


def _parse_block(lines: list[str], path: Path, line_no: int) -> GoldSentence:
    sent_id, text, words, tags = "", "", [], []
    for line in lines:
        if line.startswith("# sent_id"):
            sent_id = line.split("=", 1)[1].strip()
        elif line.startswith("# text"):
            text = line.split("=", 1)[1].strip()
        elif not line.startswith("#"):
            cols = line.split("\t")
            if len(cols) < 3:
                raise HoiError("expected tab-separated id, token, tag", path=str(path),
                               where=f"line {line_no}")
            words.append(cols[1])
            tags.append(cols[2])
    spaces = _spaces_from_text(words, text)
    return GoldSentence(sent_id, text, tuple(words), tuple(tags), tuple(spaces))


def read_iob2(path: str | Path, *, limit: int = 0) -> Iterator[GoldSentence]:
    """Yield the sentences of one UNER IOB2 file (at most ``limit`` when > 0)."""
    path = Path(path)
    block: list[str] = []
    count = 0
    with path.open(encoding="utf-8") as handle:
        for line_no, raw in enumerate(handle, start=1):
            line = raw.rstrip("\n")
            if line.strip():
                block.append(line)
                continue
            if block:
                yield _parse_block(block, path, line_no)
                count += 1
                block = []
                if limit and count >= limit:
                    return
    if block:
        yield _parse_block(block, path, line_no)


def convert_split(source: Path, target: Path, *, limit: int = 0) -> int:
    """Convert one IOB2 file into a spaCy DocBin at ``target``; return the sentence count."""
    import spacy
    from spacy.tokens import Doc, DocBin

    vocab = spacy.blank("da").vocab
    doc_bin = DocBin(attrs=["ENT_IOB", "ENT_TYPE"])
    n = 0
    for sent in read_iob2(source, limit=limit):
        doc = Doc(vocab, words=list(sent.words), spaces=list(sent.spaces), ents=list(sent.tags))
        doc_bin.add(doc)
        n += 1
    doc_bin.to_disk(target)
    return n


def train_ner(*, data_dir: str | Path = DEFAULT_DATA, output: str | Path = REPO_ROOT / "models" / "ner_da",
              config: str | Path = DEFAULT_CONFIG, max_steps: int | None = None, limit: int = 0,
              work_dir: str | Path | None = None) -> dict[str, Any]:
    """Convert, train, keep ``model-best`` in ``output``, evaluate on test; return the scores."""
    from spacy.cli.train import train as spacy_train

    output = Path(output)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        tmp_path = Path(tmp)
        paths = {split: tmp_path / f"{split}.spacy" for split in ("train", "dev")}
        for split, target in paths.items():
            n = convert_split(split_path(data_dir, split), target, limit=limit)
            logger.info("converted %s: %d sentences", split, n)
        overrides: dict[str, Any] = {"paths.train": str(paths["train"]), "paths.dev": str(paths["dev"])}
        if max_steps is not None:
            overrides["training.max_steps"] = max_steps
        spacy_train(Path(config), tmp_path / "run", overrides=overrides, use_gpu=-1)
        _install_model(tmp_path / "run" / "model-best", output)
    minutes = (time.monotonic() - started) / 60
    scores = evaluate_ner(model_dir=output, data_dir=data_dir, limit=limit)
    scores["training_minutes"] = round(minutes, 1)
    scores["max_steps"] = max_steps
    (output / "scores.json").write_text(json.dumps(scores, indent=2), encoding="utf-8")
    return scores


def _install_model(best: Path, output: Path) -> None:
    if not best.is_dir():
        raise ModelError("training produced no model-best", path=str(best))
    staging = output.with_name(output.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(best, staging)
    for name in _DROP_FROM_MODEL:
        (staging / name).unlink(missing_ok=True)
    _strip_training_meta(staging / "meta.json")
    if output.exists():
        shutil.rmtree(output)
    staging.rename(output)


def _strip_training_meta(meta_path: Path) -> None:
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update({"name": "ner_da", "version": "1.0.0", "license": "CC BY-SA 4.0",
                 "sources": [{"name": "UNER_Danish-DDT", "url": "https://www.universalner.org/",
                              "license": "CC BY-SA 4.0"}]})
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")


def gold_docs(data_dir: str | Path, *, split: str = "test", limit: int = 0) -> list[Any]:
    """The gold Docs of a UNER split (tokens as annotated, entities from the tags)."""
    import spacy
    from spacy.tokens import Doc

    vocab = spacy.blank("da").vocab
    return [Doc(vocab, words=list(s.words), spaces=list(s.spaces), ents=list(s.tags))
            for s in read_iob2(split_path(data_dir, split), limit=limit)]


def evaluate_ner(*, model_dir: str | Path, data_dir: str | Path = DEFAULT_DATA, split: str = "test",
                 limit: int = 0) -> dict[str, Any]:
    """Entity P/R/F overall and per type of the statistical model on a UNER split."""
    import spacy
    from spacy.training import Example

    nlp = spacy.load(model_dir)
    golds = gold_docs(data_dir, split=split, limit=limit)
    predicted = nlp.pipe([nlp.make_doc(g.text) for g in golds], batch_size=256)
    examples = [Example(pred, gold) for pred, gold in zip(predicted, golds, strict=True)]
    raw = nlp.get_pipe("ner").score(examples)
    per_type = {label: {k: round(v, 4) for k, v in prf.items()}
                for label, prf in raw["ents_per_type"].items()}
    return {"split": split, "sentences": len(golds), "ents_p": round(raw["ents_p"], 4),
            "ents_r": round(raw["ents_r"], 4), "ents_f": round(raw["ents_f"], 4), "per_type": per_type}


_NOT_DIGESTED = ("scores.json", "MODEL_CARD.md")


def model_digest(model_dir: str | Path) -> str:
    """sha256 over the pipeline files (relative path + content hash), as recorded in models.toml."""
    import hashlib

    root = Path(model_dir)
    outer = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name not in _NOT_DIGESTED):
        inner = hashlib.sha256(path.read_bytes()).hexdigest()
        outer.update(f"{path.relative_to(root).as_posix()}\0{inner}\n".encode())
    return outer.hexdigest()
