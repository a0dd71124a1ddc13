"""What a maintainer runs before tagging a release (`make release-check`): the package as users get it,
not the working tree. Prints one table; exits 1 if any row failed.

1. build the wheel of the committed tree (`git archive HEAD`) and install it, not editable, into a
   fresh virtual environment as `pip install nerkit` would: the base profile, whose dependency
   closure must hold none of torch, transformers, accelerate, onnx, onnxscript or spaCy; its size
   (site-packages) and the memory (VmRSS) of a process that loaded the default model and extracted;
2. `nerkit extract` the samples with the shipped default model, from outside the repository;
3. the same answers: `scripts/answers.py` (documents, PII and GMB test) in the base profile and in
   this full install, compared byte for byte;
4. soak the base profile's `nerkit serve` with the default model: 16 clients of mixed valid and
   hostile requests for 5 minutes (`NERKIT_SOAK_SECONDS`), memory after warm-up and at the end;
5. the full profile's size: the same wheel with `[train]` and the CPU torch wheel, in a second venv;
6. the bad-input suite (tests/test_bad_input.py, tests/integration/test_refusals.py);
7. the kill-and-resume test (a training run SIGKILLed mid-epoch resumes to the same weights).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
TORCH = "torch==2.13.0"
EXTRAS_ONLY = {"torch", "transformers", "accelerate", "onnx", "onnxscript", "spacy", "thinc", "seqeval"}
"""Distributions that `pip install nerkit` must not bring."""
LOADED_RSS = (
    "import nerkit\n"
    "nerkit.load().extract('Angela Merkel met Tim Cook in Berlin on 3 May 2024.')\n"
    "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmRSS')))"
)


def site_packages_mib(venv: Path) -> float:
    """What the environment's packages take on disk, as `du` counts it."""
    (folder,) = venv.glob("lib/python3*/site-packages")
    return (
        int(subprocess.run(["du", "-sk", str(folder)], capture_output=True, text=True).stdout.split()[0])
        / 1024
    )


def run(command: list[str], **options) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, **options)


