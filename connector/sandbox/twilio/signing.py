"""X-Twilio-Signature, computed as Twilio does, independently of twilio-python so each checks the other.

https://www.twilio.com/docs/usage/webhooks/webhooks-security: the full URL, then every POST parameter as name
followed by value, names in byte order (a repeated name by its sorted values); HMAC-SHA1 keyed with the auth
token; base64.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The X-Twilio-Signature header value for a form POST of `params` to `url`."""
    payload = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
