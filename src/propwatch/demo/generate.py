"""Bulk data for the demo and for province-scale benchmarks.

This is the one place that writes domain rows without going through services: it makes
tens of thousands of rows in seconds with `bulk_create`. Every row is still valid by the
same rules (credit codes pass the check, contracts end after they start), and one audit row
records the load.
"""

import datetime
import random
from collections.abc import Iterator

from django.db import transaction

from propwatch.regions.models import Level, Region
from propwatch.regions.services import county_weights
from propwatch.registry import credit_code
from propwatch.registry.models import DISCLOSURE_FIELDS, Company, Project

from . import names

BATCH = 2000
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def person(rng: random.Random) -> str:
    return rng.choice(names.SURNAMES) + "".join(rng.choice(names.GIVEN) for _ in range(rng.choice([1, 2])))


def mobile(rng: random.Random) -> str:
    return rng.choice(["13", "15", "17", "18", "19"]) + f"{rng.randint(0, 999999999):09d}"


def _unique_names(rng: random.Random, count: int, make) -> Iterator[str]:
    seen: set[str] = set(Company.objects.values_list("name", flat=True))
    made = 0
    attempt = 0
    while made < count:
        attempt += 1
        name = make(attempt)
        if name in seen:
            continue
        seen.add(name)
        made += 1
        yield name


def company_rows(count: int, rng: random.Random, counties: list[Region]) -> list[Company]:
    taken = set(Company.objects.values_list("credit_code", flat=True))

    def make(attempt: int) -> str:
        base = rng.choice(names.COMPANY_PREFIXES) + rng.choice(names.COMPANY_CORES) + rng.choice(names.COMPANY_CORES)
        # Past the combinations of the word lists, a branch number keeps names unique at scale.
        tail = f"第{attempt // 2000}分" if attempt > 2000 else ""
        return base + tail + rng.choice(names.COMPANY_SUFFIXES)

    rows = []
    for name in _unique_names(rng, count, make):
        county = rng.choice(counties)
        official = county.is_official
        while True:
            org = "".join(rng.choice(_ORG_ALPHABET) for _ in range(9))
            code = credit_code.make("91" + (county.code if official else "420500"), org)
            if code not in taken:
                taken.add(code)
                break
        rows.append(Company(
            name=name, credit_code=code, legal_representative=person(rng),
            contact_phone=rng.choice([mobile(rng), f"0717-{rng.randint(6000000, 6999999)}"]),
            filing_no=f"YCWY-{rng.randint(2012, 2025)}-{rng.randint(1, 999):03d}" if rng.random() < 0.8 else "",
            address=f"宜昌市{county.name}{rng.choice(names.ROADS)}{rng.randint(1, 300)}号",
            region=county,
        ))
    return rows


def _disclosure(rng: random.Random, start: datetime.date, today: datetime.date) -> dict:
    """Most managed estates disclose most items; a third lack at least one (focus problem 5)."""
    level = rng.random()
    dates = {}
    for field in DISCLOSURE_FIELDS:
        if level < 0.35 and rng.random() < 0.45:
            dates[field] = None
        else:
            span = max((today - start).days, 1)
            dates[field] = start + datetime.timedelta(days=rng.randint(0, span))
    return dates


def project_rows(count: int, rng: random.Random, companies: list[Company], today: datetime.date) -> list[Project]:
    communities = list(Region.objects.filter(level=Level.COMMUNITY).order_by("path"))
    weights = county_weights()
    by_county: dict[str, list[Region]] = {}
    for c in communities:
        by_county.setdefault(c.path.strip("/").split("/")[1], []).append(c)
    county_codes = [code for code in weights if code in by_county]
    county_names = dict(Region.objects.filter(code__in=county_codes).values_list("code", "name"))
    next_seq = {}
    for code in county_codes:
        last = Project.objects.filter(code__startswith=f"{code}-").order_by("-code").values_list("code", flat=True).first()
        next_seq[code] = int(last.split("-")[1]) + 1 if last else 1
    rows = []
    for _ in range(count):
        county = rng.choices(county_codes, weights=[weights[c] for c in county_codes])[0]
        community = rng.choice(by_county[county])
        company = rng.choice(companies) if companies and rng.random() < 0.88 else None
        start = end = None
        if company:
            start = today - datetime.timedelta(days=rng.randint(60, 3650))
            roll = rng.random()
            if roll < 0.15:
                end = None
            elif roll < 0.22:  # expired contracts: the estate is no longer professionally managed
                end = today - datetime.timedelta(days=rng.randint(1, 400))
                end = max(end, start)
            else:
                end = today + datetime.timedelta(days=rng.randint(1, 1500))
        disclosure = _disclosure(rng, start, today) if start else dict.fromkeys(DISCLOSURE_FIELDS)
        complete = None if any(v is None for v in disclosure.values()) else max(disclosure.values())
        seq = next_seq[county]
        next_seq[county] += 1
        rows.append(Project(
            code=f"{county}-{seq:05d}",
            name=rng.choice(names.ESTATE_STEMS) + rng.choice(names.ESTATE_SUFFIXES),
            address=f"宜昌市{county_names[county]}{rng.choice(names.ROADS)}{rng.randint(1, 400)}号",
            community=community, company=company, contract_start=start, contract_end=end,
            households=rng.choice([rng.randint(40, 200), rng.randint(200, 800), rng.randint(800, 3000)]),
            disclosure_first_complete_on=complete, **disclosure,
        ))
    return rows


@transaction.atomic
def generate(*, companies: int, projects: int, seed: int = 2021, today: datetime.date | None = None) -> tuple[int, int]:
    """Add `companies` companies and `projects` projects spread over the loaded territory."""
    from django.utils import timezone

    today = today or timezone.localdate()
    rng = random.Random(seed)
    counties = list(Region.objects.filter(level=Level.COUNTY))
    if not counties:
        raise RuntimeError("区划尚未加载：请先运行 propwatch load_regions")
    new_companies = company_rows(companies, rng, counties)
    Company.objects.bulk_create(new_companies, batch_size=BATCH)
    pool = list(Company.objects.only("pk").order_by("pk"))
    made = 0
    while made < projects:
        chunk = min(BATCH * 5, projects - made)
        Project.objects.bulk_create(project_rows(chunk, rng, pool, today), batch_size=BATCH)
        made += chunk
    return len(new_companies), made
