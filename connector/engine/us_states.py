"""US data for the contact policy: area code -> state, US federal holidays, and the state rules for marketing texts.

The area-code table is a literal, not read from a file or a library at run time, so the engine stays pure and a
`phonenumbers` upgrade cannot silently move a number to another state. It was generated from phonenumbers'
geocoder (9.0.43) and `tests/engine/test_policy_states.py` checks it still agrees. Each state rule cites its
source; `verified: True` means we read the statute or rule text itself, `False` means only secondary sources
(compliance guides, news) were seen: docs/policy.md lists both, and admins can override any of them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from connector.config.flow import QuietHours

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class StateRule(BaseModel):
    """One state's limits on marketing texts; as an admin override, only the keys given replace the shipped ones.

    FL: {window: "08:00-20:00", max_per_24h: 3}
    TX: {window: "09:00-21:00", days: {sun: "12:00-21:00"}}
    AL: {window: "08:00-20:00", days: {sun: null}, holidays: true, no_send_dates: [2026-04-27]}
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    window: QuietHours | None = Field(default=None, description="local window, intersected with the flow's")
    days: dict[Weekday, QuietHours | None] = Field(default_factory=dict, description="per weekday; null: closed")
    holidays: bool = Field(default=False, description="closed on US federal holidays (and their observed days)")
    no_send_dates: frozenset[date] = Field(default_factory=frozenset, description="more closed days (state holidays)")
    max_per_24h: int | None = Field(default=None, ge=1, description="texts on the same subject in a rolling 24 h")
    enabled: bool = True
    source: str = "admin override"
    verified: bool = False
    note: str = ""


def _rule(**fields: object) -> StateRule:
    return StateRule.model_validate(fields)


# Only rules stricter than the federal 8:00-21:00 (47 CFR 64.1200(c)(1)) are listed.
STATE_RULES: dict[str, StateRule] = {
    "FL": _rule(
        name="Florida",
        window="08:00-20:00",
        max_per_24h=3,
        source="Fla. Stat. § 501.616(6)(a)-(b), as amended by ch. 2021-185 (CS/SB 1120)",
        verified=True,
        note="text read in the enrolled bill; § 501.059 counts text messages as telephonic sales calls",
    ),
    "OK": _rule(
        name="Oklahoma",
        window="08:00-20:00",
        max_per_24h=3,
        source="Okla. Stat. tit. 15, § 775C.4 (Telephone Solicitation Act of 2022, HB 3168)",
        verified=False,
        note="section and content from secondary sources; the definitions (§ 775C.2) name text messages",
    ),
    "MD": _rule(
        name="Maryland",
        window="08:00-20:00",
        max_per_24h=3,
        source="Md. Code, Com. Law § 14-4502 (Stop the Spam Calls Act of 2023, SB 90)",
        verified=False,
        note="hours and the 3-in-24 h limit from secondary sources; the exact subsection was not read",
    ),
    "WA": _rule(
        name="Washington",
        window="08:00-20:00",
        source="RCW 19.158.040(2)",
        verified=True,
        note="the statute says calls; applied to marketing texts as the cautious reading",
    ),
    "CT": _rule(
        name="Connecticut",
        window="09:00-20:00",
        source="Conn. Gen. Stat. § 42-288a (as amended by P.A. 23-98)",
        verified=False,
        note="hours from secondary sources; the section's definitions include text messages",
    ),
    "TX": _rule(
        name="Texas",
        window="09:00-21:00",
        days={"sun": "12:00-21:00"},
        source="Tex. Bus. & Com. Code § 301.051",
        verified=False,
        note="section title confirmed, hours from secondary sources",
    ),
    "AL": _rule(
        name="Alabama",
        window="08:00-20:00",
        days={"sun": None},
        holidays=True,
        source="Ala. Admin. Code r. 770-X-5-.17(1)(b)",
        verified=True,
        note="automated solicitation calls: no Sundays or holidays; add Alabama's own holidays as no_send_dates",
    ),
    "LA": _rule(
        name="Louisiana",
        window="08:00-20:00",
        days={"sun": None},
        holidays=True,
        source="La. R.S. 45:811",
        verified=True,
        note="sales calls (automated or live): Mon-Sat 8-8, none on Sundays or state holidays; add state holidays",
    ),
    "MS": _rule(
        name="Mississippi",
        window="08:00-20:00",
        days={"sun": None},
        source="Miss. Code Ann. § 77-3-723",
        verified=True,
        note='the statute says "Central Standard Time"; read here as local time',
    ),
}


