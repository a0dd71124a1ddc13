"""Which country a document's phone numbers are from, when they are written without their country
code ("089 2190 4400"): the signs a document gives of its country. The recognizers read phone numbers
there, and the value readers dates (05/04/2025 is month first only in the US and a few others)."""

from __future__ import annotations

import re
from collections import Counter

import phonenumbers

from nerkit import pii, places

_CALLING_CODE = re.compile(
    r"(?:(?<![\w+])\+|(?<![\w+./-])(?<!\d )00 ?(?=[1-9]\d{0,2}[ (]))([1-9]\d{0,2})(?=(?:[\s().-]*\d){6})"
)
"""A country code after + or after 00, the dialling prefix of most countries outside North America
("0044 20 7946 0958", not a group of an IBAN's digits), with at least six more digits after it:
"+0200" and "+1000" in a date are zones."""


_DOMAIN = re.compile(r"(?:@|\b(?:https?://|www\.))((?:[\w-]+\.)+[a-z]{2,})\b", re.IGNORECASE)
"""The country-code top-level domain of an email address or web address ("@nhs.uk", "www.bahn.de")."""
_VANITY_DOMAINS = {
    "io",
    "co",
    "me",
    "tv",
    "ai",
    "ly",
    "fm",
    "to",
    "cc",
    "ws",
    "gg",
    "sh",
    "so",
    "am",
    "is",
    "it",
}
"""Country codes mostly bought for how they read, not where the owner is (".it" too often means "it")."""
_CURRENCY_REGIONS = (
    (re.compile(r"£|\bGBP\b"), "GB"),
    (re.compile(r"₹|\bINR\b|\bRs\.?(?=\s?\d)"), "IN"),
    (re.compile(r"\bCHF\b|\bFr\.(?=\s?\d)"), "CH"),
    (re.compile(r"\bA\$|\bAUD\b"), "AU"),
    (re.compile(r"\bC\$|\bCAD\b"), "CA"),
    (re.compile(r"\bJPY\b"), "JP"),
)
"""Currencies used by one country's numbers (€ and $ say too little)."""
_NHS_WORD = re.compile(r"\bNHS\b")


def document_region(text: str, default: str = "US") -> str | None:
    """The region a document's national-format phone numbers are most likely in: the most frequent
    country among its signs of one: international numbers (+49 ...), IBANs, email and web addresses
    under a country's domain, a one-country currency (£, ₹, CHF...) and valid NHS numbers (UK); None
    when it has none. A phone number's own country code outweighs every other sign.

    Without such signs, what a document that names a phone number ("Tel", "phone", "fax"...) only
    mentions (a company's legal form: "GmbH", "Pvt. Ltd."; a country's name) points to a region when
    its numbers read there and none reads in `default` (the region numbers are read in without a
    sign): a German invoice's "089 2190 4400" is read in
    Germany, a US letter to a GmbH keeps its US numbers. A document that mentions nothing of the kind
    is read in one of `FALLBACK_REGIONS` where its numbers read, when none reads in `default`."""
    votes: Counter[str] = Counter()
    for match in _CALLING_CODE.finditer(text):
        digits = match.group(1)
        for length in (1, 2, 3):
            regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:length]), ())
            if length <= len(digits) and regions:
                votes[regions[0]] += 2
                break
    for start, _ in pii.ibans(text):
        votes[text[start : start + 2]] += 1
    for match in _DOMAIN.finditer(text):
        code = match.group(1).rsplit(".", 1)[1].lower()
        region = "GB" if code == "uk" else code.upper()
        if code not in _VANITY_DOMAINS and region in phonenumbers.SUPPORTED_REGIONS:
            votes[region] += 1
    for pattern, region in _CURRENCY_REGIONS:
        if pattern.search(text):
            votes[region] += 1
    if _NHS_WORD.search(text) and next(pii.nhs_numbers(text), None) is not None:
        votes["GB"] += 1
    votes.pop("001", None)
    return votes.most_common(1)[0][0] if votes else _mentioned_region(text, default)


