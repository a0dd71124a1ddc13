"""Recognizers that check what they find (nerkit.pii via nerkit.patterns): context words, look-alikes,
the phone region a document points to, and explanations."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nerkit.patterns import builtin_recognizers, find_all
from nerkit.regions import document_region

RECOGNIZERS = {recognizer.label: recognizer for recognizer in builtin_recognizers()}


def found(text: str, label: str) -> list[tuple[str, float]]:
    return [(text[m.start : m.end], m.score) for m, _ in find_all(text, [RECOGNIZERS[label]])]


def test_a_context_word_nearby_raises_the_score():
    (alone,) = found("see 4111 1111 1111 1111", "CREDIT_CARD")
    (with_context,) = found("card: 4111 1111 1111 1111", "CREDIT_CARD")
    assert alone[1] < with_context[1]


def test_a_number_that_fails_the_luhn_check_is_no_card():
    assert found("card: 4111 1111 1111 1112", "CREDIT_CARD") == []


def test_an_iban_that_swallowed_the_next_word_is_cut_back_to_its_checksum():
    assert found("IBAN NL91 ABNA 0417 1643 00 TODAY", "IBAN") == [("NL91 ABNA 0417 1643 00", 1.0)]


def test_a_version_number_is_no_ip_address():
    assert found("upgrade firmware to 2.4.10.1", "IP_ADDRESS") == []
    assert [text for text, _ in found("login from 10.0.0.12", "IP_ADDRESS")] == ["10.0.0.12"]


def test_a_word_that_rules_a_match_out_counts_only_on_the_same_line():
    text = "agent version 3\nIPv6: fe80::1ff:fe23:4567:890a"
    assert [t for t, _ in found(text, "IP_ADDRESS")] == ["fe80::1ff:fe23:4567:890a"]


def test_an_order_number_shaped_like_a_phone_number_is_not_one():
    assert found("order no. 415 555 0143", "PHONE_NUMBER") == []


def test_an_upper_case_word_shaped_like_a_bic_needs_a_context_word_or_a_registered_bank():
    assert found("the DOCUMENT is attached", "BIC") == []
    assert [t for t, _ in found("SWIFT: DEUTDEFF", "BIC")] == ["DEUTDEFF"]


def test_an_nhs_number_needs_its_context_word():
    assert found("call 943 476 5919", "UK_NHS") == []
    assert [t for t, _ in found("NHS number 943 476 5919", "UK_NHS")] == ["943 476 5919"]


def test_a_published_example_ssn_is_refused():
    assert found("SSN 078-05-1120", "US_SSN") == []


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Call +49 89 2190 4400 or the office.", "DE"),
        ("Call 0049 89 2190 4400 or the office.", "DE"),
        ("Call 00 49 89 2190 4400 or the office.", "DE"),
        ("IBAN FR14 2004 1010 0505 0001 3M02 606", "FR"),
        ("No numbers with a country here.", None),
    ],
)
def test_the_document_region_comes_from_its_international_numbers_and_ibans(text, region):
    assert document_region(text) == region


@pytest.mark.parametrize(
    "text",
    ["Order 0012345678", "learned 0011.2233.4455 on port 14", "Ref 2005-0044 1234 5678", "ID 00441234567"],
)
def test_digits_that_start_with_00_but_are_no_dialled_number_point_nowhere(text):
    assert document_region(text) is None


def test_a_number_dialled_with_00_from_a_document_with_no_other_sign_is_found():
    assert found("From Spain, dial 0044 20 7946 0958.", "PHONE_NUMBER") == [("0044 20 7946 0958", 0.9)]


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Write to viewings@hartleyhomes.co.uk for a viewing.", "GB"),
        ("Mehr unter https://www.bahn.de/service", "DE"),
        ("Asking price £325,000.", "GB"),
        ("Annual CTC ₹ 12,00,000", "IN"),
        ("Invoice total CHF 1'200.\u2013", "CH"),
        ("Patient NHS number 717 533 7728", "GB"),
    ],
)
def test_domains_currencies_and_nhs_numbers_point_to_a_region(text, region):
    assert document_region(text) == region


@pytest.mark.parametrize(
    "text",
    [
        "Mail dev@startup.io or see https://acme.co",
        "NHS number 717 533 7729 (fails its check)",
        "Pay $40 or €35",
    ],
)
def test_vanity_domains_broken_nhs_numbers_and_shared_currencies_point_nowhere(text):
    assert document_region(text) is None


def test_an_international_number_outweighs_a_domain():
    assert document_region("Mail a@firm.fr or call +49 89 2190 4400") == "DE"


def test_a_number_national_only_in_the_default_region_is_not_read_where_the_document_points_elsewhere():
    assert found("Lot 646 233 8120 shipped.", "PHONE_NUMBER") != []
    assert found("IBAN DE89 3704 0044 0532 0130 00. Lot 646 233 8120 shipped.", "PHONE_NUMBER") == []


def test_a_national_number_is_found_in_the_region_the_document_points_to():
    text = "Munich office +49 89 2190 4400, front desk 089 2190 4400."
    assert [t for t, _ in found(text, "PHONE_NUMBER")] == ["+49 89 2190 4400", "089 2190 4400"]


def test_a_number_of_valid_length_but_no_valid_number_counts_after_a_phone_word():
    text = "h.ellwood@quillandrye.co.uk, Mobile: 07700 900461"
    assert found(text, "PHONE_NUMBER") == [("07700 900461", 0.98)]


def test_a_number_of_valid_length_but_no_valid_number_needs_a_phone_word():
    assert found("Booking 07700 900461 for +44 20 7946 0958", "PHONE_NUMBER") == [("+44 20 7946 0958", 0.9)]


def test_a_number_of_valid_length_but_no_valid_number_needs_its_phone_word_on_its_line():
    text = "h.ellwood@quillandrye.co.uk\nPhone +44 20 7946 0958\nReference number 07700 900461"
    assert found(text, "PHONE_NUMBER") == [("+44 20 7946 0958", 0.98)]


def test_a_table_row_after_a_phone_word_is_no_number():
    assert found("Maccabi Tel Aviv 12 6 4 2 21 14 22", "PHONE_NUMBER") == []


def test_seven_digits_after_a_phone_word_are_no_number_unless_valid():
    assert found("Please call 555-0100 in London, +44 20 7946 0958", "PHONE_NUMBER") == [
        ("+44 20 7946 0958", 0.98)
    ]


def test_a_valid_number_is_found_once_with_the_numbers_of_valid_length():
    from nerkit.pii import phone_numbers

    text = "Tel +44 20 7946 0958 or 07700 900461"
    assert list(phone_numbers(text, "GB", possible=True)) == [(4, 20), (24, 36)]
    assert list(phone_numbers(text, "GB")) == [(4, 20)]


def test_every_match_explains_its_recognizer_check_and_context_word():
    (match, _), *_ = find_all("IBAN DE89 3704 0044 0532 0130 00", [RECOGNIZERS["IBAN"]])
    assert match.explanation == {"recognizer": "IBAN", "check": "mod-97", "context": "iban", "score": 1.0}


def test_a_time_zone_offset_is_no_calling_code():
    text = "Date: Mon, 14 Apr 2025 08:15:30 +0200\nSent 10:00 +1000\nIBAN DE89 3704 0044 0532 0130 00"
    assert document_region(text) == "DE"


def test_the_pii_set_has_30_documents_and_every_recognized_type_8_times_in_three_parts():
    from collections import Counter
    from pathlib import Path

    from nerkit.corpus.marked import read_marked

    documents = read_marked(Path(__file__).parent / "data" / "pii" / "pii.txt")
    counts = Counter(label for document in documents for _, _, label in document.spans)
    assert len(documents) >= 30
    validated = ("CREDIT_CARD", "IBAN", "BIC", "MAC_ADDRESS", "IP_ADDRESS", "CRYPTO", "US_SSN", "UK_NHS")
    assert min(counts[label] for label in (*validated, "PHONE_NUMBER", "MONEY")) >= 8
    assert {d.fields["split"] for d in documents} == {"dev", "heldout", "heldout-2"}


def test_every_match_holds_what_its_recognizer_needs_so_skipping_pieces_without_it_loses_none():
    from dataclasses import replace
    from pathlib import Path

    from nerkit.corpus.marked import read_marked

    data = Path(__file__).parent / "data"
    paths = [*sorted((data / "pii").glob("*.txt")), *sorted((data / "documents").glob("*.txt"))]
    texts = [document.text for path in paths for document in read_marked(path)]
    checked = 0
    for recognizer in (r for r in RECOGNIZERS.values() if r.needs is not None):
        unfiltered = replace(recognizer, needs=None)
        for text in texts:
            for match, _ in find_all(text, [unfiltered]):
                assert recognizer.needs.search(text[match.start : match.end]), (recognizer.label, match)
                checked += 1
    assert checked > 100


def _plain_phone_matches(text: str, region: str) -> list[tuple[int, int]]:
    import phonenumbers

    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    return [(match.start, match.end) for match in matcher]


REGIONS = ["US", "GB", "DE", "AR", "MX", "IN", "FR", "IT", "NU", "AU", "JP", "BR", "CH", "ZZ"]
_PHONE_ALPHABET = "0123456789" * 4 + "  --..()/+x" + "Tel: ext" + "\uff10\uff11\uff0b\u0661"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=_PHONE_ALPHABET, max_size=40), st.sampled_from(REGIONS))
def test_phone_numbers_are_exactly_what_the_plain_phonenumbers_matcher_finds(text, region):
    from nerkit.pii import phone_numbers

    assert list(phone_numbers(text, region)) == _plain_phone_matches(text, region)


@pytest.mark.parametrize("region", ["US", "GB", "DE", "IN"])
def test_phone_numbers_on_the_pii_and_documents_sets_are_the_plain_matchers(region):
    from pathlib import Path

    from nerkit.pii import phone_numbers

    data = Path(__file__).parent / "data"
    for text in [*(data / "pii").glob("*.txt"), data / "documents" / "documents.txt"]:
        for line in text.read_text(encoding="utf-8").splitlines():
            assert list(phone_numbers(line, region)) == _plain_phone_matches(line, region), line


def test_a_candidate_with_fewer_digits_than_any_number_of_its_country_is_turned_down_unparsed():
    from nerkit.pii import _too_short

    assert _too_short("1996-08", "US")  # a NANP number (Canada's shortest) has 7 digits
    assert not _too_short("555-0143 22", "US")
    assert not _too_short("+49 30 1234", "US")
    assert not _too_short("011 683 4002", "US")


def test_a_piece_with_fewer_digits_than_any_findable_number_is_not_searched():
    from nerkit.pii import _too_few_digits

    assert _too_few_digits("Paid $389 on 22 April", "US")
    assert not _too_few_digits("Paid $389 on 22.04.2025", "US")
    assert not _too_few_digits("+683 4002", "US")


def test_no_valid_number_of_any_country_has_fewer_than_six_digits_of_code_and_number():
    """What `_too_few_digits` counts on for numbers written with an international dialling prefix."""
    import phonenumbers

    shortest = min(
        len(str(metadata.country_code))
        + min(length for length in metadata.general_desc.possible_length if length > 0)
        for metadata in map(phonenumbers.PhoneMetadata.metadata_for_region, phonenumbers.SUPPORTED_REGIONS)
    )
    assert shortest >= 6


def test_every_regions_example_numbers_are_found_as_the_plain_matcher_finds_them():
    import phonenumbers

    from nerkit.pii import phone_numbers

    national, international = (
        phonenumbers.PhoneNumberFormat.NATIONAL,
        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    )
    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        example = phonenumbers.example_number(region)
        if example is None:
            continue
        for form in (national, international):
            text = f"Tel: {phonenumbers.format_number(example, form)} until 2024-05-12"
            for reading in (region, "US", "DE"):
                assert list(phone_numbers(text, reading)) == _plain_phone_matches(text, reading), text
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize(
    "text",
    [
        "Bergmann & Söhne GmbH\n80331 München\nTel.: 089 2190 4400",
        "Our office in Germany, tel. 089 2190 4400",
    ],
)
def test_a_mentioned_country_decides_when_the_numbers_read_there_and_not_in_the_default(text):
    assert document_region(text, default="US") == "DE"


def test_a_mentioned_country_leaves_numbers_that_read_in_the_default_region():
    assert document_region("Call (415) 555-0143 about the Siemens GmbH order.", default="US") is None


def test_a_mentioned_country_counts_only_in_a_document_that_names_a_phone_number():
    assert document_region("Our office in Germany: 089 2190 4400", default="US") is None


def test_a_mentioned_country_without_numbers_that_read_there_points_nowhere():
    assert document_region("Shipped to Germany. Order 12345678, phone us.", default="US") is None


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("My mobile is 07911 123456.", "GB"),
        ("Call me on 020 7123 4567 when you land.", "GB"),
        ("Tel: 030 12345678", "DE"),
        ("Call 06 12 34 56 78 after six.", "FR"),
        ("Call 022 2345 6789 after six.", "IN"),
    ],
)
def test_a_document_with_no_sign_of_its_country_is_read_where_its_number_is_written_so(text, region):
    assert document_region(text, default="US") == region


def test_a_number_written_as_no_region_writes_it_is_read_in_the_first_region_it_reads_in():
    assert document_region("Tel. 089 2190 4400", default="US") == "DE"


def test_a_number_grouped_as_a_region_writes_it_outweighs_a_mentioned_city():
    assert document_region("Tel 07911 123456. Meeting in Munich.", default="US") == "GB"


def test_a_british_mobile_number_in_a_document_with_no_other_sign_is_found():
    assert found("My mobile is 07911 123456.", "PHONE_NUMBER") == [("07911 123456", 0.98)]


def test_a_german_invoice_s_national_number_is_found():
    from nerkit.patterns import find_all

    text = "Bergmann & Söhne GmbH\nTel.: 089 2190 4400"
    found = [
        text[m.start : m.end]
        for m, _ in find_all(text, builtin_recognizers("US"))
        if m.label == "PHONE_NUMBER"
    ]
    assert found == ["089 2190 4400"]


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("It left our warehouse in Leicester this morning. Questions? Call 0330 808 1234.", "GB"),
        ("Cape Town residents: water will be off on Saturday. Enquiries: 0860 103 089.", "ZA"),
    ],
)
def test_a_mentioned_city_decides_where_the_numbers_read_there_and_not_in_the_default(text, region):
    assert document_region(text, default="US") == region
