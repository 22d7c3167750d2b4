"""The emulator's HTTP face: api.twilio.com's 2010-04-01 Messages routes, plus the /_emulator admin routes."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from connector.sandbox.twilio import admin, messaging
from connector.sandbox.twilio.wire import API_VERSION, ApiError, dumps, message_json, not_found, page_json

if TYPE_CHECKING:
    from connector.sandbox.twilio.emulator import TwilioEmulator

log = logging.getLogger(__name__)
MESSAGES = f"/{API_VERSION}/Accounts/<account>/Messages"
ROUTES = Map(
    [
        Rule(f"{MESSAGES}.json", endpoint="messages", methods=["GET", "POST"]),
        Rule(f"{MESSAGES}/<sid>.json", endpoint="message", methods=["GET", "POST", "DELETE"]),
        *admin.RULES,
    ],
    strict_slashes=False,
)


def _unauthorized() -> ApiError:
    return ApiError(401, 20003, "Authenticate", detail="Your AccountSid or AuthToken was incorrect.")


class Api:
    """A WSGI app; every answer is JSON shaped like api.twilio.com's, errors included."""

    def __init__(self, emu: TwilioEmulator) -> None:
        self.emu = emu

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except ApiError as exc:
            response = self.json(exc.body(), exc.status)
            if exc.status == 401:
                response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        except Exception:  # answer like Twilio's 500 and keep serving
            log.exception("twilio emulator: request failed")
            response = self.json(ApiError(500, 20500, "Internal Server Error").body(), 500)
        response.headers["Twilio-Request-Id"] = "RQ" + secrets.token_hex(16)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = ROUTES.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            raise not_found(request.path) from None
        except MethodNotAllowed:
            raise ApiError(405, 20004, "Method not allowed") from None
        except HTTPException as exc:
            raise ApiError(exc.code or 400, 20001, exc.description or "Bad request") from None
        self.authenticate(request, args.get("account"))
        if str(endpoint).startswith("admin."):
            return admin.handle(self.emu, str(endpoint), request, args)
        return self.messages_api(request, str(endpoint), args)

    def authenticate(self, request: Request, account: str | None) -> None:
        """HTTP Basic with AccountSid:AuthToken or ApiKeySid:secret; the URL's account must be ours."""
        auth = request.authorization
        if auth is None or auth.type != "basic" or not auth.username or auth.password is None:
            raise _unauthorized()
        secret = self.emu.credentials().get(auth.username)
        if secret is None or not hmac.compare_digest(secret.encode(), auth.password.encode()):
            raise _unauthorized()
        if account is not None and account != self.emu.account_sid:
            raise _unauthorized()

    def messages_api(self, request: Request, endpoint: str, args: dict[str, str]) -> Response:
        fault = self.emu.draw_fault()
        if fault == "500":
            raise ApiError(500, 20500, "Internal Server Error")
        if fault == "429":
            raise ApiError(429, 20429, "Too Many Requests")
        response = self.messages_operation(request, endpoint, args)
        if fault == "slow":  # done, but answered late: the caller may time out not knowing it worked
            self.emu.stopping.wait(self.emu.knobs.slow_seconds)
        return response

    def messages_operation(self, request: Request, endpoint: str, args: dict[str, str]) -> Response:
        emu, path = self.emu, request.path
        if endpoint == "messages" and request.method == "POST":
            return self.json(message_json(messaging.create(emu, request.form)), 201)
        if endpoint == "messages":
            filters, query = messaging.parse_filters(request.args)
            chunk, page, size, token = messaging.page_of(emu.store.query(filters), request.args)
            return self.json(page_json(path, query, chunk, page, size, token), 200)
        sid = args["sid"]
        if request.method == "GET":
            return self.json(message_json(messaging.fetch(emu, sid, path)), 200)
        if request.method == "POST":
            return self.json(message_json(messaging.update(emu, sid, request.form, path)), 200)
        messaging.delete(emu, sid, path)
        return Response(status=204)

    @staticmethod
    def json(document: dict[str, Any], status: int) -> Response:
        return Response(dumps(document), status=status, content_type="application/json; charset=utf-8")
