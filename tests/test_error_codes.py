"""One list of error codes: `docs/errors.md` is generated from the code, and the mini program's
table (`miniprogram/src/utils/errors.js`) has exactly the codes the server can send."""

from __future__ import annotations

import re
from pathlib import Path

from xiaodian import errors_doc
from xiaodian.core.errors import ShopError

ROOT = Path(__file__).resolve().parents[1]
ERRORS_JS = ROOT / "miniprogram" / "src" / "utils" / "errors.js"


def _mini_program_codes() -> set[str]:
    """The keys of errors.js's MESSAGES table, less the client's own UPPER_CASE codes."""
    source = ERRORS_JS.read_text(encoding="utf-8")
    table = source[source.index("const MESSAGES = {") : source.index("\n}\n")]
    keys = re.findall(r"^\s+([A-Za-z_][A-Za-z0-9_]*):", table, re.MULTILINE)
    assert len(keys) == len(set(keys)), "a code is listed twice in errors.js"
    return {key for key in keys if not key.isupper()}


def test_the_committed_error_page_is_what_the_code_says() -> None:
    committed = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert committed == errors_doc.render(), "run: python -m xiaodian.errors_doc --write"


def test_every_code_the_server_sends_is_in_the_mini_programs_table_and_nothing_else() -> None:
    server = errors_doc.server_codes()
    client = _mini_program_codes()
    assert sorted(server - client) == [], "codes errors.js lacks (add them with a message)"
    assert sorted(client - server) == [], "codes in errors.js the server never sends"


def test_the_server_sends_internal_error_and_the_client_table_has_no_server_error() -> None:
    assert "internal_error" in errors_doc.server_codes()
    assert "internal_error" in _mini_program_codes()
    assert "server_error" not in _mini_program_codes()


def test_the_list_finds_error_classes_wherever_a_domain_defines_them() -> None:
    """A domain added later needs no registration: its classes are found by walking the
    package (here: ones from several modules, and a subclass of a subclass)."""
    sources = {error.source for error in errors_doc.error_codes()}
    assert {
        "orders.limits.TooManyUnpaidOrders",
        "media.service.ImageTooLarge",
        "console.security.CsrfRejected",
        "users.errors.LoginRateLimited",
    } <= sources
    for error in errors_doc.error_codes():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", error.code), error
        assert error.status == "4xx" or 400 <= int(error.status) <= 599, error


def test_one_code_means_one_status() -> None:
    statuses: dict[str, set[str]] = {}
    for error in errors_doc.error_codes():
        statuses.setdefault(error.code, set()).add(error.status)
    assert {code: found for code, found in statuses.items() if len(found) > 1} == {}
    assert ShopError.code in statuses
