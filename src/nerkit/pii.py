"""Identifiers that carry their own check: payment cards (Luhn), IBANs (mod 97), BIC/SWIFT codes, MAC
and IP addresses, Bitcoin addresses, US social security and UK NHS numbers; phone numbers, through
`phonenumbers`' own matcher.

For each, the shape a candidate has (a regular expression) and the check it must pass; `nerkit.patterns`
makes recognizers of them with their context words. The checks come from `python-stdnum` and
`schwifty` where they exist, so a string that merely looks like a card number is not one. IBANs have
a finder of their own, since a candidate may have to be shortened before its checksum holds.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface

import phonenumbers
from stdnum import bitcoin, luhn
from stdnum.gb import nhs
from stdnum.us import ssn

CARD = r"(?<![\w-])\d{4}(?:([ -]?)\d{4}){2}\1\d{1,7}(?![\w-])|(?<![\w-])3[47]\d\d([ -]?)\d{6}\2\d{5}(?![\w-])"
_ISSUERS = (
    ("Visa", r"4", (13, 16, 19)),
    ("Mastercard", r"5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720", (16,)),
    ("American Express", r"3[47]", (15,)),
    ("Discover", r"6011|65|64[4-9]", (16, 19)),
    ("Diners Club", r"30[0-5]|36|38", (14, 16)),
    ("JCB", r"35(?:2[89]|[3-8]\d)", (16, 19)),
    ("UnionPay", r"62", (16, 19)),
    ("Maestro", r"5[06-8]|6\d", (12, 13, 14, 15, 16, 17, 18, 19)),
)


def card_issuer(digits: str) -> str | None:
    """The scheme a card number belongs to, from its leading digits and length; None if no scheme
    issues such numbers."""
    for name, prefix, lengths in _ISSUERS:
        if len(digits) in lengths and re.match(prefix, digits):
            return name
    return None


def valid_card(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return 13 <= len(digits) <= 19 and luhn.is_valid(digits) and card_issuer(digits) is not None


_IBAN = re.compile(r"(?<![\w])[A-Z]{2}\d\d(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\w])")


def ibans(text: str) -> Iterator[tuple[int, int]]:
    """IBANs written compact or in groups of four; a candidate that swallowed a following word is
    shortened group by group until its checksum holds."""
    from schwifty import IBAN

    for match in _IBAN.finditer(text):
        start, end = match.span()
        while end - start >= 15:
            try:
                IBAN(text[start:end])
            except ValueError:
                cut = text.rfind(" ", start, end)
                if cut <= start:
                    break
                end = cut
                continue
            yield start, end
            break


BIC = r"(?<![\w])[A-Z]{4}[A-Z]{2}[A-Z2-9][A-NP-Z0-9](?:[A-Z0-9]{3})?(?![\w])"


def valid_bic(code: str) -> bool:
    """A BIC/SWIFT code with a valid country; `patterns` also asks for a context word or a bank in
    schwifty's registry (`registered_bic`), since many upper-case words have the same shape."""
    from schwifty import BIC

    try:
        BIC(code)
    except ValueError:
        return False
    return True


def registered_bic(code: str) -> bool:
    from schwifty import BIC

    try:
        return bool(BIC(code).exists)
    except ValueError:
        return False


MAC = (
    r"(?<![\w:.-])(?:[0-9A-Fa-f]{2}([:-]))(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![\w:-]|\.[0-9A-Fa-f])"
    r"|(?<![\w.])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![\w.])"
)


_IPV4 = r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?!\w|\.\d)"
_IPV6 = (
    r"(?<![\w:])(?=[0-9A-Fa-f:]*::|(?:[0-9A-Fa-f]{1,4}:){7})(?=[0-9A-Fa-f:]*[0-9A-Fa-f])"
    r"[0-9A-Fa-f:]{2,39}(?:/\d{1,3})?(?![\w:])"
)
IP = f"{_IPV4}|{_IPV6}"


def ip_of(text: str) -> IPv4Address | IPv6Address | IPv4Interface | IPv6Interface | None:
    """The address (or, with a /prefix, the interface) `text` writes; None if it writes none."""
    try:
        return ipaddress.ip_interface(text) if "/" in text else ipaddress.ip_address(text)
    except ValueError:
        return None


def valid_ip(text: str) -> bool:
    return ip_of(text) is not None


BITCOIN = r"(?<![\w])(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[02-9ac-hj-np-z]{11,71})(?![\w])"
valid_bitcoin = bitcoin.is_valid
SSN = r"(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])"


def valid_ssn(text: str) -> bool:
    """Social security numbers as written (123-45-6789): stdnum rules out the area, group and serial
    numbers never issued and the numbers published in advertising."""
    return bool(ssn.is_valid(text.replace(" ", "-")))


NHS = r"(?<![\w-])\d{3}([- ]?)\d{3}\1\d{4}(?![\w-])"
valid_nhs = nhs.is_valid
_NHS = re.compile(NHS)


