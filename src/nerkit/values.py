"""Machine-readable values for entities, in Duckling's spirit: a DATE_TIME becomes an ISO 8601 time with
its grain (or an interval), MONEY an amount and ISO 4217 currency, a PHONE_NUMBER its E.164 form, a card
its issuer and last four digits, an IBAN its country and bank code.

Dates are read by `dateparser` against a reference time; it does not read "the Thursday after next" or
intervals ("14-16 May", "from 9am to 5pm"), which `_relative_weekday` and `_interval` add. Amounts are read
by `price-parser`, which settles which separator is the decimal one ("3.975,50", "1,20,000").
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import phonenumbers

from nerkit.layout import rfc2822_date
from nerkit.patterns import (
    COUNT,
    FOREIGN_CALENDAR_WORD,
    FOREIGN_DATE_LANGUAGES,
    NUMBER_WORDS,
    SCALE_WORD,
    SCALES,
    TENS,
    TIME_UNIT,
    UNIT_QUALIFIER,
)

Value = dict[str, Any]

_CURRENCIES = {
    "us$": "USD", "$": "USD", "a$": "AUD", "c$": "CAD", "hk$": "HKD", "nz$": "NZD", "s$": "SGD", "r$": "BRL",
    "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "rs": "INR", "rs.": "INR", "₩": "KRW", "₽": "RUB",
    "₺": "TRY", "₦": "NGN", "₱": "PHP", "฿": "THB", "₴": "UAH", "dollar": "USD", "euro": "EUR",
    "pound": "GBP", "pounds sterling": "GBP", "yen": "JPY", "yuan": "CNY", "rupee": "INR", "franc": "CHF",
    "cent": "USD", "zł": "PLN",
}  # fmt: skip
_CODE = re.compile(r"\b[A-Z]{3}\b")
_SCALE = re.compile(rf"(?<=[\d\s])({SCALE_WORD})(?!\w)", re.IGNORECASE)


def money(text: str) -> Value | None:
    """`{"amount": 48600.0, "currency": "EUR"}`; currency None when the text does not say ("kr")."""
    from price_parser import Price

    price = Price.fromstring(text.replace("'", ",") if re.search(r"\d'\d{3}", text) else text)
    if price.amount is None:
        return None
    amount = float(price.amount)
    scale = _SCALE.search(text)
    if scale:
        amount *= SCALES[scale.group(1).lower()]
    if re.search(r"\bcents?\b", text):
        amount /= 100
    code = _CODE.search(text)
    symbol = (price.currency or "").lower().rstrip("s") if price.currency else ""
    currency = code.group() if code else _CURRENCIES.get(symbol) or _CURRENCIES.get(symbol + "s")
    word = re.search(r"(dollar|euro|pounds sterling|pound|yen|yuan|rupee|franc|cent)s?", text, re.I)
    currency = currency or (_CURRENCIES[word.group(1).lower()] if word else None)
    return {"amount": round(amount, 2), "currency": currency}


def percent(text: str) -> Value | None:
    number = re.search(r"[-+]?\d[\d,]*(?:\.\d+)?", text)
    return {"value": float(number.group().replace(",", ""))} if number else None


def phone(text: str, region: str | None) -> Value | None:
    try:
        number = phonenumbers.parse(text, region or "US")
    except phonenumbers.NumberParseException:
        return None
    return {
        "e164": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        "region": phonenumbers.region_code_for_number(number),
    }


def card(text: str) -> Value:
    from nerkit.pii import card_issuer

    digits = re.sub(r"\D", "", text)
    return {"issuer": card_issuer(digits), "last4": digits[-4:]}


def iban(text: str) -> Value | None:
    from schwifty import IBAN

    try:
        found = IBAN(text)
    except ValueError:
        return None
    return {"iban": found.compact, "country": found.country_code, "bank_code": found.bank_code or None}


def bic(text: str) -> Value | None:
    from schwifty import BIC

    try:
        found = BIC(text)
    except ValueError:
        return None
    return {"bic": found.compact, "country": found.country_code, "bank_code": found.bank_code}


def email(text: str) -> Value:
    local, _, domain = text.rpartition("@")
    return {"email": f"{local}@{domain.lower()}"}


def url(text: str) -> Value:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(text if "://" in text else "http://" + text)
    return {
        "url": urlunsplit(
            (parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment)
        )
    }


def ip(text: str) -> Value | None:
    from nerkit.pii import ip_of

    found = ip_of(text)
    return {"ip": str(found), "version": found.version} if found is not None else None


def mac(text: str) -> Value:
    digits = re.sub(r"[^0-9a-fA-F]", "", text).lower()
    return {"mac": ":".join(digits[i : i + 2] for i in range(0, 12, 2))}


def digits_only(text: str) -> Value:
    return {"value": re.sub(r"\D", "", text)}


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(
    r"(?<!\d)(?:([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?\s*([ap])?\.?m?\.?|(1[0-2]|0?[1-9])\s*([ap])\.?m\.?|(noon)|(midnight))(?!\w)",
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    rf"^(?:the\s+)?(?:(next|this|coming|last)\s+)?({'|'.join(_WEEKDAYS)})(\s+after\s+next)?\b", re.IGNORECASE
)
_INTERVAL = re.compile(
    r"^(?:from\s+|between\s+)?(?:(?P<left>.+?)(?:\s+[-\u2013\u2014]\s+|\s*[\u2013\u2014]\s*|\s+(?:to|until|till|and)\s+)"
    r"|(?P<short>\d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?::\d\d)?\s*(?:[ap]\.?m\.?)?)-(?=\d))(?P<right>.+)$",
    re.IGNORECASE,
)
"""Two times or dates joined by a dash, "to", "until" or "and"; a bare hyphen only after a day or a time
("14-16 May", "10:00-11:30"), so ISO dates (2025-04-08) stay single."""
_MONTHS = {
    name: number
    for number, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
_CALENDAR = re.compile(
    rf"(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH_NAME})\.?,?"
    rf"|(?P<month_first>{_MONTH_NAME})\.?(?:\s+(?P<day_after>\d{{1,2}})(?:st|nd|rd|th)?,?)?)?"
    r"(?:\s*(?P<year>(?:19|20)\d\d))?"
    r"|(?P<first>\d{1,2})(?P<separator>[/.])(?P<second>\d{1,2})(?P=separator)(?P<numeric_year>(?:19|20)\d\d)"
    r"|(?P<iso_year>\d{4})-(?P<iso_month>\d\d)-(?P<iso_day>\d\d)",
    re.IGNORECASE,
)
"""The calendar dates documents write most ("14 April 2025", "Apr 14, 2025", "March 2025", "2019",
"22 April", "05/08/2025", "2025-04-08"), read without dateparser, which spends a millisecond on each
looking for time zones and relative words; `tests/test_values.py` checks that both read them alike."""
_MONTH_FIRST = {"US", "PH", "FM", "MH", "PW", "GU", "AS", "MP", "VI", "PR", "UM", "BZ"}
"""Where 05/04/2025 is May 4th; everywhere else it is April 5th."""
_GRAINS = {"year": "year", "quarter": "quarter", "month": "month", "week": "day", "day": "day"}


def date_time(text: str, reference: datetime, region: str | None = None) -> Value | None:
    """`{"value": ISO 8601, "grain": ...}`, or `{"from": {...}, "to": {...}}` for an interval; None when
    the text cannot be read. Relative expressions ("tomorrow", "next Friday") count from `reference`,
    which must carry a time zone; a date without a year is in the reference's year; 05/04/2025 is read
    month first only in the regions that write it so (`region`, as for phone numbers)."""
    read = _date_time(text, reference, region)
    return json.loads(read) if read is not None else None


def written_at(headers: Sequence[str], now: datetime, region: str | None = None) -> datetime | None:
    """When a message says it was written, the time its relative dates count from: its first date
    header that reads as a date, RFC 2822 with its zone ("Tue, 18 Nov 2025 10:02:11 +0100") or as
    people write it ("30 November 2025", the start of that day), read as its DATE_TIME value is, in the
    local zone where the header gives none. None without one; `now` (zoned) reads a header such as
    "yesterday"."""
    for header in headers:
        read = date_time(header, now, region)
        if read is None or "value" not in read:
            continue
        when = datetime.fromisoformat(read["value"])
        if _OWN_OFFSET.search(header.strip()) is None:
            return when.replace(tzinfo=None).astimezone()  # read in now's offset; the local one of that day
        return when
    return None


_DURATION = re.compile(
    rf"(?:an?\s)?(?P<count>{COUNT})[\s-](?:{UNIT_QUALIFIER})?(?P<unit>{TIME_UNIT})s?"
    rf"|an?\s(?P<single>{TIME_UNIT})",
    re.IGNORECASE,
)
_ISO_UNITS = {
    "second": ("T", 1, "S"),
    "minute": ("T", 1, "M"),
    "hour": ("T", 1, "H"),
    "day": ("", 1, "D"),
    "night": ("", 1, "D"),
    "week": ("", 1, "W"),
    "fortnight": ("", 2, "W"),
    "month": ("", 1, "M"),
    "quarter": ("", 3, "M"),
    "year": ("", 1, "Y"),
    "decade": ("", 10, "Y"),
}


def duration(text: str) -> str | None:
    """An amount of time alone ("six weeks", "30 minutes", "an hour", "a three-day") as ISO 8601
    ("P6W", "PT30M", "PT1H", "P3D"); None for anything else. A length is no point in time: dateparser
    reads "six weeks" as six weeks ago, which is not what "within six weeks" means."""
    found = _DURATION.fullmatch(text.strip())
    if found is None:
        return None
    count = (found.group("count") or "1").lower()
    amount = _count(count)
    time, scale, letter = _ISO_UNITS[(found.group("unit") or found.group("single")).lower()]
    return f"P{time}{amount * scale:g}{letter}"


def _count(count: str) -> float:
    """A duration's count as a number: "2.5", "1,000", "six", "thirty", "thirty-six"."""
    if count[0].isdigit():
        return float(count.replace(",", ""))
    tens, _, units = count.partition("-")
    if tens in TENS:
        return 10 * (TENS.index(tens) + 2) + (NUMBER_WORDS.index(units) + 1 if units else 0)
    return NUMBER_WORDS.index(count) + 1


