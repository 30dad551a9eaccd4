"""Loading the territory. Idempotent: re-running updates names and adds what is missing."""

import random

from django.db import transaction

from . import data
from .models import Level, Region


def _upsert(code: str, name: str, level: str, parent: Region | None, order: int, **flags) -> Region:
    path = f"{parent.path if parent else '/'}{code}/"
    region, _ = Region.objects.update_or_create(
        code=code,
        defaults={"name": name, "level": level, "parent": parent, "path": path, "sort_order": order, **flags},
    )
    return region


def _communities_for(street: Region, rng: random.Random, urban: bool) -> list[tuple[str, str]]:
    count = rng.randint(5, 8) if urban else rng.randint(2, 3)
    stems = rng.sample(data.COMMUNITY_STEMS, count)
    return [(f"{street.code}{i + 1:03d}", f"{stem}社区") for i, stem in enumerate(stems)]


@transaction.atomic
def load_yichang(*, with_communities: bool = True) -> Region:
    """Load Yichang: the city, 13 county-level divisions, the high-tech zone, streets and towns,
    and (for the demo) invented communities. Safe to run again."""
    city = _upsert(data.CITY[0], data.CITY[1], Level.CITY, None, 0)
    counties = [(c, n, w, True) for c, n, w in data.COUNTIES]
    counties.append((*data.HIGH_TECH_ZONE, False))
    for order, (code, name, _weight, official) in enumerate(counties):
        county = _upsert(code, name, Level.COUNTY, city, order, is_official=official)
        streets = data.STREETS.get(code, data.HIGH_TECH_ZONE_UNITS)
        for s_order, (suffix, s_name) in enumerate(streets):
            street = _upsert(f"{code}{suffix}", s_name, Level.STREET, county, s_order,
                             is_official=official, is_invented=not official)
            if with_communities:
                # Seeded by the street code so every load invents the same communities.
                rng = random.Random(street.code)
                urban = suffix < "100" or not official
                for c_order, (c_code, c_name) in enumerate(_communities_for(street, rng, urban)):
                    _upsert(c_code, c_name, Level.COMMUNITY, street, c_order,
                            is_official=official, is_invented=True)
    return city


def county_weights() -> dict[str, int]:
    weights = {code: w for code, _n, w in data.COUNTIES}
    weights[data.HIGH_TECH_ZONE[0]] = data.HIGH_TECH_ZONE[2]
    return weights
