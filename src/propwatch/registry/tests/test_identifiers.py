"""Credit codes and phone numbers against the examples in ../shared/reference/identifiers.md."""

import pytest

from propwatch.registry import credit_code, phone_numbers

VALID = ["91350100M000100Y43", "91310110666007217T", "91330101589882738D", "914403001922038216",
         "9144030071526726XG"]


@pytest.mark.parametrize("code", VALID)
def test_reference_examples_are_valid(code):
    assert credit_code.validate(code).ok


def test_input_is_trimmed_and_upper_cased():
    result = credit_code.validate("  91350100m000100y43 ")
    assert result.ok and result.code == "91350100M000100Y43"


def test_early_pilot_code_fails_only_the_check_and_says_so():
    result = credit_code.validate("91350100M0001TGQXM")
    assert not result.ok and result.check_failed
    assert "校验位" in result.error and "第 18 位" in result.error


@pytest.mark.parametrize(("code", "bad"), [("91350100M00010OY43", "O"), ("9135010IM000100Y43", "I"),
                                            ("91350100M00010SY43", "S")])
def test_lookalike_letters_are_named(code, bad):
    result = credit_code.validate(code)
    assert not result.ok and not result.check_failed
    assert f"“{bad}”" in result.error


def test_wrong_length_names_the_length():
    assert "当前为 17 位" in credit_code.validate("91350100M000100Y4").error


def test_empty_code_is_refused():
    assert credit_code.validate("").error == "请填写统一社会信用代码"


def test_registrar_must_be_a_division_code():
    code = credit_code.make("91AB0100", "M000100Y4")
    assert "第 3–8 位" in credit_code.validate(code).error


def test_make_builds_codes_that_pass():
    assert credit_code.validate(credit_code.make("91420502", "MA4A8C1X3")).ok


@pytest.mark.parametrize(("raw", "clean"), [("+86 138-1234-1234", "13812341234"), ("8613812341234", "13812341234"),
                                             ("0717-6221234", "0717-6221234"), ("07176221234", "0717-6221234")])
def test_phone_numbers_are_normalised(raw, clean):
    assert phone_numbers.validate(raw) == (clean, "")


@pytest.mark.parametrize("raw", ["12812341234", "1381234123", "abc", ""])
def test_bad_phone_numbers_are_refused(raw):
    assert phone_numbers.validate(raw)[1]


def test_mobile_is_masked():
    assert phone_numbers.mask("13812341234") == "138****1234"
