"""Pattern recognizers for what a statistical model should not guess: emails, phone numbers, URLs, IP
addresses, dates and times, money, percentages and degree titles, plus user rules from a file.

Each recognizer returns `Match`es with character offsets into the text. Phone numbers come from
Google's `phonenumbers` library (validated numbers only, in a configurable default region).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
import yaml

from nerkit.errors import NerkitError
from nerkit.files import file_format


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Recognizer:
    """A label and a function that finds it in text. `structured` recognizers match exact formats
    (an email address is an email address) and win over overlapping model entities."""

    label: str
    find: Callable[[str], Iterator[tuple[int, int]]]
    structured: bool = True

    def __call__(self, text: str) -> Iterator[Match]:
        for start, end in self.find(text):
            yield Match(start, end, self.label)


def _regex(pattern: str, flags: int = 0, check: Callable[[str], bool] | None = None):
    compiled = re.compile(pattern, flags)

    def find(text: str) -> Iterator[tuple[int, int]]:
        for match in compiled.finditer(text):
            if match.end() > match.start() and (check is None or check(match.group())):
                yield match.span()

    return find


_EMAIL = (
    r"(?<![\w.+\-@])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]*[A-Za-z0-9_%+\-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w\-@])"
)
_URL = r"\b(?:https?://|ftp://|www\.)[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]}]"
_IPV4 = r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?!\w|\.\d)"
_IPV6 = (
    r"(?<![\w:])(?=[0-9A-Fa-f:]*::|(?:[0-9A-Fa-f]{1,4}:){7})(?=[0-9A-Fa-f:]*[0-9A-Fa-f])"
    r"[0-9A-Fa-f:]{2,39}(?:/\d{1,3})?(?![\w:])"
)


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_interface(text) if "/" in text else ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _valid_email(text: str) -> bool:
    return ".." not in text


_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_AMOUNT = (
    r"\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d{1,2})?"  # Indian grouping: 3,10,000
    r"|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?"  # 12.000,00
    r"|\d{1,3}(?:'\d{3})+(?:\.(?:\d{1,2}|[-\u2013]{1,2}))?"  # 1'200.-
    r"|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d{1,2})?"  # 1 200,00
    r"|\d+,\d{2}(?!\d)(?:[ \u00a0]?[-\u2013])?"  # 50,00
    rf"|{_NUMBER}"
)
"""An amount as it is written in many locales; `values` reads which separator is which."""
_SCALE = r"(?:\s?(?:thousand|million|billion|trillion|bn|mn|crore|lakh|[kKmMbB])\b)?"
_CURRENCY_SYMBOL = r"(?:US\$|A\$|C\$|HK\$|NZ\$|S\$|R\$|Rs\.?|[$€£¥₹₩₽₺₦₱฿₴])"
_CURRENCY_CODE = (
    r"(?:USD|EUR|GBP|JPY|CHF|CNY|INR|CAD|AUD|NZD|SGD|HKD|SEK|NOK|DKK|PLN|CZK|HUF|BRL|MXN|ZAR|KES|NGN|AED"
    r"|SAR|TRY|RUB|KRW)"
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
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[5-9]|20)\d\d"
_CLOCK = (
    r"(?:(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s?[aApP](?:\.[mM]\.|[mM]))?"
    r"|(?:1[0-2]|0?[1-9])\s?[aApP](?:\.[mM]\.|[mM])(?!\w)|noon|midnight)"
)
_DATE = (
    rf"(?:{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?Z?)?"
    rf"|(?:0?[1-9]|[12]\d|3[01])[/.](?:0?[1-9]|1[0-2])[/.](?:{_YEAR}|\d\d)(?!\d)"
    rf"|(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/(?:{_YEAR}|\d\d)(?!\d)"
    rf"|(?:{_WEEKDAY},?\s)?{_DAY}(?:\sof)?\s{_MONTH}(?:,?\s{_YEAR})?"
    rf"|(?:{_WEEKDAY},?\s)?{_MONTH}\s{_DAY}(?:,?\s{_YEAR})?(?!\d)"
    rf"|{_MONTH}\s{_YEAR}"
    rf"|(?:(?:next|last|this|coming)\s)?{_WEEKDAY}(?:\s(?:morning|afternoon|evening|night))?"
    r"|(?:next|last|this)\s(?:week|month|year|weekend)"
    r"|today|tomorrow|yesterday|tonight)"
)
DATE_PATTERN = (
    rf"(?<![\w/.:-])(?:{_DATE}(?:,?\s(?:at\s)?{_CLOCK})?|{_CLOCK}(?:\s(?:on\s)?{_DATE})?)"
    r"(?![\w/:-]|\.\d)"
)

_DEGREE_ABBREVIATIONS = (
    r"B\.\s?Sc\.|BSc|B\.S\.|B\.A\.|M\.\s?Sc\.|MSc|M\.S\.|M\.A\.|MBA|M\.B\.A\.|Ph\.\s?D\.|PhD|DPhil|D\.Phil\."
    r"|M\.D\.|LL\.B\.|LL\.M\.|LLB|LLM|J\.D\.|B\.Eng\.|M\.Eng\.|BEng|MEng|MPhil|M\.Phil\.|Ed\.D\.|EdD"
    r"|D\.D\.S\.|DDS|Pharm\.D\.|PharmD|B\.Ed\.|M\.Ed\.|BBA|B\.B\.A\.|MFA|M\.F\.A\.|BFA|M\.P\.H\."
)
_FIELD = r"(?:[A-Z][a-z]+|and|of|&)(?:\s(?:[A-Z][a-z]+|and|of|&))*(?<!\sand)(?<!\sof)(?<!\s&)"
_DEGREE_NAME = (
    r"(?:Bachelor|Master|Doctor)(?:'s|\u2019s)?\s(?:of|in)\s(?:Science|Arts|Business\sAdministration|Engineering"
    r"|Laws|Philosophy|Education|Fine\sArts|Medicine|Public\sHealth|Public\sAdministration|Technology"
    r"|Computer\sScience|Nursing|Music|Architecture|Divinity|Dental\sSurgery|Pharmacy)"
    r"|(?:[Bb]achelor|[Mm]aster)(?:'s|\u2019s)\sdegree|[Dd]octorate"
)
_DEGREE = rf"(?<![\w.])(?:{_DEGREE_ABBREVIATIONS}|{_DEGREE_NAME})(?:\s(?:in|of)\s{_FIELD})?(?!\w)"


def _phone_numbers(region: str) -> Callable[[str], Iterator[tuple[int, int]]]:
    def find(text: str) -> Iterator[tuple[int, int]]:
        matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
        for match in matcher:
            yield match.start, match.end

    return find


def builtin_recognizers(phone_region: str = "US") -> list[Recognizer]:
    """The recognizers nerkit ships. `phone_region` is where numbers without a +country code are
    assumed to be (ISO 3166 code, e.g. US, GB, DE)."""
    return [
        Recognizer("EMAIL", _regex(_EMAIL, check=_valid_email)),
        Recognizer("URL", _regex(_URL, re.IGNORECASE)),
        Recognizer("IP_ADDRESS", _regex(f"{_IPV4}|{_IPV6}", check=_valid_ip)),
        Recognizer("PHONE_NUMBER", _phone_numbers(phone_region)),
        Recognizer("MONEY", _regex(_MONEY)),
        Recognizer("PERCENT", _regex(_PERCENT, re.IGNORECASE)),
        Recognizer("DEGREE", _regex(_DEGREE)),
        Recognizer("DATE_TIME", _regex(DATE_PATTERN), structured=False),
    ]


def recognizers(
    builtin: bool = True, phone_region: str = "US", rules: str | Path | None = None
) -> list[Recognizer]:
    """The recognizers an extraction runs: the built-in ones (unless `builtin` is off), then the user
    rules in the file `rules` (see `load_recognizers`). The CLI and every Ray actor build them here."""
    found = builtin_recognizers(phone_region) if builtin else []
    return found + (load_recognizers(rules) if rules else [])


def _phrases(phrases: Sequence[str], ignore_case: bool) -> Callable[[str], Iterator[tuple[int, int]]]:
    alternatives = "|".join(re.escape(phrase) for phrase in sorted(set(phrases), key=len, reverse=True))
    return _regex(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE if ignore_case else 0)


def load_recognizers(path: str | Path) -> list[Recognizer]:
    """User rules, like spaCy's EntityRuler, from YAML or JSON: a list of
    `{label, pattern}` (a regular expression) or `{label, phrases: [...]}`, optionally `ignore_case`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        rules = yaml.safe_load(text) if file_format(path) == "yaml" else json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        raise NerkitError("E050", f"cannot read patterns: {str(error).splitlines()[0]}", path=path) from None
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


def find_all(text: str, recognizers: Iterable[Recognizer]) -> list[tuple[Match, bool]]:
    """Every match of every recognizer, with whether it came from a structured recognizer."""
    return [(match, recognizer.structured) for recognizer in recognizers for match in recognizer(text)]
