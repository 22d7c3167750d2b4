"""`smsflow understand`: classify replies read from standard input, one per line, as a flow step would.

    $ printf 'Yes please\\nmaybe\\nSTOP\\n' | smsflow understand --expect yes_no --explain
    yes	matched yes word 'yes'
    unknown	doubtful 'maybe'
    stop	stop keyword 'stop'

Empty lines are unknown; --options, --keywords and --text-kind describe the step as a flow file would.
"""

from __future__ import annotations

import click

# The engine's own lists, repeated so that `smsflow --help` does not build the reply tables (a test keeps them equal).
EXPECTS = ("yes_no", "choice", "keywords", "text")
TEXT_KINDS = ("free", "number", "email", "date", "address")
# Outcomes every step can have; a keyword group may not take one of these names (as in flow files).
RESERVED = ("yes", "no", "stop", "start", "help", "unknown", "text", "timeout", "failed")


def _options(value: str | None) -> list[str]:
    options = [o.strip() for o in (value or "").split(",") if o.strip()]
    if not 2 <= len(options) <= 9:
        raise click.BadParameter(
            "give 2 to 9 comma-separated options, e.g. 'Morning,Afternoon'", param_hint="--options"
        )
    return options


def _keywords(value: str | None) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for part in filter(str.strip, (value or "").split(";")):
        name, sep, words = part.partition("=")
        keywords = [w.strip() for w in words.split("|") if w.strip()]
        if not sep or not name.strip() or not keywords:
            raise click.BadParameter(f"expected group=word|word, got {part.strip()!r}", param_hint="--keywords")
        if name.strip() in RESERVED:
            raise click.BadParameter(f"a group may not be named {name.strip()!r}", param_hint="--keywords")
        groups.setdefault(name.strip(), []).extend(keywords)
    if not groups:
        raise click.BadParameter("give at least one group, e.g. 'callback=call me|ring'", param_hint="--keywords")
    return groups


@click.command("understand")
@click.option("--expect", required=True, type=click.Choice(EXPECTS), help="What the step expects.")
@click.option("--options", "options_text", help="For choice: the options, comma-separated ('Morning,Afternoon').")
@click.option("--keywords", "keywords_text", help="For keywords: 'group=word|word;group2=word'.")
@click.option("--text-kind", type=click.Choice(TEXT_KINDS), default="free", show_default=True, help="For text.")
@click.option("--explain", is_flag=True, help="Add a tab and the reason after each label.")
def understand(expect: str, options_text: str | None, keywords_text: str | None, text_kind: str, explain: bool) -> None:
    """Read one reply a line; write its label (yes, no, stop, start, help, unknown, text, option number or group)."""
    from connector.engine.replies import classify

    if options_text is not None and expect != "choice":
        raise click.BadParameter("goes with --expect choice", param_hint="--options")
    if keywords_text is not None and expect != "keywords":
        raise click.BadParameter("goes with --expect keywords", param_hint="--keywords")
    options = _options(options_text) if expect == "choice" else []
    keywords = _keywords(keywords_text) if expect == "keywords" else None
    stdin = click.open_file("-", encoding="utf-8", errors="replace")
    for line in stdin:
        understood = classify(line.rstrip("\r\n"), expect, options=options, keywords=keywords, text_kind=text_kind)
        click.echo(f"{understood.outcome}\t{understood.reason}" if explain else understood.outcome)
