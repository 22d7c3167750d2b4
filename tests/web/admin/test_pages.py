"""The admin pages on seeded traffic: conversations, the needs-a-person queue, flows, try-it, performance."""

from __future__ import annotations

import csv
import io
import json
import re

from admin_seed import ADMIN, Seeded
from flask.testing import FlaskClient
from sqlalchemy import select

from connector.bootstrap import Container
from connector.store.tables import Outbox

Admin = tuple[FlaskClient, str]
KEY = re.compile(r'name="key" value="([^"]+)"')


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_conversation_list_newest_first_with_open_items(admin: Admin, seeded: Seeded) -> None:
    client, _ = admin
    html = page(client, "/admin/conversations")
    phones = re.findall(r'href="/admin/conversations/\d+">(\+\d+)<', html)
    assert phones[0] == "+12025550148"  # the last to write
    assert set(phones) >= {"+12025550143", "+12025550144", "+12025550147"}
    assert page(client, "/admin/conversations?q=0143").count('href="/admin/conversations/') == 1


def test_timeline_shows_texts_statuses_decisions_consent_and_crm_link(admin: Admin, seeded: Seeded) -> None:
    client, _ = admin
    html = page(client, f"/admin/conversations/{seeded.contacts['max']}")
    assert "policy: <strong>deferred</strong>" in html and "is outside the window: 08:00-21:00" in html
    assert "queued" in html or "sent" in html
    assert "https://example.my.salesforce.com/lightning/r/Lead/00Q5e00000Hk7PfEAJ/view" in html
    lee = page(client, f"/admin/conversations/{seeded.contacts['lee']}")
    assert "consent all: <strong>revoked</strong>" in lee and "opted out" in lee
    sam = page(client, f"/admin/conversations/{seeded.contacts['sam']}")
    assert "undelivered (30006)" in sam


def test_unknown_contact_is_404(admin: Admin) -> None:
    client, _ = admin
    assert client.get("/admin/conversations/999").status_code == 404


def test_queue_is_oldest_first_with_both_kinds(admin: Admin, seeded: Seeded) -> None:
    client, _ = admin
    html = page(client, "/admin/attention")
    assert html.index("Who is this?") < html.index("roofing company")
    assert "missed-call did not understand" in html and "no run was waiting" in html
    assert "2 waiting" in html


def test_reply_from_the_queue_queues_a_manual_text_and_marks_handled(
    admin: Admin, seeded: Seeded, container: Container
) -> None:
    client, token = admin
    html = page(client, "/admin/attention")
    item = re.search(r'data-item="(\d+)"', html)
    key = KEY.search(html)
    assert item and key
    form = {
        "csrf_token": token,
        "key": key.group(1),
        "body": "Hi Dana, Anna here: I'll call you at 6.",
        "handled": "on",
    }
    assert client.post(f"/admin/attention/{item.group(1)}/reply", data=form).status_code == 302
    assert client.post(f"/admin/attention/{item.group(1)}/reply", data=form).status_code == 302  # double submit
    with container.store.unit_of_work() as uow:
        rows = uow.session.scalars(select(Outbox).where(Outbox.idempotency_key == f"manual:{key.group(1)}")).all()
        assert [row.payload for row in rows] == [
            {
                "run_id": None,
                "contact_id": seeded.contacts["dana"],
                "body": "Hi Dana, Anna here: I'll call you at 6.",
                "category": "transactional",
                "step": None,
                "manual_by": ADMIN,
            }
        ]
        message = uow.messages.by_action_id(f"manual:{key.group(1)}")
        assert message is not None and message.status == "pending" and message.category == "transactional"
        assert uow.attention.count_open() == 1
        handled = uow.attention.get(int(item.group(1)))
        assert handled is not None and handled.handled_by == ADMIN
    assert "Who is this?" not in page(client, "/admin/attention")


def test_manual_text_goes_through_the_dispatcher_and_policy(admin: Admin, seeded: Seeded, container: Container) -> None:
    from connector.ratelimit import RateLimiter
    from connector.services.dispatch import Dispatcher

    client, token = admin
    contact = seeded.contacts["ben"]
    key = KEY.search(page(client, f"/admin/conversations/{contact}"))
    assert key
    client.post(
        f"/admin/conversations/{contact}/text", data={"csrf_token": token, "key": key.group(1), "body": "Hello"}
    )
    dispatcher = Dispatcher(
        container.store,
        container.registry,
        seeded.sms,
        limiter=RateLimiter(1000),
        clock=container.clock,
        sleep=lambda _s: None,
    )
    dispatcher.run_once()
    with container.store.unit_of_work() as uow:
        decisions = [d for d in uow.decisions.for_contact(contact) if d.message_id is not None]
        message = uow.messages.by_action_id(f"manual:{key.group(1)}")
    assert message is not None and message.provider_id is not None  # 15:00 UTC is inside the window
    assert any(d.message_id == message.id and d.decision == "send" for d in decisions)
    assert seeded.sms.sent[-1].body == "Hello"


def test_manual_text_to_an_opted_out_contact_is_refused(admin: Admin, seeded: Seeded, container: Container) -> None:
    client, token = admin
    contact = seeded.contacts["lee"]
    html = page(client, f"/admin/conversations/{contact}")
    assert "they cannot be texted" in html
    response = client.post(
        f"/admin/conversations/{contact}/text",
        data={"csrf_token": token, "key": "k" * 16, "body": "Hi"},
        follow_redirects=True,
    )
    assert "Not sent: the contact opted out" in response.get_data(as_text=True)
    with container.store.unit_of_work() as uow:
        assert uow.outbox.get("manual:" + "k" * 16) is None


