"""`smsflow validate`: every problem, in every file, reported at once as file:line:column: message."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from connector.config.validate import load_config

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
flow: tiny
trigger: {object: Lead, on: created, when: "LeadSource == 'Web'"}
policy: {category: transactional}
start: hello
steps:
  hello:
    send: "Hi {{ first_name }}, it's {{ sender }}"
    expect: yes_no
    timeout: 1h
    next: {yes: done, no: done, unknown: done}
  done:
    end: true
"""


WAIT_UNTIL = """\
  pause:
    wait: {{until: {field}, before: 1d}}
    next: hello
"""


@dataclass
class Case:
    id: str
    files: dict[str, str]
    expect: list[str] = field(default_factory=list)  # "file:line:col: fragment of the message"
    ok: bool = False


def _bad(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


CASES = [
    Case("good-flow-passes", {"f.yaml": GOOD}, ok=True),
    Case(
        "misspelt-top-key",
        {"f.yaml": _bad(GOOD, "policy:", "polcy:")},
        ["f.yaml:3:1: polcy: unknown key", "f.yaml:1:1: policy: required"],
    ),
    Case(
        "misspelt-step-key",
        {"f.yaml": _bad(GOOD, "    send:", "    sned:")},
        ["f.yaml:7:5: steps.hello.sned: unknown key"],
    ),
    Case(
        "unknown-step-in-next",
        {"f.yaml": _bad(GOOD, "no: done,", "no: gone,")},
        ["f.yaml:10:27: steps.hello.next: no step named 'gone'"],
    ),
    Case(
        "unreachable-step",
        {"f.yaml": GOOD + "  orphan:\n    end: true\n"},
        ["f.yaml:13:3: steps.orphan: unreachable"],
    ),
    Case(
        "outcome-not-possible-here",
        {"f.yaml": _bad(GOOD, "no: done,", "maybe: done,")},
        ["f.yaml:10:23: steps.hello.next: 'maybe' is not an outcome here"],
    ),
    Case(
        "unknown-must-reach-a-person",
        {"f.yaml": _bad(GOOD, ", unknown: done}", "}")},
        ["f.yaml:10:11: steps.hello.next: route `unknown`"],
    ),
    Case(
        "bad-duration",
        {"f.yaml": _bad(GOOD, "timeout: 1h", "timeout: soon")},
        ['f.yaml:9:14: steps.hello.timeout: expected a duration like "2h"'],
    ),
    Case(
        "template-syntax-error",
        {"f.yaml": _bad(GOOD, "{{ first_name }}", "{{ first_name ")},
        ["f.yaml:7:11: steps.hello.send: template error"],
    ),
    Case(
        "unknown-filter",
        {"f.yaml": _bad(GOOD, "{{ first_name }}", "{{ first_name | shout }}")},
        ["f.yaml:7:11: steps.hello.send: template error: No filter named 'shout'"],
    ),
    Case(
        "undefined-merge-field",
        {"f.yaml": _bad(GOOD, "{{ first_name }}", "{{ frist_name }}")},
        ["f.yaml:7:11: steps.hello.send: undefined merge field 'frist_name'"],
    ),
    Case(
        "record-field-not-in-manifest",
        {"f.yaml": _bad(GOOD, "{{ first_name }}", "{{ record.Salary__c }}")},
        ["f.yaml:7:11: steps.hello.send: record.Salary__c is not a field the manifest reads"],
    ),
    Case(
        "send-over-segment-budget",
        {"f.yaml": _bad(GOOD, "Hi {{ first_name }},", "word " * 70)},
        ["f.yaml:7:11: steps.hello.send: up to 3 segments (GSM-7"],
    ),
    Case(
        "curly-quote-warns-ucs2",
        {"f.yaml": _bad(GOOD, "Hi {{", "Hi, it’s {{")},
        ["f.yaml:7:11: warning: steps.hello.send: ’ makes this text UCS-2"],
        ok=True,
    ),
    Case(
        "trigger-field-not-in-manifest",
        {"f.yaml": _bad(GOOD, "on: created,", "on: field_changed, fields: [Statuz],")},
        ["f.yaml:2:53: Statuz is not a field the manifest reads on Lead"],
    ),
    Case(
        "condition-syntax-error",
        {"f.yaml": _bad(GOOD, "LeadSource == 'Web'", "LeadSource == ")},
        ["f.yaml:2:44: trigger.when: expected a value after '=='"],
    ),
    Case(
        "condition-unknown-field",
        {"f.yaml": _bad(GOOD, "LeadSource ==", "LeadSauce ==")},
        ["f.yaml:2:44: LeadSauce is not a field the manifest reads"],
    ),
    Case(
        "update-field-not-writable",
        {"f.yaml": _bad(GOOD, "  done:\n", "  done:\n    update: {Email: x}\n")},
        ["f.yaml:12:14: Email is not among the Lead fields the manifest writes"],
    ),
    Case(
        "stop-route-may-not-text",
        {"f.yaml": _bad(GOOD, "unknown: done}", "unknown: done, stop: hello}")},
        ["steps.hello.next.stop leads to hello, which texts or waits for a reply"],
    ),
    Case(
        "loop-without-waiting",
        {"f.yaml": GOOD.replace("no: done,", "no: a,") + "  a: {next: b}\n  b: {next: a}\n"},
        ["steps a -> b -> a loop without waiting"],
    ),
    Case(
        "step-must-end-or-go-on",
        {"f.yaml": _bad(GOOD, "    end: true\n", "    send: bye\n")},
        ["f.yaml:12:5: steps.done: a step must say where the run goes"],
    ),
    Case(
        "first-text-must-name-the-sender",
        {"f.yaml": _bad(GOOD, ", it's {{ sender }}", "")},
        ["f.yaml:7:11: steps.hello.send: the first text a contact gets must say who it is from: add {{ sender }}"],
    ),
    Case(
        "first-text-after-a-pause-must-name-the-sender",
        {
            "f.yaml": _bad(GOOD, "start: hello", "start: pause") + "  pause: {wait: 1h, next: late}\n"
            '  late: {send: "Hi {{ first_name }}", next: hello}\n'
        },
        ["f.yaml:14:16: steps.late.send: the first text a contact gets must say who it is from"],
    ),
    Case(
        "sender-counts-at-its-longest",
        {"f.yaml": _bad(GOOD, "transactional}", "transactional, max_segments: 1}").replace("Hi {{", "x" * 116 + " {{")},
        ["f.yaml:7:11: steps.hello.send: up to 2 segments (GSM-7, 174 units at worst)"],
    ),
    Case(
        "choice-answer-counts-at-its-longest-option",
        {
            "f.yaml": _bad(GOOD, "transactional}", "transactional, max_segments: 1}")
            .replace("expect: yes_no", "expect: {choice: [Morning, Evening]}")
            .replace("{yes: done, no: done,", '{"1": done, "2": done,')
            .replace("    end: true", "    send: '" + "x" * 140 + " {{ answers.hello }}'\n    end: true")
        },
        ok=True,
    ),
    Case(
        "marketing-first-text-says-how-to-opt-out",
        {"f.yaml": _bad(GOOD, "category: transactional", "category: marketing")},
        ['f.yaml:7:11: steps.hello.send: the first text of a marketing flow must say how to opt out: "Reply STOP'],
    ),
    Case(
        "wait-until-a-field-the-manifest-does-not-read",
        {"f.yaml": _bad(GOOD, "start: hello", "start: pause") + WAIT_UNTIL.format(field="record.Salary__c")},
        ["f.yaml:14:19: steps.pause.wait.until: Salary__c is not a field the manifest reads on Lead"],
    ),
    Case(
        "wait-until-a-field-that-is-not-a-date-time",
        {"f.yaml": _bad(GOOD, "start: hello", "start: pause") + WAIT_UNTIL.format(field="SMS_Time_Zone__c")},
        ["f.yaml:14:19: steps.pause.wait.until: SMS_Time_Zone__c is a Text(40) field; a wait needs a DateTime"],
    ),
    Case(
        "wait-until-names-a-field-not-a-template",
        {
            "f.yaml": _bad(GOOD, "start: hello", "start: pause")
            + WAIT_UNTIL.format(field="'{{ record.Booking_Time__c }}'")
        },
        ["f.yaml:14:11: steps.pause.wait: until: expected a record field like record.Booking_Time__c"],
    ),
    Case(
        "wait-until-routes-its-own-outcomes",
        {
            "f.yaml": _bad(GOOD, "start: hello", "start: pause")
            + "  pause:\n    wait: {until: record.Booking_Time__c}\n    next: {passed: done, maybe: hello}\n"
        },
        [
            "f.yaml:15:26: steps.pause.next: 'maybe' is not an outcome here (expected one of due, missing, passed)",
            "f.yaml:15:11: steps.pause.next: route `due`",
        ],
    ),
    Case(
        "wait-for-a-while-has-one-next",
        {"f.yaml": _bad(GOOD, "start: hello", "start: pause") + "  pause: {wait: 1h, next: {due: hello}}\n"},
        ["f.yaml:13:10: steps.pause: next maps outcomes only after expect or a wait until a field"],
    ),
    Case(
        "wait-until-may-go-straight-on-so-it-cannot-close-a-loop",
        {
            "f.yaml": _bad(GOOD, "no: done,", "no: a,")
            + "  a: {wait: {until: record.Booking_Time__c, before: 1d}, next: b}\n  b: {next: a}\n"
        },
        ["steps a -> b -> a loop without waiting"],
    ),
    Case(
        "wait-until-a-date-time-field-passes",
        {"f.yaml": _bad(GOOD, "start: hello", "start: pause") + WAIT_UNTIL.format(field="record.Booking_Time__c")},
        ok=True,
    ),
    Case("not-yaml", {"f.yaml": "flow: [unclosed\nstart: x\n"}, ["f.yaml:2:6: not valid YAML"]),
    Case("duplicate-key", {"f.yaml": GOOD + "start: again\n"}, ["f.yaml:13:1: duplicate key 'start'"]),
    Case(
        "duplicate-flow-ids",
        {"a.yaml": GOOD, "b.yaml": GOOD},
        ["b.yaml:1:7: duplicate flow id 'tiny' (also in"],
    ),
    Case(
        "yes-and-on-stay-strings",
        {"f.yaml": GOOD.replace("{object: Lead, on: created", "{object: Lead, on: yes")},
        ["f.yaml:2:29: trigger.on: Input should be 'created'"],
    ),
    Case(
        "mapping-field-not-in-manifest",
        {"m.yaml": "object: Lead\nphone: {mobile: MobilePhone, fallback: [Fax]}\n"},
        ["m.yaml:2:41: Fax is not among the Lead fields the manifest reads"],
    ),
    Case(
        "mapping-variable-may-not-shadow-the-sender",
        {"m.yaml": "object: Lead\nphone: {mobile: MobilePhone}\nvariables:\n  sender: {field: Company}\n"},
        ["m.yaml:4:3: variables.sender: 'sender' is a merge field of its own"],
    ),
    Case(
        "mapping-misspelt-key",
        {"m.yaml": "object: Lead\nphone: {mobile: MobilePhone}\nvariabels: {}\n"},
        ["m.yaml:3:1: variabels: unknown key"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_validate_reports_where(case: Case, tmp_path: Path) -> None:
    for name, text in case.files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    bundle = load_config([tmp_path], mappings=ROOT / "mappings", manifest=ROOT / "manifest.yaml")
    shown = [str(p).replace(f"{tmp_path}/", "") for p in bundle.problems]
    for expected in case.expect:
        assert any(line.startswith(expected) or expected in line for line in shown), (expected, shown)
    assert (not bundle.errors) == case.ok, shown


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD.replace("timeout: 1h", "timeout: soon").replace("send:", "sned:"))
    (tmp_path / "b.yaml").write_text(
        GOOD.replace("tiny", "other").replace("no: done,", "no: gone,") + "  orphan: {end: true}\n"
    )
    bundle = load_config([tmp_path], mappings=ROOT / "mappings", manifest=ROOT / "manifest.yaml")
    where = sorted((Path(p.file).name, p.line) for p in bundle.errors)
    assert where == [("a.yaml", 7), ("a.yaml", 9), ("b.yaml", 10), ("b.yaml", 13)], bundle.problems


def test_shipped_config_is_valid(repo_root: Path) -> None:
    bundle = load_config()
    assert [str(p) for p in bundle.problems] == []
    shipped = {"intro-text", "missed-call", "booking-confirm", "address-request", "promo-reactivation"}
    assert shipped | {"appointment-reminder", "contact-preference"} <= set(bundle.flows)
    assert set(bundle.mappings) == {"Lead", "Contact"}
    assert bundle.manifest is not None
