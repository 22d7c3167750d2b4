"""The plugin manifest (`manifest.yaml`): the connector's contract with the host CRM.

It names the objects and fields the connector reads and writes, the custom fields the org must have, the
webhook endpoints it serves, the record events it subscribes to, the settings it reads and its scheduled jobs.

    id: smsflow-connector
    version: 0.1.0
    objects:
      Lead:
        read: [Id, MobilePhone, Owner.Name, SMS_Opt_Out__c]
        write: [SMS_Opt_Out__c]
        custom_fields:
          - {name: SMS_Opt_Out__c, type: Checkbox, label: SMS Opt Out, description: Never text this lead}
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from connector.engine.durations import Duration

_API_NAME = r"[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?"
_FIELD = re.compile(rf"^{_API_NAME}(?:\.{_API_NAME})*$")
_OBJECT = re.compile(rf"^{_API_NAME}$")
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z.-]+)?$"
)
_FIELD_TYPE = re.compile(
    r"^(?:Checkbox|Date|DateTime|Time|Email|Phone|URL|Picklist|Multi-Select Picklist|Text Area"
    r"|Text\((?P<text>\d+)\)|Long Text Area\((?P<long>\d+)\)|Number\(\d+, ?\d+\)|Lookup\([A-Za-z]\w*\))$"
)


def _matching(pattern: re.Pattern[str], expected: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"expected {expected}, got {value!r}")
        return value

    return AfterValidator(check)


def _quoted_version(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f'quote the version so YAML keeps it as text, e.g. "{value}"')
    return value


FieldName = Annotated[str, _matching(_FIELD, "a Salesforce field API name such as Owner.Name")]
ObjectName = Annotated[str, _matching(_OBJECT, "a Salesforce object API name such as Lead")]
SemVer = Annotated[str, BeforeValidator(_quoted_version), _matching(_SEMVER, "a semantic version like 1.2.3")]
ApiVersion = Annotated[
    str, BeforeValidator(_quoted_version), _matching(re.compile(r"^\d{2}\.\d$"), 'a version like "61.0"')
]
EnvName = Annotated[str, _matching(re.compile(r"^[A-Z][A-Z0-9_]*$"), "an environment variable name")]
JobName = Annotated[str, _matching(re.compile(r"^[a-z][a-z0-9_]*$"), "a snake_case job name")]
EndpointPath = Annotated[
    str,
    _matching(
        re.compile(r"^/(?:[A-Za-z0-9._~-]+|<[a-z_]+>)?(?:/(?:[A-Za-z0-9._~-]+|<[a-z_]+>))*(?:/\*)?$"),
        "a path such as /hooks/twilio/inbound, /admin/* for a subtree, or <name> for a path segment",
    ),
]
Auth = Literal["twilio_signature", "salesforce_org_id", "hmac", "admin_session", "none"]
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
EventKind = Literal["created", "updated", "field_changed", "call_logged"]
Channel = Literal["outbound_message", "callout", "polling"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _unique(items: list[str], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise ValueError(f"{what} {item!r} is listed twice")
        seen.add(item)


class CustomField(_Model):
    """A custom field the org must have; `values` lists a picklist's values."""

    name: FieldName
    type: str
    label: str = Field(min_length=1, max_length=40)
    description: str = ""
    values: list[str] | None = None

    @field_validator("name")
    @classmethod
    def _custom_name(cls, name: str) -> str:
        if not name.endswith("__c") or "." in name:
            raise ValueError(f"custom field {name!r} must be a field API name ending in __c")
        return name

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        kind = _FIELD_TYPE.match(value)
        if kind is None:
            raise ValueError(
                f"unknown field type {value!r}; expected Checkbox, Picklist, Text(255), DateTime,"
                " Long Text Area(32768), Date, Phone, Email, Number(18,0), Lookup(User), ..."
            )
        if kind["text"] and not 1 <= int(kind["text"]) <= 255:
            raise ValueError("Text(n) takes 1 to 255 characters")
        if kind["long"] and not 256 <= int(kind["long"]) <= 131072:
            raise ValueError("Long Text Area(n) takes 256 to 131072 characters")
        return value

    @model_validator(mode="after")
    def _check(self) -> CustomField:
        if self.type.endswith("Picklist") != (self.values is not None):
            raise ValueError("picklists list their values; other field types have none")
        if self.values is not None:
            _unique(self.values, "picklist value")
        return self


