"""The portal answers 429 to an address or a link used too often in ten minutes.

Limits are ORTHOREGEN_PORTAL_LIMIT_PER_ADDRESS (300) and ORTHOREGEN_PORTAL_LIMIT_PER_LINK
(100) outside test mode; these tests set small ones.
"""

import datetime as dt

import pytest
from django.core.cache import cache

from orthoregen.web.audit.models import AccessRecord

pytestmark = pytest.mark.django_db
BUSY = "Please wait a few minutes"


@pytest.fixture
def limits(settings):
    cache.clear()
    settings.ORTHOREGEN_PORTAL_LIMIT_PER_LINK = 3
    settings.ORTHOREGEN_PORTAL_LIMIT_PER_ADDRESS = 5
    yield settings
    cache.clear()


def test_the_production_defaults(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORTHOREGEN_", "DJANGO_"))}
    code = ("from orthoregen.web import settings as s; "
            "print(s.ORTHOREGEN_PORTAL_LIMIT_PER_ADDRESS, s.ORTHOREGEN_PORTAL_LIMIT_PER_LINK)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**env, "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "a.example",
                                 "ORTHOREGEN_DATA_DIR": str(tmp_path)})
    assert result.stdout.split() == ["300", "100"]


def test_a_link_used_too_often_gets_a_friendly_429(client, limits, link_a):
    _, path = link_a
    for _ in range(3):
        assert client.get(path).status_code == 200
    response = client.get(path)
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert BUSY in response.content.decode()
    # The refused request reads nothing, so it writes no access record either.
    assert AccessRecord.objects.filter(detail__startswith="portal: questionnaire").count() == 3


def test_one_address_trying_many_links_is_stopped(client, limits, link_a):
    for attempt in range(5):
        assert client.get(f"/portal/q/guess-{attempt}/").status_code == 404
    assert client.get(link_a[1]).status_code == 429


def test_another_address_is_counted_apart(client, limits, link_a):
    for attempt in range(5):
        client.get(f"/portal/q/guess-{attempt}/")
    assert client.get(link_a[1], REMOTE_ADDR="198.51.100.7").status_code == 200


def test_the_results_page_is_limited_by_address(client, limits):
    for _ in range(5):
        assert client.get("/portal/results/").status_code == 404
    assert client.get("/portal/results/").status_code == 429


def test_the_counts_start_again_after_ten_minutes(client, limits, link_a, today):
    _, path = link_a
    for _ in range(4):
        client.get(path)
    today.shift(dt.timedelta(minutes=10))
    assert client.get(path).status_code == 200


def test_a_limit_of_zero_is_off(client, limits, link_a):
    limits.ORTHOREGEN_PORTAL_LIMIT_PER_LINK = 0
    limits.ORTHOREGEN_PORTAL_LIMIT_PER_ADDRESS = 0
    for _ in range(8):
        assert client.get(link_a[1]).status_code == 200


def test_no_link_is_written_to_the_cache(client, limits, link_a):
    _, path = link_a
    client.get(path)
    token = path.split("/")[3]
    stored = " ".join(str(key) for key in cache._cache)  # LocMemCache's keys
    assert "portal-limit:link:" in stored and token not in stored
