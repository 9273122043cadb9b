"""schemathesis against the OpenAPI document, through the WSGI app, with a valid token.

Every operation gets generated inputs, valid and not, on a synthetic site full of records:
no answer may be a server error (5xx), and every answer must match the document (status
code, content type, body schema). Examples are capped to keep the run under two minutes.
"""

import datetime as dt

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.web.api.conftest import token_for
from tests.web.conftest import make_user

from orthoregen.web.synthetic.clinic import synth_load

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 12


@pytest.fixture
def connection_kept():
    """Keep the test's database connection open across WSGI requests, as Django's test client
    does: the handler would close it after each request, and the test's transaction with it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("connection_kept")
def test_no_operation_answers_5xx_or_outside_its_schema(site_a, clinician_a):
    site_a.is_synthetic = True
    site_a.save(update_fields=["is_synthetic"])
    synth_load(site_a, 6, seed=7, as_of=dt.date(2026, 6, 30))
    # One user whose role covers every operation's action is not in the role table (the
    # clinician does not manage products), so two tokens: the clinician's and the lab's.
    lab = make_user("lab_fuzz", "lab", site_a)
    tokens = {"cellbank": token_for(lab)}
    default = token_for(clinician_a)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    failures, statuses = [], []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        token = tokens["cellbank"] if "/product-units" in operation.path else default
        try:
            fuzz(operation, token, statuses)
        except Exception as failure:  # collect every operation's failure, then report all
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    assert failures == []
    # The token worked: the run read records, and bad input was refused as such.
    assert {200, 404, 422} <= set(statuses)


def fuzz(operation, token: str, statuses: list[int]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    run()
