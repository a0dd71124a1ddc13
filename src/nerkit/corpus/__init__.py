"""Corpora in, `Corpus` out: one entry point for every command that reads annotated data.

A corpus is named (`gmb`, `conll2003`, resolved in the data dir), a single file in any supported
format (split with the same seed-free rule as GMB), a directory of train/dev/test files, or explicit
train/validation/test files.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from nerkit.corpus.interchange import (
    Overlaps,
    checked,
    read_brat,
    read_docbin,
    read_labelstudio,
    write_brat,
    write_docbin,
)
from nerkit.corpus.readers import ReadResult, read_conll, read_gmb, read_jsonl, sentences_from_records
from nerkit.corpus.types import SPLITS, Corpus, Sentence, reference_split, stats
from nerkit.corpus.writers import WRITERS, records_from_sentences
from nerkit.errors import NerkitError
from nerkit.files import atomic_directory, atomic_text, file_format

__all__ = [
    "SPLITS",
    "Corpus",
    "Sentence",
    "content_fingerprint",
    "read_corpus",
    "read_file",
    "reference_split",
    "resolve_data_dir",
    "stats",
    "write_file",
]

DATA_DIR_ENV = "NERKIT_DATA_DIR"
KNOWN_CORPORA: dict[str, dict[str, str]] = {
    "gmb": {"all": "gmb/ner_dataset.csv"},
    "conll2003": {
        "train": "conll2003/train.txt",
        "validation": "conll2003/dev.txt",
        "test": "conll2003/test.txt",
    },
}
_WHERE_TO_GET = {
    "gmb": "the Kaggle 'Annotated Corpus for Named Entity Recognition' (ner_dataset.csv)",
    "conll2003": "the CoNLL-2003 English files train.txt, dev.txt and test.txt (token TAG columns)",
}
_SPLIT_FILE_STEMS = {
    "train": ("train",),
    "validation": ("dev", "validation", "valid", "val"),
    "test": ("test",),
}
CORPUS_FORMATS = {
    "csv": "gmb",
    "jsonl": "jsonl",
    "json": "jsonl",
    "conll": "conll",
    "text": "conll",
    "brat": "brat",
    "spacy": "spacy",
}
"""Annotated-file format for each syntax of `files.SUFFIX_FORMATS`; anything else reads as CoNLL. A
`.json` file holding a JSON list is a Label Studio export; JSONL (nerkit's, doccano's or Prodigy's
records) is one object per line."""
SPAN_READERS = {"labelstudio": read_labelstudio, "brat": read_brat, "spacy": read_docbin}


def resolve_data_dir(explicit: str | Path | None = None) -> Path:
    """Where named corpora live: the explicit setting, else `$NERKIT_DATA_DIR`, else `./data`."""
    return Path(explicit or os.environ.get(DATA_DIR_ENV) or "data")


def corpus_format(path: Path) -> str:
    syntax = file_format(path)
    if syntax == "json" and path.is_file():
        with path.open("rb") as handle:
            if handle.read(4096).lstrip()[:1] == b"[":
                return "labelstudio"
    return CORPUS_FORMATS.get(syntax, "conll")


def read_file(
    path: str | Path, strict: bool = False, format: str | None = None, overlaps: Overlaps = "refuse"
) -> ReadResult:
    """Read one annotated file; the format comes from the suffix and, for `.json`, the content (.csv
    GMB, .jsonl JSONL, .json Label Studio, .ann brat, .spacy DocBin, else CoNLL). What a span format's
    reader skipped or resolved is counted with the repairs."""
    path = Path(path)
    brat_folder = path.is_dir() and any(path.glob("*.ann"))
    if not path.is_file() and not brat_folder:
        raise NerkitError("E010", f"file not found: {path}", hint="Check the path.")
    readers = {"gmb": read_gmb, "conll": read_conll, "jsonl": read_jsonl}
    chosen = format or ("brat" if brat_folder else corpus_format(path))
    if chosen in SPAN_READERS:
        notes: Counter[str] = Counter()
        records = [checked(record, path, overlaps, notes) for record in SPAN_READERS[chosen](path, notes)]
        result = sentences_from_records(records, path, strict)
        return ReadResult(result.sentences, result.repairs + notes)
    if chosen not in readers:
        known = [*readers, *SPAN_READERS]
        raise NerkitError("E011", f"unknown input format {chosen!r}", hint=f"Use one of {', '.join(known)}.")
    return read_jsonl(path, strict, overlaps) if chosen == "jsonl" else readers[chosen](path, strict)


def _fingerprint(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return "sha256:" + digest.hexdigest()


def content_fingerprint(splits: Mapping[str, Sequence[Sentence]]) -> str:
    """The fingerprint of sentences built in memory, as a recipe builds them: it changes with any word,
    tag, context or source, so a checkpoint refuses to resume on data that a template or a layout rule
    has changed, and does not refuse when only an unrelated setting has."""
    digest = hashlib.sha256()
    for name, sentences in splits.items():
        digest.update(f"\x1d{name}".encode())
        for sentence in sentences:
            fields = (sentence.words, sentence.tags, sentence.before, sentence.after, (sentence.source,))
            digest.update("\x1e".join("\x1f".join(part) for part in fields).encode() + b"\x1c")
    return "sha256:" + digest.hexdigest()


def _named_files(name: str, root: Path) -> dict[str, Path]:
    files = {split: root / relative for split, relative in KNOWN_CORPORA[name].items()}
    missing = [path for path in files.values() if not path.is_file()]
    if missing:
        raise NerkitError(
            "E012",
            f"corpus {name!r} not found: expected {', '.join(str(path) for path in missing)}",
            hint=f"Put {_WHERE_TO_GET[name]} there, or point --data-dir / ${DATA_DIR_ENV} at the folder "
            f"that holds {name}/.",
        )
    return files


def _directory_files(root: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for split, stems in _SPLIT_FILE_STEMS.items():
        for candidate in sorted(root.iterdir()):
            if candidate.is_file() and candidate.stem.lower() in stems:
                files[split] = candidate
                break
    if "train" not in files:
        raise NerkitError(
            "E012", f"directory {root} has no train file", hint="Name the files train.*, dev.* and test.*."
        )
    return files


def _source_files(source: str | Path, root: Path) -> tuple[str, dict[str, Path]]:
    name = str(source)
    if name in KNOWN_CORPORA and not Path(name).exists():
        return name, _named_files(name, root)
    path = Path(source)
    if path.is_dir():
        return path.name, _directory_files(path)
    if path.is_file():
        return path.stem, {"all": path}
    raise NerkitError(
        "E012",
        f"no corpus called {name!r} and no such file",
        hint=f"Use a known corpus ({', '.join(KNOWN_CORPORA)}) in the data dir ({root}), or a file path.",
    )


def read_corpus(
    source: str | Path | None = None,
    *,
    train: str | Path | None = None,
    validation: str | Path | None = None,
    test: str | Path | None = None,
    data_dir: str | Path | None = None,
    strict: bool = False,
) -> Corpus:
    """Read a corpus by name, file or directory, or from explicit split files.

    A single file (or `all`) is split with `reference_split`; explicit files are used as given, except
    that a train file given alone lends its validation split: its sentences N%10==9, as in
    `reference_split` (a user's annotations are often one file).
    """
    if source is not None and (train or validation or test):
        raise NerkitError(
            "E013", f"both a corpus ({source}) and split files were given", hint="Use one or the other."
        )
    if source is None:
        if train is None:
            raise NerkitError(
                "E013", "no data given", hint="Name a corpus, or pass train (and validation) files."
            )
        name, files = Path(train).stem, {"train": Path(train)}
        files |= {
            split: Path(p) for split, p in (("validation", validation), ("test", test)) if p is not None
        }
    else:
        name, files = _source_files(source, resolve_data_dir(data_dir))
    repairs: Counter[str] = Counter()
    splits: dict[str, tuple[Sentence, ...]] = {}
    for split, path in files.items():
        result = read_file(path, strict)
        repairs.update(result.repairs)
        if split == "all":
            splits.update(reference_split(result.sentences))
        else:
            splits[split] = tuple(result.sentences)
    if source is None and validation is None and test is None:
        lent = reference_split(splits["train"])
        splits = {"train": (*lent["train"], *lent["test"]), "validation": lent["validation"]}
    return Corpus(
        name=name,
        splits=splits,
        repairs=dict(repairs),
        sources=tuple(str(path) for path in files.values()),
        fingerprint=_fingerprint(files.values()),
    )


def write_file(sentences: Iterable[Sentence], path: str | Path, format: str | None = None) -> None:
    path = Path(path)
    chosen = format or corpus_format(path)
    if chosen == "brat":
        with atomic_directory(path) as folder:
            write_brat(records_from_sentences(sentences), folder)
        return
    if chosen == "spacy":
        temporary = path.with_name(f".{path.name}.partial")
        write_docbin(records_from_sentences(sentences), temporary)
        temporary.replace(path)
        return
    if chosen not in WRITERS:
        known = [*WRITERS, "brat", "spacy"]
        raise NerkitError("E011", f"unknown output format {chosen!r}", hint=f"Use one of {', '.join(known)}.")
    writer, encoding = WRITERS[chosen]
    try:
        with atomic_text(path, encoding=encoding, newline="" if chosen == "gmb" else None) as handle:
            writer(sentences, handle)
    except UnicodeEncodeError as error:
        raise NerkitError(
            "E014",
            f"{error.object[error.start : error.end]!r} cannot be written as {encoding}",
            path=path,
            hint="Write CoNLL or JSONL (UTF-8) instead.",
        ) from None
