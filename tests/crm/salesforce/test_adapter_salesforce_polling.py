"""changed_since: SOQL on SystemModstamp, oldest first, through every nextRecordsUrl page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connector.crm.port import CrmPort
from connector.sandbox.salesforce import SalesforceEmulator

T0 = datetime(2026, 11, 23, 14, 0, 0, tzinfo=UTC)


def _seed_at(emulator: SalesforceEmulator, at: datetime, name: str) -> str:
    emulator.set_clock(lambda: at)
    return emulator.seed("Lead", LastName=name, Company="Acme")


def test_changed_since_pages_through_everything_after_the_watermark_oldest_first(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator
) -> None:
    for n in range(3):
        _seed_at(salesforce_emulator, T0 - timedelta(minutes=n + 1), f"old {n}")
    fresh = [_seed_at(salesforce_emulator, T0 + timedelta(seconds=5 - n), f"new {n}") for n in range(5)]
    salesforce_emulator.query_batch_size = 2
    changed = list(salesforce_crm.changed_since("Lead", ["LastName", "Owner.Name"], T0))
    assert [r["Id"] for r in changed] == list(reversed(fresh))
    assert changed[0]["Owner"] == {"Name": "Integration User"} and changed[0]["SystemModstamp"].endswith("+0000")
    paths = [c.path for c in salesforce_emulator.api_calls]
    assert len(paths) == 3 and paths[0] == "/services/data/v61.0/query/" and "/query/01g" in paths[1]


def test_an_update_moves_a_record_past_the_watermark(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator
) -> None:
    lead = _seed_at(salesforce_emulator, T0 - timedelta(hours=1), "Ruiz")
    assert list(salesforce_crm.changed_since("Lead", ["Status"], T0)) == []
    salesforce_emulator.set_clock(lambda: T0 + timedelta(minutes=1))
    salesforce_emulator.update("Lead", lead, Status="Working - Contacted")
    assert [(r["Id"], r["Status"]) for r in salesforce_crm.changed_since("Lead", ["Status"], T0)] == [
        (lead, "Working - Contacted")
    ]


def test_watermark_is_rounded_down_to_the_second_so_nothing_is_skipped(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator
) -> None:
    lead = _seed_at(salesforce_emulator, T0 + timedelta(milliseconds=400), "Ruiz")
    since = T0 + timedelta(milliseconds=700)
    assert [r["Id"] for r in salesforce_crm.changed_since("Lead", [], since)] == [lead]


def test_a_naive_watermark_is_read_as_utc(salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator) -> None:
    lead = _seed_at(salesforce_emulator, T0 + timedelta(minutes=1), "Ruiz")
    naive = T0.replace(tzinfo=None)
    assert [r["Id"] for r in salesforce_crm.changed_since("Lead", [], naive)] == [lead]
