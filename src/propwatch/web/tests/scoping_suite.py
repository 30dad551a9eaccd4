"""The territory promise, as a suite every scoped model inherits (the NetBox pattern).

A test class mixes in `ScopingSuite`, names its pages and API endpoint, and says how to make one
object in a given county. The suite then checks, for a 西陵区 (420502) housing user and an object
in 伍家岗区 (420503):

- detail, edit (GET and POST), API detail and API update answer 404, as for a missing row, and
  nothing is changed;
- the list page, the XLSX export and the API list leave the object out while still showing the
  user's own 西陵区 object (so an empty or broken list cannot pass);
- the 伍家岗区 user, for whom the object is in scope, sees it everywhere and can change it with the
  very same payloads (so the 404s above come from the scope, not from a bad request).

The outsider is a county housing worker on purpose: that role may edit the registry, so a 404 can
only come from the scope, never from the role check (403).

The helpers at the bottom (`xlsx_cells`, `select_options`) are shared by the other scoping tests.
"""

import abc
import io
import re
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook

XILING, WUJIAGANG = "420502", "420503"


class ScopingSuite(abc.ABC):
    """Mix into a `Test…` class and fill in the hooks below."""

    # URL names; the detail and edit views take `pk`.
    list_url: str
    detail_url: str
    edit_url: str
    # DRF router basename: `<basename>-list` and `<basename>-detail`.
    api_basename: str

    @abc.abstractmethod
    def make(self, county: str, name: str):
        """Create and return an object of the model that lies in `county` (a county code)."""

    @abc.abstractmethod
    def edit_form_data(self, obj, name: str) -> dict:
        """A valid POST body for the edit page that renames `obj` to `name`."""

    def link(self, obj) -> str:
        """How a list row links to the object: present exactly when the row is shown."""
        return f'href="{reverse(self.detail_url, args=[obj.pk])}"'

    def reload_name(self, obj) -> str:
        obj.refresh_from_db()
        return obj.name

    # ---- fixtures ------------------------------------------------------------------------------

    @pytest.fixture
    def foreign(self, yichang):
        """The object under test: in 伍家岗区, out of 西陵区's scope."""
        return self.make(WUJIAGANG, "伍家岗界内测试对象")

    @pytest.fixture
    def own(self, yichang):
        """A 西陵区 object, so the outsider's lists are never empty."""
        return self.make(XILING, "西陵界内测试对象")

    @pytest.fixture
    def outsider(self, client_for, xiling_housing_staff):
        return client_for(xiling_housing_staff)

    @pytest.fixture
    def insider(self, client_for, wujiagang_housing_staff):
        return client_for(wujiagang_housing_staff)

    # ---- pages ---------------------------------------------------------------------------------

    def test_detail_is_404_for_another_county(self, outsider, foreign):
        response = outsider.get(reverse(self.detail_url, args=[foreign.pk]))

        assert response.status_code == 404
        assert foreign.name not in response.content.decode()

    def test_detail_out_of_scope_looks_like_missing(self, outsider, foreign):
        # Given an object in another county and a primary key that does not exist
        missing_pk = foreign.pk + 10_000

        # When the outsider opens both
        out_of_scope = outsider.get(reverse(self.detail_url, args=[foreign.pk]))
        missing = outsider.get(reverse(self.detail_url, args=[missing_pk]))

        # Then it cannot tell them apart
        assert out_of_scope.status_code == missing.status_code == 404
        assert _comparable(out_of_scope) == _comparable(missing)

    def test_edit_page_is_404_for_another_county(self, outsider, foreign):
        assert outsider.get(reverse(self.edit_url, args=[foreign.pk])).status_code == 404

    def test_edit_post_is_404_and_changes_nothing(self, outsider, foreign):
        original = foreign.name

        response = outsider.post(reverse(self.edit_url, args=[foreign.pk]),
                                 self.edit_form_data(foreign, "西陵改写的名称"))

        assert response.status_code == 404
        assert self.reload_name(foreign) == original

    def test_list_page_leaves_it_out(self, outsider, own, foreign):
        html = outsider.get(reverse(self.list_url)).content.decode()

        assert own.name in html and self.link(own) in html
        assert foreign.name not in html and self.link(foreign) not in html

    def test_list_page_search_by_name_finds_nothing(self, outsider, own, foreign):
        # Searching for the exact name must not reach around the scope either. The search box
        # echoes the query, so the row is looked for by its link.
        found_own = outsider.get(reverse(self.list_url), {"q": own.name}).content.decode()
        found_foreign = outsider.get(reverse(self.list_url), {"q": foreign.name}).content.decode()

        assert self.link(own) in found_own
        assert self.link(foreign) not in found_foreign

    def test_export_leaves_it_out(self, outsider, own, foreign):
        response = outsider.get(reverse(self.list_url), {"export": "xlsx"})

        assert response.status_code == 200
        cells = xlsx_cells(response)
        assert own.name in cells
        assert foreign.name not in cells

    # ---- API -----------------------------------------------------------------------------------

    def test_api_detail_is_404(self, outsider, foreign):
        response = outsider.get(reverse(f"{self.api_basename}-detail", args=[foreign.pk]))

        assert response.status_code == 404
        assert foreign.name not in response.content.decode()

    @pytest.mark.parametrize("method", ["patch", "put"])
    def test_api_update_is_404_and_changes_nothing(self, outsider, foreign, method):
        original = foreign.name
        url = reverse(f"{self.api_basename}-detail", args=[foreign.pk])

        response = getattr(outsider, method)(url, {"name": "西陵改写的名称"}, content_type="application/json")

        assert response.status_code == 404
        assert self.reload_name(foreign) == original

    def test_api_list_leaves_it_out(self, outsider, own, foreign):
        response = outsider.get(reverse(f"{self.api_basename}-list"))

        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["results"]}
        assert own.pk in ids
        assert foreign.pk not in ids

    def test_api_list_filtered_to_the_other_county_is_refused_or_empty(self, outsider, own, foreign):
        # Asking for 伍家岗区 explicitly must not widen the scope: either the filter is refused
        # (the county is not a choice for this user) or nothing comes back.
        response = outsider.get(reverse(f"{self.api_basename}-list"), {"county": WUJIAGANG})

        if response.status_code == 200:
            assert foreign.pk not in {row["id"] for row in response.json()["results"]}
        else:
            assert response.status_code == 400

    # ---- the in-scope user sees and changes it ------------------------------------------------

    def test_in_scope_user_sees_it_everywhere(self, insider, own, foreign):
        detail = insider.get(reverse(self.detail_url, args=[foreign.pk]))
        listing = insider.get(reverse(self.list_url)).content.decode()
        export = xlsx_cells(insider.get(reverse(self.list_url), {"export": "xlsx"}))
        api_list = insider.get(reverse(f"{self.api_basename}-list")).json()["results"]
        api_detail = insider.get(reverse(f"{self.api_basename}-detail", args=[foreign.pk]))

        assert detail.status_code == 200 and foreign.name in detail.content.decode()
        assert foreign.name in listing
        assert foreign.name in export
        assert foreign.pk in {row["id"] for row in api_list}
        assert api_detail.status_code == 200 and api_detail.json()["name"] == foreign.name

    def test_in_scope_user_can_edit_with_the_same_form_data(self, insider, foreign):
        assert insider.get(reverse(self.edit_url, args=[foreign.pk])).status_code == 200

        response = insider.post(reverse(self.edit_url, args=[foreign.pk]),
                                self.edit_form_data(foreign, "伍家岗改写的名称"))

        assert response.status_code == 302, _form_errors(response)
        assert self.reload_name(foreign) == "伍家岗改写的名称"

    def test_in_scope_user_can_patch_over_the_api(self, insider, foreign):
        url = reverse(f"{self.api_basename}-detail", args=[foreign.pk])

        response = insider.patch(url, {"name": "伍家岗改写的名称"}, content_type="application/json")

        assert response.status_code == 200, response.content
        assert self.reload_name(foreign) == "伍家岗改写的名称"


