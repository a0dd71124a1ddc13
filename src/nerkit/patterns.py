"""Pattern recognizers for what a statistical model should not guess: emails, phone numbers, URLs, IP
and MAC addresses, payment cards, IBANs, BICs, Bitcoin addresses, social security and NHS numbers,
dates and times, money, percentages and degree titles, plus user rules from a file.

Each recognizer returns `Match`es with character offsets into the text and a score: the share of its
matches that were right on the PII development set (tests/data/pii, dev half), with and without one of
its context words nearby (Presidio's idea: "card", "IBAN", "tel" make a match likelier; "version" or
"order no." rule an IP address or phone number out). Checks come from well-kept libraries:
`phonenumbers` for phone numbers, `python-stdnum` and `schwifty` for the identifiers in `nerkit.pii`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from nerkit import pii, regions
from nerkit.errors import NerkitError
from nerkit.files import read_settings

Finder = Callable[[str, "str | None"], Iterator[tuple[int, int]]]
"""Finds `(start, end)` spans in a piece of text, given the region the document's phone numbers seem
to be from (None when it gives no sign; see `regions.document_region`)."""
Alone = Callable[[str, "str | None"], bool]
"""Whether a match (its text, the document's region) may count with no context word before it."""
CONTEXT_BEFORE = 40
CONTEXT_AFTER = 20
"""How far (in characters) a context word may be from a match: before it, and after it."""
RULED_OUT_BEFORE = 15
"""A word that rules a match out ("order no.", "version"), or a close context word (`Recognizer.
close_context`), must stand within this many characters before it, on its line."""


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    label: str
    score: float = 1.0
    explanation: dict[str, Any] | None = None


@dataclass(frozen=True)
class Recognizer:
    """A label and a function that finds it in text. `structured` recognizers match exact formats
    (an email address is an email address) and win over overlapping model entities.

    `score` is the probability that a match is right with no context word nearby, `boosted` with one of
    the `context` words; a match with one of the `ruled_out_by` words just before it is dropped, and
    so is one with no context word that fails `alone` (when given)."""

    label: str
    find: Finder
    structured: bool = True
    check: str = "pattern"
    """What makes a match trustworthy (for explanations): "luhn", "mod-97", "phonenumbers"..."""
    score: float = 1.0
    context: tuple[str, ...] = ()
    boosted: float = 1.0
    ruled_out_by: tuple[str, ...] = ()
    alone: Alone | None = None
    close_context: bool = False
    """Whether a match that fails `alone` needs its context word just before it, on its line ("Mobile:
    07700 900461"), rather than anywhere nearby."""
    needs: re.Pattern[str] | None = None
    """What any match contains (a digit, an @): a piece without it is not searched, which spares most
    lines of prose a dozen searches."""

    def __call__(
        self, text: str, start: int = 0, end: int | None = None, region: str | None = None
    ) -> Iterator[Match]:
        """Matches in `text[start:end]`, with offsets into `text`; context words are looked for in
        `text` around each match, across line and cell boundaries."""
        return self.within(text, start, text[start : len(text) if end is None else end], region)

    def within(self, text: str, start: int, piece: str, region: str | None) -> Iterator[Match]:
        """`__call__` for a piece already cut out of `text` at `start`."""
        if self.needs is not None and self.needs.search(piece) is None:
            return
        yield from self.searched(text, start, piece, region)

    def searched(self, text: str, start: int, piece: str, region: str | None) -> Iterator[Match]:
        """`within` for a piece known to hold what `needs` asks for."""
        for first, last in self.find(piece, region):
            match = self.scored(text, first + start, last + start, region)
            if match is not None:
                yield match

    def scored(self, text: str, first: int, last: int, region: str | None = None) -> Match | None:
        """The match `text[first:last]` with its score from the context around it, or None when a
        word before it rules it out or it may not stand alone (in the document's `region`)."""
        before = text[max(0, first - CONTEXT_BEFORE) : first]
        if _word_in(before[-RULED_OUT_BEFORE:].rsplit("\n", 1)[-1], self.ruled_out_by) is not None:
            return None
        word = _word_in(before + " " + text[last : last + CONTEXT_AFTER], self.context)
        if self.alone is not None and not self.alone(text[first:last], region):
            if self.close_context:
                word = _word_in(before[-RULED_OUT_BEFORE:].rsplit("\n", 1)[-1], self.context)
            if word is None:
                return None
        score = self.boosted if word is not None else self.score
        explanation = {"recognizer": self.label, "check": self.check, "context": word, "score": score}
        return Match(first, last, self.label, score, explanation)


def _word_in(window: str, words: Sequence[str]) -> str | None:
    if not words:
        return None
    found = _words_pattern(tuple(words)).search(window)
    return found.group().lower() if found else None


@functools.cache
def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(_whole_words(words), re.IGNORECASE)


def _whole_words(phrases: Iterable[str]) -> str:
    """A regular expression for any of `phrases` as whole words, the longest tried first."""
    alternatives = "|".join(re.escape(phrase) for phrase in sorted(set(phrases), key=len, reverse=True))
    return rf"(?<!\w)(?:{alternatives})(?!\w)"


def _regex(pattern: str, flags: int = 0, check: Callable[[str], bool] | None = None) -> Finder:
    compiled = re.compile(pattern, flags)

    def find(text: str, region: str | None = None) -> Iterator[tuple[int, int]]:
        for match in compiled.finditer(text):
            if match.end() > match.start() and (check is None or check(match.group())):
                yield match.span()

    return find


def _plain(find: Callable[[str], Iterator[tuple[int, int]]]) -> Finder:
    return lambda text, region=None: find(text)


_EMAIL = (
    r"(?<![\w.+\-@])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]*[A-Za-z0-9_%+\-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w\-@])"
)
_URL = r"\b(?:https?://|ftp://|www\.)[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]}]"


def _valid_email(text: str) -> bool:
    return ".." not in text


_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_FOREIGN_SCALES = {
    "mio.": 1e6, "mio": 1e6, "millionen": 1e6, "mrd.": 1e9, "mrd": 1e9, "milliarden": 1e9, "mil": 1e3,
    "milhão": 1e6, "milhões": 1e6, "bilhão": 1e9, "bilhões": 1e9, "millón": 1e6, "millones": 1e6,
    "milliard": 1e9, "milliards": 1e9, "milione": 1e6, "milioni": 1e6, "miliardo": 1e9, "miliardi": 1e9,
}  # fmt: skip
SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9,
    "trillion": 1e12, "lakh": 1e5, "crore": 1e7, **_FOREIGN_SCALES,
}  # fmt: skip
"""Words that multiply an amount ("2.5 million", "EUR 3 Mio.", "R$ 2,3 milhões"), as `values` reads them."""
SCALE_WORD = "|".join(re.escape(word) for word in sorted(SCALES, key=len, reverse=True))
_AMOUNT = (
    r"\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d{1,2})?"  # Indian grouping: 3,10,000
    r"|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?"  # 12.000,00
    r"|\d{1,3}(?:'\d{3})+(?:\.(?:\d{1,2}|[-\u2013]{1,2}))?"  # 1'200.-
    r"|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d{1,2})?"  # 1 200,00
    r"|\d+,\d{2}(?!\d)(?:[ \u00a0]?[-\u2013])?"  # 50,00
    rf"|\d{{1,3}},\d(?=\s?(?i:{'|'.join(map(re.escape, _FOREIGN_SCALES))})(?!\w))"  # 2,3 milhões
    rf"|{_NUMBER}"
)
"""An amount as it is written in many locales; `values` reads which separator is which."""
_SCALE = rf"(?:\s?(?i:{SCALE_WORD})(?!\w))?"
_CURRENCY_SYMBOL = r"(?:US\$|A\$|C\$|HK\$|NZ\$|S\$|R\$|Rs\.?|[$€£¥₹₩₽₺₦₱฿₴])"
_CURRENCY_CODE = (
    r"(?:USD|EUR|GBP|JPY|CHF|CNY|INR|CAD|AUD|NZD|SGD|HKD|SEK|NOK|DKK|PLN|CZK|HUF|BRL|MXN|ZAR|KES|NGN|AED"
    r"|SAR|TRY|RUB|KRW|GHS|EGP|MAD|TZS|UGX|ETB|XOF|XAF|THB|IDR|MYR|PHP|VND|PKR|BDT|LKR|ILS|QAR|KWD|BHD|OMR"
    r"|JOD|CLP|COP|PEN|ARS|UAH|RON|BGN|ISK|TWD)"
)
_CURRENCY_WORD = r"(?:dollars?|euros?|pounds?(?: sterling)?|yen|yuan|rupees?|francs?|cents?|kr|zł)"
_MONEY = (
    rf"(?<![\w$€£¥₹₩₽])(?:{_CURRENCY_SYMBOL}\s?(?:{_AMOUNT}){_SCALE}"
    rf"|{_CURRENCY_CODE}\s?(?:{_AMOUNT}){_SCALE}"
    rf"|(?:{_AMOUNT}){_SCALE}\s?(?:{_CURRENCY_SYMBOL}|{_CURRENCY_CODE}\b|{_CURRENCY_WORD}(?!\w)))"
)
_PERCENT = rf"(?<![\w.])[-+]?(?:{_NUMBER})\s?(?:%|percent\b|per cent\b|pct\b)"

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
)
"""A month; only an abbreviation takes its period ("24 April." ends a sentence, "24 Apr. 2025" does not)."""
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_WEEKDAY_SHORT = rf"(?:{_WEEKDAY}|(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?)"
_FOREIGN_MONTH = (
    r"(?:januar|februar|m[äa]e?rz|mai|juni|juli|oktober|dezember"
    r"|janvier|f[ée]vrier|mars|avril|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|sep?tiembre|octubre|noviembre|diciembre"
    r"|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre"
    r"|janeiro|fevereiro|mar[çc]o|maio|junho|julho|setembro|outubro|novembro|dezembro"
    r"|januari|februari|maart|mei|augustus)"
)
"""Months in German, French, Spanish, Italian, Portuguese and Dutch where they are not spelled as in
English (an English date that dateparser cannot read in English is not read again in six languages). A
date in those languages is written on one line; the weekday before it is looked for only at a word
that starts like one (the date search over CoNLL's test text: 0.058 -> 0.064 s; 0.085 s without)."""
_FOREIGN_WEEKDAY = (
    r"(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag"
    r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo"
    r"|luned[ìi]|marted[ìi]|mercoled[ìi]|gioved[ìi]|venerd[ìi]|sabato|domenica"
    r"|segunda-feira|ter[çc]a-feira|quarta-feira|quinta-feira|sexta-feira"
    r"|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)"
)
FOREIGN_DATE_LANGUAGES = ("de", "fr", "es", "it", "pt", "nl")
"""The languages of `_FOREIGN_MONTH` and `_FOREIGN_WEEKDAY`, in which `values` reads such a date."""
FOREIGN_CALENDAR_WORD = rf"(?i:\b(?:{_FOREIGN_MONTH}|{_FOREIGN_WEEKDAY})\b)"
"""A month or weekday in another language: a date holding one is read in those languages."""
LEGAL_FORM = (
    r"(?:AG|GmbH|SE|KG|KGaA|Inc\.?|Ltd\.?|LLC|LLP|Corp\.?|Corporation|Co\.?|plc|PLC|S\.A\.|SA|S\.p\.A\.|SpA"
    r"|N\.V\.|NV|B\.V\.|BV|AB|ASA|Oyj?|Pty|Pte|Pvt\.?|Limited|Group|Holdings?|Sp\.\s?z\s?o\.\s?o\.|s\.r\.o\."
    r"|S\.r\.l\.|Srl|S\.L\.|SARL|S\.A\.S\.|Kft|Ltda|K\.K\.|A/S|ApS|LIMITED|LTD\.?|INC\.?|CORP\.?|CORPORATION)"
    r"(?!\w)"
)
"""A company's legal form after its name ("Siemens AG", "Acme Corp."): it belongs to the name."""
CALENDAR_NAME = rf"(?:{_WEEKDAY_SHORT}|{_MONTH})(?!\w)"
"""A weekday or a month, whole: a dateline's place ("Montreal, 4 August") may start like one."""
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[5-9]|20)\d\d"
_CLOCK = (
    r"(?:(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s?[aApP](?:\.[mM]\.|[mM]))?"
    r"|(?:1[0-2]|0?[1-9])\.[0-5]\d\s?[aApP](?:\.[mM]\.|[mM])(?!\w)"
    r"|(?:1[0-2]|0?[1-9])\s?[aApP](?:\.[mM]\.|[mM])(?!\w)|noon|midnight)"
)
_DATE = (
    rf"(?:{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?Z?)?"
    rf"|(?:0?[1-9]|[12]\d|3[01])[/.](?:0?[1-9]|1[0-2])[/.](?:{_YEAR}|\d\d)(?!\d)"
    rf"|(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/(?:{_YEAR}|\d\d)(?!\d)"
    rf"|(?:{_WEEKDAY_SHORT},?\s)?{_DAY}\.?(?:\sof)?\s{_MONTH}(?:,?\s{_YEAR})?"
    rf"|(?:{_WEEKDAY_SHORT},?\s)?{_MONTH}\s{_DAY}(?:,?\s{_YEAR})?(?!\d)"
    rf"|{_MONTH}\s{_YEAR}"
    rf"|Q[1-4]\s{_YEAR}"
    rf"|(?:(?<!\w)(?=[dmfsljvgtqwzDMFSLJVGTQWZ])(?i:{_FOREIGN_WEEKDAY}),?[ \t])?(?:[12]\d|3[01]|0?[1-9])"
    rf"(?:\.|er|º)?[ \t](?:de[ \t])?(?i:{_FOREIGN_MONTH})(?:[ \t](?:de[ \t])?{_YEAR})?"
    rf"|(?:(?:next|last|this|coming)\s)?{_WEEKDAY}(?:\safter\snext)?(?:\s(?:morning|afternoon|evening|night))?"
    r"|(?i:(?:next|last|this)\s(?:week|month|year|weekend)|(?:this|tomorrow|yesterday)\s(?:morning|afternoon|evening)"
    r"|today|tomorrow|yesterday|tonight))"
)
NUMBER_WORDS = (
    *("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen"),
    *("nineteen", "twenty"),
)
"""The counts of a duration written as words, as `values.duration` and `conventions` read them."""
TIME_UNIT = r"(?:second|minute|hour|day|night|week|fortnight|month|quarter|year|decade)"
UNIT_QUALIFIER = r"(?:business|working|calendar|consecutive|full)\s"
"""A word between a count and its unit that the duration keeps: "5 business days"."""
TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
COUNT = (
    rf"\d{{1,3}}(?:,\d{{3}})+|\d{{1,3}}(?:\.\d+)?"
    rf"|(?:{'|'.join(TENS)})-(?:{'|'.join(NUMBER_WORDS[:9])})|{'|'.join(TENS)}|{'|'.join(NUMBER_WORDS)}"
)
"""How many units a duration has: "90", "2.5", "1,000", "six", "thirty-six" (not a year: "2019 weeks
ago" is no duration)."""
RELATIVE_MODIFIER = r"next|last|past|previous|following"
"""Words before an amount or point of time that make it relative: "the next three years"."""
DURATION_PATTERN = (
    rf"(?<![\w.,-])(?i:(?:(?:{RELATIVE_MODIFIER}|(?<=the )coming)\s)?(?:{COUNT}|a few|several)"
    rf"\+?(?:\s\(\d{{1,3}}\))?[\s-](?:{UNIT_QUALIFIER})?{TIME_UNIT}s?)(?![\w-])(?!\s+old\b)"
)
"""An amount of time, "90 days", "six weeks", "5 business days", "5+ years", "three (3) years", "the next
three years" (not an age: "2 years old"): a DATE_TIME by nerkit's conventions, which a model trained
on newswire finds only now and then."""
DATE_PATTERN = (
    rf"(?<![\w/.:-])(?:{_DATE}(?:,?\s(?:at\s)?{_CLOCK}(?:\s(?:[+-][01]\d[0-5]\d|UTC|GMT))?)?"
    rf"|{_CLOCK}(?:\s(?:on\s)?{_DATE})?)"
    r"(?![\w/:-]|\.\d)"
)

