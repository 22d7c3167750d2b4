"""Sign-in, sessions, CSRF and security headers: every admin page and API call is behind them."""

from __future__ import annotations

from pathlib import Path

import pytest
from admin_seed import ADMIN, PASSWORD
from conftest import admin_settings, csrf, sign_in
from flask import Flask
from flask.testing import FlaskClient

from connector.settings import load_settings
from connector.web import create_app

PAGES = ["/admin/flows", "/admin/conversations", "/admin/attention", "/admin/performance", "/admin/flows/intro-text"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_to_sign_in(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


def test_api_answers_401_without_sign_in(client: FlaskClient) -> None:
    response = client.get("/api/flows")
    assert response.status_code == 401
    assert "error" in response.get_json()
    assert "WWW-Authenticate" not in response.headers  # no browser prompt, so browsers never cache credentials


def test_sign_in_then_out(client: FlaskClient) -> None:
    token = sign_in(client)
    assert client.get("/admin/flows").status_code == 200
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/flows").status_code == 302


@pytest.mark.parametrize(
    ("username", "password"),
    [pytest.param(ADMIN, "wrong", id="wrong-password"), pytest.param("eve", PASSWORD, id="unknown-user")],
)
def test_wrong_credentials_are_refused_alike(client: FlaskClient, username: str, password: str) -> None:
    response = client.post(
        "/admin/login", data={"username": username, "password": password, "csrf_token": csrf(client)}
    )
    assert response.status_code == 401
    assert "Wrong name or password." in response.get_data(as_text=True)


def test_sign_in_without_csrf_token_is_refused(client: FlaskClient) -> None:
    client.get("/admin/login")
    response = client.post("/admin/login", data={"username": ADMIN, "password": PASSWORD})
    assert response.status_code == 400


def test_forms_without_csrf_token_are_refused(admin: tuple[FlaskClient, str]) -> None:
    client, _ = admin
    assert client.post("/admin/flows/intro-text/switch", data={"enabled": "off"}).status_code == 400
    assert client.post("/admin/flows/intro-text/switch", data={"enabled": "off", "csrf_token": "x"}).status_code == 400


def test_api_writes_need_the_csrf_header_with_a_session(admin: tuple[FlaskClient, str]) -> None:
    client, token = admin
    assert client.put("/api/flows/intro-text/enabled", json={"enabled": False}).status_code == 400
    ok = client.put("/api/flows/intro-text/enabled", json={"enabled": False}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200


def test_session_is_renewed_at_sign_in(client: FlaskClient) -> None:
    before = csrf(client)
    after = sign_in(client)
    assert before != after


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        pytest.param("/admin/attention", "/admin/attention", id="admin-path-kept"),
        pytest.param("https://evil.example/", "/admin/", id="other-site-refused"),
        pytest.param("//evil.example/admin", "/admin/", id="scheme-relative-refused"),
    ],
)
def test_next_only_goes_to_admin_pages(client: FlaskClient, target: str, lands: str) -> None:
    data = {"username": ADMIN, "password": PASSWORD, "csrf_token": csrf(client), "next": target}
    assert client.post("/admin/login", data=data).headers["Location"] == lands


def test_repeated_failures_are_throttled(client: FlaskClient) -> None:
    token = csrf(client)
    codes = [
        client.post("/admin/login", data={"username": ADMIN, "password": "no", "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert codes == [401] * 5 + [429]
    good = client.post("/admin/login", data={"username": ADMIN, "password": PASSWORD, "csrf_token": token})
    assert good.status_code == 429


def test_security_headers_and_no_caching(admin: tuple[FlaskClient, str]) -> None:
    client, _ = admin
    response = client.get("/admin/flows")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.headers.get("Set-Cookie", "") or client.get_cookie("smsflow_session")
    assert cookie is not None


def test_session_cookie_is_http_only_and_same_site(client: FlaskClient) -> None:
    client.get("/admin/login")
    cookie = client.get_cookie("smsflow_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_pages_have_no_inline_script_or_style(admin: tuple[FlaskClient, str]) -> None:
    client, _ = admin
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "<style" not in html, path


def test_sign_in_is_disabled_without_admin_users(tmp_path: Path) -> None:
    env = admin_settings(tmp_path)
    del env["SMSFLOW_ADMIN_USERS"]
    client = create_app(load_settings(env)).test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    assert "Sign-in is disabled" in page
    data = {"username": "admin", "password": "x", "csrf_token": csrf(client)}
    assert client.post("/admin/login", data=data).status_code == 401


def test_legacy_admin_password_hash_signs_in_as_admin(tmp_path: Path, app: Flask) -> None:
    from admin_seed import ADMIN_HASH

    env = admin_settings(tmp_path / "legacy")
    del env["SMSFLOW_ADMIN_USERS"]
    env["SMSFLOW_ADMIN_PASSWORD_HASH"] = ADMIN_HASH
    client = create_app(load_settings(env)).test_client()
    data = {"username": "admin", "password": PASSWORD, "csrf_token": csrf(client)}
    assert client.post("/admin/login", data=data).status_code == 302