_LEGAL_FORMS = (
    (re.compile(r"\bGmbH\b"), "DE"),
    (re.compile(r"\b(?:Pvt\.?\s+Ltd|Private\s+Limited)\b"), "IN"),
    (re.compile(r"\b(?:S\.p\.A\.|S\.r\.l\.|SpA\b|Srl\b)"), "IT"),
    (re.compile(r"\bB\.V\.|\bBV\b"), "NL"),
    (re.compile(r"\b(?:SARL|S\.A\.R\.L\.|S\.A\.S\.)"), "FR"),
    (re.compile(r"\bS\.L\.(?!\w)"), "ES"),
    (re.compile(r"(?<=\w )AB\b"), "SE"),
    (re.compile(r"(?<=\w )Oyj?\b"), "FI"),
    (re.compile(r"(?<=\w )ASA\b"), "NO"),
    (re.compile(r"\bA/S\b|\bApS\b"), "DK"),
    (re.compile(r"\bSp\.\s?z\s?o\.\s?o\."), "PL"),
    (re.compile(r"\bs\.r\.o\."), "CZ"),
    (re.compile(r"\bKft\b"), "HU"),
    (re.compile(r"\bPty\.?\s+Ltd\b"), "AU"),
    (re.compile(r"\bK\.K\.|\bKabushiki Kaisha\b"), "JP"),
    (re.compile(r"\bLtda\b"), "BR"),
    (re.compile(r"\b(?:LLC|Inc\.)"), "US"),
    (re.compile(r"\b(?:plc|PLC)\b"), "GB"),
)
"""Legal forms of companies that belong to one country."""
_NUMBER = re.compile(r"\d(?:[\s().-]*\d){5}")
"""Six digits or more in a run: no phone number is shorter."""
_PHONE_WORD = re.compile(
    r"\b(?:tel|telephone|phone|fax|mobile|mob|cell|hotline|helpline|whatsapp|call|ring|enquiries|inquiries)\b",
    re.IGNORECASE,
)
"""A document that names a phone number: news that only mentions countries is spared the matcher."""


FALLBACK_REGIONS = ("US", "GB", "DE", "FR", "IL", "IN", "CA", "BR")
"""Where a document that names a phone number but gives no sign of its country may have its numbers
from, in the order tried: the regions Presidio's PhoneRecognizer reads numbers in."""


def _mentioned_region(text: str, default: str) -> str | None:
    """The region of a document without signs (see `document_region`), when its numbers read nowhere in
    `default` ("My mobile is 07911 123456" is no US number): the one it mentions most, else one of
    `FALLBACK_REGIONS`, where a number reads and is grouped as that region writes it, else the first
    of them where a number reads ("089 2190 4400", read in Germany, India and Brazil, written as none)."""
    if _NUMBER.search(text) is None or _PHONE_WORD.search(text) is None:
        return None
    if next(pii.phone_numbers(text, default), None) is not None:
        return None
    votes = Counter(region for pattern, region in _LEGAL_FORMS for _ in pattern.finditer(text))
    votes.update(places.countries_named(text))
    votes.update(places.cities_named(text))
    mentioned = [votes.most_common(1)[0][0]] if votes else []
    first_readable = None
    for region in dict.fromkeys((*mentioned, *FALLBACK_REGIONS)):
        if region == default:
            continue
        numbers = [text[start:end] for start, end in pii.phone_numbers(text, region)]
        if any(_written_as_in(number, region) for number in numbers):
            return region
        if numbers and first_readable is None:
            first_readable = region
    return first_readable


def _written_as_in(number: str, region: str) -> bool:
    """Whether `number` is grouped as `region` writes its numbers ("030 12345678" as Germany does, not as
    Britain's "0301 234 5678"), its national prefix aside ("98220 41357" for India's "098220 41357")."""
    written = re.findall(r"\d+", number)
    national = re.findall(
        r"\d+",
        phonenumbers.format_number(
            phonenumbers.parse(number, region), phonenumbers.PhoneNumberFormat.NATIONAL
        ),
    )
    return written == national or (
        len(written) == len(national) and national[0] == "0" + written[0] and written[1:] == national[1:]
    )