class ObjectSpec(_Model):
    """What the connector does with one CRM object: fields read, fields written, custom fields required."""

    description: str = ""
    read: list[FieldName] = Field(min_length=1)
    write: list[FieldName] = Field(default_factory=list)
    custom_fields: list[CustomField] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> ObjectSpec:
        _unique(self.read, "read field")
        _unique(self.write, "write field")
        _unique([f.name for f in self.custom_fields], "custom field")
        for name in self.write:
            if "." in name:
                raise ValueError(f"write field {name!r} is on a related record; write only own fields")
        used = set(self.read) | set(self.write)
        declared = {f.name for f in self.custom_fields}
        for name in sorted(declared - used):
            raise ValueError(f"custom field {name!r} is neither read nor written")
        for name in sorted(n for n in used - declared if n.endswith("__c") and "." not in n):
            raise ValueError(f"{name!r} is a custom field; declare it under custom_fields")
        return self


class Endpoint(_Model):
    """A URL the connector serves to the host or providers, and how callers authenticate."""

    path: EndpointPath
    method: Method | list[Method]
    auth: Auth
    description: str = ""

    @property
    def methods(self) -> frozenset[str]:
        return frozenset([self.method] if isinstance(self.method, str) else self.method)

    def matches(self, rule: str, method: str) -> bool:
        """Whether a Flask route (`/hooks/<key>`, any parameter names) and method fall under this endpoint."""
        if method not in self.methods:
            return False
        segments = self.path.removesuffix("/*").split("/")
        pattern = "/".join("<[^>]+>" if s.startswith("<") else re.escape(s) for s in segments)
        tail = r"(?:/.*)?" if self.path.endswith("/*") else ""
        return re.fullmatch(pattern + tail, rule) is not None


class Event(_Model):
    """Record changes the connector subscribes to, and the channels they may arrive by."""

    object: ObjectName
    on: list[EventKind] = Field(min_length=1)
    via: list[Channel] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _yaml11_on(cls, data: Any) -> Any:
        # PyYAML (YAML 1.1) reads an unquoted `on:` key as the boolean True.
        if isinstance(data, dict) and True in data and "on" not in data:
            data = {("on" if key is True else key): value for key, value in data.items()}
        return data

    @model_validator(mode="after")
    def _check(self) -> Event:
        _unique(list(self.on), "event")
        _unique(list(self.via), "channel")
        return self


class SettingSpec(_Model):
    """An environment variable the connector reads (see connector.settings)."""

    name: EnvName
    required: bool
    secret: bool
    default: str | None = None
    required_when: str | None = None
    description: str = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> SettingSpec:
        if self.required and self.default is not None:
            raise ValueError(f"{self.name} is required, so it cannot have a default")
        return self


class Job(_Model):
    """A scheduled job; `leader_only` jobs run on one process at a time (a PostgreSQL advisory lock)."""

    name: JobName
    every: Duration
    leader_only: bool = False
    description: str = ""


class Manifest(_Model):
    """The whole manifest.yaml; see the module docstring for an example."""

    id: Annotated[str, _matching(re.compile(r"^[a-z][a-z0-9-]*$"), "a lowercase id like smsflow-connector")]
    name: str = Field(min_length=1)
    version: SemVer
    description: str = ""
    salesforce_api_version: ApiVersion
    objects: dict[ObjectName, ObjectSpec] = Field(min_length=1)
    endpoints: list[Endpoint] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    settings: list[SettingSpec] = Field(default_factory=list)
    jobs: list[Job] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Manifest:
        for event in self.events:
            if event.object not in self.objects:
                raise ValueError(f"event on {event.object!r}, which is not listed under objects")
        routes = [f"{m} {e.path}" for e in self.endpoints for m in sorted(e.methods)]
        _unique(routes, "endpoint")
        _unique([s.name for s in self.settings], "setting")
        _unique([j.name for j in self.jobs], "job")
        return self

    def has_object(self, name: str) -> bool:
        return name in self.objects

    def readable(self, obj: str) -> set[str]:
        """Fields of `obj` the connector may read; empty for an object the manifest does not list."""
        spec = self.objects.get(obj)
        return set(spec.read) if spec else set()

    def writable(self, obj: str) -> set[str]:
        """Fields of `obj` the connector may write; empty for an object the manifest does not list."""
        spec = self.objects.get(obj)
        return set(spec.write) if spec else set()

    def endpoint_for(self, rule: str, method: str) -> Endpoint | None:
        """The endpoint that declares a Flask route, if any."""
        return next((e for e in self.endpoints if e.matches(rule, method)), None)
