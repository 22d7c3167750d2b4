"""manifest.yaml: the shipped file validates, agrees with the code, and bad manifests are rejected."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

import connector
from connector.config import yamlpos
from connector.config.manifest import Endpoint, Manifest
from connector.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
Data = dict[str, Any]


@pytest.fixture(scope="module")
def data() -> Data:
    loaded = yamlpos.load((ROOT / "manifest.yaml").read_text(), "manifest.yaml").data
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def manifest(data: Data) -> Manifest:
    return Manifest.model_validate(data)


def test_shipped_manifest_validates(manifest: Manifest) -> None:
    assert manifest.id == "smsflow-connector"
    assert {"Lead", "Contact", "Task", "User"} <= set(manifest.objects)


def test_plain_pyyaml_reads_the_same_manifest(manifest: Manifest) -> None:
    assert Manifest.model_validate(yaml.safe_load((ROOT / "manifest.yaml").read_text())) == manifest


def test_version_matches_package_and_pyproject(manifest: Manifest) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert manifest.version == connector.__version__ == pyproject["project"]["version"]


def test_salesforce_api_version_matches_settings_default(manifest: Manifest) -> None:
    assert manifest.salesforce_api_version == Settings.model_fields["salesforce_api_version"].default


def test_settings_agree_with_connector_settings(manifest: Manifest) -> None:
    declared = {s.name: s.model_dump(exclude={"description"}) for s in manifest.settings}
    actual = {row["name"]: {k: v for k, v in row.items() if k != "description"} for row in Settings.describe()}
    assert sorted(declared) == sorted(actual), "manifest settings: and connector/settings.py list other variables"
    for name, row in actual.items():
        assert declared[name] == row, f"{name} differs between manifest.yaml and connector/settings.py"


def test_helpers(manifest: Manifest) -> None:
    assert {"Owner.Name", "SMS_Opt_Out__c", "MobilePhone"} <= manifest.readable("Lead")
    assert "Account.Name" in manifest.readable("Contact")
    assert {"SMS_Message_Id__c", "SMS_Status__c", "Description"} <= manifest.writable("Task")
    assert manifest.writable("User") == set()
    assert manifest.has_object("Lead")
    assert not manifest.has_object("Opportunity")
    assert manifest.readable("Opportunity") == manifest.writable("Opportunity") == set()


def test_jobs_parse_durations(manifest: Manifest) -> None:
    jobs = {job.name: job for job in manifest.jobs}
    assert jobs["dispatch_outbox"].every == timedelta(seconds=5)
    assert jobs["poll_crm"].every == timedelta(minutes=1)
    assert [name for name, job in jobs.items() if job.leader_only] == ["process_events", "poll_crm", "flush_writebacks"]


@pytest.mark.parametrize(
    ("path", "rule", "method", "matches"),
    [
        pytest.param("/healthz", "/healthz", "GET", True, id="exact"),
        pytest.param("/healthz", "/healthz", "POST", False, id="other-method"),
        pytest.param("/admin/*", "/admin", "GET", True, id="subtree-root"),
        pytest.param("/admin/*", "/admin/runs/<run_id>", "GET", True, id="subtree-child"),
        pytest.param("/admin/*", "/administrator", "GET", False, id="subtree-is-by-segment"),
        pytest.param("/hooks/<key>", "/hooks/<string:secret>", "GET", True, id="any-parameter-name"),
    ],
)
def test_endpoint_matches_flask_rules(path: str, rule: str, method: str, matches: bool) -> None:
    endpoint = Endpoint(path=path, method="GET", auth="none")
    assert endpoint.matches(rule, method) is matches


@dataclass
class Bad:
    id: str
    change: Callable[[Data], None]
    message: str


def _set(path: str, value: Any) -> Callable[[Data], None]:
    """A change that sets `value` at a dotted path; list indexes are numbers (events.0.on)."""

    def change(data: Data) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _append(path: str, value: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        node: Any = data
        for key in path.split("."):
            node = node[int(key)] if isinstance(node, list) else node[key]
        node.append(value)

    return change


def _custom(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "Checkbox", "label": "Flag", **extra}


BAD = [
    Bad("unknown-top-level-key", _set("homepage", "https://example.com"), "Extra inputs are not permitted"),
    Bad("unknown-object-key", _set("objects.Lead.delete", ["Id"]), "Extra inputs are not permitted"),
    Bad("unknown-endpoint-key", _set("endpoints.0.public", True), "Extra inputs are not permitted"),
    Bad("version-not-semver", _set("version", "1.0"), "semantic version"),
    Bad("api-version-unquoted", _set("salesforce_api_version", 61.0), "quote the version"),
    Bad("custom-field-without-suffix", _append("objects.Lead.custom_fields", _custom("Flag")), "ending in __c"),
    Bad(
        "custom-field-neither-read-nor-written",
        _append("objects.Lead.custom_fields", _custom("Unused__c")),
        "neither read nor written",
    ),
    Bad("custom-field-undeclared", _append("objects.Lead.read", "Secret_Score__c"), "declare it under"),
    Bad("custom-field-bad-type", _set("objects.Task.custom_fields.0.type", "String"), "unknown field type"),
    Bad("text-too-long", _set("objects.Task.custom_fields.0.type", "Text(300)"), "1 to 255"),
    Bad(
        "picklist-without-values",
        _set("objects.Task.custom_fields.1", {"name": "SMS_Direction__c", "type": "Picklist", "label": "D"}),
        "picklists list their values",
    ),
    Bad("field-name-with-dash", _append("objects.Lead.read", "Mobile-Phone"), "Salesforce field API name"),
    Bad("field-name-empty-segment", _append("objects.Lead.read", "Owner..Name"), "Salesforce field API name"),
    Bad("write-related-field", _append("objects.Lead.write", "Owner.Name"), "on a related record"),
    Bad("field-listed-twice", _append("objects.Lead.read", "Id"), "listed twice"),
    Bad("bad-endpoint-auth", _set("endpoints.0.auth", "basic"), "twilio_signature"),
    Bad("bad-endpoint-method", _set("endpoints.0.method", "FETCH"), "'GET'"),
    Bad("endpoint-path-relative", _set("endpoints.0.path", "hooks/twilio"), "a path such as"),
    Bad("endpoint-twice", _append("endpoints", {"path": "/healthz", "method": "GET", "auth": "none"}), "twice"),
    Bad("bad-event-kind", _set("events.0.on", ["deleted"]), "'created'"),
    Bad("bad-event-channel", _set("events.0.via", ["email"]), "'outbound_message'"),
    Bad("event-on-unlisted-object", _set("events.0.object", "Opportunity"), "not listed under objects"),
    Bad("bad-job-interval", _set("jobs.0.every", "soon"), 'expected a duration like "2h"'),
    Bad("setting-name-lowercase", _set("settings.0.name", "database_url"), "environment variable name"),
    Bad(
        "required-setting-with-default",
        _set("settings.0", {"name": "X", "required": True, "secret": False, "default": "1", "description": "x"}),
        "cannot have a default",
    ),
]


@pytest.mark.parametrize("case", BAD, ids=lambda c: c.id)
def test_bad_manifest_rejected(case: Bad, data: Data) -> None:
    broken = copy.deepcopy(data)
    case.change(broken)
    with pytest.raises(ValidationError) as caught:
        Manifest.model_validate(broken)
    assert case.message in str(caught.value)


def test_unquoted_on_key_from_yaml11_is_accepted() -> None:
    event = yaml.safe_load("{object: Lead, on: [created], via: [polling]}")
    assert True in event
    model = Manifest.model_validate(
        {
            "id": "x",
            "name": "X",
            "version": "1.0.0",
            "salesforce_api_version": "61.0",
            "objects": {"Lead": {"read": ["Id"]}},
            "events": [event],
        }
    )
    assert model.events[0].on == ["created"]
