"""Reply understanding language by language: yes, no and doubt; opt-outs and their look-alikes; choice ordinals.

Each language lists replies by the outcome they must have. Greek and Chinese replies carry an English gloss that
names the test, since test ids are ASCII.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.engine.replies import classify, normalise
from connector.engine.replies_normalise import match_key
from connector.engine.reply_words import DOUBT as DOUBT_WORDS
from connector.engine.reply_words import NO as NO_WORDS
from connector.engine.reply_words import YES as YES_WORDS

Reply = str | tuple[str, str]  # the reply, or (the reply, an ASCII gloss for the test id)


def _table_words(table: dict[str, str]) -> list[str]:
    return sorted({w.strip() for words in table.values() for w in words.split(",") if w.strip()})


def _params(lang: str, outcome: str, replies: list[Reply], *extra: Any) -> list[Any]:
    """One pytest.param per reply, with an id such as "fr-yes-oui-bien-sur" that reads as the claim tested."""
    params = []
    for reply in replies:
        text, gloss = reply if isinstance(reply, tuple) else (reply, "-".join(normalise(reply).split()))
        assert gloss.isascii() and gloss, f"give {text!r} an ASCII gloss"
        params.append(pytest.param(text, outcome, *extra, id=f"{lang}-{outcome}-{gloss}"))
    return params


def _yes_no(lang: str, yes: list[Reply], no: list[Reply], unknown: list[Reply]) -> list[Any]:
    return [*_params(lang, "yes", yes), *_params(lang, "no", no), *_params(lang, "unknown", unknown)]


YES_NO = [
    *_yes_no(
        "en",
        yes=["Yes", "yes!", "Y", "Yep", "Yeah sure", "OK", "Sure thing", "Of course", "Absolutely", "Definitely",
             "Confirmed", "Yes, see you then", "Yes please", "Yes, thank you", "Sounds good", "Works for me",
             "No problem", "No worries, see you there", "I'll be there", "Count me in", "Great, see you tomorrow",
             "Perfect, thanks", "Can't wait!", "Alright", ("ok 👍", "ok-thumbs-up")],
        no=["No", "No thanks", "No thank you", "Nope", "Can't make it", "I can't make it, sorry", "Not possible",
            "Not interested", "No way", "Of course not", "Absolutely not", "Unfortunately not", "Sorry, I'm busy",
            "I need to cancel", "Cancel my appointment", ("❌", "cross-emoji")],
        unknown=["Maybe", "Not sure", "Possibly", "I think so", "Probably", "Yes and no", "Yes but I'll be late",
                 "Can we do 3pm instead?", "Can we do 3pm instead", "How about Thursday", "Yes at four", "Yes, at 4",
                 "Let me check and get back to you", "I'll try", "Who is this?", "Wrong number", "Thanks", "Hmm",
                 "Should be fine", "Not yet", "No idea", "I'd rather go later", "Can I reschedule",
                 "I don't want to unsubscribe", "Yes, one second", "Sure, next time", "ok what time"],
    ),
    *_yes_no(
        "es",
        yes=["Sí", "si", "SI", "Sí, claro", "Claro que sí", "Claro", "Vale", "Vale, gracias", "Dale", "De acuerdo",
             "Por supuesto", "Perfecto", "Confirmo", "Confirmado", "Correcto", "Está bien", "Muy bien, gracias",
             "Sin problema", "No hay problema", "Ahí estaré", "Nos vemos", "Sí, hasta mañana", "Listo", "Cómo no",
             "Sí, confirmo mi cita"],
        no=["No", "No gracias", "No, gracias", "No puedo", "No voy a poder", "No es posible", "Imposible",
            "Lo siento, no puedo", "Claro que no", "Para nada", "De ninguna manera", "Mejor no", "Quiero cancelar",
            "Cancelo la cita", "No me interesa", "Nunca"],
        unknown=["Quizás", "Quizá", "Tal vez", "A lo mejor", "Puede ser", "No sé", "No estoy segura", "Sí y no",
                 "Sí, pero más tarde", "¿Podemos a las 3?", "Podemos a las 3", "¿Puede ser el martes?",
                 "Mejor mañana", "Otro día", "Sí, a las tres", "Te aviso", "Depende", "¿Quién es?",
                 "Número equivocado", "Gracias", "Ya veremos", "Sí, el viernes", "No quiero darme de baja"],
    ),
    *_yes_no(
        "fr",
        yes=["Oui", "OUI", "Ouais", "Oui bien sûr", "Bien sûr", "D'accord", "Oui, d'accord", "Ok merci", "Parfait",
             "Parfait, merci", "Ça marche", "C'est bon", "Pas de problème", "Pas de souci", "Aucun problème",
             "Avec plaisir", "Volontiers", "Je confirme", "Oui, je serai là", "J'y serai", "Oui, à demain",
             "Très bien", "Entendu", "Tout à fait", "Oui merci beaucoup"],
        no=["Non", "Non merci", "Non, merci", "Je ne peux pas", "Je peux pas", "Pas possible", "Impossible",
            "Désolé, je ne peux pas", "Malheureusement non", "Pas disponible", "Je ne viendrai pas",
            "Certainement pas", "Pas question", "Bien sûr que non", "Je veux annuler", "Jamais"],
        unknown=["Peut-être", "Peut être", "Je ne sais pas", "Je sais pas", "Pas sûr", "Oui et non",
                 "Oui mais plus tard", "On peut à 15h ?", "On peut décaler ?", "On peut décaler", "Plutôt demain",
                 "Oui, vendredi", "Oui, à trois heures", "Je vous dis", "Ça dépend", "Qui est-ce ?",
                 "Mauvais numéro", "Merci", "Probablement", "Sans doute", "Oui si possible", "Oui à quelle heure"],
    ),
    *_yes_no(
        "de",
        yes=["Ja", "JA!", "ja gerne", "Ja, bitte", "Jawohl", "Klar", "Na klar", "Natürlich", "Selbstverständlich",
             "Genau", "Passt", "Passt gut, danke", "Alles klar", "Geht klar", "In Ordnung", "Einverstanden",
             "Bestätigt", "Ich bestätige den Termin", "Kein Problem", "Ja, bis dann", "Guten Morgen, ja gerne",
             "Sehr gut", "Ich komme", "Auf jeden Fall", "Jo"],
        no=["Nein", "nein danke", "Nee", "Nö", "Leider nicht", "Leider nein", "Geht nicht", "Klappt leider nicht",
            "Ich kann nicht", "Ich kann leider nicht", "Auf keinen Fall", "Keine Zeit", "Ich muss absagen",
            "Tut mir leid, ich komme nicht", "Natürlich nicht", "Niemals"],
        unknown=["Vielleicht", "Weiß nicht", "Ich weiß nicht", "Keine Ahnung", "Nicht sicher", "Ja, aber später",
                 "Ja und nein", "Jein", "Naja", "Können wir 15 Uhr machen?", "Können wir verschieben",
                 "Lieber morgen", "Eventuell", "Mal sehen", "Ich melde mich", "Wer ist da?", "Falsche Nummer",
                 "Ja, um drei", "Danke", "Kommt drauf an", "Nicht stoppen"],
    ),
    *_yes_no(
        "pt",
        yes=["Sim", "SIM", "Sim, claro", "Claro que sim", "Com certeza", "Certo", "Tá bom", "Ta bom", "Está bem",
             "Beleza", "Blz", "Perfeito", "Combinado", "Confirmado", "Confirmo", "Sem problema", "Não tem problema",
             "Pode sim", "Isso mesmo", "Sim, obrigado", "Sim, até amanhã", "Estarei lá", "Tudo certo", "Ótimo",
             "Fechado"],
        no=["Não", "Nao", "Não, obrigado", "Não obrigada", "Não posso", "Não vou poder", "Não dá", "Não consigo",
            "Infelizmente não", "De jeito nenhum", "Nem pensar", "Claro que não", "Quero cancelar",
            "Desculpe, não posso", "Não tenho interesse", "Jamais"],
        unknown=["Talvez", "Não sei", "Não tenho certeza", "Acho que sim", "Pode ser", "Sim e não",
                 "Sim, mas mais tarde", "Podemos às 15h?", "Podemos remarcar", "Amanhã", "Outro dia", "Sim, às três",
                 "Vou ver", "Te aviso", "Depende", "Quem é?", "Número errado", "Obrigado", "Quem sabe",
                 "Sim, na sexta-feira"],
    ),
    *_yes_no(
        "it",
        yes=["Sì", "si", "SÌ", "Certo", "Certo che sì", "Certamente", "Va bene", "Va bene, grazie",
             "Sì, va benissimo", "D'accordo", "Ok grazie", "Perfetto", "Confermo", "Confermato", "Volentieri",
             "Nessun problema", "Non c'è problema", "Senza problemi", "Esatto", "Ci sarò", "Sì, a domani",
             "Ci vediamo", "Ottimo", "Sicuro", "Benissimo, grazie mille"],
        no=["No", "No grazie", "No, grazie", "Non posso", "Non riesco", "Non ce la faccio", "Purtroppo no",
            "Purtroppo non posso", "Mi dispiace, non vengo", "Assolutamente no", "Certo che no", "Impossibile",
            "Voglio annullare", "Devo disdire", "Mai", "Non mi interessa"],
        unknown=["Forse", "Magari", "Non so", "Non lo so", "Non sono sicuro", "Sì e no", "Sì, ma più tardi",
                 "Possiamo alle 15?", "Possiamo spostare", "Domani", "Un altro giorno", "Sì, alle tre",
                 "Ti faccio sapere", "Dipende", "Chi è?", "Numero sbagliato", "Grazie", "Probabilmente",
                 "Sì, venerdì", "Vediamo", "Sì, a che ora"],
    ),
    *_yes_no(
        "nl",
        yes=["Ja", "Ja hoor", "Ja graag", "Jazeker", "Jawel", "Zeker", "Prima", "Prima, tot dan", "Is goed", "Goed",
             "Oké", "Akkoord", "Klopt", "Bevestigd", "Geen probleem", "Natuurlijk", "Tuurlijk", "Afgesproken",
             "Ik kom", "Ja, tot morgen", "Top, bedankt", "Doe maar", "Ja, dank je wel", "Helemaal goed",
             "Komt goed"],
        no=["Nee", "Nee hoor", "Nee, bedankt", "Nee dank je", "Helaas niet", "Helaas", "Kan niet", "Ik kan niet",
            "Lukt niet", "Lukt me helaas niet", "Gaat niet", "Liever niet", "Zeker niet", "Geen tijd",
            "Ik wil annuleren", "Nooit"],
        unknown=["Misschien", "Weet ik niet", "Geen idee", "Niet zeker", "Ja, maar later", "Ja en nee",
                 "Kunnen we om 3 uur?", "Kunnen we verzetten", "Liever morgen", "Wellicht", "Waarschijnlijk wel",
                 "Ik laat het weten", "Wie is dit?", "Verkeerd nummer", "Ja, om drie uur", "Bedankt", "Straks",
                 "Hangt ervan af", "Ja, vanavond", "Niet stoppen", "Ja hoe laat"],
    ),
    *_yes_no(
        "el",
        yes=[("Ναι", "nai"), ("ναι", "nai-lower-case"), ("ΝΑΙ", "nai-capitals"), ("Ναί", "nai-accented"),
             ("Ναι, ευχαριστώ", "nai-thank-you"), ("Ναι ευχαριστω", "nai-thank-you-unaccented"),
             ("Εντάξει", "entaxei"), ("ενταξει", "entaxei-unaccented"), ("ΕΝΤΑΞΕΙ", "entaxei-capitals"),
             ("Βεβαίως", "vevaios"), ("βεβαιως", "vevaios-unaccented-final-sigma"),
             ("ΒΕΒΑΙΩΣ", "vevaios-capitals-no-final-sigma"), ("Σίγουρα", "sigoura"), ("ΣΙΓΟΥΡΑ", "sigoura-capitals"),
             ("Μάλιστα", "malista"), ("μαλιστα", "malista-unaccented"), ("Φυσικά", "of-course"),
             ("Κανένα πρόβλημα", "no-problem"), ("Δεν υπάρχει πρόβλημα", "there-is-no-problem"),
             ("Ναι, θα είμαι εκεί", "yes-ill-be-there"), ("Ναι, τα λέμε", "yes-see-you"), ("Οκ", "ok-in-greek"),
             ("ok ευχαριστώ", "ok-thank-you"), ("nai", "greeklish-nai"), ("entaksei", "greeklish-entaksei"),
             ("Τέλεια, ευχαριστώ πολύ", "perfect-thanks-a-lot")],
        no=[("Όχι", "ochi"), ("όχι", "ochi-lower-case"), ("οχι", "ochi-unaccented"), ("ΟΧΙ", "ochi-capitals"),
            ("Όχι, ευχαριστώ", "no-thank-you"), ("Δεν μπορώ", "i-cant"), ("Δυστυχώς δεν μπορώ", "unfortunately-i-cant"),
            ("Δεν γίνεται", "not-possible"), ("Λυπάμαι, δεν θα έρθω", "sorry-i-wont-come"),
            ("Φυσικά όχι", "of-course-not"), ("Αδύνατον", "impossible"), ("Θέλω ακύρωση", "i-want-to-cancel"),
            ("oxi", "greeklish-oxi"), ("Μπα", "nah"), ("Με τίποτα", "no-way")],
        unknown=[("Ίσως", "isos"), ("ισως", "isos-unaccented"), ("Μπορεί", "maybe"), ("Μάλλον", "probably"),
                 ("Δεν ξέρω", "i-dont-know"), ("Δεν είμαι σίγουρος", "not-sure"), ("Ναι και όχι", "yes-and-no"),
                 ("Ναι αλλά αργότερα", "yes-but-later"), ("Ναι;", "yes-with-greek-question-mark"),
                 ("Ναι\u037e", "yes-with-the-greek-question-mark-character"), ("Μπορούμε στις 3;", "can-we-at-3"),
                 ("Μπορούμε αύριο", "can-we-tomorrow"), ("Ναι, την Τρίτη", "yes-on-tuesday"),
                 ("Ναι, στις τρεις", "yes-at-three"), ("Θα σας πω", "ill-tell-you"), ("Ποιος είναι;", "who-is-it"),
                 ("Λάθος αριθμός", "wrong-number"), ("Ευχαριστώ", "thanks-alone"), ("Όχι ακόμα", "not-yet"),
                 ("Εξαρτάται", "it-depends"), ("Άλλη ώρα", "another-time"),
                 ("Ναι, πότε", "yes-when-which-only-an-accent-tells-from-never")],
    ),
    *_yes_no(
        "zh",
        yes=[("是", "shi"), ("是的", "shi-de"), ("好", "hao"), ("好的", "hao-de"), ("好的，谢谢", "hao-de-thanks"),
             ("好的谢谢", "hao-de-thanks-without-punctuation"), ("可以", "keyi"), ("可以的", "keyi-de"), ("行", "xing"),
             ("行吧", "xing-ba"), ("没问题", "mei-wenti"), ("沒問題", "mei-wenti-traditional"), ("确认", "queren"),
             ("确认，谢谢", "queren-thanks"), ("对", "dui"), ("对的", "dui-de"), ("当然可以", "of-course"),
             ("嗯，好的", "mm-ok"), ("好的，明天见", "ok-see-you-tomorrow"), ("好的，到时见", "ok-see-you-then"),
             ("没问题，我会准时到", "no-problem-ill-be-on-time"), ("好的好的", "ok-ok"),
             ("OK，谢谢", "latin-ok-thanks"), ("同意", "agree"), ("是的，我会去", "yes-ill-go")],
        no=[("不", "bu"), ("不是", "bu-shi"), ("不要", "bu-yao"), ("不行", "bu-xing"), ("不可以", "bu-keyi"),
            ("没空", "mei-kong"), ("不用了", "bu-yong-le"), ("不用了，谢谢", "bu-yong-le-thanks"), ("不好", "bu-hao"),
            ("不好意思，我去不了", "sorry-i-cant-go"), ("对不起，没时间", "sorry-no-time"), ("算了", "forget-it"),
            ("我要取消预约", "i-want-to-cancel-the-booking"), ("不能去", "cant-go"), ("不了，谢谢", "no-thanks")],
        unknown=[("也许", "yexu"), ("可能", "keneng"), ("好不好", "hao-bu-hao-asks"), ("行不行", "xing-bu-xing-asks"),
                 ("可不可以", "ke-bu-keyi-asks"), ("会不会", "hui-bu-hui-asks"), ("明天可以吗？", "tomorrow-ok-asks"),
                 ("明天可以吗", "tomorrow-ok-asks-without-question-mark"), ("可以吗", "keyi-ma-asks"),
                 ("好，但是晚一点", "ok-but-a-bit-later"), ("我不确定", "not-sure"), ("不知道", "dont-know"),
                 ("是也不是", "yes-and-no"), ("三点可以", "three-oclock-ok"), ("下周再说", "next-week-then"),
                 ("改天吧", "another-day"), ("你是谁", "who-are-you"), ("打错了", "wrong-number"),
                 ("谢谢", "thanks-alone"), ("你好", "hello-alone"), ("不确认", "unlisted-negation-of-a-yes"),
                 ("好像可以", "seems-ok"), ("我不想退订", "does-not-want-to-unsubscribe"),
                 ("还行", "so-so"), ("是，不是", "yes-comma-no-is-mixed-not-a-question")],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "outcome"), YES_NO)
def test_yes_no_in_every_language(text: str, outcome: str) -> None:
    understood = classify(text, "yes_no")
    assert understood.outcome == outcome, understood.reason


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(_table_words(YES_WORDS)),
    st.sampled_from(_table_words(DOUBT_WORDS) + _table_words(NO_WORDS)),
    st.sampled_from([" ", ", ", "! ", " 😀 "]),
    st.booleans(),
)
def test_a_yes_word_beside_a_doubt_or_no_word_is_never_yes(yes: str, other: str, sep: str, first: bool) -> None:
    text = f"{yes}{sep}{other}" if first else f"{other}{sep}{yes}"
    understood = classify(text, "yes_no")
    # Only a yes phrase that takes in (part of) the other word may say yes: "see you" + "tomorrow".
    if understood.outcome == "yes":
        assert match_key(understood.reason.split("'")[1]) != match_key(yes), text


def test_every_language_has_25_yes_no_cases() -> None:
    counts: dict[str, int] = {}
    for case in YES_NO:
        counts[case.id.split("-")[0]] = counts.get(case.id.split("-")[0], 0) + 1
    assert {lang: n for lang, n in counts.items() if n < 25} == {}
    assert set(counts) == {"en", "es", "fr", "de", "pt", "it", "nl", "el", "zh"}


OPT_OUT = [
    *_params("en", "stop", ["STOP", "Stop please", "please stop texting me", "Remove me from your list",
                            "Unsubscribe", "Wrong number. STOP", "STOP!!! who is this", "stop thanks",
                            "Take me off the list please", "No more texts", "Don't text me again", "Opt me out",
                            "cancel", "Ok, stop.", "End"]),
    *_params("es", "stop", ["Baja", "PARA", "Basta", "No más mensajes", "Por favor, darme de baja",
                            "Dejen de escribirme", "No me envíen más mensajes", "Quiero darme de baja"]),
    *_params("fr", "stop", ["Arrêt", "Arrêtez", "Ne m'écrivez plus", "Arrêtez de m'écrire", "Désabonnez-moi",
                            "Plus de SMS svp", "Je ne veux plus recevoir de messages", "Retirez-moi de votre liste"]),
    *_params("de", "stop", ["STOPP", "Stopp bitte", "Abmelden", "Keine SMS mehr", "Keine Nachrichten mehr bitte",
                            "Bitte nicht mehr schreiben", "Nehmen Sie mich von der Liste", "Meine Nummer löschen"]),
    *_params("pt", "stop", ["PARE", "Sair", "Não quero mais mensagens", "Parem de enviar mensagens",
                            "Me tira da lista", "Descadastrar", "Não me mandem mais SMS"]),
    *_params("it", "stop", ["Basta", "BASTA!", "Non scrivetemi più", "Non scrivermi più", "Basta messaggi",
                            "Toglietemi dalla lista", "Disiscrivimi", "Non voglio più messaggi"]),
    *_params("nl", "stop", ["Stop", "Stoppen", "Afmelden", "Geen berichten meer", "Geen sms meer aub",
                            "Stuur me geen berichten meer", "Haal me van de lijst", "Uitschrijven"]),
    *_params("el", "stop", [("Σταματήστε τα μηνύματα", "stop-the-messages"),
                            ("σταματηστε τα μηνυματα", "stop-the-messages-unaccented"), ("ΣΤΟΠ", "stop-in-greek"),
                            ("Σταμάτα", "stop-imperative"), ("Μη μου στέλνετε άλλο", "dont-send-me-more"),
                            ("Όχι άλλα μηνύματα", "no-more-messages"), ("Διαγραφή", "deletion"),
                            ("Βγάλτε με από τη λίστα", "take-me-off-the-list")]),
    *_params("zh", "stop", [("退订", "tuiding"), ("TD", "carrier-td"), ("取消订阅", "cancel-the-subscription"),
                            ("请帮我退订", "please-unsubscribe-me"), ("别再发了", "dont-send-again"),
                            ("不要再给我发短信了", "dont-text-me-again"), ("停止", "stop"), ("退訂", "traditional")]),
]  # fmt: skip


@pytest.mark.parametrize("expect", ["yes_no", "choice", "keywords", "text"])
@pytest.mark.parametrize(("text", "outcome"), OPT_OUT)
def test_opt_out_in_every_language_whatever_the_step_expects(text: str, outcome: str, expect: str) -> None:
    assert classify(text, expect, options=["A", "B"], keywords={"later": ["later"]}).outcome == outcome


# Replies that look like an opt-out but are not one, with what they mean to a yes_no step.
NOT_OPT_OUT = [
    pytest.param("don't stop", "unknown", id="en-dont-stop"),
    pytest.param("don't stop texting me", "unknown", id="en-dont-stop-texting-me-is-negated"),
    pytest.param("I don't want to unsubscribe", "unknown", id="en-does-not-want-to-unsubscribe"),
    pytest.param("stop by tomorrow?", "unknown", id="en-stop-by"),
    pytest.param("I'll stop by at 3", "unknown", id="en-ill-stop-by-at-3"),
    pytest.param("Yes, stop by anytime", "unknown", id="en-yes-stop-by-anytime"),
    pytest.param("the end", "unknown", id="en-the-end"),
    pytest.param("cancel my booking", "no", id="en-cancel-my-booking-is-no"),
    pytest.param("Cancel please", "no", id="en-cancel-please-is-no-not-twilio-cancel"),
    pytest.param("para mañana", "unknown", id="es-para-manana"),
    pytest.param("Para nada", "no", id="es-para-nada-is-no"),
    pytest.param("Sí, para las 3", "unknown", id="es-si-para-las-3"),
    pytest.param("No quiero darme de baja", "unknown", id="es-does-not-want-to-unsubscribe"),
    pytest.param("arrête de rire", "unknown", id="fr-arrete-de-rire"),
    pytest.param("Je passe à l'arrêt de bus", "unknown", id="fr-arret-de-bus"),
    pytest.param("Fin de semaine ?", "unknown", id="fr-fin-de-semaine"),
    pytest.param("Ich muss mich vom Termin abmelden", "unknown", id="de-abmelden-vom-termin-is-no-opt-out"),
    pytest.param("Nicht stoppen", "unknown", id="de-nicht-stoppen"),
    pytest.param("Ende nächster Woche", "unknown", id="de-ende-naechster-woche"),
    pytest.param("Pare de brincadeira", "unknown", id="pt-pare-de-brincadeira"),
    pytest.param("Sair às 3", "unknown", id="pt-sair-as-3"),
    pytest.param("Posso parar no estacionamento", "unknown", id="pt-parar-no-estacionamento"),
    pytest.param("Basta così, grazie", "unknown", id="it-basta-cosi"),
    pytest.param("Fermati alle 3", "unknown", id="it-fermati-alle-3"),
    pytest.param("Basta che sia di mattina", "unknown", id="it-basta-che"),
    pytest.param("Ik stop om 5 uur met werken", "unknown", id="nl-ik-stop-om-5-uur"),
    pytest.param("Niet stoppen", "unknown", id="nl-niet-stoppen"),
    pytest.param("Stop maar bij de voordeur", "unknown", id="nl-stop-maar-bij-de-voordeur"),
    pytest.param("Θα σταματήσω στο γραφείο", "unknown", id="el-ill-stop-by-the-office"),
    pytest.param("Τέλος του μήνα", "unknown", id="el-end-of-the-month"),
    pytest.param("Σταματήστε στη γωνία", "unknown", id="el-stop-at-the-corner"),
    pytest.param("取消预约", "no", id="zh-cancel-the-booking-is-no"),
    pytest.param("我不想退订", "unknown", id="zh-does-not-want-to-unsubscribe"),
    pytest.param("停车场在哪", "unknown", id="zh-where-is-the-car-park"),
]


@pytest.mark.parametrize("expect", ["yes_no", "choice", "keywords", "text"])
@pytest.mark.parametrize(("text", "yes_no"), NOT_OPT_OUT)
def test_look_alikes_are_no_opt_out(text: str, yes_no: str, expect: str) -> None:
    assert classify(text, expect, options=["A", "B"], keywords={"later": ["later"]}).outcome != "stop"
    assert classify(text, "yes_no").outcome == yes_no


SLOTS = ["Morning", "Afternoon", "Evening"]


def _choices(lang: str, **by_number: list[Reply]) -> list[Any]:
    return [p for n, replies in by_number.items() for p in _params(lang, n, replies)]


CHOICE = [
    *_choices("en", **{"1": ["the first one", "#1"], "2": ["2nd please", "I'll take the second"],
                       "3": ["option three"], "unknown": ["not the second"]}),
    *_choices("es", **{"1": ["el primero", "opción 1", "la primera, por favor"], "2": ["la segunda", "Quiero la dos"],
                       "3": ["la tercera opción", "me quedo con la tercera"], "unknown": ["la segunda no"]}),
    *_choices("fr", **{"1": ["le premier", "la première svp"], "2": ["la deuxième", "Je prends la 2", "le second"],
                       "3": ["la troisième option"], "unknown": ["pas la deuxième"]}),
    *_choices("de", **{"1": ["der erste", "Nummer 1", "das erste bitte"], "2": ["die zweite", "Ich nehme die zwei"],
                       "3": ["die dritte Option"], "unknown": ["nicht die zweite"]}),
    *_choices("pt", **{"1": ["o primeiro", "opção 1", "a primeira, por favor"], "2": ["a segunda", "Quero a dois"],
                       "3": ["a terceira opção", "fico com a terceira"], "unknown": ["a segunda não"]}),
    *_choices("it", **{"1": ["il primo", "la prima, grazie"], "2": ["la seconda", "Voglio la due"],
                       "3": ["la terza opzione", "numero 3"], "unknown": ["non la seconda"]}),
    *_choices("nl", **{"1": ["de eerste", "nummer 1", "de eerste graag"], "2": ["de tweede", "Ik neem de twee"],
                       "3": ["de derde optie"], "unknown": ["niet de tweede"]}),
    *_choices("el", **{"1": [("το πρώτο", "to-proto"), ("ΤΟ ΠΡΩΤΟ", "to-proto-capitals")],
                       "2": [("τη δεύτερη", "ti-defteri"), ("η δεύτερη επιλογή", "the-second-option"),
                             ("δύο", "dyo")],
                       "3": [("την τρίτη", "tin-triti-third-not-tuesday"), ("θέλω το τρίτο", "i-want-the-third")],
                       "unknown": [("όχι το δεύτερο", "not-the-second")]}),
    *_choices("zh", **{"1": [("第一个", "di-yi-ge"), ("选项1", "option-1")],
                       "2": [("第二个", "di-er-ge"), ("我选第二个", "i-choose-the-second"), ("二", "er"),
                             ("两", "liang"), ("第2个", "di-2-ge")],
                       "3": [("第三个", "di-san-ge"), ("就第三个吧", "the-third-then")],
                       "unknown": [("不要第二个", "not-the-second")]}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "outcome"), CHOICE)
def test_choice_in_every_language(text: str, outcome: str) -> None:
    understood = classify(text, "choice", options=SLOTS)
    assert understood.outcome == outcome, understood.reason


@pytest.mark.parametrize(
    ("options", "text", "outcome"),
    [
        pytest.param(["上午", "下午", "晚上"], "下午", "2", id="zh-option-text"),
        pytest.param(["上午", "下午", "晚上"], "下午吧", "2", id="zh-option-text-with-particle"),
        pytest.param(["上午", "下午", "晚上"], "下午可以", "2", id="zh-option-text-in-a-sentence"),
        pytest.param(["上午", "下午", "晚上"], "下午不行", "unknown", id="zh-option-text-negated"),
        pytest.param(["Πρωί", "Απόγευμα"], "απογευμα", "2", id="el-option-text-unaccented"),
        pytest.param(["Τρίτη", "Πέμπτη"], "Πέμπτη", "2", id="el-weekday-option-beats-ordinal"),
        pytest.param(["Mañana", "Tarde"], "por la tarde", "2", id="es-option-text-in-a-phrase"),
    ],
)
def test_choice_options_in_other_scripts(options: list[str], text: str, outcome: str) -> None:
    assert classify(text, "choice", options=options).outcome == outcome


@pytest.mark.parametrize(
    ("groups", "text", "outcome"),
    [
        pytest.param({"callback": ["回电"]}, "请给我回电", "callback", id="zh-keyword-inside-a-sentence"),
        pytest.param({"callback": ["回电"]}, "不要回电", "unknown", id="zh-negated-keyword"),
        pytest.param({"callback": ["τηλεφωνήστε μου"]}, "Τηλεφωνηστε μου αυριο", "callback", id="el-keyword"),
        pytest.param({"callback": ["llamar"]}, "No llamar", "unknown", id="es-negated-keyword"),
    ],
)
def test_keywords_in_other_scripts(groups: dict[str, list[str]], text: str, outcome: str) -> None:
    assert classify(text, "keywords", keywords=groups).outcome == outcome
