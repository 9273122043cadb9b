from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from orthoregen.products.isbt128_expiry import encode_expiration, parse_expiration

LONDON = ZoneInfo("Europe/London")


def test_figure_21_expiry_reads_as_29_january_2018_2359():
    # ST-001 v6.2.2 Fig. 21: 0180292359 printed beside "Expiry Date 29 JAN 2018"
    # (DS005, default time 2359; docs/standards.md#expiration-date-and-time).
    assert parse_expiration("&>0180292359", LONDON) == datetime(2018, 1, 29, 23, 59, tzinfo=LONDON)


def test_figure_21_expiry_encodes_back():
    assert encode_expiration(datetime(2018, 1, 29, 23, 59, tzinfo=LONDON), LONDON) == "&>0180292359"


def test_expiry_is_encoded_in_the_facility_local_time():
    # 31 Dec 2024 23:30 UTC is 1 Jan 2025 00:30 in Berlin: day 001 of 2025.
    at = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)
    assert encode_expiration(at, ZoneInfo("Europe/Berlin")) == "&>0250010030"


def test_leap_day_is_day_060():
    assert parse_expiration("0240601200", LONDON) == datetime(2024, 2, 29, 12, 0, tzinfo=LONDON)


@pytest.mark.parametrize("data", ["&>0233661200", "&>0180292400", "&>018029235", "=>0180292359"])
def test_impossible_or_malformed_expiry_is_refused(data):
    with pytest.raises(ValueError):
        parse_expiration(data, LONDON)
