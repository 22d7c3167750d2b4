"""Login endpoints: the SOAP partner `login` call and the OAuth 2.0 token endpoint, as simple-salesforce uses them."""

from __future__ import annotations

import base64
import time
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from defusedxml import ElementTree
from flask import Blueprint, Response, request

from connector.sandbox.salesforce.state import current, json_response

bp = Blueprint("salesforce_login", __name__)

_PARTNER = "{urn:partner.soap.sforce.com}"
_INVALID_LOGIN = "Invalid username, password, security token; or user locked out."
_JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _soap(body: str, status: int = 200) -> Response:
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
        'envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:sf="urn:fault.partner.soap.sforce.com" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>'
    )
    return Response(envelope, status=status, content_type="text/xml;charset=UTF-8")


def _soap_fault(code: str, message: str) -> Response:
    # SOAP API guide: login faults are HTTP 500 with an sf:LoginFault detail (simple-salesforce reads its fields).
    return _soap(
        f"<soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring>"
        f'<detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode>'
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>",
        500,
    )


def _text(root: Element, name: str) -> str | None:
    node = next(root.iter(_PARTNER + name), None)
    return None if node is None else (node.text or "")


@bp.post("/services/Soap/u/<version>")
def soap_login(version: str) -> Response:
    """The partner API `login` call; answers serverUrl on this host, so the client's instance becomes the emulator."""
    state = current()
    try:
        root = ElementTree.fromstring(request.get_data())
    except Exception:  # defusedxml raises several types for hostile or broken XML
        return _soap_fault("INVALID_LOGIN", _INVALID_LOGIN)
    username, password = _text(root, "username"), _text(root, "password")
    scoped_org = _text(root, "organizationId")
    if scoped_org is not None and scoped_org[:15] != state.org.org_id[:15]:
        return _soap_fault("INVALID_LOGIN", _INVALID_LOGIN)
    if username is None or password is None or not state.auth.password_ok(username, password):
        return _soap_fault("INVALID_LOGIN", _INVALID_LOGIN)
    session_id = state.auth.issue()
    state.auth.logins += 1
    org_id, user_id = state.org.org_id, state.org.user_id
    return _soap(
        "<loginResponse><result>"
        f"<metadataServerUrl>{state.base_url}/services/Soap/m/{version}/{org_id[:15]}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>true</sandbox>"
        f"<serverUrl>{state.base_url}/services/Soap/u/{version}/{org_id[:15]}</serverUrl>"
        f"<sessionId>{escape(session_id)}</sessionId><userId>{user_id}</userId>"
        f"<userInfo><organizationId>{org_id}</organizationId><userId>{user_id}</userId>"
        f"<userName>{escape(state.auth.credentials.username)}</userName></userInfo>"
        "</result></loginResponse>"
    )


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)


def _basic_client() -> tuple[str, str] | None:
    scheme, _, encoded = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        key, _, secret = base64.b64decode(encoded).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return key, secret


@bp.post("/services/oauth2/token")
def oauth_token() -> Response:
    """OAuth 2.0 token endpoint: password, client_credentials and JWT bearer grants."""
    state = current()
    form = request.form
    grant = form.get("grant_type", "")
    if grant == "password":
        if not state.auth.client_ok(form.get("client_id", ""), form.get("client_secret", "")):
            return _oauth_error("invalid_client_id", "client identifier invalid")
        if not state.auth.password_ok(form.get("username", ""), form.get("password", "")):
            return _oauth_error("invalid_grant", "authentication failure")
    elif grant == "client_credentials":
        client = _basic_client() or (form.get("client_id", ""), form.get("client_secret", ""))
        if not state.auth.client_ok(*client):
            return _oauth_error("invalid_client", "invalid client credentials")
    elif grant == _JWT_GRANT:
        if not state.auth.jwt_ok(form.get("assertion", ""), time.time()):
            return _oauth_error("invalid_grant", "invalid assertion")
    else:
        return _oauth_error("unsupported_grant_type", "grant type not supported")
    state.auth.logins += 1
    org_id, user_id = state.org.org_id, state.org.user_id
    return json_response(
        {
            "access_token": state.auth.issue(),
            "instance_url": state.base_url,
            "id": f"{state.base_url}/id/{org_id}/{user_id}",
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
            "scope": "api",
        }
    )
