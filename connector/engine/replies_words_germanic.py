"""English, German and Dutch reply words: one comma-separated string per table and language (see reply_words.py).

Longest phrase first, so "no problem" is yes though "no" is no, and "keine Ahnung" is doubt though "keine" is no.
"""

from __future__ import annotations

STOP = {
    "en": "unsub, stop please, please stop, stop it, stop now, remove me",
    "de": "stopp, stoppen, abmelden, beenden, austragen",
    "nl": "stoppen, afmelden, uitschrijven, meld me af",
}
HELP = {"de": "hilfe", "nl": "hulp"}
# Only phrases no booking answer would contain: "abmelden" alone can mean leaving an appointment, so it is a
# whole-message stop word above, not a phrase here.
OPT_OUT = {
    "en": "stop texting, stop messaging, stop sending, stop contacting, stop the texts, stop these texts, "
    "stop the messages, stop these messages, stop all texts, stop all messages, stop spamming, no more texts, "
    "no more messages, no more sms, dont text me, do not text me, dont message me, do not message me, dont contact me, "
    "do not contact me, never text me, unsubscribe, opt me out, opt out, remove me from your list, "
    "remove me from this list, remove me from the list, take me off your list, take me off this list, "
    "take me off the list, remove my number, delete my number, lose my number, leave me alone",
    "de": "abbestellen, keine nachrichten mehr, keine sms mehr, nicht mehr schreiben, schreiben sie mir nicht mehr, "
    "hören sie auf mir zu schreiben, hört auf mir zu schreiben, nicht mehr kontaktieren, kontaktieren sie mich nicht, "
    "mich von der liste, mich aus der liste, mich aus dem verteiler, meine nummer löschen, keine werbung",
    "nl": "geen berichten meer, geen sms meer, geen smsjes meer, stuur me geen berichten, stuur me geen sms, "
    "stop met sms, stop met berichten, stop met sturen, niet meer sturen, niet meer appen, schrijf me uit, "
    "haal me van de lijst, verwijder mijn nummer",
}