def test_mark_handled_twice_says_so(admin: Admin, seeded: Seeded) -> None:
    client, token = admin
    first = client.post(
        "/admin/attention/2/handled", data={"csrf_token": token, "note": "called"}, follow_redirects=True
    )
    assert "Marked handled." in first.get_data(as_text=True)
    again = client.post("/admin/attention/2/handled", data={"csrf_token": token}, follow_redirects=True)
    assert "already handled" in again.get_data(as_text=True)


def test_flows_list_shows_status_version_category_and_switch(admin: Admin, container: Container) -> None:
    client, token = admin
    html = page(client, "/admin/flows")
    for flow_id, flow in container.registry.flows.items():
        assert f'data-flow="{flow_id}"' in html and flow.version[:12] in html
    assert html.count(">valid<") >= 4 and "marketing" in html
    client.post("/admin/flows/promo-reactivation/switch", data={"csrf_token": token, "enabled": "off"})
    assert 'data-testid="switch-promo-reactivation">Off<' in page(client, "/admin/flows")
    with container.store.unit_of_work() as uow:
        assert uow.flow_switches.enabled("promo-reactivation", True) is False
        assert uow.audit.recent(1)[0].action == "flow_disabled"


def test_flows_list_reports_a_file_with_errors(admin: Admin, container: Container) -> None:
    client, _ = admin
    broken = container.settings.flows_dir / "broken.yaml"
    broken.write_text("flow: broken\npolicy: {category: transactional}\nstart: a\nsteps:\n  a: {send: hi}\n")
    html = page(client, "/admin/flows")
    assert 'data-flow="broken"' in html and ">errors<" in html and "broken.yaml:5" in html


def test_flow_page_draws_steps_and_counts_segments(admin: Admin) -> None:
    client, _ = admin
    html = page(client, "/admin/flows/booking-confirm")
    assert html.count('<g class="node') == 5 and "<svg" in html
    assert 'id="step-reminder"' in html and 'timeout → <a href="#step-person"' in html
    assert "1 segment · GSM-7" in html


def test_try_it_plays_the_flow_with_replies_and_sends_nothing(admin: Admin, container: Container) -> None:
    client, token = admin
    html = page(client, "/admin/flows/booking-confirm/try")
    record = re.search(r'<textarea id="record" name="record"[^>]*>(.*?)</textarea>', html, re.S)
    assert record
    fields = json.loads(record.group(1).replace("&#34;", '"').replace("&quot;", '"'))
    data = {"csrf_token": token, "record": json.dumps(fields), "action": "reply", "reply": "/timeout"}
    played = client.post("/admin/flows/booking-confirm/try", data=data).get_data(as_text=True)
    assert "no reply in time" in played and "just checking" in played
    data = {**data, "input": "/timeout", "reply": "no"}
    played = client.post("/admin/flows/booking-confirm/try", data=data).get_data(as_text=True)
    assert "understood as: <strong>no</strong>" in played and "run ended" in played
    with container.store.unit_of_work() as uow:
        assert uow.session.scalars(select(Outbox)).first() is None


def test_try_it_picks_a_record_the_connector_has_seen(admin: Admin, seeded: Seeded) -> None:
    client, token = admin
    html = page(client, "/admin/flows/booking-confirm/try")
    assert "Ben Okafor · 00Q5e00000Hk7PbEAJ" in html
    data = {"csrf_token": token, "pick": "00Q5e00000Hk7PbEAJ", "action": "pick", "record": "{}"}
    picked = client.post("/admin/flows/booking-confirm/try", data=data).get_data(as_text=True)
    assert "&#34;FirstName&#34;: &#34;Ben&#34;" in picked or '"FirstName": "Ben"' in picked


def test_try_it_reports_bad_json(admin: Admin) -> None:
    client, token = admin
    data = {"csrf_token": token, "record": "{oops", "action": "start"}
    response = client.post("/admin/flows/booking-confirm/try", data=data)
    assert response.status_code == 400 and "not valid JSON" in response.get_data(as_text=True)


def test_performance_figures_and_csv(admin: Admin, seeded: Seeded) -> None:
    client, _ = admin
    html = page(client, "/admin/performance?from=2026-11-20&to=2026-11-23")
    assert 'data-testid="sent">6<' in html
    assert "30006" in html
    text = client.get("/admin/performance.csv?from=2026-11-20&to=2026-11-23").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[1], {row[0]: dict(zip(rows[1], row, strict=True)) for row in rows[2:]}
    assert header[0] == "flow" and "cost_usd" in header
    assert body["all flows"]["sent"] == "6" and body["all flows"]["failures"] == "30006:1"
    assert (
        body["booking-confirm"]["runs"] == "3" and body["booking-confirm"]["replied"] == "1"
    )  # Lee's STOP is an opt-out
    assert body["booking-confirm"]["opted_out"] == "1"
    assert body["intro-text"]["failed_pct"] == "100.0"


def test_performance_rejects_bad_dates(admin: Admin) -> None:
    client, _ = admin
    assert client.get("/admin/performance?from=yesterday").status_code == 400
