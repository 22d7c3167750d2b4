"""Object and field definitions: the emulator's standard fields plus the custom fields manifest.yaml declares."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

TEXT_TYPES = frozenset({"string", "textarea", "phone", "email", "url", "picklist", "multipicklist", "combobox"})
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent"})


@dataclass(frozen=True)
class FieldDef:
    """One field as describe reports it, plus what the emulator needs to validate writes."""

    name: str
    type: str
    length: int = 0
    label: str = ""
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    required: bool = False  # must be given on create (describe: createable, not nillable, not defaulted)
    custom: bool = False
    external_id: bool = False
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    default: Any = None

    def describe(self) -> dict[str, Any]:
        """The field's entry in a describe result."""
        return {
            "name": self.name,
            "type": self.type,
            "label": self.label or _label(self.name),
            "length": self.length,
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "custom": self.custom,
            "externalId": self.external_id,
            "idLookup": self.name == "Id" or self.external_id,
            "defaultedOnCreate": self.default is not None,
            "restrictedPicklist": self.restricted,
            "picklistValues": [
                {"active": True, "defaultValue": v == self.default, "label": v, "value": v, "validFor": None}
                for v in self.picklist
            ],
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
        }


@dataclass
class ObjectDef:
    """An sObject type: its name, key prefix and fields (looked up case-insensitively, as Salesforce does)."""

    name: str
    key_prefix: str
    label: str
    fields: dict[str, FieldDef] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_lower = {name.lower(): f for name, f in self.fields.items()}

    def add(self, f: FieldDef) -> None:
        self.fields[f.name] = f
        self._by_lower[f.name.lower()] = f

    def field(self, name: str) -> FieldDef | None:
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field behind a relationship name: "Owner" -> OwnerId."""
        lowered = name.lower()
        return next((f for f in self.fields.values() if (f.relationship_name or "").lower() == lowered), None)

    def describe(self, version: str) -> dict[str, Any]:
        """The sObject describe result (a subset of the real one, in its shape)."""
        base = f"/services/data/v{version}/sobjects/{self.name}"
        return {
            "name": self.name,
            "label": self.label,
            "labelPlural": self.label + "s",
            "keyPrefix": self.key_prefix,
            "custom": self.name.endswith("__c"),
            "createable": True,
            "updateable": True,
            "deletable": True,
            "queryable": True,
            "retrieveable": True,
            "searchable": True,
            "triggerable": True,
            "fields": [f.describe() for f in self.fields.values()],
            "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
        }


class Schema:
    """All sObject types of the org, by name (case-insensitive) and by key prefix."""

    def __init__(self, objects: Iterable[ObjectDef]) -> None:
        self._objects = {o.name.lower(): o for o in objects}
        self._by_prefix = {o.key_prefix: o for o in self._objects.values()}

    def __iter__(self) -> Iterator[ObjectDef]:
        return iter(self._objects.values())

    def get(self, name: str) -> ObjectDef | None:
        return self._objects.get(name.lower())

    def by_prefix(self, key_prefix: str) -> ObjectDef | None:
        return self._by_prefix.get(key_prefix)


def _label(name: str) -> str:
    base = name.removesuffix("__c").removesuffix("Id") if name != "Id" else "Id"
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", base.replace("_", " ")).strip()


_MANIFEST_TYPES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Checkbox$"), "boolean"),
    (re.compile(r"^Date$"), "date"),
    (re.compile(r"^DateTime$"), "datetime"),
    (re.compile(r"^Time$"), "time"),
    (re.compile(r"^Email$"), "email"),
    (re.compile(r"^Phone$"), "phone"),
    (re.compile(r"^URL$"), "url"),
    (re.compile(r"^Picklist$"), "picklist"),
    (re.compile(r"^Multi-Select Picklist$"), "multipicklist"),
    (re.compile(r"^Text Area$"), "textarea"),
    (re.compile(r"^Text\((\d+)\)$"), "string"),
    (re.compile(r"^Long Text Area\((\d+)\)$"), "textarea"),
    (re.compile(r"^Number\(\d+, ?(\d+)\)$"), "double"),
    (re.compile(r"^Lookup\((\w+)\)$"), "reference"),
]


def custom_field(spec: Mapping[str, Any]) -> FieldDef:
    """A FieldDef from one manifest.yaml `custom_fields` entry; custom picklists are restricted."""
    kind = str(spec.get("type", ""))
    found = next(((p.match(kind), t) for p, t in _MANIFEST_TYPES if p.match(kind)), None)
    if found is None or found[0] is None:
        raise ValueError(f"unknown custom field type {kind!r} for {spec.get('name')}")
    match, sf_type = found
    name = str(spec["name"])
    opts: dict[str, Any] = {"label": str(spec.get("label") or _label(name)), "custom": True}
    if sf_type == "boolean":
        opts.update(nillable=False, default=False)
    elif sf_type == "string":
        opts["length"] = int(match.group(1))
    elif sf_type == "textarea":
        opts["length"] = int(match.group(1)) if match.groups() else 255
    elif sf_type in ("picklist", "multipicklist"):
        opts.update(length=255, picklist=tuple(str(v) for v in spec.get("values") or ()), restricted=True)
    elif sf_type in ("email", "phone", "url"):
        opts["length"] = 80 if sf_type == "email" else 40 if sf_type == "phone" else 255
    elif sf_type == "reference":
        opts.update(reference_to=(match.group(1),), relationship_name=name.removesuffix("__c") + "__r", length=18)
    # The manifest asks admins to mark message ids as External IDs so write-back upserts are idempotent.
    if name.endswith("_Id__c") and sf_type == "string":
        opts["external_id"] = True
    return FieldDef(name=name, type=sf_type, **opts)
