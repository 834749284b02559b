"""docs/deploy.md shows every file of deploy/ exactly as it is (the system tests run those
files), so the page cannot drift from what is tested. Needs no services."""

from __future__ import annotations

import re
from pathlib import Path

from tests.system.topology import ROOT, render_site

SHOWN = re.compile(r"<!-- file: (deploy/\S+) -->\n```\w*\n(.*?)```\n", re.DOTALL)


def _shown() -> dict[str, str]:
    page = (ROOT / "docs" / "deploy.md").read_text()
    return {path: text for path, text in SHOWN.findall(page)}


def test_the_deploy_page_shows_every_deploy_file_exactly() -> None:
    files = {
        str(path.relative_to(ROOT)): path.read_text()
        for path in sorted((ROOT / "deploy").rglob("*"))
        if path.is_file()
    }
    shown = _shown()
    assert sorted(shown) == sorted(files), "docs/deploy.md and deploy/ list different files"
    for path, text in files.items():
        assert shown[path] == text, f"docs/deploy.md shows an old {path}"


def test_the_tested_nginx_config_is_the_shipped_one_with_only_ports_and_paths_changed(
    tmp_path: Path,
) -> None:
    rendered = render_site(http_port=18080, https_port=18443, servers=[18001, 18002], tls=tmp_path)
    shipped = (ROOT / "deploy" / "nginx" / "xiaodian.conf").read_text()
    kept = [
        line for line in shipped.splitlines() if "listen" not in line and "server 127" not in line
    ]
    kept = [line for line in kept if "/etc/letsencrypt" not in line and "/var/www/acme" not in line]
    assert all(line in rendered.splitlines() for line in kept)
    for needed in (
        "return 301 https://$host$request_uri;",
        'add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;',
        "proxy_set_header Upgrade $http_upgrade;",
        "location = /api/v1/ws {",
        "location = /api/admin/v1/ws {",
        "client_max_body_size",
        "proxy_set_header X-Forwarded-For $remote_addr;",
    ):
        assert needed in rendered, needed


def test_every_nginx_location_that_sets_proxy_headers_sets_the_forwarding_ones() -> None:
    """nginx inherits `proxy_set_header` from the server block only into a location that sets
    none of its own: the WebSocket locations set Upgrade/Connection, so they must repeat the
    client's address, scheme and host, or the app sees every socket coming from nginx."""
    shipped = (ROOT / "deploy" / "nginx" / "xiaodian.conf").read_text()
    server_level = {
        match.group(1)
        for match in re.finditer(r"^    proxy_set_header (\S+) ", shipped, re.MULTILINE)
    }
    assert {"Host", "X-Forwarded-For", "X-Forwarded-Proto"} <= server_level
    block = re.compile(r"^    location [^{]*\{\n(.*?)^    \}", re.DOTALL | re.MULTILINE)
    locations = block.findall(shipped)
    assert locations
    for body in locations:
        own = set(re.findall(r"proxy_set_header (\S+) ", body))
        if own:
            missing = (server_level - {"Connection"}) - own
            assert not missing, f"a location sets its own proxy headers but not {missing}"
