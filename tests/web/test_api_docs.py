"""The API's documentation pages (/docs, /redoc) load every asset from this app: the HTML
names no other host, and each script, stylesheet and icon it names is served here."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

ASSET = re.compile(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_name_only_assets_served_by_the_app(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    named = ASSET.findall(r.text)
    assert "/openapi.json" in named
    assets = [u for u in named if u != "/openapi.json"]
    assert assets, "the page names its scripts"
    assert [u for u in named if not u.startswith("/")] == []  # it named cdn.jsdelivr.net
    assert "fonts.googleapis.com" not in r.text and "validator.swagger.io" not in r.text
    for url in assets:
        served = client.get(url)
        assert served.status_code == 200, url
        assert len(served.content) > 1000, url  # a real bundle, not an empty stub


def test_swagger_ui_does_not_ask_the_public_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_forbid_the_browser_any_other_host(client: TestClient, path: str) -> None:
    policy = client.get(path).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    for name in ("img-src", "connect-src", "script-src", "font-src"):
        assert "http" not in directives[name] and "*" not in directives[name]
