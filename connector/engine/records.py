"""Read mapped values out of a CRM record: nested relationship fields, defaults, the phone to text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.phones import time_zones

if TYPE_CHECKING:  # type-only: config.mapping imports the step registry, whose wait step reads fields from here
    from connector.config.mapping import Mapping, Variable


def field_value(fields: dict[str, Any], path: str) -> Any:
    """`Owner.FirstName` from {"Owner": {"FirstName": ..}} (the REST shape) or {"Owner.FirstName": ..} (flat)."""
    if path in fields:
        return fields[path]
    node: Any = fields
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _value(fields: dict[str, Any], var: Variable) -> Any:
    value = field_value(fields, var.field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return var.default if var.default is not None else value
    return value


def flow_values(mapping: Mapping, fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The mapping's variables and the owner's fields for a record, as a Start input carries them."""
    variables = {name: _value(fields, var) for name, var in mapping.variables.items()}
    if mapping.time_zone:
        variables.setdefault("time_zone", field_value(fields, mapping.time_zone))
    owner = {name: _value(fields, var) for name, var in mapping.owner.fields.items()}
    owner["id"] = field_value(fields, mapping.owner.id)
    return variables, owner


def phone_candidates(mapping: Mapping, fields: dict[str, Any]) -> list[str]:
    """The raw numbers to try, mobile first; the host normalises and picks the first valid one."""
    found = [field_value(fields, f) for f in mapping.phone.fields()]
    return [str(v).strip() for v in found if v not in (None, "") and str(v).strip()]


def zone_for_texts(variables: dict[str, Any], phone: str | None) -> str | None:
    """The zone dates in texts are written in: the record's time-zone field, else the number's only zone.

    A number that may be in several zones names none here (texts then read in UTC); the contact policy, which must
    not guess, reads all of them.
    """
    named = variables.get("time_zone")
    if named:
        return str(named)
    zones = time_zones(phone) if phone else ()
    return zones[0] if len(zones) == 1 else None
