"""A fake SMS provider for service tests: it keeps what was sent and can be told to fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from connector.sms.port import OutboundSms, SendError, SendResult, SentMessage
from connector.sms.segments import count


@dataclass
class FakeSms:
    """SmsPort in memory: `sent` in order; `fail_next` raises those errors first, one per send."""

    sent: list[OutboundSms] = field(default_factory=list)
    fail_next: list[SendError] = field(default_factory=list)
    _listed: list[SentMessage] = field(default_factory=list)

    def send(self, msg: OutboundSms) -> SendResult:
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.sent.append(msg)
        sid = f"SM{len(self.sent):032x}"
        self._listed.append(SentMessage(sid, msg.to, msg.body, "queued", datetime.now(UTC)))
        return SendResult(provider_id=sid, status="queued", segments=count(msg.body).segments)

    def find_sent(self, to: str, body: str, since: datetime) -> list[SentMessage]:
        return [m for m in self._listed if m.to == to and m.body == body and (m.created_at or since) >= since]