_DEGREE_ABBREVIATIONS = (
    r"B\.\s?Sc\.|BSc|B\.S\.|B\.A\.|M\.\s?Sc\.|MSc|M\.S\.|M\.A\.|MBA|M\.B\.A\.|Ph\.\s?D\.|PhD|DPhil|D\.Phil\."
    r"|M\.D\.|LL\.B\.|LL\.M\.|LLB|LLM|J\.D\.|B\.Eng\.|M\.Eng\.|BEng|MEng|MPhil|M\.Phil\.|Ed\.D\.|EdD"
    r"|D\.D\.S\.|DDS|Pharm\.D\.|PharmD|B\.Ed\.|M\.Ed\.|BBA|B\.B\.A\.|MFA|M\.F\.A\.|BFA|M\.P\.H\."
    r"|B\.\s?Tech\.?|BTech|M\.\s?Tech\.?|MTech|B\.\s?Com\.?|M\.\s?Com\.?|BCA|MCA|B\.\s?Arch\.?|M\.\s?Arch\.?"
)
_FIELD = r"(?:[A-Z][a-z]+|and|of|&)(?:\s(?:[A-Z][a-z]+|and|of|&))*(?<!\sand)(?<!\sof)(?<!\s&)"
_DEGREE_NAME = (
    r"(?:Bachelor|Master|Doctor)(?:'s|\u2019s)?\s(?:of|in)\s(?:Science|Arts|Business\sAdministration|Engineering"
    r"|Laws|Philosophy|Education|Fine\sArts|Medicine|Public\sHealth|Public\sAdministration|Technology"
    r"|Computer\sScience|Nursing|Music|Architecture|Divinity|Dental\sSurgery|Pharmacy)"
    r"|(?:[Bb]achelor|[Mm]aster)(?:'s|\u2019s)\sdegree|[Dd]octorate"
)
_DEGREE = rf"(?<![\w.])(?:{_DEGREE_ABBREVIATIONS}|{_DEGREE_NAME})(?:\s(?:in|of)\s{_FIELD})?(?!\w)"


