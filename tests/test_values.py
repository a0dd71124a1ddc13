"""Normalised values: what each label's text means to a program (nerkit.values)."""

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nerkit import values

REFERENCE = datetime(2025, 4, 3, 9, 0, tzinfo=timezone(timedelta(hours=2)))  # a Thursday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14 March 2025", {"value": "2025-03-14T00:00:00+02:00", "grain": "day"}),
        ("Mon, 14 Apr 2025 08:15:30 +0200", {"value": "2025-04-14T08:15:30+02:00", "grain": "second"}),
        ("Tuesday at 3pm", {"value": "2025-04-08T15:00:00+02:00", "grain": "hour"}),
        ("Monday, 31 March 2025", {"value": "2025-03-31T00:00:00+02:00", "grain": "day"}),
        ("Tue, 18 Nov 2025 10:02:11 -0000", {"value": "2025-11-18T10:02:11+00:00", "grain": "second"}),
        ("Tue, 18 Nov 2025 10:02:11 +0100 (CET)", {"value": "2025-11-18T10:02:11+01:00", "grain": "second"}),
        ("the Thursday after next at 10am", {"value": "2025-04-17T10:00:00+02:00", "grain": "hour"}),
        ("tomorrow", {"value": "2025-04-04T00:00:00+02:00", "grain": "day"}),
        ("March 2024", {"value": "2024-03-01T00:00:00+02:00", "grain": "month"}),
        ("Q3 2024", {"value": "2024-07-01T00:00:00+02:00", "grain": "quarter"}),
        ("10:30", {"value": "2025-04-03T10:30:00+02:00", "grain": "minute"}),
        ("March 30", {"value": "2025-03-30T00:00:00+02:00", "grain": "day"}),
        ("2025-04-08T15:00", {"value": "2025-04-08T15:00:00+02:00", "grain": "hour"}),
    ],
)
def test_a_date_is_an_iso_time_with_its_grain(text, expected):
    assert values.date_time(text, REFERENCE) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 18 Nov 2025 10:02:11 +0100", "2025-11-18T10:02:11+01:00"),
        ("Tue, 18 Nov 2025 10:02:11 -0500", "2025-11-18T10:02:11-05:00"),
        ("18 Nov 2025 10:02 GMT", "2025-11-18T10:02:00+00:00"),
        ("2025-11-18T10:02:11+01:00", "2025-11-18T10:02:11+01:00"),
        ("2025-11-18 10:02:11Z", "2025-11-18T10:02:11+00:00"),
    ],
)
def test_a_time_written_with_its_own_offset_keeps_it(text, expected):
    assert values.date_time(text, REFERENCE)["value"] == expected


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("14-16 May 2025", "2025-05-14T00:00:00+02:00", "2025-05-16T00:00:00+02:00"),
        ("from 9am to 5pm", "2025-04-03T09:00:00+02:00", "2025-04-03T17:00:00+02:00"),
        ("April 14\u201318, 2025", "2025-04-14T00:00:00+02:00", "2025-04-18T00:00:00+02:00"),
        ("2025-04-08 to 2025-04-10", "2025-04-08T00:00:00+02:00", "2025-04-10T00:00:00+02:00"),
    ],
)
def test_an_interval_has_a_start_and_an_end(text, start, end):
    found = values.date_time(text, REFERENCE)
    assert (found["from"]["value"], found["to"]["value"]) == (start, end)


@pytest.mark.parametrize(
    "text",
    ["Dienstag, 14. Oktober 2025", "mardi 14 octobre 2025", "14 de octubre de 2025", "14 ottobre 2025"],
)
def test_a_date_in_another_european_language_is_read(text):
    assert values.date_time(text, REFERENCE) == {"value": "2025-10-14T00:00:00+02:00", "grain": "day"}


def test_a_numeric_date_is_read_month_first_only_where_it_is_written_so():
    assert values.date_time("05/04/2025", REFERENCE, "US")["value"].startswith("2025-05-04")
    assert values.date_time("05/04/2025", REFERENCE, "IN")["value"].startswith("2025-04-05")


def test_a_date_that_cannot_be_read_has_no_value():
    assert values.date_time("the day after the storm", REFERENCE) is None


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("3.975,50 EUR", 3975.5, "EUR"),
        ("12.000 €", 12000.0, "EUR"),
        ("₹ 1,20,000", 120000.0, "INR"),
        ("Rs. 3,10,000", 310000.0, "INR"),
        ("EUR 12,750.00", 12750.0, "EUR"),
        ("€2.2 billion", 2.2e9, "EUR"),
        ("CHF 1'200.\u2013", 1200.0, "CHF"),
        ("$5 million", 5e6, "USD"),
        ("£1.2bn", 1.2e9, "GBP"),
        ("50 cents", 0.5, "USD"),
        ("200 kr", 200.0, None),
        ("R$ 2,3 milhões", 2.3e6, "BRL"),
        ("EUR 3 Mio.", 3e6, "EUR"),
        ("$2.5 Million", 2.5e6, "USD"),
    ],
)
def test_money_is_an_amount_and_an_iso_currency(text, amount, currency):
    assert values.money(text) == {"amount": amount, "currency": currency}


def test_a_national_phone_number_gets_its_e164_form_in_the_documents_region():
    assert values.phone("089 2190 4400", "DE") == {"e164": "+498921904400", "region": "DE"}


