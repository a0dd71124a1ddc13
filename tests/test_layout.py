"""Layout: the pieces of a document that may hold entities, with exact offsets."""

from datetime import timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nerkit.layout import date_headers, field_label, header_date, mask, rfc2822_date, segments, years
from nerkit.text import Segmenter


def pieces(text: str) -> list[str]:
    return [text[segment.start : segment.end] for segment in segments(text)]


def test_each_signature_line_is_its_own_piece():
    assert pieces("Best regards,\nMichael O'Brien\nSiemens AG, Munich") == [
        "Best regards,",
        "Michael O'Brien",
        "Siemens AG, Munich",
    ]


def test_soft_wrapped_prose_reads_as_one_piece():
    text = (
        "The quarterly review with the finance team of Siemens will take place in Munich on\n"
        "Tuesday next week, as agreed."
    )
    assert pieces(text) == [text]


def test_a_blank_line_separates_paragraphs():
    assert pieces("First paragraph here.\n\nSecond one.") == ["First paragraph here.", "Second one."]


def test_padded_table_cells_are_separate_pieces():
    assert pieces("Lyon            Sep 2019\nParis\tOct 2020") == ["Lyon", "Sep 2019", "Paris", "Oct 2020"]


def test_a_spaced_pipe_or_bullet_separates_cells():
    text = "Sakura Ito | Purchasing Manager | Osaka\nPune, India · anjali@x.com"
    assert pieces(text) == ["Sakura Ito", "Purchasing Manager", "Osaka", "Pune, India", "anjali@x.com"]


def test_a_cell_that_is_only_a_field_name_is_no_piece():
    text = "Subtotal       £426.50\nTotal due    £511.80\nVAT 20%    £85.30\nAcme Company    Lyon"
    assert pieces(text) == ["£426.50", "£511.80", "VAT 20%", "£85.30", "Acme Company", "Lyon"]


def test_a_cell_that_starts_with_a_field_key_is_that_field_s_value():
    text = "Patient: Hannah Schulz        DOB: 04.07.1987"
    found = [(text[s.start : s.end], s.field) for s in segments(text)]
    assert found == [("Hannah Schulz", "patient"), ("04.07.1987", "dob")]


def test_a_party_s_role_beside_its_name_is_no_piece():
    assert pieces("ORCHARD LANE DEVELOPMENTS LIMITED    Claimant") == ["ORCHARD LANE DEVELOPMENTS LIMITED"]


def test_a_table_s_header_row_is_no_piece():
    assert pieces("Region      Country      Revenue\nNordics     Sweden       SEK 48.2m") == [
        "Nordics",
        "Sweden",
        "SEK 48.2m",
    ]


@pytest.mark.parametrize(
    ("line", "value", "field"),
    [
        ("Subject: Meeting in Lyon", "Meeting in Lyon", "subject"),
        ("Invoice date: 3 March 2025", "3 March 2025", "invoice date"),
        ("Tel.: +49 89 2190 4400", "+49 89 2190 4400", "tel"),
        ("Date: Mon, 14 Apr 2025 08:15:30 +0200", "Mon, 14 Apr 2025 08:15:30 +0200", "date"),
        ("Hospital: St Vincent's University Hospital", "St Vincent's University Hospital", "hospital"),
        ("Admitted: 3 May 2025", "3 May 2025", "admitted"),
        ("Buyer:    Kestrel Aerospace GmbH", "Kestrel Aerospace GmbH", "buyer"),
        ("Room: Double, sea view", "Double, sea view", "room"),
        ("Check-in: Friday 14 November 2025", "Friday 14 November 2025", "check-in"),
        ("Place of incident: Pune", "Pune", "place of incident"),
        ("Office: 12 Wharf Road, Balmain NSW 2041", "12 Wharf Road, Balmain NSW 2041", "office"),
        ("Direct: +44 20 7946 0958", "+44 20 7946 0958", "direct"),
        ("Agent: Nadia Haddad", "Nadia Haddad", "agent"),
        ("About: 15 years in FMCG logistics", "15 years in FMCG logistics", "about"),
    ],
)
def test_a_header_line_gives_its_value_and_field_name_not_its_key(line, value, field):
    (segment,) = segments(line)
    assert (line[segment.start : segment.end], segment.field) == (value, field)


def test_an_address_field_gives_each_recipient_name_and_address():
    text = "To: Ana Lima <ana@x.org>, Bo Li <bo@y.cn>"
    assert pieces(text) == ["Ana Lima", "ana@x.org", "Bo Li", "bo@y.cn"]


def test_a_sentence_that_merely_contains_a_colon_later_is_not_cut():
    text = "The two capitals, Berlin and Paris: both agreed."
    assert pieces(text) == [text]