_PHONE_CONTEXT = (
    "tel",
    "telephone",
    "phone",
    "call",
    "mobile",
    "cell",
    "fax",
    "ring",
    "reach",
    "contact",
    "whatsapp",
    "t",
    "m",
    "p",
    "ph",
    "mob",
)
_NOT_A_PHONE = (
    "order",
    "order no",
    "invoice",
    "ref",
    "reference",
    "ticket",
    "case",
    "account",
    "acct",
    "po",
    "sku",
    "serial",
    "tracking",
    "customer no",
    "policy",
    "id",
    "no.",
    "#",
)


def _phone_numbers(default_region: str) -> Finder:
    """Valid numbers, and numbers of a valid length that `_valid_phone_number` leaves to a phone word
    before them; those without a +country code read in the region the document points to, or in the
    default region when it points nowhere (a UK letter's "943 476 5918" is no US number)."""

    def find(text: str, region: str | None = None) -> Iterator[tuple[int, int]]:
        return pii.phone_numbers(text, region or default_region, possible=True)

    return find


def _valid_phone_number(default_region: str) -> Alone:
    """Whether a phone number may stand without a phone word before it: only a valid one may."""
    return lambda text, region: pii.valid_phone_number(text, region or default_region)


_CARD_CONTEXT = (
    "card",
    "credit card",
    "debit card",
    "visa",
    "mastercard",
    "amex",
    "american express",
    "cc",
    "pan",
    "payment",
    "paid with",
    "charged",
)
_IP_NOT = (
    "version",
    "ver",
    "v",
    "firmware",
    "release",
    "build",
    "update",
    "patch",
    "sdk",
    "app",
    "driver",
    "os",
)