@functools.lru_cache(maxsize=4096)
def _date_time(text: str, reference: datetime, region: str | None) -> str | None:
    """`date_time`'s reading as JSON, remembered: news and mail repeat their dates (a dateline on
    every story), and a remembered reading costs microseconds where dateparser costs a millisecond.
    JSON, so no caller can change what the next one gets."""
    read = _read_date_time(text, reference, region)
    return json.dumps(read) if read is not None else None


def _read_date_time(text: str, reference: datetime, region: str | None) -> Value | None:
    length = duration(text)
    if length is not None:
        return {"duration": length}
    order = "MDY" if (region or "US") in _MONTH_FIRST else "DMY"
    interval = _INTERVAL.match(text.strip())
    if interval is not None:
        left, right = interval.group("left") or interval.group("short"), interval.group("right")
        end = _instant(right, reference, order)
        if re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", left):  # "14-16 May 2025"
            start = _instant(
                re.sub(r"^\d{1,2}(?:st|nd|rd|th)?", left, right.strip(), count=1), reference, order
            )
        elif (clock := _CLOCK.fullmatch(left)) and end is not None:  # "9am to 5pm", "10:00-11:30 Friday"
            when, grain = _at(datetime.fromisoformat(end["value"]), clock)
            start = {"value": when.isoformat(), "grain": grain}
        else:
            start = _instant(left, reference, order)
        if start is not None and end is not None:
            return {"from": start, "to": end}
    return _instant(text, reference, order)


