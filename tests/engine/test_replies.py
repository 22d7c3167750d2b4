"""Reply understanding: opt-out first, yes/no in seven languages, choices, keywords and typed text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.engine import replies
from connector.engine.replies import Understanding, classify, normalise
from connector.engine.replies_normalise import match_key

NORMALISE = [
    pytest.param("YESSS", "yes", id="runs-of-three-collapse"),
    pytest.param("Noooooo!!!", "no", id="long-no-collapses"),
    pytest.param("cool", "cool", id="double-letters-stay"),
    pytest.param("call 1000", "call 1000", id="digits-never-collapse"),
    pytest.param("Ça marche, d’accord", "ca marche daccord", id="accents-and-apostrophes"),
    pytest.param("Don't", "dont", id="apostrophe-joins-the-word"),
    pytest.param("Straße", "strasse", id="casefold-sharp-s"),
    pytest.param("Ｙｅｓ", "yes", id="full-width-letters"),
    pytest.param("Yes👍🏽!", "yes 👍", id="emoji-skin-tone-dropped"),
    pytest.param("✔️✅", "✔ ✅", id="meaningful-emoji-become-words"),
    pytest.param("ok 🙂🎉", "ok", id="other-emoji-dropped"),
    pytest.param("Καλημέρα", "καλημέρα", id="greek-keeps-its-accents"),
    pytest.param("好的", "好的", id="chinese-intact"),
    pytest.param("नमस्ते", "नमस्ते", id="devanagari-marks-kept"),
    pytest.param("  lots\tof \n space ", "lots of space", id="white-space-collapses"),
    pytest.param("...", "", id="punctuation-only"),
]


@pytest.mark.parametrize(("text", "expected"), NORMALISE)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


MATCH_KEY = [
    pytest.param("Yess", "yes", id="doubled-letters-squash"),
    pytest.param("Ναί", "ναι", id="greek-accent-dropped"),
    pytest.param("ΝΑΙ", "ναι", id="greek-capitals-meet-lower-case"),
    pytest.param("Βεβαίως", "βεβαιωσ", id="greek-final-sigma-is-sigma"),
    pytest.param("ΒΕΒΑΙΩΣ", "βεβαιωσ", id="greek-capital-sigma-at-the-end-is-sigma"),
    pytest.param("ϊ", "ι", id="greek-dialytika-dropped"),
    pytest.param("好的，谢谢", "好 的 谢 谢", id="each-chinese-character-a-word"),
    pytest.param("ok好的3点", "ok 好 的 3 点", id="chinese-split-from-latin-and-digits"),
    pytest.param("नमस्ते", "नमस्ते", id="devanagari-marks-kept"),
]


@pytest.mark.parametrize(("text", "expected"), MATCH_KEY)
def test_match_key(text: str, expected: str) -> None:
    assert match_key(text) == expected


COMPLIANCE = [
    pytest.param("STOP", "stop", id="stop"),
    pytest.param("Stop.", "stop", id="stop-with-period"),
    pytest.param("  stop!! ", "stop", id="stop-with-bangs-and-spaces"),
    pytest.param("Stoppp", "stop", id="stop-repeated-letters"),
    pytest.param("StopAll", "stop", id="stopall"),
    pytest.param("UNSUBSCRIBE", "stop", id="unsubscribe"),
    pytest.param("cancel", "stop", id="bare-cancel-is-twilio-opt-out"),
    pytest.param("Cancel!", "stop", id="bare-cancel-with-punctuation"),
    pytest.param("END", "stop", id="end"),
    pytest.param("quit", "stop", id="quit"),
    pytest.param("opt-out", "stop", id="opt-out-hyphenated"),
    pytest.param("OPTOUT", "stop", id="optout"),
    pytest.param("revoke", "stop", id="revoke"),
    pytest.param("please stop texting me", "stop", id="please-stop-texting-me"),
    pytest.param("Stop sending me these", "stop", id="stop-sending"),
    pytest.param("remove me from your list", "stop", id="remove-me-from-your-list"),
    pytest.param("Don't text me again", "stop", id="dont-text-me"),
    pytest.param("unsubscribe me", "stop", id="unsubscribe-me"),
    pytest.param("how do I opt out", "stop", id="opt-out-anywhere"),
    pytest.param("leave me alone", "stop", id="leave-me-alone"),
    pytest.param("Por favor, darme de baja", "stop", id="spanish-darme-de-baja"),
    pytest.param("BAJA", "stop", id="spanish-baja"),
    pytest.param("para", "stop", id="spanish-para-alone"),
    pytest.param("Stopp", "stop", id="german-stopp"),
    pytest.param("Arrêtez de m'écrire", "stop", id="french-arretez-de-mecrire"),
    pytest.param("START", "start", id="start"),
    pytest.param("unstop", "start", id="unstop"),
    pytest.param("HELP", "help", id="help"),
    pytest.param("info?", "help", id="info-with-question-mark"),
]


@pytest.mark.parametrize("expect", ["yes_no", "choice", "keywords", "text"])
@pytest.mark.parametrize(("text", "outcome"), COMPLIANCE)
def test_compliance_words_come_first_whatever_the_step_expects(text: str, outcome: str, expect: str) -> None:
    assert classify(text, expect, options=["A", "B"], keywords={"later": ["later"]}).outcome == outcome


YES_NO = [
    # English
    pytest.param("Yes", "yes", id="en-yes"),
    pytest.param("YES!", "yes", id="en-yes-shouted"),
    pytest.param("y", "yes", id="en-y"),
    pytest.param("Yep", "yes", id="en-yep"),
    pytest.param("yeah", "yes", id="en-yeah"),
    pytest.param("ok", "yes", id="en-ok"),
    pytest.param("Okay", "yes", id="en-okay"),
    pytest.param("sure", "yes", id="en-sure"),
    pytest.param("Of course", "yes", id="en-of-course"),
    pytest.param("Absolutely!", "yes", id="en-absolutely"),
    pytest.param("Confirmed", "yes", id="en-confirmed"),
    pytest.param("I confirm", "yes", id="en-i-confirm"),
    pytest.param("correct", "yes", id="en-correct"),
    pytest.param("Yes, see you then", "yes", id="en-yes-see-you-then"),
    pytest.param("Yes please", "yes", id="en-yes-please"),
    pytest.param("Yes thanks!", "yes", id="en-yes-thanks"),
    pytest.param("Sounds good", "yes", id="en-sounds-good"),
    pytest.param("No problem, see you then", "yes", id="en-no-problem-is-yes"),
    pytest.param("I'll be there", "yes", id="en-ill-be-there"),
    pytest.param("Yes Maria", "yes", id="en-yes-with-a-name"),
    pytest.param("No", "no", id="en-no"),
    pytest.param("n", "no", id="en-n"),
    pytest.param("nope", "no", id="en-nope"),
    pytest.param("Nah", "no", id="en-nah"),
    pytest.param("No thanks", "no", id="en-no-thanks"),
    pytest.param("no thank you", "no", id="en-no-thank-you"),
    pytest.param("Can't make it", "no", id="en-cant-make-it"),
    pytest.param("I cannot", "no", id="en-cannot"),
    pytest.param("not possible", "no", id="en-not-possible"),
    pytest.param("No, I can't", "no", id="en-no-i-cant"),
    pytest.param("Not interested", "no", id="en-not-interested"),
    pytest.param("cancel my booking", "no", id="en-cancel-my-booking-is-no-not-stop"),
    pytest.param("I need to cancel the appointment", "no", id="en-need-to-cancel-is-no"),
    pytest.param("none of them", "no", id="en-none"),
    # emoji and repeated letters
    pytest.param("👍", "yes", id="emoji-thumbs-up"),
    pytest.param("✅", "yes", id="emoji-check"),
    pytest.param("✔️", "yes", id="emoji-heavy-check"),
    pytest.param("Yes 👍🏽", "yes", id="emoji-with-skin-tone"),
    pytest.param("👎", "no", id="emoji-thumbs-down"),
    pytest.param("❌", "no", id="emoji-cross"),
    pytest.param("yesss", "yes", id="repeat-yesss"),
    pytest.param("yess", "yes", id="repeat-yess"),
    pytest.param("Yeeeesss", "yes", id="repeat-yeeeesss"),
    pytest.param("okkk", "yes", id="repeat-okkk"),
    pytest.param("noooo", "no", id="repeat-noooo"),
    pytest.param("Noo", "no", id="repeat-noo"),
    # other languages
    pytest.param("Sí", "yes", id="es-si-accent"),
    pytest.param("si", "yes", id="es-si"),
    pytest.param("Sííí", "yes", id="es-si-repeated"),
    pytest.param("Claro", "yes", id="es-claro"),
    pytest.param("Vale", "yes", id="es-vale"),
    pytest.param("De acuerdo", "yes", id="es-de-acuerdo"),
    pytest.param("No gracias", "no", id="es-no-gracias"),
    pytest.param("No puedo", "no", id="es-no-puedo"),
    pytest.param("Oui", "yes", id="fr-oui"),
    pytest.param("oui merci", "yes", id="fr-oui-merci"),
    pytest.param("D'accord", "yes", id="fr-daccord"),
    pytest.param("Ça marche", "yes", id="fr-ca-marche"),
    pytest.param("Non", "no", id="fr-non"),
    pytest.param("Non merci", "no", id="fr-non-merci"),
    pytest.param("Je ne peux pas", "no", id="fr-je-ne-peux-pas"),
    pytest.param("Ja", "yes", id="de-ja"),
    pytest.param("Ja, gerne", "yes", id="de-ja-gerne"),
    pytest.param("Alles klar", "yes", id="de-alles-klar"),
    pytest.param("Nein", "no", id="de-nein"),
    pytest.param("Nein danke", "no", id="de-nein-danke"),
    pytest.param("leider nicht", "no", id="de-leider-nicht"),
    pytest.param("Sim", "yes", id="pt-sim"),
    pytest.param("Com certeza", "yes", id="pt-com-certeza"),
    pytest.param("tá bom", "yes", id="pt-ta-bom"),
    pytest.param("Não", "no", id="pt-nao"),
    pytest.param("Não, obrigado", "no", id="pt-nao-obrigado"),
    pytest.param("Sì", "yes", id="it-si"),
    pytest.param("Va bene", "yes", id="it-va-bene"),
    pytest.param("Certo", "yes", id="it-certo"),
    pytest.param("No grazie", "no", id="it-no-grazie"),
    pytest.param("Non posso", "no", id="it-non-posso"),
    pytest.param("Prima", "yes", id="nl-prima"),
    pytest.param("Akkoord", "yes", id="nl-akkoord"),
    pytest.param("Nee", "no", id="nl-nee"),
    pytest.param("Nee, bedankt", "no", id="nl-nee-bedankt"),
    pytest.param("Liever niet", "no", id="nl-liever-niet"),
    # in doubt: unknown
    pytest.param("yes and no", "unknown", id="doubt-yes-and-no"),
    pytest.param("maybe", "unknown", id="doubt-maybe"),
    pytest.param("Maybe tomorrow", "unknown", id="doubt-maybe-tomorrow"),
    pytest.param("not sure", "unknown", id="doubt-not-sure"),
    pytest.param("I'm not sure", "unknown", id="doubt-im-not-sure"),
    pytest.param("I don't know", "unknown", id="doubt-dont-know"),
    pytest.param("yes?", "unknown", id="doubt-yes-question"),
    pytest.param("Yes? what time", "unknown", id="doubt-yes-question-then-more"),
    pytest.param("can we do 3pm instead?", "unknown", id="doubt-counter-proposal-question"),
    pytest.param("can we do 3pm instead", "unknown", id="doubt-counter-proposal-without-question-mark"),
    pytest.param("Yes, but at 4pm", "unknown", id="doubt-yes-but"),
    pytest.param("yes at 4", "unknown", id="doubt-yes-with-a-time"),
    pytest.param("How about Friday", "unknown", id="doubt-how-about"),
    pytest.param("not yes", "unknown", id="doubt-negated-yes"),
    pytest.param("yes I can't", "unknown", id="doubt-yes-i-cant"),
    pytest.param("not really sure", "unknown", id="doubt-not-really-sure"),
    pytest.param("👍👎", "unknown", id="doubt-both-emoji"),
    pytest.param("idk", "unknown", id="doubt-idk"),
    pytest.param("I'll confirm tomorrow", "unknown", id="doubt-confirm-later"),
    pytest.param("ok I'll let you know", "unknown", id="doubt-let-you-know"),
    pytest.param("not yet", "unknown", id="doubt-not-yet"),
    pytest.param("Yes my husband will come instead of me", "unknown", id="doubt-instead"),
    pytest.param("yes running late traffic is terrible honestly", "unknown", id="doubt-yes-among-many-words"),
    pytest.param("Who is this?", "unknown", id="doubt-who-is-this"),
    pytest.param("wrong number", "unknown", id="doubt-wrong-number"),
    pytest.param("thanks", "unknown", id="doubt-thanks-alone"),
    pytest.param("stop by tomorrow?", "unknown", id="stop-by-is-no-opt-out"),
    pytest.param("don't stop", "unknown", id="dont-stop-is-no-opt-out"),
    pytest.param("the end", "unknown", id="end-inside-a-sentence-is-no-opt-out"),
    pytest.param("para mañana", "unknown", id="spanish-para-in-a-sentence-is-no-opt-out"),
    pytest.param("Quizás", "unknown", id="es-quizas"),
    pytest.param("no sé", "unknown", id="es-no-se"),
    pytest.param("peut-être", "unknown", id="fr-peut-etre"),
    pytest.param("vielleicht", "unknown", id="de-vielleicht"),
    pytest.param("talvez", "unknown", id="pt-talvez"),
    pytest.param("forse", "unknown", id="it-forse"),
    pytest.param("misschien", "unknown", id="nl-misschien"),
    pytest.param("🙂", "unknown", id="other-emoji"),
    pytest.param("نعم", "unknown", id="unsupported-script-is-unknown"),
    pytest.param("", "unknown", id="empty"),
    pytest.param("   \n ", "unknown", id="white-space-only"),
]


@pytest.mark.parametrize(("text", "outcome"), YES_NO)
def test_yes_no(text: str, outcome: str) -> None:
    assert classify(text, "yes_no").outcome == outcome


REASONS = [
    pytest.param("yep", "yes_no", Understanding("yes", None, "matched yes word 'yep'"), id="reason-yes-word"),
    pytest.param(
        "No thanks", "yes_no", Understanding("no", None, "matched no phrase 'no thanks'"), id="reason-no-phrase"
    ),
    pytest.param(
        "yes I can't", "yes_no", Understanding("unknown", None, "both yes ('yes') and no ('cant')"), id="reason-mixed"
    ),
    pytest.param("maybe", "yes_no", Understanding("unknown", None, "doubtful 'maybe'"), id="reason-doubt"),
    pytest.param("Stop.", "text", Understanding("stop", None, "stop keyword 'stop'"), id="reason-stop-keyword"),
    pytest.param(
        "please stop texting me",
        "choice",
        Understanding("stop", None, "opt-out phrase 'stop texting'"),
        id="reason-opt-out-phrase",
    ),
    pytest.param("", "yes_no", Understanding("unknown", None, "empty reply"), id="reason-empty"),
    pytest.param(
        "Wrong number. STOP",
        "yes_no",
        Understanding("stop", None, "'stop' as a sentence of its own"),
        id="reason-stop-sentence",
    ),
    pytest.param(
        "Ναι;",
        "yes_no",
        Understanding("unknown", None, "a question (; is the Greek question mark), not an answer"),
        id="reason-greek-question-mark",
    ),
    pytest.param(
        "好不好", "yes_no", Understanding("unknown", None, "a question (好不好), not an answer"), id="reason-a-not-a"
    ),
    pytest.param(
        "yes at four",
        "yes_no",
        Understanding("unknown", None, "mentions 'four', perhaps another time"),
        id="reason-number-word",
    ),
    pytest.param(
        "不确认", "yes_no", Understanding("unknown", None, "both yes ('确认') and no ('不')"), id="reason-chinese-mixed"
    ),
]


@pytest.mark.parametrize(("text", "expect", "understood"), REASONS)
def test_every_decision_explains_itself(text: str, expect: str, understood: Understanding) -> None:
    assert classify(text, expect) == understood


SLOTS = ["Morning", "Afternoon", "Evening"]
CHOICE = [
    pytest.param("2", "2", id="digit"),
    pytest.param("2.", "2", id="digit-with-period"),
    pytest.param("#2", "2", id="hash-digit"),
    pytest.param("option 2", "2", id="option-digit"),
    pytest.param("Option #2 please", "2", id="option-hash-digit-please"),
    pytest.param("two", "2", id="number-word"),
    pytest.param("the second one", "2", id="the-second-one"),
    pytest.param("second", "2", id="ordinal-word"),
    pytest.param("2nd", "2", id="ordinal-suffix"),
    pytest.param("one", "1", id="one-alone"),
    pytest.param("the first", "1", id="the-first"),
    pytest.param("3", "3", id="last-option"),
    pytest.param("afternoon", "2", id="option-text"),
    pytest.param("AFTERNOON!", "2", id="option-text-any-case"),
    pytest.param("Afternoon please", "2", id="option-text-please"),
    pytest.param("afternoon works for me", "2", id="option-text-works-for-me"),
    pytest.param("I'd like the afternoon", "2", id="option-text-in-a-sentence"),
    pytest.param("the afternoon slot", "2", id="option-text-mentioned"),
    pytest.param("aft", "2", id="unique-prefix"),
    pytest.param("Eve", "3", id="unique-prefix-any-case"),
    pytest.param("la segunda", "2", id="es-la-segunda"),
    pytest.param("deuxième", "2", id="fr-deuxieme"),
    pytest.param("die zweite", "2", id="de-die-zweite"),
    pytest.param("4", "unknown", id="out-of-range"),
    pytest.param("0", "unknown", id="zero-out-of-range"),
    pytest.param("fifth", "unknown", id="ordinal-out-of-range"),
    pytest.param("2 or 3", "unknown", id="two-numbers"),
    pytest.param("morning or afternoon", "unknown", id="two-options"),
    pytest.param("not 2", "unknown", id="negated-number"),
    pytest.param("not the afternoon", "unknown", id="negated-option"),
    pytest.param("maybe 2", "unknown", id="doubtful-number"),
    pytest.param("af", "unknown", id="prefix-too-short"),
    pytest.param("whatever", "unknown", id="no-match"),
    pytest.param("", "unknown", id="empty"),
]


@pytest.mark.parametrize(("text", "outcome"), CHOICE)
def test_choice(text: str, outcome: str) -> None:
    understood = classify(text, "choice", options=SLOTS)
    assert understood.outcome == outcome
    assert understood.value == (SLOTS[int(outcome) - 1] if outcome.isdigit() else None)


@pytest.mark.parametrize(
    ("options", "text", "outcome"),
    [
        pytest.param(["Mañana", "Tarde"], "manana", "1", id="accent-insensitive-option"),
        pytest.param(["Manana", "Tarde"], "Mañana", "1", id="accent-insensitive-reply"),
        pytest.param(["Yes", "No", "Maybe"], "no", "2", id="option-text-beats-negation"),
        pytest.param(["Yes", "No", "Maybe"], "maybe", "3", id="option-text-beats-doubt"),
        pytest.param(["Monday", "Monday evening"], "monday", "1", id="exact-option-beats-prefix"),
        pytest.param(["Monday", "Monday evening"], "mon", "unknown", id="ambiguous-prefix"),
        pytest.param(["9am", "1pm"], "1pm", "2", id="option-text-beats-number"),
    ],
)
def test_choice_options(options: list[str], text: str, outcome: str) -> None:
    assert classify(text, "choice", options=options).outcome == outcome


GROUPS = {"callback": ["call", "call me"], "later": ["later", "tomorrow"]}
KEYWORDS = [
    pytest.param("call", "callback", id="keyword"),
    pytest.param("Call me", "callback", id="keyword-phrase"),
    pytest.param("please call me back", "callback", id="keyword-in-a-sentence"),
    pytest.param("CALL ME!!", "callback", id="keyword-any-case"),
    pytest.param("later", "later", id="other-group"),
    pytest.param("laterrr", "later", id="keyword-repeated-letters"),
    pytest.param("Tomorrow please", "later", id="second-keyword-of-a-group"),
    pytest.param("call me tomorrow", "unknown", id="two-groups-is-unknown"),
    pytest.param("recall", "unknown", id="whole-words-only"),
    pytest.param("calling", "unknown", id="no-stemming"),
    pytest.param("don't call me", "unknown", id="negated-keyword"),
    pytest.param("do not call, later", "later", id="negated-keyword-other-group-counts"),
    pytest.param("nothing", "unknown", id="no-keyword"),
]


@pytest.mark.parametrize(("text", "outcome"), KEYWORDS)
def test_keywords(text: str, outcome: str) -> None:
    assert classify(text, "keywords", keywords=GROUPS).outcome == outcome


TEXT = [
    pytest.param("free", "  Hello there  ", "Hello there", id="free-trimmed"),
    pytest.param("free", "x" * 1500, "x" * 1000, id="free-at-most-1000-characters"),
    pytest.param("free", "🙂", "🙂", id="free-emoji-only"),
    pytest.param("number", "42", "42", id="number"),
    pytest.param("number", "about 50.", "50", id="number-in-a-sentence"),
    pytest.param("number", "1,234", "1234", id="number-thousands-comma"),
    pytest.param("number", "3,5", "3.5", id="number-decimal-comma"),
    pytest.param("number", "2.75", "2.75", id="number-decimal-point"),
    pytest.param("number", "-3", "-3", id="number-negative"),
    pytest.param("number", "3 or 4", None, id="number-two-numbers-is-unknown"),
    pytest.param("number", "lots", None, id="number-none"),
    pytest.param("number", "1.2.3", None, id="number-unreadable"),
    pytest.param("email", "jane@example.com", "jane@example.com", id="email"),
    pytest.param("email", "Jane.Doe@Example.COM", "Jane.Doe@example.com", id="email-domain-lower-cased"),
    pytest.param("email", "it's a@b.co, thanks", "a@b.co", id="email-in-a-sentence"),
    pytest.param("email", "a@b", None, id="email-without-domain"),
    pytest.param("email", "a@b.com or c@d.com", None, id="email-two-addresses"),
    pytest.param("date", "2025-12-25", "2025-12-25", id="date-iso"),
    pytest.param("date", "2025/1/5", "2025-01-05", id="date-iso-slashes"),
    pytest.param("date", "25/12/2025", "2025-12-25", id="date-day-first"),
    pytest.param("date", "12/25/2025", "2025-12-25", id="date-month-first"),
    pytest.param("date", "25.12.25", "2025-12-25", id="date-two-digit-year"),
    pytest.param("date", "3/3/2025", "2025-03-03", id="date-same-day-and-month"),
    pytest.param("date", "on 25-12-2025 please", "2025-12-25", id="date-in-a-sentence"),
    pytest.param("date", "03/04/2025", None, id="date-ambiguous-is-unknown"),
    pytest.param("date", "31/02/2025", None, id="date-not-real"),
    pytest.param("date", "25/12", None, id="date-without-year"),
    pytest.param("date", "next Tuesday", None, id="date-in-words"),
    pytest.param("date", "2025-12-25 or 2025-12-26", None, id="date-two-dates"),
    pytest.param("date", "2025年12月25日", "2025-12-25", id="date-chinese"),
    pytest.param("date", "2025 年 1 月 5 号", "2025-01-05", id="date-chinese-spaced-with-hao"),
    pytest.param("date", "2025年2月30日", None, id="date-chinese-not-real"),
    pytest.param("address", "北京市朝阳区建国路88号", "北京市朝阳区建国路88号", id="address-chinese"),
    pytest.param("address", "Λεωφόρος Κηφισίας 12", "Λεωφόρος Κηφισίας 12", id="address-greek"),
    pytest.param("address", "12 Main Street", "12 Main Street", id="address"),
    pytest.param("address", "Flat 3, 10 Downing St, London", "Flat 3, 10 Downing St, London", id="address-long"),
    pytest.param("address", "Main Street", None, id="address-without-number"),
    pytest.param("address", "1234", None, id="address-without-word"),
    pytest.param("address", "1 a", None, id="address-too-short"),
    pytest.param("address", "1 " + "a" * 199, None, id="address-too-long"),
]


@pytest.mark.parametrize(("kind", "text", "value"), TEXT)
def test_text(kind: str, text: str, value: str | None) -> None:
    understood = classify(text, "text", text_kind=kind)
    assert (understood.outcome, understood.value) == (("text", value) if value else ("unknown", None))
    assert understood.reason


def test_ambiguous_date_says_why() -> None:
    assert classify("03/04/2025", "text", text_kind="date").reason == (
        "expected an unambiguous date: 3/4 could be day/month or month/day"
    )


@pytest.mark.parametrize(
    ("expect", "kind"),
    [
        pytest.param("bogus", "free", id="unknown-expect"),
        pytest.param("text", "bogus", id="unknown-text-kind"),
    ],
)
def test_configuration_errors_raise(expect: str, kind: str) -> None:
    with pytest.raises(ValueError):
        classify("hello", expect, text_kind=kind)


def _words(table: dict[str, str] | str) -> list[str]:
    texts = table.values() if isinstance(table, dict) else [table]
    return [w.strip() for text in texts for w in text.split(",") if w.strip()]


def _compliance(word: str) -> bool:
    return classify(word, "text").outcome in ("stop", "start", "help")


@pytest.mark.parametrize(
    ("table", "outcome"),
    [
        pytest.param(replies.YES, "yes", id="every-yes-word-is-yes"),
        pytest.param(replies.NO, "no", id="every-no-word-is-no"),
        pytest.param(replies.DOUBT, "unknown", id="every-doubt-word-is-unknown"),
        pytest.param(replies.FILLER, "unknown", id="filler-alone-is-unknown"),
    ],
)
def test_tables_mean_what_they_say(table: dict[str, str] | str, outcome: str) -> None:
    wrong = {w: classify(w, "yes_no").outcome for w in _words(table) if not _compliance(w)}
    assert {w: o for w, o in wrong.items() if o != outcome} == {}


@pytest.mark.parametrize(
    ("table", "outcome"),
    [
        pytest.param(replies.STOP_WORDS, "stop", id="every-stop-word-stops"),
        pytest.param(replies.OPT_OUT_PHRASES, "stop", id="every-opt-out-phrase-stops"),
        pytest.param(replies.START_WORDS, "start", id="every-start-word-starts"),
        pytest.param(replies.HELP_WORDS, "help", id="every-help-word-helps"),
    ],
)
def test_compliance_tables(table: dict[str, str] | str, outcome: str) -> None:
    assert {w for w in _words(table) if classify(w, "yes_no").outcome != outcome} == set()


def test_every_ordinal_picks_its_option() -> None:
    options = [f"slot {n}" for n in range(1, 10)]
    for n, words in replies.ORDINALS.items():
        for word in _words(words):
            assert classify(word, "choice", options=options).outcome == str(n), word


def test_a_word_in_two_tables_is_refused() -> None:
    with pytest.raises(ValueError, match="'fine' is both yes and no"):
        replies._lexicon(yes={"en": "fine"}, no={"en": "fine"})


def test_a_word_in_two_tables_is_refused_whatever_its_accents() -> None:
    with pytest.raises(ValueError, match="'οχι' is both yes and no"):
        replies._lexicon(yes={"el": "όχι"}, no={"el": "οχι"})


def test_an_ordinal_under_two_numbers_is_refused() -> None:
    with pytest.raises(ValueError, match="'second' is both 2 and 3 in ORDINALS"):
        replies._ordinals({2: "second", 3: "second"})


def test_a_phrase_among_single_words_is_refused() -> None:
    with pytest.raises(ValueError, match="'fico com' must be one word"):
        replies._single_words("option, fico com")


def test_opt_out_reasons_quote_the_table() -> None:
    assert classify("Por favor, darme de baja", "yes_no").reason == "opt-out phrase 'darme de baja'"


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=300),
    st.sampled_from(["yes_no", "choice", "keywords", "text"]),
    st.sampled_from(["free", "number", "email", "date", "address"]),
)
def test_classify_never_raises_and_always_explains(text: str, expect: str, kind: str) -> None:
    understood = classify(text, expect, options=SLOTS, keywords=GROUPS, text_kind=kind)
    assert understood.outcome in {"yes", "no", "stop", "start", "help", "unknown", "text", "1", "2", "3", *GROUPS}
    assert understood.reason


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_normalise_is_idempotent(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aAéεΕέςσΣ好的不是 ,.?;!1"), max_size=40))
def test_match_key_is_idempotent(text: str) -> None:
    assert match_key(match_key(text)) == match_key(text)
