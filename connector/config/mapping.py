"""The mapping file format (mappings/*.yaml): how one CRM object's fields feed flows and receive activities."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connector.engine.steps.base import Shorthand

FIELD_PATH = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")
VAR_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
RESERVED = {"record", "owner", "answers", "reply", "flow", "call"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_field(value: str) -> str:
    if not FIELD_PATH.match(value):
        raise ValueError(f"{value!r} is not a field name (like MobilePhone or Owner.Name)")
    return value


class Phones(_Strict):
    """Which fields hold the number to text: the mobile first, then the fallbacks in order."""

    mobile: str
    fallback: list[str] = Field(default_factory=list)
    default_region: str = Field(default="US", pattern=r"^[A-Z]{2}$", description="for numbers written nationally")

    @field_validator("mobile")
    @classmethod
    def _mobile(cls, value: str) -> str:
        return _check_field(value)

    @field_validator("fallback")
    @classmethod
    def _fallback(cls, value: list[str]) -> list[str]:
        return [_check_field(v) for v in value]

    def fields(self) -> list[str]:
        return [self.mobile, *self.fallback]


class Variable(Shorthand, _Strict):
    """A flow variable read from a record field; `max_length` is what the segment budget assumes."""

    field: str
    default: str | None = Field(default=None, description='used when the field is empty, e.g. "there"')
    max_length: int = Field(default=40, ge=1, le=1000)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return {"field": value} if isinstance(value, str) else value

    @field_validator("field")
    @classmethod
    def _field(cls, value: str) -> str:
        return _check_field(value)


class Owner(_Strict):
    """The record's owner: the id field, and the owner's fields flows may use as owner.<name>."""

    id: str = "OwnerId"
    fields: dict[str, Variable] = Field(default_factory=dict, description="e.g. first_name: Owner.FirstName")

    @model_validator(mode="after")
    def _names(self) -> Owner:
        _check_field(self.id)
        for name in self.fields:
            if not VAR_NAME.match(name):
                raise ValueError(f"owner field names are lower_snake_case, got {name!r}")
        return self


class Activity(_Strict):
    """How each text, reply and delivery receipt is written back to the record's timeline."""

    object: str = "Task"
    link_field: str = Field(default="WhoId", description="the activity's lookup to the record")
    fields: dict[str, str | bool | int | None] = Field(default_factory=dict)
    subjects: dict[Literal["sent", "received", "status"], str] = Field(
        default_factory=lambda: {
            "sent": "SMS sent: {{ body | truncate(80) }}",
            "received": "SMS received: {{ body | truncate(80) }}",
            "status": "SMS {{ status }}: {{ body | truncate(60) }}",
        }
    )
    description: str = (
        "{{ direction }} SMS {{ from }} -> {{ to }}\nMessageSid: {{ provider_id }}\nStatus: {{ status }}\n\n{{ body }}"
    )
    message_id_field: str | None = Field(default=None, description="a field that keeps the provider's message id")


class Mapping(_Strict):
    """One CRM object's mapping: phones, name, owner, time zone, consent fields, variables and activity."""

    object: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    phone: Phones
    name: dict[Literal["first", "last", "full"], str] = Field(default_factory=dict)
    owner: Owner = Field(default_factory=Owner)
    time_zone: str | None = Field(default=None, description="a field holding an IANA zone, e.g. America/Chicago")
    opt_out: str | None = Field(default=None, description="a checkbox: the contact said STOP (kept in sync)")
    marketing_opt_in: str | None = Field(default=None, description="a checkbox: consent to marketing texts")
    never_text_when: str | None = Field(
        default=None, description="a condition; records matching it are never texted (e.g. marked invalid)"
    )
    variables: dict[str, Variable] = Field(default_factory=dict)
    activity: Activity = Field(default_factory=Activity)

    @model_validator(mode="after")
    def _names(self) -> Mapping:
        for name in self.variables:
            if not VAR_NAME.match(name):
                raise ValueError(f"variable names are lower_snake_case, got {name!r}")
            if name in RESERVED:
                raise ValueError(f"{name!r} is reserved for flows ({', '.join(sorted(RESERVED))})")
        for value in (*self.name.values(), self.time_zone, self.opt_out, self.marketing_opt_in):
            if value is not None:
                _check_field(value)
        return self

    def fields(self) -> list[str]:
        """Every record field this mapping reads."""
        found = [*self.phone.fields(), *self.name.values(), self.owner.id]
        found += [v.field for v in self.owner.fields.values()]
        found += [f for f in (self.time_zone, self.opt_out, self.marketing_opt_in) if f]
        found += [v.field for v in self.variables.values()]
        return list(dict.fromkeys(found))
