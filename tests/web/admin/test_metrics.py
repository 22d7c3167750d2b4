"""/metrics: Prometheus text format, queue depths and counts from the store, webhook latency per hook."""

from __future__ import annotations

import re

from admin_seed import Seeded
from flask.testing import FlaskClient

LINE = re.compile(r'^(# (HELP|TYPE) .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+]+)$')


def metrics(client: FlaskClient) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).strip().splitlines()
    assert all(LINE.match(line) for line in lines), [line for line in lines if not LINE.match(line)]
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in lines if not line.startswith("#")}


def test_metrics_need_no_sign_in_and_count_the_store(client: FlaskClient, seeded: Seeded) -> None:
    values = metrics(client)
    assert values["smsflow_texts_sent_total"] == 6
    assert values['smsflow_text_errors_total{code="30006"}'] == 1
    assert values["smsflow_attention_open"] == 2
    assert values["smsflow_attention_oldest_age_seconds"] > 0
    assert values['smsflow_outbox_items{status="done"}'] == 6
    assert values['smsflow_messages{direction="in",status="received"}'] == 4


def test_webhook_latency_is_recorded_per_hook(client: FlaskClient) -> None:
    client.post("/hooks/twilio/status", data={})  # unsigned: refused, and still timed
    values = metrics(client)
    count = [v for k, v in values.items() if k.startswith("smsflow_webhook_duration_seconds_count")]
    assert count and sum(count) >= 1
    assert any('le="+Inf"' in k for k in values)


def test_no_phone_numbers_in_metrics(client: FlaskClient, seeded: Seeded) -> None:
    assert "+1202" not in client.get("/metrics").get_data(as_text=True)
