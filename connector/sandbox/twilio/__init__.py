"""A wire-compatible Twilio Messaging emulator with a phone simulator, for demos and tests.

Usage:

    from connector.sandbox.twilio import TwilioEmulator

    with TwilioEmulator(seed=1) as emu:           # serves http://127.0.0.1:<free port>
        emu.inbound_url = "http://127.0.0.1:5000/hooks/twilio/inbound"
        emu.set_knobs(callback_delay=0.05, undelivered_rate=0.1, out_of_order_rate=0.2)
        emu.phone("+12025550143").reply("STOP")   # later sends to it get 21610
"""

from connector.sandbox.twilio.callbacks import Delivery, http_transport, wsgi_transport
from connector.sandbox.twilio.clock import ManualClock, SystemClock
from connector.sandbox.twilio.emulator import ApiKey, TwilioEmulator
from connector.sandbox.twilio.handsets import Handset, Text
from connector.sandbox.twilio.inbound import OPT_IN_WORDS, OPT_OUT_WORDS
from connector.sandbox.twilio.knobs import Knobs
from connector.sandbox.twilio.lifecycle import Step

__all__ = [
    "OPT_IN_WORDS",
    "OPT_OUT_WORDS",
    "ApiKey",
    "Delivery",
    "Handset",
    "Knobs",
    "ManualClock",
    "Step",
    "SystemClock",
    "Text",
    "TwilioEmulator",
    "http_transport",
    "wsgi_transport",
]
