"""The word tables reply understanding matches against: one comma-separated string per language, easy to extend.

Each entry is matched after replies.normalise() (lower case, no accents, squashed repeats). A word may stand in
only one of YES, NO, DOUBT and FILLER: replies.py refuses to import otherwise, and the tests check every entry
gives its intended outcome, so a new word is tested by being added here.
"""

from __future__ import annotations

# Twilio's keywords and their cousins, matched against the whole message.
STOP_WORDS = (
    "stop, stopall, stop all, unsubscribe, unsub, cancel, end, quit, optout, opt out, revoke, stop please, "
    "please stop, stop it, stop now, remove me, para, baja, alto, parar, pare, arret, arrete, arretez, stopp"
)
START_WORDS = "start, unstop"
HELP_WORDS = "help, info, ayuda, aide, hilfe, aiuto, ajuda, hulp"
# Opt-outs "by reasonable means", anywhere in a reply; only phrases no booking answer would contain.
OPT_OUT_PHRASES = {
    "en": "stop texting, stop messaging, stop sending, stop contacting, stop the texts, stop these texts, "
    "stop the messages, stop these messages, stop all texts, stop all messages, no more texts, no more messages, "
    "dont text me, do not text me, dont message me, do not message me, dont contact me, do not contact me, "
    "never text me, unsubscribe, opt me out, opt out, remove me from your list, remove me from this list, "
    "remove me from the list, take me off your list, take me off this list, take me off the list, remove my number, "
    "delete my number, leave me alone",
    "es": "dar de baja, darme de baja, dame de baja, deme de baja, no me escribas, no me escriba, no me envies, "
    "no me mandes, no quiero recibir, no mas mensajes",
    "fr": "desabonner, desinscrire, ne mecrivez plus, arretez de mecrire, arretez les messages",
    "de": "abmelden, abbestellen, keine nachrichten mehr, keine sms mehr, nicht mehr schreiben",
    "pt": "descadastrar, nao quero receber, pare de enviar, parem de enviar, nao me mande",
    "it": "disiscrivimi, non scrivermi piu, non voglio ricevere",
    "nl": "afmelden, uitschrijven, geen berichten meer",
}
# yes_no words by language; a later table may add a language without touching the code.
YES = {
    "en": "yes, y, ye, yea, yeah, yep, yup, ya, yah, yas, ok, okay, okey, okie, k, sure, sure thing, certainly, "
    "absolutely, definitely, of course, confirm, confirmed, i confirm, correct, affirmative, agreed, accept, fine, "
    "perfect, sounds good, looks good, works for me, that works, all good, no problem, no prob, np, no worries, "
    "not a problem, no doubt, without a doubt, for sure, why not, love to, see you then, see you there, see you, "
    "see you tomorrow, i will be there, ill be there, will be there, count me in, im in, i can, i can make it, "
    "can do, alright, all right, 👍, ✅, ✔, ☑, 👌",
    "es": "si, claro, vale, dale, de acuerdo, por supuesto, perfecto, confirmo, confirmado, correcto, esta bien, "
    "sin problema, ahi estare",
    "fr": "oui, ouais, ouaip, d'accord, bien sur, parfait, volontiers, absolument, certainement, je confirme, "
    "confirme, ca marche, c'est bon, pas de probleme, entendu",
    "de": "ja, jawohl, jep, jo, genau, gerne, gern, klar, natürlich, sicher, einverstanden, passt, bestätigt, "
    "in ordnung, alles klar, geht klar, kein problem",
    "pt": "sim, com certeza, confirmado, beleza, perfeito, tá bom, está bem, sem problema, combinado",
    "it": "sì, certo, certamente, va bene, d'accordo, confermo, confermato, perfetto, volentieri, senza problemi",
    "nl": "jazeker, zeker, prima, goed, akkoord, bevestigd, klopt, graag, is goed, oké, geen probleem",
}
NO = {
    "en": "no, n, nope, nah, naw, nay, negative, never, not, nothing, none, neither, cant, cannot, can not, "
    "i can not, wont, dont, unable, decline, declined, cancel, cancelled, canceled, cancelling, impossible, "
    "no thanks, no thank you, not possible, not available, not interested, not today, not really, no way, "
    "cant make it, cannot make it, wont make it, count me out, not going, sorry, 👎, ❌, ✖, 🚫",
    "es": "no gracias, no puedo, no es posible, no se puede, imposible, nunca, cancelar, cancela, cancelo, anular",
    "fr": "non, non merci, pas, jamais, annuler, annule, je ne peux pas, ne peux pas, pas possible",
    "de": "nein, nee, nö, nicht, kein, keine, leider nicht, absagen, geht nicht, nie, niemals, stornieren",
    "pt": "não, não obrigado, não obrigada, impossível, não posso, não dá",
    "it": "mai, impossibile, annullare, annulla, disdire, non posso, no grazie",
    "nl": "neen, niet, nooit, kan niet, helaas niet, annuleren, geen, liever niet",
}
DOUBT = {
    "en": "maybe, perhaps, possibly, probably, might, not sure, unsure, no idea, dont know, do not know, dunno, idk, "
    "depends, it depends, hmm, but, however, unless, if, except, no one, nobody, instead, rather, reschedule, "
    "another, different, other, earlier, later, how about, what about, can we, could we, can i, could i, "
    "is it possible, would it be possible, let me check, let you know, get back to you, will confirm, ill confirm, "
    "i think, not yet, tomorrow, next week, monday, tuesday, wednesday, thursday, friday, saturday, sunday, "
    "wrong number, who is this, stop",
    "es": "quizás, tal vez, a lo mejor, no sé, no lo sé, pero, otro día, otra hora, más tarde, mañana, mas",
    "fr": "peut-être, je ne sais pas, sais pas, mais, plus tard, demain, autre",
    "de": "vielleicht, weiß nicht, keine ahnung, aber, später, morgen, lieber",
    "pt": "talvez, não sei, depois, mais tarde, amanhã",
    "it": "forse, non so, ma, però, più tardi, domani",
    "nl": "misschien, weet niet, geen idee, maar, liever",
}
# Words that neither confirm nor refuse; a yes may carry at most MAX_YES_OTHER words outside all tables.
FILLER = (
    "i, im, i am, me, my, we, us, you, your, the, a, an, to, it, its, that, this, and, will, be, is, am, so, very, "
    "much, thanks, thank you, thank, thx, ty, please, pls, plz, hi, hello, hey, dear, sir, madam, again, then, there, "
    "appointment, booking, meeting, visit, for, at, on, of, with, here, gracias, por favor, hola, merci, "
    "s'il vous plaît, bonjour, danke, bitte, hallo, obrigado, obrigada, olá, grazie, ciao, bedankt, dank je"
)
CHOICE_FILLER = (
    "option, opcion, optie, choice, number, num, nr, the, a, i, id, ill, take, want, choose, pick, prefer, go, with, "
    "for, me, please, pls, thanks, works, is, best, ok, okay, yes, would, like, lets, el, la, le, der, die, das, de, "
    "het, o, quiero, prefiero, je, prends, ich, nehme, eu, quero, voglio, ik, wil"
)
ORDINALS = {
    1: "1st, first, one, uno, una, primero, primera, primer, un, une, premier, première, eins, erste, erster, ersten, "
    "um, uma, primeiro, primeira, primo, prima, een, eerste",
    2: "2nd, second, two, dos, segundo, segunda, deux, deuxième, seconde, zwei, zweite, zweiter, zweiten, dois, duas, "
    "due, secondo, seconda, twee, tweede",
    3: "3rd, third, three, tres, tercero, tercera, trois, troisième, drei, dritte, dritter, dritten, três, terceiro, "
    "terceira, tre, terzo, terza, drie, derde",
    4: "4th, fourth, four, cuatro, cuarto, cuarta, quatre, quatrième, vier, vierte, vierter, quatro, quarto, quarta, "
    "quattro, vierde",
    5: "5th, fifth, five, cinco, quinto, quinta, cinq, cinquième, fünf, fünfte, cinque, vijf, vijfde",
    6: "6th, sixth, six",
    7: "7th, seventh, seven",
    8: "8th, eighth, eight",
    9: "9th, ninth, nine",
}
NEGATORS = "not, no, never, dont, do not, cant, wont, nicht, kein, pas, non, nao, niet, geen"
