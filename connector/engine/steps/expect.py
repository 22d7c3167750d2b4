"""The `expect:` step part: wait for a reply of a kind, and name its outcome for `next:`."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from connector.engine.replies import Understanding, classify
from connector.engine.steps.base import Shorthand, StepModel

DOC = """Wait for a reply and branch on what it means; `timeout:` bounds the wait.

    offer:
      send: "Reply YES to confirm {{ record.Booking_Time__c | datetime }}, or NO to cancel."
      expect: yes_no            # or {choice: [Morning, Afternoon]}, {keywords: {...}}, text, {text: address}
      timeout: 24h
      next: {yes: confirmed, no: cancelled, unknown: person, timeout: person}
"""

TextKind = Literal["free", "address", "date", "email", "number"]

# Outcomes any waiting step can have besides those its `expect` names.
COMMON_OUTCOMES = ("unknown", "timeout", "stop", "failed")


class Expect(Shorthand, StepModel):
    """What reply a step waits for: exactly one of yes_no, choice, keywords or text."""

    SHORTHAND: ClassVar[dict[str, Any]] = {"enum": ["yes_no", "text"]}

    yes_no: bool = False
    choice: list[str] | None = Field(default=None, min_length=2, max_length=9)
    keywords: dict[str, list[str]] | None = Field(default=None, min_length=1)
    text: TextKind | None = None
    save_to: str | None = Field(default=None, description="a record field that receives a `text` reply")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        if value == "yes_no":
            return {"yes_no": True}
        if value == "text":
            return {"text": "free"}
        if isinstance(value, str):
            raise ValueError(
                f"expected yes_no, text, {{choice: [...]}}, {{keywords: {{...}}}} or {{text: address}}, got {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Expect:
        chosen = [k for k in ("yes_no", "choice", "keywords", "text") if getattr(self, k)]
        if len(chosen) != 1:
            raise ValueError("give exactly one of yes_no, choice, keywords or text")
        if self.save_to and self.kind != "text":
            raise ValueError("save_to goes with a text reply")
        if self.keywords and any(name in COMMON_OUTCOMES for name in self.keywords):
            raise ValueError(f"keyword groups may not be named {', '.join(COMMON_OUTCOMES)}")
        return self

    @property
    def kind(self) -> str:
        if self.yes_no:
            return "yes_no"
        if self.choice:
            return "choice"
        return "keywords" if self.keywords else "text"

    def outcomes(self) -> tuple[str, ...]:
        """Every outcome `next:` may name for this step."""
        if self.kind == "yes_no":
            own: tuple[str, ...] = ("yes", "no")
        elif self.kind == "choice":
            own = tuple(str(i) for i in range(1, len(self.choice or []) + 1))
        elif self.kind == "keywords":
            own = tuple(self.keywords or {})
        else:
            own = ("text",)
        return own + COMMON_OUTCOMES

    def understand(self, reply: str) -> Understanding:
        """Classify a reply against this expectation (opt-out and help words are checked first)."""
        return classify(
            reply, self.kind, options=self.choice or (), keywords=self.keywords, text_kind=self.text or "free"
        )
