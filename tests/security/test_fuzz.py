"""Schemathesis over the whole OpenAPI, signed in (a shopper for /api/v1, the owner for
/api/admin/v1), over real HTTP: no answer is a 5xx, and every answer matches the schema its
operation declares (status, content type and body).

Bounded: `XIAODIAN_FUZZ_EXAMPLES` examples per operation (default 8; ~160 operations)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field

import httpx
import hypothesis
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.security.conftest import Cast, make_cast
from xiaodian.context import AppContext

EXAMPLES = int(os.environ.get("XIAODIAN_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Operations that end the very sessions the fuzzer signs in with; each is tested on its own.
SELF_ENDING = {
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/admin/v1/auth/logout"),
    ("POST", "/api/admin/v1/me/password"),
}


@dataclass
class Findings:
    operations: int = 0
    requests: int = 0
    failures: dict[str, str] = field(default_factory=dict)


def _fuzz(spec: dict[str, object], base_url: str, cast: Cast) -> Findings:
    schema = schemathesis.openapi.from_dict(spec)
    findings = Findings()
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SELF_ENDING:
            continue
        findings.operations += 1
        headers = cast.owner if operation.path.startswith("/api/admin/") else cast.shopper_a.headers
        _fuzz_operation(operation, base_url, session, headers, findings)
    return findings


def _fuzz_operation(
    operation: schemathesis.APIOperation,
    base_url: str,
    session: requests.Session,
    headers: dict[str, str],
    findings: Findings,
) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        findings.requests += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as failure:
            findings.failures.setdefault(label, str(failure)[:3000])

    run()


async def test_the_whole_api_answers_fuzzing_without_a_5xx_or_a_schema_violation(
    app: FastAPI, client: httpx.AsyncClient, context: AppContext, served: str
) -> None:
    cast = await make_cast(client, context)
    spec = app.openapi()
    findings = await asyncio.to_thread(_fuzz, spec, served, cast)
    assert findings.operations > 150
    assert findings.requests >= findings.operations
    assert not findings.failures, "\n\n".join(
        f"== {label}\n{text}" for label, text in findings.failures.items()
    )