# NANP area codes of the 50 states and DC, from phonenumbers' geocoder; territories (PR, GU, VI, AS, MP) have
# region codes of their own and are not "US" numbers.
_AREA_CODES_BY_STATE = {
    "AK": "907",
    "AL": "205 251 256 334 659 938",
    "AR": "327 479 501 870",
    "AZ": "480 520 602 623 928",
    "CA": "209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 738 "
    "747 760 805 818 820 831 840 858 909 916 925 949 951",
    "CO": "303 719 720 748 970 983",
    "CT": "203 475 860 959",
    "DC": "202 771",
    "DE": "302",
    "FL": "239 305 321 324 352 386 407 448 561 645 656 689 727 728 754 772 786 813 850 863 904 941 954",
    "GA": "229 404 470 478 678 706 762 770 912 943",
    "HI": "808",
    "IA": "319 515 563 641 712",
    "ID": "208 986",
    "IL": "217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 872",
    "IN": "219 260 317 463 574 765 812 930",
    "KS": "316 620 785 913",
    "KY": "270 364 502 606 859",
    "LA": "225 318 337 504 985",
    "MA": "339 351 413 508 617 774 781 857 978",
    "MD": "227 240 301 410 443 667",
    "ME": "207",
    "MI": "231 248 269 313 517 586 616 734 810 906 947 989",
    "MN": "218 320 507 612 651 763 952",
    "MO": "235 314 417 557 573 636 660 816 975",
    "MS": "228 601 662 769",
    "MT": "406",
    "NC": "252 336 472 704 743 828 910 919 980 984",
    "ND": "701",
    "NE": "308 402 531",
    "NH": "603",
    "NJ": "201 551 609 640 732 848 856 862 908 973",
    "NM": "505 575",
    "NV": "702 725 775",
    "NY": "212 315 329 332 347 363 516 518 585 607 631 646 680 716 718 838 845 914 917 929 934",
    "OH": "216 220 234 283 326 330 380 419 440 513 567 614 740 937",
    "OK": "405 539 572 580 918",
    "OR": "458 503 541 971",
    "PA": "215 223 267 272 412 445 484 570 582 610 717 724 814 835 878",
    "RI": "401",
    "SC": "803 821 839 843 854 864",
    "SD": "605",
    "TN": "423 615 629 731 865 901 931",
    "TX": "210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 915 936 940 945 956 "
    "972 979",
    "UT": "385 435 801",
    "VA": "276 434 540 571 686 703 757 804 826 948",
    "VT": "802",
    "WA": "206 253 360 425 509 564",
    "WI": "262 274 353 414 534 608 715 920",
    "WV": "304 681",
    "WY": "307",
}
AREA_CODES: dict[str, str] = {code: state for state, codes in _AREA_CODES_BY_STATE.items() for code in codes.split()}


def state_of(e164: str) -> str | None:
    """The US state (or DC) of a +1 number's area code: "+13055550123" -> "FL"; None when not a state's code."""
    if not e164.startswith("+1") or len(e164) != 12:
        return None
    return AREA_CODES.get(e164[2:5])


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def federal_holidays(year: int) -> frozenset[date]:
    """The legal public holidays of 5 U.S.C. § 6103(a) in a year, with the Friday/Monday they are observed on."""
    fixed = [date(year, 1, 1), date(year, 6, 19), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    moving = [
        _nth_weekday(year, 1, 0, 3),  # Birthday of Martin Luther King, Jr.
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _last_weekday(year, 5, 0),  # Memorial Day
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving Day
    ]
    # Executive Order 11582: a Saturday holiday is observed the Friday before, a Sunday one the Monday after;
    # both days are kept, the strict reading of "holiday". Next year's 1 January may be observed this 31 December.
    shifted = [d - timedelta(days=1) if d.weekday() == 5 else d + timedelta(days=1) for d in fixed if d.weekday() >= 5]
    if date(year + 1, 1, 1).weekday() == 5:
        shifted.append(date(year, 12, 31))
    return frozenset(fixed + moving + [d for d in shifted if d.year == year])
