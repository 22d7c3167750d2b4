"""`smsflow understand` as an admin runs it: one label per input line, reasons on request, clear usage errors."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from connector import understand_cli
from connector.engine import replies, replies_text
from connector.understand_cli import understand


def _run(args: list[str], stdin: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(understand, args, input=stdin)
    return result.exit_code, result.output.splitlines()


@pytest.mark.parametrize(
    ("args", "stdin", "labels"),
    [
        pytest.param(
            ["--expect", "yes_no"],
            "Yes please\nNo thanks\nmaybe\nSTOP\nhelp\nstart\nCan we do 3pm instead?\n",
            ["yes", "no", "unknown", "stop", "help", "start", "unknown"],
            id="yes-no-one-label-per-line",
        ),
        pytest.param(
            ["--expect", "yes_no"],
            "Ναι, ευχαριστώ\n好的，谢谢\n明天可以吗？\nOui bien sûr\n",
            ["yes", "yes", "unknown", "yes"],
            id="yes-no-in-other-languages",
        ),
        pytest.param(["--expect", "yes_no"], "yes\n\n  \nno", ["yes", "unknown", "unknown", "no"], id="empty-lines"),
        pytest.param(["--expect", "yes_no"], "yes\r\nno\r\n", ["yes", "no"], id="windows-line-ends"),
        pytest.param(["--expect", "yes_no"], "", [], id="no-input-no-output"),
        pytest.param(
            ["--expect", "choice", "--options", "Morning, Afternoon,Evening"],
            "2\nthe first one\nevening please\nla segunda\n第三个\n4\n",
            ["2", "1", "3", "2", "3", "unknown"],
            id="choice-prints-the-option-number",
        ),
        pytest.param(
            ["--expect", "keywords", "--keywords", "callback=call me|ring;later=later|tomorrow"],
            "please call me\nring tomorrow\nlater\nstop texting me\n",
            ["callback", "unknown", "later", "stop"],
            id="keywords-print-the-group",
        ),
        pytest.param(
            ["--expect", "text", "--text-kind", "address"],
            "12 Main Street\nMain Street\nSTOP\n",
            ["text", "unknown", "stop"],
            id="text-address",
        ),
        pytest.param(
            ["--expect", "text", "--text-kind", "date"], "2025-12-25\n03/04/2025\n", ["text", "unknown"], id="text-date"
        ),
        pytest.param(["--expect", "text"], "anything at all\n", ["text"], id="text-free-by-default"),
    ],
)
def test_understand_writes_one_label_per_line(args: list[str], stdin: str, labels: list[str]) -> None:
    assert _run(args, stdin) == (0, labels)


def test_explain_adds_a_tab_and_the_reason() -> None:
    code, lines = _run(["--expect", "yes_no", "--explain"], "yep\nyes I can't\n\nWrong number. STOP\n")
    assert code == 0
    assert lines == [
        "yes\tmatched yes word 'yep'",
        "unknown\tboth yes ('yes') and no ('cant')",
        "unknown\tempty reply",
        "stop\t'stop' as a sentence of its own",
    ]


def test_explain_names_the_chosen_option() -> None:
    code, lines = _run(["--expect", "choice", "--options", "Morning,Afternoon", "--explain"], "aft\n")
    assert (code, lines) == (0, ["2\tbegins option 'Afternoon'"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--expect", "maybe"], "'maybe' is not one of", id="unknown-expect"),
        pytest.param(["--expect", "choice"], "give 2 to 9 comma-separated options", id="choice-without-options"),
        pytest.param(["--expect", "choice", "--options", "Only"], "give 2 to 9", id="choice-with-one-option"),
        pytest.param(["--expect", "keywords"], "give at least one group", id="keywords-without-groups"),
        pytest.param(["--expect", "keywords", "--keywords", "callback"], "expected group=word|word", id="no-equals"),
        pytest.param(["--expect", "keywords", "--keywords", "stop=halt"], "may not be named 'stop'", id="reserved"),
        pytest.param(["--expect", "yes_no", "--options", "A,B"], "goes with --expect choice", id="options-misplaced"),
        pytest.param(["--expect", "text", "--keywords", "a=b"], "goes with --expect keywords", id="keywords-misplaced"),
        pytest.param(["--expect", "text", "--text-kind", "poem"], "'poem' is not one of", id="unknown-text-kind"),
    ],
)
def test_usage_errors_exit_2_and_say_why(args: list[str], message: str) -> None:
    result = CliRunner().invoke(understand, args, input="yes\n")
    assert result.exit_code == 2
    assert message in result.output


def test_the_command_offers_what_the_engine_understands() -> None:
    assert understand_cli.EXPECTS == replies.EXPECTS
    assert understand_cli.TEXT_KINDS == replies_text.TEXT_KINDS
