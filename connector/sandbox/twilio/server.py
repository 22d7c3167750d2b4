"""A threaded WSGI server on 127.0.0.1 in a background thread (werkzeug's), with masked request logs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from connector.phones import mask_in_text

log = logging.getLogger("connector.sandbox.twilio.http")


class _Handler(WSGIRequestHandler):
    """One plain log line per request on our logger, phone numbers in query strings masked."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info('"%s" %s', mask_in_text(self.requestline), code)

    def log(self, type: str, message: str, *args: Any) -> None:
        getattr(log, type if type in ("info", "warning", "error") else "info")(mask_in_text(message % args))


class LoopbackServer:
    """Serves a WSGI app on 127.0.0.1:`port` (0: any free port), one thread per request, until stopped."""

    def __init__(self, app: Callable[..., Any], port: int = 0) -> None:
        self._server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True, request_handler=_Handler)
        # A short poll interval so that stop() returns promptly (serve_forever checks for shutdown this often).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="twilio-emulator", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
