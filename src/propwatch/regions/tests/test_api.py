"""The region tree over the API: reference data, the same for every signed-in user."""

import pytest

from propwatch.regions.models import Level, Region

OFFICIAL_COUNTIES = {
    "420502": "西陵区", "420503": "伍家岗区", "420504": "点军区", "420505": "猇亭区", "420506": "夷陵区",
    "420525": "远安县", "420526": "兴山县", "420527": "秭归县", "420528": "长阳土家族自治县",
    "420529": "五峰土家族自治县", "420581": "宜都市", "420582": "当阳市", "420583": "枝江市",
}


@pytest.fixture
def api(client_for, city_admin):
    return client_for(city_admin)


def test_county_level_lists_the_13_official_units_and_the_high_tech_zone(api):
    response = api.get("/api/v1/regions/", {"level": "county"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 14
    rows = {row["code"]: row for row in body["results"]}
    assert {code: row["name"] for code, row in rows.items() if row["is_official"]} == OFFICIAL_COUNTIES
    zone = rows["GX4205"]
    assert zone["name"] == "宜昌高新区" and zone["is_official"] is False
    assert {row["level"] for row in body["results"]} == {"county"}
    assert {row["parent"] for row in body["results"]} == {"420500"}


def test_children_of_a_county_and_a_whole_subtree(api):
    streets = api.get("/api/v1/regions/", {"parent": "420503"}).json()
    assert [r["name"] for r in streets["results"]] == ["大公桥街道", "万寿桥街道", "宝塔河街道", "伍家岗街道", "伍家乡"]

    subtree = api.get("/api/v1/regions/", {"within": "420503", "page_size": 500}).json()
    expected = Region.objects.filter(path__startswith="/420500/420503/").count()
    assert subtree["count"] == expected > 5
    assert all(r["code"].startswith("420503") for r in subtree["results"])

    assert api.get("/api/v1/regions/", {"within": "999999"}).json()["count"] == 0


def test_one_region_by_its_code(api):
    response = api.get("/api/v1/regions/420502001/")

    assert response.status_code == 200
    assert response.json() == {"code": "420502001", "name": "西陵街道", "level": "street", "parent": "420502",
                               "is_official": True, "is_invented": False}
    assert api.get("/api/v1/regions/000000/").status_code == 404


def test_invented_communities_say_so(api):
    communities = api.get("/api/v1/regions/", {"level": "community", "parent": "420502001"}).json()["results"]

    assert communities and all(c["is_invented"] for c in communities)


def test_an_unknown_level_is_refused_in_chinese(api):
    response = api.get("/api/v1/regions/", {"level": "province"})

    assert response.status_code == 400
    assert "选择一个有效的选项" in response.json()["level"][0]


def test_every_user_sees_the_same_tree(client_for, company_user, street_officer):
    # Regions are reference data, not scoped: a street office still picks codes across the city.
    for user in (company_user, street_officer):
        body = client_for(user).get("/api/v1/regions/", {"level": Level.COUNTY}).json()
        assert body["count"] == 14


def test_signed_out_callers_are_refused_in_chinese(client, yichang):
    response = client.get("/api/v1/regions/", {"level": "county"})

    assert response.status_code in (401, 403)
    assert response.json() == {"detail": "身份认证信息未提供。"}
