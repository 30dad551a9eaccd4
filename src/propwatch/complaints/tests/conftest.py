"""Fixtures every complaint test shares."""

import pytest

from .factories import files_in, use_stub_classifier, xiling_project


@pytest.fixture(autouse=True)
def _stubbed_classifier_and_tmp_files(monkeypatch, settings, tmp_path):
    """Services classify with the fixed stub (tests know its answer); uploads go to a temp folder."""
    use_stub_classifier(monkeypatch)
    files_in(settings, tmp_path)


@pytest.fixture
def project(company_user):
    """The company's project in 西陵区."""
    return xiling_project(company_user)
