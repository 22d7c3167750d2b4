"""The Twilio side of the SMS port: `build_sms(settings)` gives a TwilioSms for real Twilio or the emulator."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connector.settings import Settings
    from connector.sms.port import SmsPort

DEFAULT_TIMEOUT = 10.0  # seconds per Twilio API request


def build_sms(settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> SmsPort:
    """A TwilioSms from the TWILIO_* settings; TWILIO_API_BASE (the emulator's URL) redirects it.

    Raises ValueError naming the missing settings. The twilio library is imported here, not at package
    import, so the webhook modules beside this one stay light.
    """
    from connector.sms.twilio.adapter import TwilioSms

    missing = [
        name
        for name, value in (
            ("TWILIO_ACCOUNT_SID", settings.twilio_account_sid),
            ("TWILIO_AUTH_TOKEN", settings.twilio_auth_token),
        )
        if not value
    ]
    if not settings.twilio_messaging_service_sid and not settings.twilio_from_number:
        missing.append("TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER")
    if missing:
        raise ValueError(f"cannot send texts through Twilio; set {', '.join(missing)}")
    assert settings.twilio_account_sid is not None and settings.twilio_auth_token is not None
    return TwilioSms(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        messaging_service_sid=settings.twilio_messaging_service_sid,
        from_number=settings.twilio_from_number,
        api_base=settings.twilio_api_base,
        timeout=timeout,
    )