def _instant(text: str, reference: datetime, order: str) -> Value | None:
    zoned = _zoned(text.strip())
    if zoned is not None:
        return zoned
    relative = _relative_weekday(text, reference)
    if relative is not None:
        return relative
    clock = _CLOCK.fullmatch(text.strip())
    if clock is not None:  # a time alone: its next occurrence
        when, grain = _at(reference, clock)
        when = when if when >= reference else when + timedelta(days=1)
        return {"value": when.isoformat(), "grain": grain}
    calendar = _calendar(text.strip(), reference, order)
    if calendar is not None:
        return _with_grain(*calendar, text)
    data = _parser(reference, order).get_date_data(text)
    if data.date_obj is None and _FOREIGN.search(text):
        data = _parser(reference, order, FOREIGN_DATE_LANGUAGES).get_date_data(text)
    if data.date_obj is None:
        return None
    return _with_grain(data.date_obj, _GRAINS.get(data.period or "day", "day"), text)


_OWN_OFFSET = re.compile(r"\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:[+-]\d\d:?\d\d|Z|UTC|GMT)(?:\s*\([A-Za-z ]+\))?$")
"""A time of day followed by its UTC offset, as a mail header ("+0100 (CET)") or an ISO 8601 timestamp
writes it."""


def _zoned(text: str) -> Value | None:
    """A date and time written with its own UTC offset ("Tue, 18 Nov 2025 10:02:11 +0100",
    "2025-11-18T10:02:11+01:00"), read as written and kept in that offset: read by dateparser, it moved
    to the reference's zone and then took the written clock time back, an hour off and in the wrong
    zone. None for any other text."""
    if _OWN_OFFSET.search(text) is None:
        return None
    when = rfc2822_date(text)
    if when is None:
        try:
            when = datetime.fromisoformat(text.replace("UTC", "+00:00").replace("GMT", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is None:
        return None
    grain = "second" if re.search(r"\d:\d\d:\d\d", text) else "minute"
    return {"value": when.replace(microsecond=0).isoformat(), "grain": grain}


def _calendar(text: str, reference: datetime, order: str) -> tuple[datetime, str] | None:
    """A date `_CALENDAR` reads, at midnight in the reference's offset, and its grain; None for any
    other text, and for a day the month does not have, which dateparser then reads. A date without a
    year is in the reference's year, and 05/08/2025 is read in `order` ("DMY" or "MDY")."""
    found = _CALENDAR.fullmatch(text)
    if found is None or not any(found.groupdict().values()):
        return None
    if found.group("iso_year"):
        year, month, day = (int(found.group(name)) for name in ("iso_year", "iso_month", "iso_day"))
        grain = "day"
    elif found.group("first"):
        first, second = int(found.group("first")), int(found.group("second"))
        month, day = (first, second) if order == "MDY" else (second, first)
        year, grain = int(found.group("numeric_year")), "day"
    else:
        month_name = found.group("month") or found.group("month_first")
        named_day = found.group("day") or found.group("day_after")
        if found.group("year") is None and named_day is None:
            return None  # a month alone: dateparser's current period
        month = _MONTHS[month_name.lower()] if month_name else 1
        day = int(named_day or 1)
        year = int(found.group("year") or reference.year)
        grain = "day" if named_day else "month" if month_name else "year"
    try:
        when = datetime(year, month, day, tzinfo=timezone(reference.utcoffset() or timedelta(0)))
    except ValueError:
        return None
    return when, grain


_FOREIGN = re.compile(FOREIGN_CALENDAR_WORD)


@functools.lru_cache(maxsize=8)
def _parser(reference: datetime, order: str, languages: tuple[str, ...] = ("en",)) -> Any:
    """A dateparser reader for one reference time (building one costs more than reading a date)."""
    from dateparser.date import DateDataParser

    settings = {
        "RELATIVE_BASE": reference.replace(tzinfo=None),
        "PREFER_DATES_FROM": "current_period",
        "DATE_ORDER": order,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": _offset(reference),
        "TO_TIMEZONE": _offset(reference),
    }
    return DateDataParser(languages=list(languages), settings=settings)


def _dated(text: str) -> bool:
    """Whether `text` holds a calendar date with a day or a year: "Monday, 6 October 2025" is that
    Monday, not the next one."""
    days = ("day", "day_after", "year", "first", "iso_year")
    return any(any(found.group(group) for group in days) for found in _CALENDAR.finditer(text))


def _relative_weekday(text: str, reference: datetime) -> Value | None:
    """ "Thursday", "next Friday", "the Thursday after next", each with an optional time of day."""
    found = _RELATIVE.match(text.strip())
    if found is None or _dated(text.strip()[found.end() :]):
        return None
    which, weekday, after_next = found.group(1), found.group(2).lower(), found.group(3)
    ahead = (_WEEKDAYS.index(weekday) - reference.weekday()) % 7
    if which and which.lower() == "last":
        ahead = ahead - 7 if ahead else -7
    elif ahead == 0 or (which and which.lower() == "next" and not after_next):
        ahead = ahead or 7
    if after_next:
        ahead += 7
    day = (reference + timedelta(days=ahead)).replace(hour=0, minute=0, second=0, microsecond=0)
    return _with_grain(day, "day", text)


def _with_grain(when: datetime, grain: str, text: str) -> Value:
    clock = _CLOCK.search(text)
    if clock is not None and grain == "day":
        when, grain = _at(when, clock)
    else:
        when = when.replace(hour=0, minute=0, second=0, microsecond=0)
        if grain in ("month", "quarter"):
            when = when.replace(day=1)
        elif grain == "year":
            when = when.replace(month=1, day=1)
    return {"value": when.isoformat(), "grain": grain}


def _at(day: datetime, clock: re.Match[str]) -> tuple[datetime, str]:
    """`day` at the time `clock` says, and the grain it was said in (9am hour, 9:30 minute, 9:30:15
    second)."""
    hour, minute, second = _clock(clock)
    grain = "second" if clock.group(3) else "minute" if minute else "hour"
    return day.replace(hour=hour, minute=minute, second=second, microsecond=0), grain


def _clock(clock: re.Match[str]) -> tuple[int, int, int]:
    if clock.group(7):
        return 12, 0, 0
    if clock.group(8):
        return 0, 0, 0
    hour = int(clock.group(1) or clock.group(5))
    minute, second = int(clock.group(2) or 0), int(clock.group(3) or 0)
    meridiem = (clock.group(4) or clock.group(6) or "").lower()
    if meridiem == "p" and hour < 12:
        hour += 12
    elif meridiem == "a" and hour == 12:
        hour = 0
    return hour, minute, second


def _offset(when: datetime) -> str:
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def reader(label: str, reference: datetime, region: str | None) -> Callable[[str], Value | None] | None:
    """The function that reads `label`'s value, or None for labels without one (PERSON...)."""
    readers: dict[str, Callable[[str], Value | None]] = {
        "DATE_TIME": lambda text: date_time(text, reference, region),
        "MONEY": money,
        "PERCENT": percent,
        "PHONE_NUMBER": lambda text: phone(text, region),
        "CREDIT_CARD": card,
        "IBAN": iban,
        "BIC": bic,
        "EMAIL": email,
        "URL": url,
        "IP_ADDRESS": ip,
        "MAC_ADDRESS": mac,
        "US_SSN": digits_only,
        "UK_NHS": digits_only,
        "CRYPTO": lambda text: {"address": text, "network": "bitcoin"},
    }
    return readers.get(label)
