"""Places known by name: cities, countries and business regions."""

import pytest

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
