import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from orthoregen.products.isbt128 import (
    CHECK_ALPHABET,
    DonationIdentificationNumber,
    IdentifierError,
    IdentifierProblem,
    LocalId,
    check_character,
    parse_din,
    parse_unit_identifier,
    type3_flags,
)

# Published check characters, each row citing ICCBBA ST-001 v6.2.2 (Appendix A, C, section 7,
# figures), the UK Red Book Annex 2 or a published implementation's test vectors.
PUBLISHED_K = [
    ("G123417654321", "A"),  # ST-001 Appendix A.1 (checksum 10, flags 70)
    ("G123498654321", "H"),  # UK Red Book Annex 2 (checksum 17, flags 77)
    ("G123489654321", "Y"),  # python-stdnum docstring; jembi/bsis tests
    ("A999915000001", "M"),  # ST-001 Appendix C human-milk label
    ("A999818123456", "N"),  # ST-001 7.5.1.1 boxed-K example
    ("A999820123456", "E"),  # ST-001 Appendix C blood label
    ("A999917123456", "9"),  # ST-001 Fig. 21 tissue label
    ("A999917123654", "Y"),  # ST-001 Fig. 21 tissue label 4
    ("A999917345628", "*"),  # ST-001 Fig. 22 ocular label (asterisk case)
    ("A999917345658", "O"),  # ST-001 Fig. 22 ocular label
    ("A999918000001", "8"),  # ST-001 Appendix C human-milk label
    ("W000009123456", "G"),  # ST-001 7.4 flag display example
    ("A999921123456", "3"),  # ST-001 Figure 2 (flags 01, K 3)
]


@pytest.mark.parametrize(("din", "k"), PUBLISHED_K)
def test_check_character_matches_published_examples(din, k):
    assert check_character(din) == k
    assert DonationIdentificationNumber.from_din(din).check_character == k


@pytest.mark.parametrize(("din", "flags"), [("G123417654321", "70"), ("G123498654321", "77")])
def test_type3_flags_match_published_examples(din, flags):
    # ST-001 Appendix A.2 (flags 70) and UK Red Book Annex 2 (bar-code flags 77).
    assert type3_flags(din) == flags


@pytest.mark.parametrize(("din", "k"), PUBLISHED_K)
def test_typed_din_with_its_published_k_is_accepted(din, k):
    assert parse_din(din + k).din == din


def test_scanned_appendix_a_bar_code_is_accepted():
    # ST-001 Appendix A.2: bar code data =G12341765432170.
    assert parse_din("=G12341765432170") == DonationIdentificationNumber("G1234", "17", "654321")


@pytest.mark.parametrize(
    "text",
    [
        "=G12341765432170",
        "=G123417654321",  # flags left off
        "=G12341765432100",  # default flags
        "]C0=G12341765432170\r\n",  # AIM symbology identifier and CR/LF from a scanner
        "g1234 17 654321 a",  # eye-readable form typed in lower case
        "G1234 17 654321 70 A",  # flags typed between DIN and K
        "  G123417654321A  ",
    ],
)
def test_scanner_and_keyboard_variants_are_tolerated(text):
    assert parse_din(text).din == "G123417654321"


@pytest.mark.parametrize(
    ("text", "problem", "message"),
    [
        # The check refusals say what is wrong, never the expected K or flags (ST-001 7.4.1).
        ("G123417654321B", IdentifierProblem.WRONG_CHECK_CHARACTER, "does not match G1234"),
        ("g1234 17 654321 b", IdentifierProblem.WRONG_CHECK_CHARACTER, "re-type the whole"),
        ("G123417654321", IdentifierProblem.MISSING_CHECK_CHARACTER, "no check character"),
        ("=G12341765432171", IdentifierProblem.WRONG_FLAG_CHECK, "flag check does not match"),
        ("G1234 17 654321 71 A", IdentifierProblem.WRONG_FLAG_CHECK, "re-scan or re-type"),
        ("=G1234176543217", IdentifierProblem.WRONG_LENGTH, "14 characters"),
        ("G12341765432", IdentifierProblem.WRONG_LENGTH, "12 characters"),
        ("O123417654321A", IdentifierProblem.BAD_CHARACTER, "character 1"),  # no O in FIN
        ("0123417654321A", IdentifierProblem.BAD_CHARACTER, "character 1"),  # no 0 in FIN
        ("GO23417654321A", IdentifierProblem.BAD_CHARACTER, "character 2"),
        ("G12A417654321A", IdentifierProblem.BAD_CHARACTER, "character 4"),
        ("G1234Y7654321A", IdentifierProblem.BAD_CHARACTER, "character 6"),
        ("=G123417654321IO", IdentifierProblem.BAD_CHARACTER, "flag characters"),
    ],
)
def test_bad_identifiers_are_refused_with_the_reason(text, problem, message):
    with pytest.raises(IdentifierError, match=message) as refused:
        parse_din(text)
    assert refused.value.problem is problem


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.sampled_from(CHECK_ALPHABET))
@example("17654321", "B")
def test_any_wrong_check_character_is_refused(digits, typed_k):
    din = "G1234" + digits
    if typed_k == check_character(din):
        assert parse_din(din + typed_k).din == din
    else:
        with pytest.raises(IdentifierError) as refused:
            parse_din(din + typed_k)
        assert refused.value.problem is IdentifierProblem.WRONG_CHECK_CHARACTER