YES = {
    "en": "yes, y, ye, yea, yeah, yep, yup, ya, yah, yas, ok, okay, okey, okie, k, sure, sure thing, certainly, "
    "absolutely, definitely, of course, confirm, confirmed, i confirm, correct, exactly, affirmative, agreed, accept, "
    "fine, perfect, great, excellent, awesome, super, sounds good, sounds great, looks good, works for me, that works, "
    "all good, no problem, no prob, np, no worries, not a problem, no doubt, without a doubt, for sure, why not, "
    "love to, cant wait, see you then, see you there, see you, see you tomorrow, see you soon, i will be there, "
    "ill be there, will be there, i will come, ill come, count me in, im in, i can, i can make it, can do, alright, "
    "all right",
    "de": "ja, jawohl, jep, jo, genau, gerne, gern, ja gerne, ja bitte, gerne doch, klar, na klar, klaro, logo, "
    "natürlich, selbstverständlich, sicher, sicherlich, auf jeden fall, einverstanden, passt, passt gut, passt mir, "
    "bestätigt, ich bestätige, bestätige, in ordnung, alles klar, geht klar, klappt, kein problem, kein thema, gut, "
    "sehr gut, prima, perfekt, richtig, stimmt, korrekt, ich komme, komme, bin dabei, bis dann, bis morgen, bis bald, "
    "mach ich, machen wir",
    "nl": "jazeker, jawel, ja hoor, ja graag, ja zeker, zeker, zeker weten, prima, prima hoor, goed, is goed, "
    "helemaal goed, dat is goed, oké, oke, akkoord, bevestigd, ik bevestig, bevestig, klopt, dat klopt, graag, "
    "geen probleem, geen punt, natuurlijk, tuurlijk, uiteraard, afgesproken, komt goed, ik kom, ik ben er, "
    "ik ben erbij, tot dan, tot morgen, tot straks, top, lijkt me goed, in orde, doe maar",
}
NO = {
    "en": "no, n, nope, nah, naw, nay, negative, never, not, nothing, none, neither, cant, cannot, can not, i can not, "
    "wont, dont, unable, decline, declined, cancel, cancelled, canceled, cancelling, impossible, no thanks, "
    "no thank you, not possible, not available, not interested, not today, not really, no way, not at all, "
    "absolutely not, definitely not, certainly not, of course not, unfortunately, unfortunately not, cant make it, "
    "cannot make it, wont make it, count me out, not going, not for me, sorry, busy, im busy",
    "de": "nein, nee, nein danke, leider nicht, leider nein, leider, nicht, kein, keine, keinen, absagen, sage ab, "
    "abgesagt, geht nicht, geht leider nicht, klappt nicht, klappt leider nicht, passt nicht, passt leider nicht, nie, "
    "niemals, stornieren, ich kann nicht, kann nicht, kann ich nicht, kann leider nicht, schaffe es nicht, "
    "schaff ich nicht, nicht möglich, keine zeit, auf keinen fall, natürlich nicht, bestimmt nicht, sicher nicht, "
    "tut mir leid, ich komme nicht, komme nicht",
    "nl": "nee, neen, nee hoor, nee dank je, nee bedankt, niet, nooit, kan niet, ik kan niet, kan helaas niet, "
    "helaas niet, helaas nee, helaas, annuleren, afzeggen, geen, liever niet, gaat niet, gaat helaas niet, lukt niet, "
    "lukt me niet, geen tijd, absoluut niet, zeker niet, echt niet, natuurlijk niet, ik kom niet, kom niet, "
    "geen interesse, niet nodig",
}
# "stop" alone is an opt-out; inside a sentence ("don't stop", "stop by") it only makes a yes_no reply doubtful.
DOUBT = {
    "en": "maybe, perhaps, possibly, probably, might, not sure, unsure, no idea, dont know, do not know, dunno, idk, "
    "depends, it depends, hmm, but, however, unless, if, except, no one, nobody, instead, rather, reschedule, "
    "postpone, change, move, another, different, other, earlier, later, late, running late, how about, what about, "
    "can we, could we, can i, could i, is it possible, would it be possible, let me check, let you know, "
    "get back to you, will confirm, ill confirm, ill try, try, i think, think so, i guess, guess, should, kinda, "
    "sort of, hopefully, wait, not yet, question, call me, tomorrow, tonight, next week, weekend, monday, tuesday, "
    "wednesday, thursday, friday, saturday, sunday, midday, oclock, half past, ten, eleven, twelve, next time, what, "
    "when, where, which, why, how, wrong number, who is this, stop, unsubscribe",
    "de": "vielleicht, eventuell, evtl, wahrscheinlich, vermutlich, möglicherweise, weiß nicht, ich weiß nicht, "
    "weiß ich nicht, keine ahnung, nicht sicher, bin nicht sicher, bin mir nicht sicher, mal sehen, mal schauen, aber, "
    "jedoch, später, morgen, übermorgen, lieber, stattdessen, anders, andere, anderen, anderer, können wir, "
    "könnten wir, kann ich, wäre es möglich, verschieben, verlegen, falls, wenn, außer, es sei denn, ich melde mich, "
    "melde mich, kommt drauf an, hängt davon ab, jein, naja, na ja, wer, wann, wo, warum, welche, welcher, "
    "um wie viel, falsche nummer, uhr, montag, dienstag, mittwoch, donnerstag, freitag, samstag, sonntag, wochenende, "
    "heute abend, nächste woche, zu spät, verspätung, stoppen",
    "nl": "misschien, wellicht, waarschijnlijk, mogelijk, weet niet, weet ik niet, ik weet het niet, weet nog niet, "
    "geen idee, niet zeker, maar, echter, liever, morgen, overmorgen, later, straks, ander, andere, een andere dag, "
    "kunnen we, kan het, kan ik, verzetten, verplaatsen, in plaats van, als, tenzij, laat het weten, "
    "ik laat het weten, ik laat het je weten, hangt ervan af, wie, wanneer, waar, welke, waarom, hoe laat, hoe, "
    "verkeerd nummer, uur, maandag, dinsdag, woensdag, donderdag, vrijdag, zaterdag, zondag, weekend, vanavond, "
    "volgende week, te laat, stoppen",
}
FILLER = {
    "en": "i, im, i am, me, my, we, us, you, your, the, a, an, to, it, its, that, this, and, will, be, is, am, so, "
    "very, much, thanks, thank you, thank, thx, ty, please, pls, plz, hi, hello, hey, dear, sir, madam, again, then, "
    "there, appointment, booking, meeting, visit, for, at, on, of, with, here",
    "de": "danke, danke schön, dankeschön, vielen dank, bitte, bitte schön, hallo, hi, moin, servus, guten morgen, "
    "guten tag, guten abend, ich, wir, es, das, der, die, den, ist, bin, sind, und, also, dann, da, mal, termin, mein, "
    "meinen, herr, frau",
    "nl": "hoor, dank je, dank u, dankje, dankjewel, dank je wel, dank u wel, bedankt, alvast bedankt, hoi, hallo, "
    "goedemorgen, goedemiddag, groetjes, groet, ik, we, wij, jij, u, het, de, is, dan, en, wel, afspraak, mijn",
}

CHOICE_FILLER = {
    "en": "option, choice, number, num, nr, the, a, i, id, ill, take, want, choose, pick, prefer, go, with, for, me, "
    "please, pls, thanks, works, is, best, ok, okay, yes, would, like, lets",
    "de": "der, die, das, den, dem, ich, nehme, möchte, will, hätte, gern, gerne, bitte, option, nummer, wähle, lieber",
    "nl": "de, het, ik, wil, neem, kies, graag, optie, nummer, doe, maar, liever",
}
ORDINALS = {
    "en": {1: "1st, first, one", 2: "2nd, second, two", 3: "3rd, third, three", 4: "4th, fourth, four",
           5: "5th, fifth, five", 6: "6th, sixth, six", 7: "7th, seventh, seven", 8: "8th, eighth, eight",
           9: "9th, ninth, nine"},
    "de": {1: "eins, erste, erster, ersten, erstes", 2: "zwei, zweite, zweiter, zweiten, zweites",
           3: "drei, dritte, dritter, dritten, drittes", 4: "vier, vierte, vierter, vierten",
           5: "fünf, fünfte, fünften", 6: "sechs, sechste, sechsten", 7: "sieben, siebte, siebten",
           8: "acht, achte, achten", 9: "neun, neunte, neunten"},
    "nl": {1: "een, één, eerste", 2: "twee, tweede", 3: "drie, derde", 4: "vier, vierde", 5: "vijf, vijfde",
           6: "zes, zesde", 7: "zeven, zevende", 8: "acht, achtste", 9: "negen, negende"},
}  # fmt: skip
NEGATORS = {
    "en": "not, no, never, dont, do not, cant, wont",
    "de": "nicht, kein, keine, nie",
    "nl": "niet, geen, nooit",
}