def main() -> int:
    rows: list[tuple[str, bool, float, str]] = []
    work = Path(tempfile.mkdtemp(prefix="nerkit-release-"))

    def step(name: str, action) -> bool:
        started = time.monotonic()
        try:
            ok, detail = action()
        except Exception as error:  # a step that crashes is a failed row, and the table still prints
            ok, detail = False, f"{type(error).__name__}: {error}"
        rows.append((name, ok, time.monotonic() - started, detail))
        return ok

    venv = work / "venv"
    python, nerkit = venv / "bin" / "python", venv / "bin" / "nerkit"
    wheels: list[Path] = []

    def install() -> tuple[bool, str]:
        source = work / "source"  # what is committed, built outside the working tree
        source.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
        built = run(
            [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(work / "dist")]
        )
        wheels.extend(sorted((work / "dist").glob("nerkit-*.whl")))
        if built.returncode or not wheels:
            return False, built.stderr[-300:]
        run([sys.executable, "-m", "venv", str(venv)])
        done = run([str(python), "-m", "pip", "install", "--quiet", str(wheels[0])])
        if done.returncode:
            return False, done.stderr[-300:]
        where = run([str(python), "-c", "import nerkit; print(nerkit.__file__)"], cwd=work).stdout.strip()
        listed = run([str(python), "-m", "pip", "list", "--format=json"]).stdout
        extra = sorted(EXTRAS_ONLY & {package["name"].lower() for package in json.loads(listed)})
        rss = run([str(python), "-c", LOADED_RSS], cwd=work).stdout.strip()
        return where.startswith(str(venv)) and not extra, (
            f"{wheels[0].name}: {site_packages_mib(venv):.0f} MiB installed, VmRSS after load and one "
            f"extract {int(rss or 0) / 1024:.0f} MiB" + (f"; brought {', '.join(extra)}" if extra else "")
        )

    def same_answers() -> tuple[bool, str]:
        base, full = work / "answers.base.jsonl", work / "answers.full.jsonl"
        data = ["--data-dir", str(ROOT / "data")]
        for interpreter, out in ((python, base), (Path(sys.executable), full)):
            done = run(
                [str(interpreter), str(ROOT / "scripts" / "answers.py"), "--out", str(out), *data],
                cwd=work,
            )
            if done.returncode:
                return False, done.stderr[-300:]
        lines = len(full.read_text().splitlines())
        return base.read_bytes() == full.read_bytes(), f"{lines} documents and sentences compared"

    def full_install() -> tuple[bool, str]:
        full = work / "venv-train"
        run([sys.executable, "-m", "venv", str(full)])
        done = run(
            [str(full / "bin" / "python"), "-m", "pip", "install", "--quiet", TORCH, f"{wheels[0]}[train]"]
        )
        if done.returncode:
            return False, done.stderr[-300:]
        return True, f"[train] with {TORCH} (CPU): {site_packages_mib(full):.0f} MiB installed"

    def extract() -> tuple[bool, str]:
        output = work / "samples.out.jsonl"
        done = run(
            [
                str(nerkit),
                "extract",
                "--input",
                str(ROOT / "examples" / "samples.jsonl"),
                "--output",
                str(output),
            ],
            cwd=work,
        )
        if done.returncode:
            return False, done.stderr[-300:]
        records = [json.loads(line) for line in output.read_text().splitlines()]
        entities = sum(len(record["entities"]) for record in records)
        return bool(records) and entities > 0, f"{len(records)} records, {entities} entities"

    def pytest(name: str, arguments: list[str], environment: dict | None = None) -> tuple[bool, str]:
        done = run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments],
            cwd=ROOT,
            env={**os.environ, "NERKIT_REQUIRE_DATA": "1", **(environment or {})},
        )
        summary = (done.stdout.strip().splitlines() or ["no output"])[-1]
        return done.returncode == 0, summary

    def soak() -> tuple[bool, str]:
        report = work / "soak.json"
        environment = {
            "NERKIT_SOAK_PYTHON": str(python),
            "NERKIT_SOAK_MODEL": "default",
            "NERKIT_SOAK_SECONDS": os.environ.get("NERKIT_SOAK_SECONDS", "300"),
            "NERKIT_SOAK_REPORT": str(report),
        }
        ok, summary = pytest("soak", ["tests/integration/test_soak.py"], environment)
        if not report.exists():
            return False, summary
        measured = json.loads(report.read_text())
        before, after = measured["rss_kib_after_warmup"], measured["rss_kib_at_end"]
        return ok, (
            f"{measured['requests']:,} requests in {measured['seconds']} s, statuses {measured['statuses']}, "
            f"VmRSS {before / 1024:.0f} -> {after / 1024:.0f} MiB ({(after - before) / before:+.1%})"
        )

    if step("base profile: wheel into a fresh venv", install):
        step("nerkit extract the samples (default model)", extract)
        step("same answers, base and full install", same_answers)
        step("soak nerkit serve (default model)", soak)
        step("full profile: [train] into a fresh venv", full_install)
    step(
        "bad-input suite",
        lambda: pytest("bad input", ["tests/test_bad_input.py", "tests/integration/test_refusals.py"]),
    )
    step("kill and resume", lambda: pytest("resume", ["tests/test_resume.py", "-k", "sigkill"]))

    table = Table(title=f"nerkit release check ({work})")
    for column in ("check", "result", "seconds", "detail"):
        table.add_column(column)
    for name, ok, seconds, detail in rows:
        result = "[green]pass[/]" if ok else "[red]FAIL[/]"
        table.add_row(escape(name), result, f"{seconds:.0f}", escape(detail))
    Console(width=160).print(table)
    return 0 if all(ok for _, ok, _, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
