"""Yichang's territory against ../shared/reference/divisions.md, and loading it twice."""

import re

from django.core.management import call_command

from propwatch.regions.models import Level, Region
from propwatch.regions.services import load_yichang

# Copied from divisions.md by hand, not from data.py: this is what the loader must reproduce.
COUNTIES = {
    "420502": "西陵区", "420503": "伍家岗区", "420504": "点军区", "420505": "猇亭区", "420506": "夷陵区",
    "420525": "远安县", "420526": "兴山县", "420527": "秭归县", "420528": "长阳土家族自治县",
    "420529": "五峰土家族自治县", "420581": "宜都市", "420582": "当阳市", "420583": "枝江市",
}
STREETS = {
    "420502001": "西陵街道", "420502002": "学院街道", "420502003": "云集街道", "420502004": "西坝街道",
    "420502005": "葛洲坝街道", "420502006": "夜明珠街道", "420502007": "东苑街道", "420502008": "南苑街道",
    "420502009": "北苑街道", "420502010": "窑湾街道",
    "420503001": "大公桥街道", "420503002": "万寿桥街道", "420503003": "宝塔河街道", "420503004": "伍家岗街道",
    "420503201": "伍家乡",
    "420504001": "点军街道", "420504101": "艾家镇", "420504102": "桥边镇",
    "420505001": "古老背街道", "420505002": "虎牙街道", "420505003": "云池街道",
    "420506001": "小溪塔街道", "420506107": "龙泉镇", "420506401": "三峡坝区",
    "420581001": "陆城街道", "420582001": "玉阳街道", "420582002": "坝陵街道", "420582003": "玉泉街道",
    "420583001": "马家店街道", "420583102": "白洋镇", "420525101": "鸣凤镇", "420526101": "古夫镇",
    "420527101": "茅坪镇", "420528101": "龙舟坪镇", "420529111": "渔洋关镇",
}


def counts() -> dict[str, int]:
    return {level: Region.objects.filter(level=level).count() for level in Level.values}


def test_loading_twice_gives_the_same_tree(yichang):
    first = counts()
    communities = list(Region.objects.filter(level=Level.COMMUNITY).order_by("code").values_list("code", "name"))
    load_yichang()
    call_command("load_regions")
    assert counts() == first
    assert list(Region.objects.filter(level=Level.COMMUNITY).order_by("code").values_list("code", "name")) == communities


def test_the_city_is_the_single_root(yichang):
    [city] = Region.objects.filter(parent=None)
    assert (city.code, city.name, city.level, city.path, city.is_official) == (
        "420500", "宜昌市", Level.CITY, "/420500/", True)


def test_the_thirteen_official_county_level_codes_exactly(yichang):
    official = dict(Region.objects.filter(level=Level.COUNTY, is_official=True).values_list("code", "name"))
    assert official == COUNTIES
    assert all(r.parent == yichang for r in Region.objects.filter(level=Level.COUNTY))


def test_the_high_tech_zone_is_a_fourteenth_unit_with_a_non_official_code(yichang):
    zone = Region.objects.get(name="宜昌高新区")
    assert (zone.code, zone.level, zone.is_official, zone.parent) == ("GX4205", Level.COUNTY, False, yichang)
    assert Region.objects.filter(level=Level.COUNTY).count() == 14
    # Its internal code can never be mistaken for a GB/T 2260 code.
    assert not zone.code.isdigit()
    assert not Region.objects.filter(path__startswith=zone.path).exclude(pk=zone.pk).filter(is_official=True).exists()


def test_every_listed_street_and_town_has_its_nine_digit_code(yichang):
    streets = dict(Region.objects.filter(level=Level.STREET, code__in=STREETS).values_list("code", "name"))
    assert streets == STREETS
    for street in Region.objects.filter(code__in=STREETS).select_related("parent"):
        assert re.fullmatch(r"\d{9}", street.code)
        assert street.parent.code == street.code[:6] and street.parent.level == Level.COUNTY
        assert street.is_official and not street.is_invented
        assert street.path == f"/420500/{street.parent.code}/{street.code}/"


def test_no_unlisted_street_claims_an_official_code(yichang):
    unlisted = Region.objects.filter(level=Level.STREET).exclude(code__in=STREETS)
    assert unlisted.exists()  # the high-tech zone's parks
    assert all(s.is_invented and not s.is_official for s in unlisted)
    assert all(s.code.startswith("GX4205") for s in unlisted)


def test_every_community_is_invented_and_coded_under_its_street(yichang):
    communities = Region.objects.filter(level=Level.COMMUNITY).select_related("parent")
    assert communities.count() > 100
    for c in communities:
        assert c.is_invented, c
        assert c.parent.level == Level.STREET
        assert len(c.code) == 12 and c.code.startswith(c.parent.code) and c.code[9:].isdigit()
        assert c.path == f"{c.parent.path}{c.code}/" and c.name.endswith("社区")
        if c.parent.is_official:
            assert re.fullmatch(r"\d{12}", c.code)
    # Every street has at least one community to place projects in.
    assert not Region.objects.filter(level=Level.STREET, children__isnull=True).exists()


def test_a_subtree_is_found_by_its_path(yichang):
    xiling = Region.objects.get(code="420502")
    below = Region.objects.within(xiling).exclude(pk=xiling.pk)
    assert set(below.filter(level=Level.STREET).values_list("code", flat=True)) == {
        code for code in STREETS if code.startswith("420502")}
    assert all(r.path.startswith("/420500/420502/") for r in below)
    community = below.filter(level=Level.COMMUNITY).first()
    assert community.county() == xiling
    assert community.full_name().startswith("宜昌市 / 西陵区 / ")
