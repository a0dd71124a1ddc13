"""The error catalogue: every code raised is listed once, every listed code is raised, and the docs page
is generated from it."""

import re
from pathlib import Path

import pytest

from nerkit.errors import CATALOGUE, NerkitError, markdown

SOURCE = Path(__file__).parents[1] / "src" / "nerkit"
CODE = re.compile(r"[\"'](E\d{3})[\"']")


def _codes_in_source() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in SOURCE.rglob("*.py"):
        if path.name == "errors.py":
            continue
        for code in CODE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, []).append(path.name)
    return found


def test_every_code_raised_is_in_the_catalogue():
    assert sorted(set(_codes_in_source()) - set(CATALOGUE)) == []


def test_every_catalogued_code_is_raised_somewhere():
    assert sorted(set(CATALOGUE) - set(_codes_in_source())) == []


def test_no_two_codes_share_a_meaning():
    titles = [entry.title for entry in CATALOGUE.values()]
    assert len(titles) == len(set(titles))


def test_an_uncatalogued_code_cannot_be_raised():
    with pytest.raises(ValueError, match="E999 is not in"):
        NerkitError("E999", "anything")


def test_a_raise_site_without_a_hint_gets_the_catalogues():
    assert str(NerkitError("E033", "no checkpoint")) == "[E033] no checkpoint. Start without --resume."


def test_the_docs_page_is_generated_from_the_catalogue():
    page = (Path(__file__).parents[1] / "docs" / "errors.md").read_text(encoding="utf-8")
    assert page == markdown()
    assert all(f"| {code} |" in page for code in CATALOGUE)