_DIGIT = re.compile(r"\d")
_AT = re.compile("@")
_WEB = re.compile(r"://|www\.", re.IGNORECASE)
_DIGIT_OR_COLON = re.compile(r"[\d:]")
_SEPARATOR = re.compile(r"[:.-]")


def builtin_recognizers(phone_region: str = "US") -> list[Recognizer]:
    """The recognizers nerkit ships. `phone_region` is where numbers without a +country code are
    assumed to be (ISO 3166 code, e.g. US, GB, DE) unless the document says otherwise (see
    `regions.document_region`); the scores are the dev-set precisions in docs/pii.md."""
    return [
        Recognizer(
            "EMAIL",
            _regex(_EMAIL, check=_valid_email),
            score=0.99,
            context=("email", "e-mail", "mail"),
            boosted=1.0,
            needs=_AT,
        ),
        Recognizer(
            "URL",
            _regex(_URL, re.IGNORECASE),
            score=0.97,
            context=("http", "link", "website", "site", "url", "visit"),
            boosted=0.99,
            needs=_WEB,
        ),
        Recognizer(
            "IP_ADDRESS",
            _regex(pii.IP, check=pii.valid_ip),
            check="ipaddress",
            score=0.9,
            context=("ip", "address", "host", "server", "gateway", "dns", "subnet", "login from"),
            boosted=0.98,
            ruled_out_by=_IP_NOT,
            needs=_DIGIT_OR_COLON,
        ),
        Recognizer(
            "MAC_ADDRESS",
            _regex(pii.MAC),
            check="format",
            score=0.95,
            context=("mac", "hardware address", "ethernet", "wi-fi", "wifi", "device"),
            boosted=0.99,
            needs=_SEPARATOR,
        ),
        Recognizer(
            "CREDIT_CARD",
            _regex(pii.CARD, check=pii.valid_card),
            check="luhn+issuer",
            score=0.9,
            context=_CARD_CONTEXT,
            boosted=0.99,
            needs=_DIGIT,
        ),
        Recognizer(
            "IBAN",
            _plain(pii.ibans),
            check="mod-97",
            score=0.98,
            context=("iban", "account", "bank", "transfer", "pay to"),
            boosted=1.0,
            needs=_DIGIT,
        ),
        Recognizer(
            "BIC",
            _regex(pii.BIC, check=pii.valid_bic),
            check="country+registry",
            score=0.9,
            context=("bic", "swift", "bank"),
            boosted=0.98,
            alone=lambda text, _: pii.registered_bic(text),
        ),
        Recognizer(
            "CRYPTO",
            _regex(pii.BITCOIN, check=pii.valid_bitcoin),
            check="base58check/bech32",
            score=0.98,
            context=("bitcoin", "btc", "wallet", "crypto", "address"),
            boosted=1.0,
            needs=_DIGIT,
        ),
        Recognizer(
            "US_SSN",
            _regex(pii.SSN, check=pii.valid_ssn),
            check="ssa-rules",
            score=0.8,
            context=("ssn", "social security", "social security number", "ss#", "ss no"),
            boosted=0.98,
            ruled_out_by=_NOT_A_PHONE + _PHONE_CONTEXT,
            needs=_DIGIT,
        ),
        Recognizer(
            "UK_NHS",
            _plain(pii.nhs_numbers),
            check="mod-11",
            score=0.5,
            context=("nhs", "nhs number", "nhs no", "patient", "health service"),
            boosted=0.98,
            alone=lambda _, __: False,
            needs=_DIGIT,
        ),
        Recognizer(
            "PHONE_NUMBER",
            _phone_numbers(phone_region),
            check="phonenumbers",
            score=0.9,
            context=_PHONE_CONTEXT,
            boosted=0.98,
            ruled_out_by=_NOT_A_PHONE,
            alone=_valid_phone_number(phone_region),
            close_context=True,
            needs=_DIGIT,
        ),
        Recognizer(
            "MONEY",
            _regex(_MONEY),
            score=0.97,
            context=("price", "total", "amount", "cost", "fee", "paid", "pay", "due", "balance"),
            boosted=0.99,
            needs=_DIGIT,
        ),
        Recognizer("PERCENT", _regex(_PERCENT, re.IGNORECASE), score=0.99, needs=_DIGIT),
        Recognizer("DEGREE", _regex(_DEGREE), score=0.95),
        Recognizer("DATE_TIME", _regex(f"{DATE_PATTERN}|{DURATION_PATTERN}"), structured=False, score=0.9),
    ]


