"""Fixtures of the import tests: the named people of tests/web/conftest.py, and CSV text."""

import csv
import io

import pytest


def csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def make_csv():
    return csv_bytes
