import pytest

from orthoregen.web.parsing import parse_id


@pytest.mark.parametrize("text, expected", [
    ("42", 42), ("007", 7), ("9" * 18, int("9" * 18)),
    ("", None), (None, None), ("²", None), ("٣", None), ("4²", None), ("-1", None),
    (" 4", None), ("4\x00", None), ("1" * 19, None), ("1e3", None), ("１２", None),
])
def test_an_id_is_ascii_digits_that_fit_a_key(text, expected):
    assert parse_id(text) == expected
