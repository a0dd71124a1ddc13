"""The benchmark harness runs end to end in its quick mode, so it cannot rot between full runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
BENCH = Path(__file__).parents[2] / "bench" / "compare.py"


def test_quick_benchmark_measures_every_system_and_the_training_race(tmp_path):
    command = [sys.executable, str(BENCH), "--quick", "--results", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "benchmark-quick.json").read_text())
    systems = [row["system"] for row in report["inference"]]
    assert systems == [
        "nerkit-torch",
        "nerkit-onnx",
        "nerkit-onnx-int8",
        "hf-pipeline",
        "hf-pipeline-bs32",
        "spacy-sm",
    ]
    for row in report["inference"]:
        assert row["words_per_s"]["min"] > 0 and row["latency_ms"]["p95"] >= row["latency_ms"]["p50"] > 0
        assert 0.0 <= row["f1"] <= 1.0
    assert {row["system"] for row in report["training"]} == {"train-nerkit", "train-seed"}
    assert all(value > 0 for value in report["ratios"].values())


def test_documents_benchmark_scores_nerkit_presidio_and_spacy_on_the_same_documents(tmp_path):
    script = BENCH.parent / "documents.py"
    out = tmp_path / "documents.json"
    command = [sys.executable, str(script), "--split", "dev", "--model", "shipped=default", "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=BENCH.parent)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert set(report["results"]) == {"shipped", "presidio", "spacy-sm"}
    assert report["machine"]["cpu_flags"]
    for scores in report["results"].values():
        assert 0.0 < scores["exact_all"]["micro"]["f1"] <= scores["partial_all"]["micro"]["f1"] <= 1.0
        assert scores["documents_per_s"] > 0
    assert "EMAIL" not in report["results"]["spacy-sm"]["labels_produced"]