def nhs_numbers(text: str) -> Iterator[tuple[int, int]]:
    """UK NHS numbers that pass their check: the UK_NHS recognizer's finder, and a sign of the UK
    (`regions.document_region`)."""
    for match in _NHS.finditer(text):
        if valid_nhs(match.group()):
            yield match.span()


def phone_numbers(text: str, region: str, possible: bool = False) -> Iterator[tuple[int, int]]:
    """`(start, end)` of every valid phone number in `text`, those without a +country code read in
    `region`: exactly `phonenumbers.PhoneNumberMatcher` at `Leniency.VALID`, faster. `possible` adds,
    in order, the numbers outside those that have the full length of a number of their country but are
    no valid number there: fictional ones (the UK's 07700 900xxx and 01632 960xxx, set aside for drama)
    and ones in ranges newer than phonenumbers' metadata; the PHONE_NUMBER recognizer takes these only
    after a phone word ("Mobile:", "call me on")."""
    if _too_few_digits(text, region):
        return
    valid = [
        (match.start, match.end) for match in _Matcher(text, region, leniency=phonenumbers.Leniency.VALID)
    ]
    if not possible or _EIGHT_DIGITS.search(text) is None:
        yield from valid
        return
    found = list(valid)
    for match in _Matcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        reason = phonenumbers.is_possible_number_with_reason(match.number)
        digits = len(phonenumbers.national_significant_number(match.number))
        if (
            reason == phonenumbers.ValidationResult.IS_POSSIBLE
            and digits >= 8
            and len(_LONE_DIGIT.findall(match.raw_string)) < 2
            and not any(match.start < end and start < match.end for start, end in valid)
        ):
            found.append((match.start, match.end))
    yield from sorted(found)


def valid_phone_number(text: str, region: str) -> bool:
    """Whether `text` is one number that `phone_numbers` finds without `possible`."""
    return list(phone_numbers(text, region)) == [(0, len(text))]


_EIGHT_DIGITS = re.compile(r"\d(?:[\s().\-]{0,3}\d){7}")
"""Eight digits in a run: what a number that is only of a valid length must hold (seven digits after a
"call" are too often something else)."""


class _Matcher(phonenumbers.PhoneNumberMatcher):  # type: ignore[misc]
    """The library's matcher, with a candidate that has too few digits to be valid turned down before
    it is parsed: on the CoNLL test text, 8,000 candidates (dates, scores, figures) were parsed to find
    108 numbers, and the parsing was most of the recognizers' time. What is turned down is what
    parsing would reject (tests compare both matchers). It overrides a private method of phonenumbers
    9: a version that no longer calls it simply runs as the plain matcher."""

    def _parse_and_verify(self, candidate: str, offset: int) -> object:
        if _too_short(candidate, self.preferred_region):
            return None
        return super()._parse_and_verify(candidate, offset)


@dataclass(frozen=True)
class _Floor:
    digits: int
    """Fewest digits of a valid national number of the region's country code."""
    international_prefix: re.Pattern[str] | None


def _too_short(candidate: str, region: str) -> bool:
    """Whether `candidate` holds fewer digits than any valid number read in `region` has. Only a
    number without a + or the region's international dialling prefix is bound by the region's
    lengths; a region whose national prefix rule may rewrite digits is never judged."""
    floor = _floor(region)
    if floor is None or "+" in candidate or "\uff0b" in candidate:
        return False
    digits = phonenumbers.normalize_digits_only(candidate)
    if floor.international_prefix is not None and floor.international_prefix.match(digits):
        return False
    return len(digits) < floor.digits


def _too_few_digits(text: str, region: str) -> bool:
    """Whether `text` holds too few digits for any number the matcher could find in it, so that the
    matcher need not run: fewer than a number read in `region` has, and fewer than a number written
    with an international dialling prefix has (two digits of prefix and six of country code and
    number, Germany's shortest), with no + that would exempt a number from the region's lengths."""
    floor = _floor(region)
    if floor is None or "+" in text or "\uff0b" in text:
        return False
    return len(_ANY_DIGIT.findall(text)) < min(floor.digits, 8)


_ANY_DIGIT = re.compile(r"\d")
_LONE_DIGIT = re.compile(r"(?<!\d)\d(?!\d)")
"""A group of one digit: a number only of a valid length may hold one ("+1 312 555 0143"); a run of
them is a table's row ("Maccabi Tel Aviv 12 6 4 2 21 14 22")."""


@functools.cache
def _floor(region: str) -> _Floor | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
    if metadata is None or metadata.national_prefix_transform_rule is not None:
        return None
    shortest = []
    for sibling in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code, ()):
        found = phonenumbers.PhoneMetadata.metadata_for_region(sibling)
        lengths = [length for length in (found.general_desc.possible_length if found else ()) if length > 0]
        if not lengths:
            return None
        shortest.append(min(lengths))
    prefix = metadata.international_prefix
    return _Floor(min(shortest), re.compile(prefix) if prefix else None) if shortest else None
