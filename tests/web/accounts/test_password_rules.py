"""Password rules: Django's validators as configured, and the repeated/sequential one.

NIST SP 800-63B 5.1.1.2: at least 8 characters (we ask 12), refuse passwords on a list of
common ones, and "repetitive or sequential characters (e.g. 'aaaaaa', '1234abcd')".
"""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.validators import (
    RepetitiveOrSequentialValidator,
    is_repeated_pattern,
    runs,
)


def refusal_codes(password: str, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


@pytest.mark.parametrize("password, code", [
    ("short-pass1", "password_too_short"),           # 11 characters
    ("password1234", "password_too_common"),         # on Django's common-password list
    ("739184625073", "password_entirely_numeric"),
    ("aaaaaaaaaaaa", "password_repetitive_or_sequential"),
    ("123456789012", "password_repetitive_or_sequential"),
    ("abcdefghijkl", "password_repetitive_or_sequential"),
    ("zyxwvutsrqpo", "password_repetitive_or_sequential"),
    ("1234abcd5678", "password_repetitive_or_sequential"),
    ("abababababab", "password_repetitive_or_sequential"),
])
def test_each_rule_refuses_its_password(password, code):
    assert code in refusal_codes(password)


def test_a_password_like_the_user_name_is_refused(db):
    user = User(username="amara.okafor", first_name="Amara", last_name="Okafor")
    assert "password_too_similar" in refusal_codes("amara.okafor1", user)


@pytest.mark.parametrize("password", ["correct-horse-battery", "demo-orthoregen",
                                      "ward-123-tulip-oak", "Kp9#mQ2$vL7!xw"])
def test_ordinary_good_passwords_pass(password):
    assert refusal_codes(password) == set()


def test_exactly_twelve_characters_is_long_enough():
    assert "password_too_short" not in refusal_codes("Kp9#mQ2$vL7!")


@pytest.mark.parametrize("text, expected", [
    ("aaaa", ["aaaa"]),
    ("abcd4321", ["abcd", "4321"]),
    ("123456789012", ["123456789", "012"]),
    ("a-b", ["a", "-", "b"]),
    ("abba", ["ab", "ba"]),
    ("", []),
])
def test_runs_split_text_into_repeats_and_steps(text, expected):
    assert runs(text) == expected


@pytest.mark.parametrize("text, expected", [("ababab", True), ("xyzxyzxyz", True),
                                            ("xyzxyzxy", False), ("abcabd", False)])
def test_a_repeated_pattern_is_one_piece_three_times(text, expected):
    assert is_repeated_pattern(text) is expected


def test_the_run_length_is_configurable():
    strict = RepetitiveOrSequentialValidator(min_run_length=2)
    with pytest.raises(ValidationError):
        strict.validate("abxyqr01mnst")  # six runs of two
    RepetitiveOrSequentialValidator().validate("abxyqr01mnst")


def test_the_help_text_names_the_rule():
    assert "repeated or sequential" in RepetitiveOrSequentialValidator().get_help_text()
