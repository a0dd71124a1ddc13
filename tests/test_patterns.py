"""Golden tests for every built-in recognizer on hand-written positive and negative examples
(tests/data/pattern_examples.yaml), plus user rules."""

from pathlib import Path

import pytest
import yaml

from nerkit.errors import NerkitError
from nerkit.patterns import builtin_recognizers, load_recognizers

EXAMPLES = yaml.safe_load(
    (Path(__file__).parent / "data" / "pattern_examples.yaml").read_text(encoding="utf-8")
)
RECOGNIZERS = {recognizer.label: recognizer for recognizer in builtin_recognizers()}


def found(label: str, text: str) -> list[str]:
    return [text[match.start : match.end] for match in RECOGNIZERS[label](text)]


@pytest.mark.parametrize("label", sorted(EXAMPLES))
def test_every_recognizer_has_at_least_20_positives_and_20_negatives(label):
    assert len(EXAMPLES[label]["positives"]) >= 20
    assert len(EXAMPLES[label]["negatives"]) >= 20


def test_every_builtin_recognizer_has_examples():
    assert set(RECOGNIZERS) == set(EXAMPLES)


@pytest.mark.parametrize(
    ("label", "text", "expected"),
    [(label, text, expected) for label, sets in EXAMPLES.items() for text, expected in sets["positives"]],
)
def test_recognizer_finds_the_exact_span(label, text, expected):
    assert expected in found(label, text)


@pytest.mark.parametrize(
    ("label", "text"), [(label, text) for label, sets in EXAMPLES.items() for text in sets["negatives"]]
)
def test_recognizer_finds_nothing_in_a_negative_example(label, text):
    assert found(label, text) == []


def test_phone_region_decides_numbers_without_a_country_code():
    (uk,) = [r for r in builtin_recognizers(phone_region="GB") if r.label == "PHONE_NUMBER"]
    (us,) = [r for r in builtin_recognizers(phone_region="US") if r.label == "PHONE_NUMBER"]
    text = "ring 020 7946 0958 now"
    assert [text[m.start : m.end] for m in uk(text)] == ["020 7946 0958"]
    assert list(us(text)) == []


def test_user_rules_from_yaml_with_regex_and_phrases(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "- label: TICKET\n  pattern: 'JIRA-\\d+'\n"
        "- label: TEAM\n  phrases: [Red Sox, Yankees]\n  ignore_case: true\n",
        encoding="utf-8",
    )
    recognizers = load_recognizers(path)
    text = "JIRA-42: the red sox beat the Yankees"
    matches = [(m.label, text[m.start : m.end]) for r in recognizers for m in r(text)]
    assert matches == [("TICKET", "JIRA-42"), ("TEAM", "red sox"), ("TEAM", "Yankees")]


def test_user_rules_from_json(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text('{"patterns": [{"label": "SKU", "pattern": "SKU-[0-9]{4}"}]}', encoding="utf-8")
    (recognizer,) = load_recognizers(path)
    assert [(m.start, m.end) for m in recognizer("buy SKU-1234")] == [(4, 12)]


def test_phrase_rules_match_whole_words_only(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("- label: X\n  phrases: [cat]\n", encoding="utf-8")
    (recognizer,) = load_recognizers(path)
    assert list(recognizer("concatenate the cat")) != [] and len(list(recognizer("concatenate the cat"))) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- label: X\n  pattern: '(unclosed'\n", "rule 1: invalid regular expression"),
        ("- pattern: 'x'\n", "rule 1 needs a non-empty 'label'"),
        ("- label: X\n", "rule 1 needs 'pattern'"),
        ("label: X\n", "expected a list"),
        ("- label: X\n  pattern: [\n", "cannot read patterns"),
    ],
)
def test_bad_rule_files_are_clear_errors(tmp_path, content, message):
    path = tmp_path / "rules.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(NerkitError, match=message):
        load_recognizers(path)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("stay until 24 April. Could you", "24 April"),
        ("due 3 Oct. 2025", "3 Oct. 2025"),
        ("by 1 Oct.", "1 Oct."),
    ],
)
def test_a_month_name_takes_a_period_only_when_abbreviated(text, date):
    assert found("DATE_TIME", text) == [date]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("notice 90 days before the end of a term", ["90 days"]),
        ("renews for periods of one year", ["one year"]),
        ("runs for thirty-six months", ["thirty-six months"]),
        ("over the next three years", ["next three years"]),
        ("within 5 business\ndays", ["5 business\ndays"]),
        ("Hotel: Grand, 3 nights", ["3 nights"]),
        ("in the coming two weeks", ["coming two weeks"]),
        ("he is coming 3 days early", ["3 days"]),
        ("a 2-year-old child, 2 years old", []),
        ("EUR 58,000 per year", []),
        ("since 2019 weeks ago", []),
        ("with 5+ years of experience", ["5+ years"]),
        ("survive for three (3) years after", ["three (3) years"]),
    ],
)
def test_an_amount_of_time_is_a_date_time(text, expected):
    assert found("DATE_TIME", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on 12 January 2026 at 10.30 am before", ["12 January 2026 at 10.30 am"]),
        ("it left this morning.", ["this morning"]),
        ("grew 10.30 percent", []),
    ],
)
def test_times_with_a_dot_and_parts_of_today_are_dates(text, expected):
    assert found("DATE_TIME", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Petrobras lucrou R$ 2,3 milhões no trimestre", ["R$ 2,3 milhões"]),
        ("Umsatz EUR 3 Mio. im Jahr", ["EUR 3 Mio."]),
        ("It cost $2.5 Million", ["$2.5 Million"]),
        ("The 5 Mile race cost $5", ["$5"]),
    ],
)
def test_an_amount_takes_its_scale_word_in_other_languages_too(text, expected):
    assert found("MONEY", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Termin am Dienstag, 14. Oktober um 10 Uhr", ["Dienstag, 14. Oktober"]),
        ("le mardi 14 octobre 2025 à Lyon", ["mardi 14 octobre 2025"]),
        ("el 14 de octubre de 2025", ["14 de octubre de 2025"]),
        ("entro il 3 marzo 2025", ["3 marzo 2025"]),
        ("vanaf 5 mei 2024", ["5 mei 2024"]),
        ("Mars is red in May", []),
    ],
)
def test_dates_in_other_european_languages_are_dates(text, expected):
    assert found("DATE_TIME", text) == expected


def test_a_quarter_with_its_year_is_a_date():
    assert found("DATE_TIME", "Q3 2025 Sales Summary, not Q5 2025 nor Q3") == ["Q3 2025"]
