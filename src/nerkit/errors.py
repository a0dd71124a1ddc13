"""The one error type users see, and the catalogue of its codes.

Every mistake a user can make (a bad file, a missing corpus, a wrong option) raises `NerkitError`, so
callers catch one thing and the CLI can print one line and exit non-zero instead of a traceback.
Codes are stable, like spaCy's numbered errors, so they can be searched for; `CATALOGUE` is the one
place that says what each means and what usually fixes it, and `docs/errors.md` is generated from it
(`make docs/errors.md`). A test keeps every code used, unique and listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Code:
    """What an error code means (`title`) and the hint given when the raise site has none."""

    title: str
    hint: str | None = None


CATALOGUE: dict[str, Code] = {
    # Reading annotated corpora and documents
    "E001": Code("A row or line has the wrong shape (columns, sentence ids, CSV quoting)."),
    "E002": Code("A corpus file is empty or has the wrong header."),
    "E003": Code("An unknown tag: expected O or B-/I-/E-/S- followed by an entity type."),
    "E004": Code("An invalid tag sequence (refused with --strict; repaired otherwise)."),
    "E005": Code("The file is not UTF-8 text (or holds NUL bytes).", "Save it as UTF-8."),
    "E006": Code("A JSONL record is not what nerkit expects (tokens/tags or text/entities)."),
    "E007": Code("A character span does not fit its text (outside it, overlapping, or on whitespace)."),
    # Finding data
    "E010": Code("A file or input path does not exist.", "Check the path."),
    "E011": Code("An unknown corpus file format.", "Use gmb, conll, jsonl or jsonl-spans."),
    "E012": Code("A named corpus or corpus directory was not found."),
    "E013": Code("Corpus and split files given together, or no data at all."),
    "E014": Code("Text cannot be written in the chosen format's encoding.", "Write CoNLL or JSONL (UTF-8)."),
    # Models on disk
    "E020": Code("The base encoder cannot be loaded."),
    "E021": Code("Not a nerkit model directory.", "Pass the --out directory of `nerkit train`."),
    "E022": Code("The model has no safetensors weights (pickle weights are refused by default)."),
    "E023": Code("A model directory or its metadata cannot be read."),
    "E025": Code("A save was interrupted; the previous version was kept aside."),
    "E026": Code("A model or checkpoint file is missing or fails its checksum.", "Retrain or restore it."),
    "E027": Code("The model's CRF transition scores are unreadable or do not fit its labels."),
    # Training
    "E030": Code("A hyperparameter is out of range.", "See `nerkit train --help`."),
    "E031": Code("A config file cannot be read or holds unknown or mistyped options."),
    "E032": Code("Training needs both training and validation sentences."),
    "E033": Code("There is no checkpoint to resume from.", "Start without --resume."),
    "E034": Code("A checkpoint's state file cannot be read.", "Start without --resume."),
    "E035": Code("A checkpoint was made by a different run (settings, data or process count)."),
    "E036": Code("A teacher model predicts other labels than its student."),
    "E037": Code("A distillation run names a source (`teach`) that no training sentence comes from."),
    # Extracting and evaluating
    "E040": Code("There are no sentences to evaluate.", "Choose another --split."),
    "E041": Code("Extraction was given something other than text strings."),
    "E042": Code("An unknown redaction style.", "Use label, mask or hash."),
    "E043": Code("An input record or row has no text where the options say it is."),
    "E044": Code("The output format cannot be used here.", "Use jsonl, csv or conll for files."),
    "E045": Code("Extraction options that do not go together, or that the engine cannot honour."),
    "E046": Code("The data's entity types are none of the model's."),
    "E047": Code("The Ray engine is not installed.", "pip install 'nerkit[ray]'"),
    "E048": Code("Labels must be a list of label names.", 'Pass ["PERSON", "EMAIL"], not "PERSON".'),
    "E049": Code("Ray writes only JSONL or Parquet.", "Use --format jsonl or parquet."),
    # Pattern recognizers
    "E050": Code("A patterns file cannot be read or is not a list of rules."),
    "E051": Code("A pattern rule is incomplete or its regular expression is invalid."),
    # Backends and devices
    "E060": Code("An unknown quantization.", "Use int8, or leave it out."),
    "E061": Code("The ONNX backend needs onnxruntime.", "pip install onnxruntime"),
    "E062": Code("The ONNX backend runs on CPU only.", "Use backend='torch' on GPUs."),
    "E063": Code("Exporting needs the PyTorch weights.", "Load with backend='torch'."),
    "E064": Code("An unknown backend.", "Use auto, torch, torch-bf16, onnx or onnx-int8."),
    "E065": Code(
        "A feature needs an optional extra the base install leaves out (training, PyTorch weights, "
        "export and scoring need `train`; .spacy files need `spacy`; the training recipes' documents "
        "need `recipe`).",
        "pip install 'nerkit[train]' (or the extra named).",
    ),
    "E066": Code("An unknown device, or a GPU torch cannot see.", "Use cpu, cuda, cuda:N or auto."),
    "E067": Code("The model has no ONNX file for the chosen backend.", "Run `nerkit export MODEL --onnx`."),
    "E068": Code("Nothing to export.", "Pass --onnx (and --quantize int8) or --half."),
    "E070": Code("An unknown training recipe.", "Use --recipe default or --recipe companies."),
    "E071": Code(
        "An operators entry is not {type: replace|mask|hash|pseudonym|encrypt|keep} per label.",
        "See docs/pii.md for the operator fields.",
    ),
    "E072": Code("encrypt needs a secret key.", "Pass --key-file FILE or set NERKIT_KEY."),
    "E073": Code("Operators name a label nothing extracts.", "Use a label the model or a recognizer gives."),
    "E074": Code("The key file cannot be read or is empty.", "Write the secret (any text) to the file."),
    "E075": Code("A token does not decrypt with this key.", "Use the key the text was anonymised with."),
    "E076": Code(
        "The reference time is not an ISO 8601 date and time.", "Write e.g. 2025-04-03T09:00+02:00."
    ),
    "E077": Code(
        "int8 export needs calibration sentences.",
        "Pass --calibrate CORPUS (a few hundred of its train sentences are used).",
    ),
    "E078": Code("An unknown base encoder name.", "Use mpnet-base, or a Hugging Face name or path."),
    "E079": Code("A base encoder's download is missing or corrupt.", "Run `nerkit base install NAME` again."),
    "E080": Code("The report's figures need matplotlib.", "pip install 'nerkit[report]'."),
    "E081": Code("A report shows one model, or two side by side.", "Pass one or two model directories."),
    "E082": Code(
        "The report's folder holds files that are not a report.", "Choose an empty or new --out folder."
    ),
    "E083": Code(
        "No corpus to report on.", "Pass --data CORPUS (the model's own corpus is used when it can be read)."
    ),
    "E084": Code(
        "Models cannot be averaged (fewer than two, a weight that is not positive, or different shapes).",
        "Average models fine-tuned from the same base encoder with the same labels.",
    ),
    "E085": Code(
        "The shipped default model is read-only and has no PyTorch weights.",
        "Pass a model directory from `nerkit train` (copy the default model's folder to calibrate it).",
    ),
    "E087": Code(
        "Nothing to calibrate on.",
        "Pass --data CORPUS (held-out sentences) or --documents FILE (documents with gold spans, dev half).",
    ),
    "E088": Code("An unknown span convention rule name.", "See nerkit.conventions.RULES for the names."),
    "E089": Code(
        "Labels cannot be added to this model this way.",
        "Continue from a model with a linear token-classification head (every nerkit model has one), or "
        "train from its base encoder.",
    ),
    "E090": Code(
        "Partial annotation cannot be trained with these settings.",
        "Continue from a nerkit model (--base MODEL) without --teacher, or pass --no-partial.",
    ),
    "E091": Code(
        "An annotation is not a text with spans inside it.",
        'Each line is {"id": ..., "text": ..., "spans": [[start, end, label], ...]} with 0 <= start < end <= '
        "the text's length.",
    ),
    "E092": Code("Nothing annotated to train on yet.", "Annotate some texts first."),
    "E093": Code(
        "A Label Studio request this backend cannot read.",
        "Label texts with a <Labels> control over a <Text> (Label Studio's named entity template).",
    ),
    "E094": Code(
        "The Label Studio backend trains in one process.",
        "Run nerkit serve --label-studio without --workers.",
    ),
    "E095": Code("An unknown order for the texts to annotate.", "Use --order uncertainty or --order file."),
    "E096": Code(
        "This annotation server was started without training.",
        "Start it with `nerkit annotate`, or `nerkit serve --label-studio --label-studio-dir DIR`.",
    ),
}


class NerkitError(Exception):
    """A user-facing error: what went wrong, where (file:line), and what to do about it."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        if code not in CATALOGUE:
            raise ValueError(f"{code} is not in nerkit.errors.CATALOGUE")
        self.code = code
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint if hint is not None else CATALOGUE[code].hint
        super().__init__(str(self))

    @property
    def where(self) -> str | None:
        if self.path is None:
            return None
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        hint = f" {self.hint}" if self.hint else ""
        return f"[{self.code}] {where}{self.message.rstrip('.')}.{hint}"


def markdown() -> str:
    """The catalogue as the page `docs/errors.md`."""
    lines = [
        "# Error codes",
        "",
        "Every user mistake raises `nerkit.NerkitError`; the CLI prints it on one line, exits 1, and names",
        "the file and line where there is one. Generated from `nerkit/errors.py` by `make docs/errors.md`;",
        "do not edit by hand.",
        "",
        "| code | meaning | usual fix |",
        "|---|---|---|",
    ]
    lines += [f"| {code} | {entry.title} | {entry.hint or ''} |" for code, entry in CATALOGUE.items()]
    return "\n".join(lines) + "\n"