# ---- helpers shared by the scoping tests ------------------------------------------------------

def xlsx_cells(response) -> set[str]:
    """Every non-empty cell of every sheet of an XLSX download, as text."""
    assert response["Content-Type"].startswith("application/vnd.openxmlformats"), response["Content-Type"]
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return {str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
            for value in row if value not in (None, "")}


def xlsx_column(response, header: str) -> list:
    """The values under `header` in the first sheet of an XLSX download, top to bottom."""
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0].iter_rows(values_only=True))
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


_SELECT = r'<select name="{name}"[^>]*>(.*?)</select>'
_OPTION = re.compile(r'<option value="([^"]*)"[^>]*>(.*?)</option>', re.S)


def select_options(html: str, name: str) -> dict[str, str]:
    """{value: label} of the options of the `<select name=…>` on a page (without the empty one)."""
    match = re.search(_SELECT.format(name=re.escape(name)), html, re.S)
    assert match, f"no <select name={name!r}> on the page"
    return {unescape(v): unescape(label).strip() for v, label in _OPTION.findall(match.group(1)) if v}


_PER_RESPONSE = re.compile(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"')


def _comparable(response) -> str:
    """The page without what legitimately differs between two responses: its path, tokens, nonces."""
    return _PER_RESPONSE.sub("", response.content.decode()).replace(response.wsgi_request.path, "<path>")


def _form_errors(response) -> str:
    context = getattr(response, "context", None)
    form = context.get("form") if context else None
    return form.errors.as_text() if form is not None else f"status {response.status_code}"
