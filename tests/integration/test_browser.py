"""The web page in a real headless Chromium (Debian's), driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TEXT = "Alice visited Paris on Monday. Mail alice@acme.com or call +1 415-555-2671."


FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("NERKIT_REQUIRE_DATA") == "1":
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed")


def test_page_highlights_person_place_email_and_phone(server, tmp_path):
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 900, "height": 900})
        page.goto(server)
        page.fill("#text", TEXT)
        page.click("#extract")
        page.wait_for_selector("#doc mark")
        marks = page.eval_on_selector_all(
            "#doc mark", "nodes => nodes.map(node => [node.firstChild.textContent, node.dataset.label])"
        )
        rows = page.eval_on_selector_all(
            "#table tbody tr", "rows => rows.map(row => row.cells[1].textContent)"
        )
        page.check("#redact-view")
        redacted = page.text_content("#redacted")
        screenshot = Path(os.environ.get("NERKIT_ARTIFACTS", tmp_path)) / "page.png"
        page.uncheck("#redact-view")
        page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    for expected in (
        ["Alice", "PERSON"],
        ["Paris", "LOCATION"],
        ["alice@acme.com", "EMAIL"],
        ["+1 415-555-2671", "PHONE_NUMBER"],
    ):
        assert expected in marks
    assert len(rows) == len(marks)
    assert "[EMAIL]" in redacted and "alice@acme.com" not in redacted
    assert screenshot.stat().st_size > 10_000


def test_page_asks_to_keep_titles_only_when_ticked(server):
    _need_chromium()
    from playwright.sync_api import sync_playwright

    asked = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.goto(server)
        page.fill("#text", "Dear Dr. Alice,\nsee you in Paris.")
        for tick in (False, True):
            page.set_checked("#keep-titles", tick)
            with page.expect_request("**/v1/extract") as request:
                page.click("#extract")
            asked.append(request.value.post_data_json["keep_titles"])
            page.wait_for_selector("#status:has-text('entities')")
        browser.close()
    assert asked == [False, True]


def test_page_sends_operators_per_label_and_shows_values(server):
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.goto(server)
        page.fill("#text", TEXT)
        page.select_option("#style", "pseudonym")
        page.click("details summary")
        page.fill("#operators", '{"EMAIL": {"type": "mask", "chars": 5, "from_end": true}}')
        page.click("#extract")
        page.wait_for_selector("#doc mark")
        page.check("#redact-view")
        redacted = page.text_content("#redacted")
        values = page.eval_on_selector_all(
            "#table tbody tr", "rows => rows.map(row => row.cells[5].textContent)"
        )
        mentioned = page.eval_on_selector_all("#groups li", "items => items.map(item => item.textContent)")
        browser.close()
    assert "alice@acm*****" in redacted
    assert redacted.startswith("PERSON_1 visited LOCATION_1")
    assert '{"e164":"+14155552671","region":"US"}' in values
    assert "Alice (PERSON) \u00d71" in mentioned


def test_report_page_filters_its_error_browser(toy_ner, tmp_path):
    _need_chromium()
    from conftest import wrong_gold_corpus
    from playwright.sync_api import sync_playwright

    from nerkit.report import write_report

    report = write_report([("toy", toy_ner)], wrong_gold_corpus(), tmp_path / "report")
    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(report.as_uri())
        everything = page.text_content("#errors-0 .count")
        page.select_option("#errors-0 select[name=kind]", "missed")
        missed = page.text_content("#errors-0 .count")
        shown = page.eval_on_selector_all(
            "#errors-0 .error mark", "marks => marks.map(m => [m.firstChild.textContent, m.dataset.kind])"
        )
        page.select_option("#errors-0 select[name=type]", "org")
        missed_org = page.text_content("#errors-0 .count")
        screenshot = Path(os.environ.get("NERKIT_ARTIFACTS", tmp_path)) / "report.png"
        page.screenshot(path=str(screenshot), full_page=True)
        images = page.eval_on_selector_all("img", "images => images.map(i => i.naturalWidth)")
        browser.close()
    assert problems == []
    assert (everything, missed, missed_org) == ("3 of 3 sentences", "1 of 3 sentences", "0 of 3 sentences")
    assert ["visited", "gold"] in shown and ["Monday", "wrong"] in shown and ["Paris", "right"] in shown
    assert images and all(width > 100 for width in images)
    assert screenshot.stat().st_size > 10_000


def _word_centre(page, word: str) -> tuple[float, float]:
    """Where `word` is drawn in the annotation page's text, to point the mouse at it."""
    box = page.evaluate(
        """word => {
            const walker = document.createTreeWalker(document.getElementById("doc"), NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.textContent.indexOf(word);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + word.length);
                const rect = range.getBoundingClientRect();
                return [rect.x + rect.width / 2, rect.y + rect.height / 2];
            }
            return null;
        }""",
        word,
    )
    assert box is not None, word
    return box[0], box[1]


def test_annotation_page_saves_what_clicks_and_keys_decide_in_code_point_offsets(toy_ner, tmp_path):
    _need_chromium()
    import json

    from conftest import serve_app
    from playwright.sync_api import sync_playwright

    from nerkit.documents import Document
    from nerkit.serve.annotate import Round, annotate_app
    from nerkit.teaching import Annotations

    text = "\U0001f600 Alice visited Paris on Monday."  # an emoji is one code point and two UTF-16 units
    out = tmp_path / "labelled.jsonl"
    labelling = Round([Document("1", text)], Annotations(out), toy_ner, ["PERSON", "LOCATION", "DAY"], "file")
    for url in serve_app(annotate_app(labelling, None)):
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 900, "height": 700})
            page.goto(url)
            page.wait_for_selector("#doc mark")
            page.click("#doc mark[data-label='LOCATION']")  # Paris: reject it
            page.keyboard.press("x")
            page.click("#doc mark[data-label='PERSON']")  # Alice: relabel it
            page.keyboard.press("2")
            page.keyboard.press("Escape")
            page.keyboard.press("3")  # draw with DAY
            page.mouse.dblclick(*_word_centre(page, "Monday"))
            page.wait_for_selector("#doc mark[data-label='DAY']")
            page.keyboard.press("Enter")
            page.wait_for_function("document.getElementById('doc').textContent.includes('Every text')")
            browser.close()
    (line,) = out.read_text(encoding="utf-8").splitlines()
    alice, monday = text.index("Alice"), text.index("Monday")
    assert json.loads(line)["spans"] == [[alice, alice + 5, "LOCATION"], [monday, monday + 6, "DAY"]]