def test_a_line_initial_label_is_a_piece_of_its_own_and_ends_any_wrapping():
    text = "Agenda: the budget for Lyon, the new hires and the move to Berlin in March\nAlso noted: Mr Girard"
    assert pieces(text) == [
        "Agenda",
        "the budget for Lyon, the new hires and the move to Berlin in March",
        "Also noted",
        "Mr Girard",
    ]


def test_chat_timestamps_are_left_out_and_speakers_are_pieces():
    text = (
        "[09:17] tomas: it is with dpd, they expect to deliver tomorrow between 10 and 12\n[09:18] rosa: ok"
    )
    assert pieces(text) == [
        "tomas",
        "it is with dpd, they expect to deliver tomorrow between 10 and 12",
        "rosa",
        "ok",
    ]


def test_list_items_are_separate_pieces():
    assert pieces("- call Maria Lopez about the contract in Boston on a long line here\n- book Lyon") == [
        "- call Maria Lopez about the contract in Boston on a long line here",
        "- book Lyon",
    ]


def test_quoting_markers_are_masked_without_moving_offsets():
    text = "> I moved the call with Deutsche Bank to Friday because the whole team\n> in Frankfurt is away."
    found = segments(text)
    masked = mask(text, found)
    assert len(masked) == len(text)
    assert ">" not in masked and masked[2:10] == text[2:10]
    assert pieces(text) == [text[2:]]


def test_no_sentence_runs_across_a_line_of_a_signature():
    text = "Thanks,\nMichael O'Brien\nSiemens AG"
    sentences = [" ".join(word.text for word in words) for words in Segmenter().sentences(text)]
    assert sentences == ["Thanks ,", "Michael O'Brien", "Siemens AG"]


@given(st.text(alphabet=st.sampled_from(list("ab :>-\t\n.,<@")), max_size=120))
def test_pieces_are_ordered_disjoint_and_trimmed(text):
    found = segments(text)
    for segment in found:
        assert 0 <= segment.start < segment.end <= len(text)
        assert not text[segment.start].isspace() and not text[segment.end - 1].isspace()
    assert all(left.end <= right.start for left, right in pairwise(found))


@pytest.mark.parametrize(
    ("value", "expected"), [("Mon, 14 Apr 2025 08:15:30 +0200", True), ("next Tuesday", False)]
)
def test_header_date_reads_rfc_2822_dates_only(value, expected):
    assert header_date(value) is expected


def test_an_rfc_2822_date_with_the_unknown_zone_minus_0000_is_in_utc_and_one_without_a_zone_is_naive():
    assert rfc2822_date("Tue, 18 Nov 2025 10:02:11 -0000").utcoffset() == timedelta(0)
    assert rfc2822_date("Tue, 18 Nov 2025 10:02:11").tzinfo is None


def test_a_reply_attribution_gives_its_date_and_the_sender_as_a_from_field():
    text = "> On Tue, 4 Mar 2025 at 17:10, Robert Klein <r.klein@alpenbank.ch> wrote:"
    found = segments(text)
    assert [(text[s.start : s.end], s.field) for s in found] == [
        ("Tue, 4 Mar 2025 at 17:10", None),
        ("Robert Klein", "from"),
        ("r.klein@alpenbank.ch", "from"),
    ]


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("employee", "PERSON"),
        ("also present", "PERSON"),
        ("employer", "ORGANIZATION"),
        ("hospital", "ORGANIZATION"),
        ("consultant", "PERSON"),
        ("passenger", "PERSON"),
        ("organizer", "PERSON"),
        ("policy holder", "PERSON"),
        ("insurer", "ORGANIZATION"),
        ("carrier", "ORGANIZATION"),
        ("assignee", "PERSON"),
        ("vessel", ""),
        ("buyer", None),
        ("city", "LOCATION"),
        ("languages", ""),
        ("subject", None),
        (None, None),
    ],
)
def test_a_field_says_what_type_of_name_its_value_holds(field, label):
    assert field_label(field) == label


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2013", "2013"),
        ("2015 - 2019", "2015 - 2019"),
        ("2016-2024", "2016-2024"),
        ("2019 - present", "2019"),
        ("2019 - Berlin", None),
        ("1999.50", None),
        ("20155", None),
        ("2025 Q1", None),
    ],
)
def test_years_reads_a_cell_that_is_only_a_year_or_a_range(cell, expected):
    end = years(cell, 0, len(cell))
    assert (cell[:end] if end else None) == expected


def test_a_message_s_date_headers_are_their_values_in_order():
    text = "From: Ana <ana@example.pt>\nDate: 30 November 2025\nSent: Mon, 1 Dec 2025 09:00 +0100\n\nHi"
    assert date_headers(text, segments(text)) == ["30 November 2025", "Mon, 1 Dec 2025 09:00 +0100"]


def test_a_text_without_a_date_header_has_no_date_headers():
    text = "Please pay by 30 November.\nThanks, Ana"
    assert date_headers(text, segments(text)) == []