def recognizers(
    builtin: bool = True, phone_region: str = "US", rules: str | Path | None = None
) -> list[Recognizer]:
    """The recognizers an extraction runs: the built-in ones (unless `builtin` is off), then the user
    rules in the file `rules` (see `load_recognizers`). The CLI and every Ray actor build them here."""
    found = builtin_recognizers(phone_region) if builtin else []
    return found + (load_recognizers(rules) if rules else [])


def _phrases(phrases: Sequence[str], ignore_case: bool) -> Finder:
    return _regex(_whole_words(phrases), re.IGNORECASE if ignore_case else 0)


def load_recognizers(path: str | Path) -> list[Recognizer]:
    """User rules, like spaCy's EntityRuler, from YAML or JSON: a list of
    `{label, pattern}` (a regular expression) or `{label, phrases: [...]}`, optionally `ignore_case`."""
    path = Path(path)
    rules = read_settings(path, "E050", "patterns")
    if isinstance(rules, dict):
        rules = rules.get("patterns", rules)
    if not isinstance(rules, list):
        raise NerkitError("E050", "expected a list of {label, pattern} or {label, phrases}", path=path)
    return [_recognizer(rule, number, path) for number, rule in enumerate(rules, start=1)]


def _recognizer(rule: object, number: int, path: Path) -> Recognizer:
    where = f"rule {number}"
    if not isinstance(rule, dict) or not isinstance(rule.get("label"), str) or not rule["label"]:
        raise NerkitError("E051", f"{where} needs a non-empty 'label'", path=path)
    ignore_case = bool(rule.get("ignore_case", False))
    if isinstance(rule.get("pattern"), str):
        try:
            finder = _regex(rule["pattern"], re.IGNORECASE if ignore_case else 0)
        except re.error as error:
            raise NerkitError("E051", f"{where}: invalid regular expression ({error})", path=path) from None
    elif isinstance(rule.get("phrases"), list) and all(isinstance(p, str) and p for p in rule["phrases"]):
        finder = _phrases(rule["phrases"], ignore_case)
    else:
        raise NerkitError(
            "E051",
            f"{where} needs 'pattern' (a regular expression) or 'phrases' (a list of strings)",
            path=path,
        )
    return Recognizer(rule["label"], finder)


def find_all(
    text: str,
    recognizers: Iterable[Recognizer],
    pieces: Iterable[tuple[int, int]] | None = None,
    region: str | Literal["infer"] | None = "infer",
) -> list[tuple[Match, bool]]:
    """Every match of every recognizer within each `(start, end)` piece of `text` (the whole text by
    default), with whether it came from a structured recognizer. `region` is the document's (see
    `regions.document_region`), worked out here unless the caller has it."""
    if region == "infer":
        region = regions.document_region(text)
    found = []
    for start, end in pieces if pieces is not None else [(0, len(text))]:
        piece = text[start:end]
        holds: dict[re.Pattern[str], bool] = {}  # recognizers share their `needs` (most: a digit)
        for recognizer in recognizers:
            needs = recognizer.needs
            if needs is not None:
                if needs not in holds:
                    holds[needs] = needs.search(piece) is not None
                if not holds[needs]:
                    continue
            found += [
                (match, recognizer.structured) for match in recognizer.searched(text, start, piece, region)
            ]
    return found
