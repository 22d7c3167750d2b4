"""The word tables reply understanding matches against: Twilio's keywords here, each language in its family's module.

Every table is a comma-separated string per language, easy to extend; a language module (replies_words_*.py)
gives one string per table it has, and this module merges them:

    YES = {"el": "ναι, εντάξει, βεβαίως, ..."}        # in replies_words_greek.py

Entries match after replies_normalise.match_key(): case, Latin and Greek accents, apostrophes ("don't" is
"dont"), punctuation and repeated letters do not matter, and each Chinese character is a word, so Chinese
entries match inside a sentence. A word may stand in only one of YES, NO, DOUBT and FILLER, and an ordinal under
one number: replies.py refuses to import otherwise, and the tests check every entry gives its intended outcome,
so a new word is tested by being added here. docs/replies.md explains the rules.
"""

from __future__ import annotations

from connector.engine import replies_words_chinese as chinese
from connector.engine import replies_words_germanic as germanic
from connector.engine import replies_words_greek as greek
from connector.engine import replies_words_romance as romance

# Twilio's default keywords (support.twilio.com, "Twilio support for opt-out keywords"), whole message only.
TWILIO_STOP = "stop, stopall, stop all, unsubscribe, cancel, end, quit, optout, opt out, revoke"
TWILIO_START = "start, unstop"
TWILIO_HELP = "help, info"
# Emoji mean the same in every language; normalise() keeps only these as words.
EMOJI_YES, EMOJI_NO = "👍, ✅, ✔, ☑, 👌", "👎, ❌, ✖, 🚫"

# Whole message: an opt-out, a return, or a request for help, whatever the step expects.
STOP_WORDS = {"twilio": TWILIO_STOP} | germanic.STOP | romance.STOP | greek.STOP | chinese.STOP
START_WORDS = {"twilio": TWILIO_START}
HELP_WORDS = {"twilio": TWILIO_HELP} | germanic.HELP | romance.HELP | greek.HELP | chinese.HELP
# An opt-out even as one sentence of a longer reply ("Wrong number. STOP"), alone or with POLITE words.
STOP_SENTENCES = (
    "stop, stopall, stop all, stop it, stop now, unsubscribe, unsub, optout, opt out, revoke, stopp, stoppen, "
    "arret, arretez, basta, σταματήστε, σταμάτα, στοπ, 退订, 停止"
)
POLITE = (
    "please, pls, plz, thanks, thank you, thx, ty, now, just, ok, okay, por favor, gracias, merci, svp, danke, bitte, "
    "obrigado, obrigada, grazie, per favore, bedankt, alsjeblieft, aub, ευχαριστώ, παρακαλώ, 谢谢, 请"
)
# Opt-outs "by reasonable means", anywhere in a sentence unless a NOT_OPTING_OUT phrase comes right before.
OPT_OUT_PHRASES = germanic.OPT_OUT | romance.OPT_OUT | greek.OPT_OUT | chinese.OPT_OUT
NOT_OPTING_OUT = (
    "dont, do not, didnt, did not, never, wont, will not, not, dont want to, do not want to, dont need to, no need to, "
    "no quiero, nao quero, je ne veux pas, ich will nicht, non voglio, ik wil niet, δεν θέλω, 不想, 不要, 别"
)

# yes_no: one table per outcome; a later module may add a language without touching the code.
YES = {"emoji": EMOJI_YES} | germanic.YES | romance.YES | greek.YES | chinese.YES
NO = {"emoji": EMOJI_NO} | germanic.NO | romance.NO | greek.NO | chinese.NO
DOUBT = germanic.DOUBT | romance.DOUBT | greek.DOUBT | chinese.DOUBT
# Words that neither confirm nor refuse; a yes may carry at most MAX_YES_OTHER words outside all tables.
FILLER = germanic.FILLER | romance.FILLER | greek.FILLER | chinese.FILLER

# choice: words around an option number that say nothing ("I'd like the second one"), and number words.
CHOICE_FILLER = germanic.CHOICE_FILLER | romance.CHOICE_FILLER | greek.CHOICE_FILLER | chinese.CHOICE_FILLER
_ORDINALS_BY_LANGUAGE = germanic.ORDINALS | romance.ORDINALS | greek.ORDINALS | chinese.ORDINALS
ORDINALS = {n: ", ".join(table[n] for table in _ORDINALS_BY_LANGUAGE.values()) for n in range(1, 10)}
# keywords: a keyword right after one of these is not said ("don't call me").
NEGATORS = germanic.NEGATORS | romance.NEGATORS | greek.NEGATORS | chinese.NEGATORS