def test_a_card_value_keeps_only_its_issuer_and_last_four_digits():
    assert values.card("4111 1111 1111 1111") == {"issuer": "Visa", "last4": "1111"}


def test_an_iban_value_names_its_country_and_bank():
    assert values.iban("DE89 3704 0044 0532 0130 00") == {
        "iban": "DE89370400440532013000",
        "country": "DE",
        "bank_code": "37040044",
    }


def test_urls_and_emails_are_normalised_where_case_does_not_matter():
    assert values.url("WWW.Example.com/Path") == {"url": "http://www.example.com/Path"}
    assert values.email("Jane.Doe@EXAMPLE.com") == {"email": "Jane.Doe@example.com"}


def test_a_percentage_is_a_number():
    assert values.percent("4.5%") == {"value": 4.5}


def test_labels_without_a_value_have_no_reader():
    assert values.reader("PERSON", REFERENCE, None) is None


_FORMATS = (
    ("%d %B %Y", "DMY"), ("%d %b %Y", "DMY"), ("%B %d, %Y", "DMY"), ("%b %d %Y", "DMY"), ("%B %Y", "DMY"),
    ("%b %Y", "DMY"), ("%Y", "DMY"), ("%d %b. %Y", "DMY"), ("%d %B", "DMY"), ("%B %d", "DMY"),
    ("%d/%m/%Y", "DMY"), ("%d.%m.%Y", "DMY"), ("%m/%d/%Y", "MDY"),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    form=st.sampled_from(_FORMATS),
    offset=st.integers(min_value=-12, max_value=14),
)
def test_calendar_dates_read_without_dateparser_as_dateparser_reads_them(day, form, offset):
    pattern, order = form
    assume("%Y" in pattern or (day.month, day.day) != (2, 29))  # no 29 February in 2025: dateparser's
    reference = datetime(2025, 4, 3, 9, 0, tzinfo=timezone(timedelta(hours=offset)))
    text = day.strftime(pattern)
    fast = values._calendar(text, reference, order)
    data = values._parser(reference, order).get_date_data(text)
    slow = values._with_grain(data.date_obj, values._GRAINS[data.period], text)
    assert fast is not None and values._with_grain(*fast, text) == slow


@pytest.mark.parametrize(
    "text", ["31 February 2025", "next March 2025", "2025-04-31", "14 Marchy 2025", "May", "12", "13/13/2025"]
)
def test_other_dates_are_left_to_dateparser(text):
    assert values._calendar(text, REFERENCE, "DMY") is None


def test_a_remembered_date_value_is_a_fresh_copy_each_time():
    first = values.date_time("14 March 2025", REFERENCE)
    first["value"] = "changed"
    assert values.date_time("14 March 2025", REFERENCE)["value"] == "2025-03-14T00:00:00+02:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("six weeks", "P6W"),
        ("30 minutes", "PT30M"),
        ("an hour", "PT1H"),
        ("a fortnight", "P2W"),
        ("three-day", "P3D"),
        ("1.5 hours", "PT1.5H"),
        ("2 quarters", "P6M"),
        ("thirty-six months", "P36M"),
        ("forty years", "P40Y"),
        ("1,000 days", "P1000D"),
        ("5 business days", "P5D"),
        ("3 nights", "P3D"),
    ],
)
def test_an_amount_of_time_is_a_duration_not_a_date(text, expected):
    assert values.date_time(text, REFERENCE) == {"duration": expected}


def test_an_amount_of_time_ago_is_still_a_date():
    assert "value" in values.date_time("two years ago", REFERENCE)


def test_a_message_is_written_when_its_first_date_header_says_with_its_zone():
    when = values.written_at(["Tue, 18 Nov 2025 10:02:11 +0100", "1 Dec 2025"], REFERENCE)
    assert when.isoformat() == "2025-11-18T10:02:11+01:00"


def test_a_date_header_written_as_people_write_it_is_the_start_of_that_day_in_the_local_zone():
    when = values.written_at(["30 November 2025"], REFERENCE)
    assert when == datetime(2025, 11, 30).astimezone()
    assert when.utcoffset() == datetime(2025, 11, 30).astimezone().utcoffset()


def test_a_date_header_without_a_zone_is_in_the_local_zone_and_minus_zero_is_utc():
    assert (
        values.written_at(["Tue, 18 Nov 2025 10:02:11"], REFERENCE)
        == datetime(2025, 11, 18, 10, 2, 11).astimezone()
    )
    when = values.written_at(["Tue, 18 Nov 2025 10:02:11 -0000"], REFERENCE)
    assert when.isoformat() == "2025-11-18T10:02:11+00:00"


def test_a_date_header_that_reads_as_no_date_is_passed_over():
    when = values.written_at(["see below", "Mon, 1 Dec 2025 09:00 +0100"], REFERENCE)
    assert when.isoformat() == "2025-12-01T09:00:00+01:00"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Monday, 6 October 2025 at 09:41", "2025-10-06T09:41:00"),
        ("Friday, March 21, 2025 at 9:12 AM", "2025-03-21T09:12:00"),
        ("Tuesday, 2 September 2025", "2025-09-02T00:00:00"),
    ],
)
def test_a_date_header_with_its_weekday_written_out_is_that_day_not_the_next_such_weekday(header, expected):
    assert values.written_at([header], REFERENCE).isoformat().startswith(expected)


def test_a_message_without_a_date_header_says_nothing_of_when_it_was_written():
    assert values.written_at([], REFERENCE) is None