@given(st.integers(0, 12), st.sampled_from("0123456789"))
def test_a_single_digit_typo_never_passes(position, replacement):
    # ISO/IEC 7064 Mod 37-2 detects every single-character substitution.
    din, k = "A999917123456", "9"
    typo = din[:position] + replacement + din[position + 1 :]
    if typo == din:
        return
    with pytest.raises(IdentifierError):
        parse_din(typo + k)


def test_eye_readable_form_groups_fin_year_sequence_then_k():
    # ST-001 7.4.1 / 7.5.1.1 example grouping "A9999 21 123456", K printed after (Figure 2: K 3).
    din = DonationIdentificationNumber.from_din("A999921123456")
    assert din.eye_readable == "A9999 21 123456 3"
    assert parse_din(din.eye_readable) == din


def test_bar_code_data_carries_data_identifier_and_default_flags_but_not_k():
    # ST-001 3.1: =αppppyynnnnnnff; K is not encoded in the bar code.
    assert DonationIdentificationNumber.from_din("W000009123456").barcode_data == "=W00000912345600"


def test_local_identifier_round_trips_with_its_check_character():
    local = LocalId("OR2026000123")
    assert local.eye_readable == f"LOC-OR2026000123-{check_character('OR2026000123')}"
    assert parse_unit_identifier(local.eye_readable.lower()) == local


def test_local_identifier_with_wrong_check_character_is_refused():
    good = LocalId("OR2026000123").check_character
    wrong = next(c for c in "AB" if c != good)
    with pytest.raises(IdentifierError, match="check character does not match") as refused:
        parse_unit_identifier(f"LOC-OR2026000123-{wrong}")
    assert refused.value.problem is IdentifierProblem.WRONG_CHECK_CHARACTER


@pytest.mark.parametrize("text", ["LOC-OR2026000123", "LOC--A", "LOC-TOO_LONG_BODY_12345-A"])
def test_malformed_local_identifiers_are_refused(text):
    with pytest.raises(IdentifierError):
        parse_unit_identifier(text)


def test_unit_identifier_without_local_prefix_is_read_as_a_din():
    assert parse_unit_identifier("=A99991712345600") == DonationIdentificationNumber.from_din(
        "A999917123456"
    )


def _tokens(message: str) -> set[str]:
    return set(re.findall(r"[A-Z0-9*]+", message.upper()))


def _refusal(text: str) -> IdentifierError:
    with pytest.raises(IdentifierError) as refused:
        parse_unit_identifier(text)
    return refused.value


_DIN_CHARACTERS = st.tuples(
    st.sampled_from("ABCDEFGHIJKLMNPQRSTUVWXYZ123456789"),
    st.text(alphabet="ABCDEFGHIJKLMNPQRSTUVWXYZ0123456789", min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=10, max_size=10),
).map("".join)


@given(_DIN_CHARACTERS, st.sampled_from(CHECK_ALPHABET), st.sampled_from(["typed", "eye"]))
@example("G123417654321", "B", "typed")  # ST-001 Appendix A.1: K is A
@example("A999917345628", "A", "eye")  # ST-001 Fig. 22: K is the asterisk
def test_no_check_refusal_reveals_the_expected_check_character(din, typed_k, form):
    # A refusal of a wrong or missing K, or of wrong Type 3 flags (60 + K's value), must not
    # show what K or the flags should be: the operator reads them from the label.
    expected_k, expected_flags = check_character(din), type3_flags(din)
    grouped = f"{din[:5]} {din[5:7]} {din[7:]}"
    wrong_flags = "60" if expected_flags != "60" else "61"
    attempts = [din if form == "typed" else grouped, f"={din}{wrong_flags}"]
    if typed_k != expected_k:
        attempts.append(f"{din}{typed_k}" if form == "typed" else f"{grouped} {typed_k}")
    for attempt in attempts:
        message = str(_refusal(attempt))
        assert "expected" not in message.lower()
        assert expected_k not in _tokens(message), message
        assert expected_flags not in _tokens(message), message
        assert din + expected_k not in message.replace(" ", "")


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=16))
@example("P")
def test_no_local_identifier_refusal_reveals_its_check_character(body):
    expected_k = check_character(body)
    wrong_k = next(c for c in "AB" if c != expected_k)
    message = str(_refusal(f"LOC-{body}-{wrong_k}"))
    assert "expected" not in message.lower()
    # The body is echoed as typed; a one-character body may happen to equal its own K.
    assert expected_k not in _tokens(message) - {body}, message


def test_printed_form_without_k_leaves_only_k_out():
    din = DonationIdentificationNumber.from_din("A999921123456")
    assert din.eye_readable_without_k == "A9999 21 123456"  # ST-001 Figure 2, K 3 left off
    assert LocalId("OR1").eye_readable_without_k == "LOC-OR1"
