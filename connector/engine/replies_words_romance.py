"""Spanish, French, Portuguese and Italian reply words: one comma-separated string per table and language.

Accents do not matter, so "sí" and "si" are one entry: both yes (Spanish "si" meaning "if" is rare in a reply).
Longest phrase first: "claro que no" is no though "claro" is yes, "pas de problème" yes though "pas" is no.
"""

from __future__ import annotations

# "para" and "pare" are opt-outs only as the whole reply: "para mañana" is about tomorrow. "Arrête" likewise:
# "arrête de rire" is no opt-out, "arrêtez de m'écrire" is.
STOP = {
    "es": "para, baja, alto, parar, basta",
    "fr": "arret, arrête, arretez, désabonnement, désinscription",
    "pt": "pare, parar, sair, basta, descadastrar",
    "it": "basta, fermati, fermatevi",
}
HELP = {"es": "ayuda", "fr": "aide", "pt": "ajuda", "it": "aiuto"}
OPT_OUT = {
    "es": "dar de baja, darme de baja, dame de baja, deme de baja, darse de baja, no me escribas, no me escriba, "
    "no me envies, no me mandes, no quiero recibir, no mas mensajes, no mas sms, no me envíen más, no me manden más, "
    "deja de escribirme, dejen de escribirme, deja de enviarme, dejen de enviarme, dejen de mandarme, "
    "quítenme de la lista, sáquenme de la lista, borren mi número, eliminen mi número, desuscribirme, "
    "cancelar la suscripción, cancelar suscripción",
    "fr": "desabonner, desinscrire, désabonnez-moi, désinscrivez-moi, ne mecrivez plus, ne m'envoyez plus, "
    "arretez de mecrire, arrête de m'écrire, arrêtez de m'envoyer, arrête de m'envoyer, arretez les messages, "
    "arrêtez les sms, plus de messages, plus de sms, retirez-moi de la liste, retirez-moi de votre liste, "
    "supprimez mon numéro, ne me contactez plus, je ne veux plus recevoir, je veux plus recevoir",
    "pt": "descadastrar, me descadastre, nao quero receber, não quero mais mensagens, não quero mais receber, "
    "pare de enviar, parem de enviar, pare de mandar, parem de mandar, pare de me mandar, parem de me mandar, "
    "nao me mande, não me mandem mais, não me envie mais, não me enviem mais, me tira da lista, me tire da lista, "
    "remover meu número, apaguem meu número, chega de mensagens",
    "it": "disiscrivimi, disiscrivere, annulla iscrizione, non scrivermi piu, non scrivetemi, non mandatemi più, "
    "non inviatemi più, non voglio ricevere, non voglio più messaggi, basta messaggi, basta sms, niente più messaggi, "
    "smettete di scrivermi, smettetela di scrivermi, smetti di scrivermi, toglietemi dalla lista, "
    "cancellami dalla lista, cancellate il mio numero",
}

YES = {
    "es": "si, sip, claro, claro que sí, vale, dale, de acuerdo, por supuesto, perfecto, confirmo, confirmado, "
    "correcto, exacto, eso es, afirmativo, está bien, muy bien, bien, sin problema, sin problemas, no hay problema, "
    "ningún problema, ahí estaré, allí estaré, ahí nos vemos, nos vemos, hasta mañana, seguro, desde luego, cómo no, "
    "listo, genial, excelente, cuenta conmigo, me parece bien, me viene bien, sí puedo, voy, asistiré, iré",
    "fr": "oui, ouais, ouaip, oui oui, d'accord, dac, bien sûr, parfait, volontiers, avec plaisir, absolument, "
    "certainement, tout à fait, exactement, je confirme, confirmé, ça marche, c'est bon, c'est parfait, "
    "pas de problème, pas de souci, pas de soucis, aucun problème, aucun souci, sans problème, sans souci, entendu, "
    "très bien, génial, nickel, ça me va, ça me convient, je serai là, j'y serai, je viens, je viendrai, à demain, "
    "à tout à l'heure, à bientôt, validé, je valide, carrément, évidemment",
    "pt": "sim, claro que sim, com certeza, certeza, certo, tá certo, está certo, confirmado, confirmo, beleza, blz, "
    "perfeito, ótimo, tá bom, está bem, tudo bem, tudo certo, sem problema, sem problemas, não tem problema, "
    "não há problema, combinado, fechado, de acordo, estarei lá, estarei aí, vou sim, eu vou, até lá, até amanhã, "
    "posso sim, pode sim, pode confirmar, isso, isso mesmo, exato, exatamente, positivo, sim senhor, sim senhora, "
    "obviamente, com prazer",
    "it": "sì, certo, certo che sì, certamente, sicuro, sicuramente, va bene, va benissimo, d'accordo, perfetto, "
    "benissimo, bene, ottimo, confermo, confermato, volentieri, senza problemi, nessun problema, non c'è problema, "
    "esatto, esattamente, giusto, assolutamente, assolutamente sì, ci sarò, ci vediamo, a domani, a presto, vengo, "
    "verrò, ovviamente, senz'altro, con piacere, come no",
}
NO = {
    "es": "no gracias, no puedo, no podré, no voy, no iré, no voy a poder, no es posible, no se puede, "
    "no me es posible, no me viene bien, imposible, nunca, jamás, cancelar, cancela, cancelo, anular, anulo, "
    "lo siento, de ninguna manera, para nada, claro que no, por supuesto que no, mejor no, negativo, tampoco, ninguno, "
    "ninguna, no quiero, no asistiré, no me interesa",
    "fr": "non, non merci, pas, jamais, annuler, annule, je ne peux pas, ne peux pas, je peux pas, peux pas, "
    "pas possible, pas disponible, pas dispo, je ne serai pas là, je ne viendrai pas, je ne viens pas, je viens pas, "
    "désolé, désolée, malheureusement, malheureusement non, malheureusement pas, certainement pas, absolument pas, "
    "pas question, hors de question, bien sûr que non, pas intéressé, pas intéressée, ça ne me va pas, pas pour moi, "
    "pas du tout",
    "pt": "não, não obrigado, não obrigada, não posso, não dá, não vai dar, não vou, não vou poder, não consigo, "
    "não é possível, não quero, impossível, jamais, de jeito nenhum, nem pensar, infelizmente, infelizmente não, "
    "desculpe, desculpa, lamento, cancela, desmarcar, nenhum, nenhuma, claro que não, não tenho interesse, "
    "não me interessa",
    "it": "no grazie, non, non posso, non riesco, non ce la faccio, non vengo, non verrò, non è possibile, "
    "impossibile, mai, purtroppo, purtroppo no, annullare, annulla, annullo, disdire, disdico, mi dispiace, spiacente, "
    "per niente, assolutamente no, certo che no, nessuno, neanche, nemmeno, non mi interessa",
}
DOUBT = {
    "es": "quizás, quizá, tal vez, a lo mejor, puede ser, puede que, posiblemente, probablemente, no sé, no lo sé, "
    "no estoy seguro, no estoy segura, ni idea, depende, pero, sin embargo, otro día, otra hora, otro horario, "
    "otra fecha, más tarde, tarde, mañana, pasado mañana, luego, después, mas, podemos, podríamos, cambiar, cambio, "
    "en vez de, en lugar de, baja, te aviso, le aviso, lo pienso, ya veremos, a ver, a las, quién, cuándo, dónde, "
    "cuál, por qué, como, qué hora, número equivocado, lunes, martes, miércoles, jueves, viernes, sábado, domingo, "
    "fin de semana, esta noche, la próxima semana",
    "fr": "peut-être, ptet, je ne sais pas, je sais pas, sais pas, chais pas, jsp, pas sûr, pas sure, pas certain, "
    "pas certaine, probablement, sans doute, mais, cependant, par contre, plus tard, demain, après-demain, autre, "
    "plutôt, à la place, au lieu de, on peut, on pourrait, pourrait-on, pouvons-nous, est-ce que, est-ce possible, "
    "possible de, si possible, reporter, décaler, déplacer, changer, ça dépend, dépend, je vous dis, "
    "je vous tiens au courant, je reviens vers vous, qui, c'est qui, quand, pourquoi, comment, quelle heure, "
    "mauvais numéro, faux numéro, lundi, mardi, mercredi, jeudi, vendredi, samedi, dimanche, week-end, ce soir, "
    "semaine prochaine, heures, en retard",
    "pt": "talvez, quem sabe, não sei, não tenho certeza, acho que, acho que sim, acho que não, pode ser, "
    "provavelmente, possivelmente, depende, mas, porém, contudo, depois, mais tarde, amanhã, depois de amanhã, "
    "outro dia, outra hora, outro horário, outra data, podemos, posso, poderia, poderíamos, em vez de, ao invés de, "
    "remarcar, reagendar, mudar, trocar, vou ver, vou pensar, vou confirmar, te aviso, aviso depois, quem, quando, "
    "onde, qual, por que, como, que horas, número errado, segunda-feira, terça-feira, quarta-feira, quinta-feira, "
    "sexta-feira, sábado, domingo, fim de semana, semana que vem, atrasado, atrasada, horas",
    "it": "forse, magari, probabilmente, non so, non lo so, non sono sicuro, non sono sicura, ma, però, tuttavia, "
    "più tardi, domani, dopodomani, dopo, poi, possiamo, potremmo, spostare, cambiare, rimandare, invece, "
    "un altro giorno, un'altra ora, un altro orario, altro, altra, dipende, se, ti faccio sapere, vi faccio sapere, "
    "le faccio sapere, ci penso, vediamo, chi, chi è, quando, dove, quale, perché, a che ora, numero sbagliato, "
    "lunedì, martedì, mercoledì, giovedì, venerdì, sabato, domenica, fine settimana, stasera, settimana prossima, "
    "in ritardo, ore",
}
FILLER = {
    "es": "gracias, muchas gracias, mil gracias, por favor, hola, buenos días, buenas, buenas tardes, buenas noches, "
    "señor, señora, yo, te, le, lo, la, el, de, en, que, muy, mi, cita, reserva, saludos",
    "fr": "merci, merci beaucoup, merci bien, bonjour, bonsoir, salut, coucou, madame, monsieur, je, moi, vous, tu, "
    "nous, c'est, et, le, la, les, du, des, à, pour, s'il vous plaît, s'il te plaît, svp, stp, rendez-vous, rdv, mon, "
    "cordialement",
    "pt": "obrigado, obrigada, muito obrigado, muito obrigada, valeu, olá, oi, bom dia, boa tarde, boa noite, eu, "
    "você, o, os, as, e, do, da, em, para, pra, meu, minha, consulta, reserva",
    "it": "grazie, grazie mille, mille grazie, per favore, per piacere, ciao, salve, buongiorno, buonasera, signore, "
    "signora, io, ci, il, di, per, molto, mio, mia, appuntamento",
}

CHOICE_FILLER = {
    "es": "el, la, los, las, lo, de, opción, número, quiero, prefiero, elijo, escojo, me, quedo, con, mejor, por, "
    "favor",
    "fr": "le, la, les, l, je, prends, veux, voudrais, choisis, préfère, option, numéro, plutôt, svp, merci",
    "pt": "o, a, os, as, eu, quero, prefiro, escolho, fico, com, opção, número, por, favor",
    "it": "il, lo, la, l, i, le, io, voglio, vorrei, prendo, scelgo, preferisco, opzione, numero, per, favore, grazie",
}
ORDINALS = {
    "es": {1: "uno, una, primero, primera, primer", 2: "dos, segundo, segunda", 3: "tres, tercero, tercera, tercer",
           4: "cuatro, cuarto, cuarta", 5: "cinco, quinto, quinta", 6: "seis, sexto, sexta",
           7: "siete, séptimo, séptima", 8: "ocho, octavo, octava", 9: "nueve, noveno, novena"},
    "fr": {1: "un, une, premier, première, 1er, 1re, 1ère", 2: "deux, deuxième, second, seconde, 2e, 2ème",
           3: "trois, troisième, 3e, 3ème", 4: "quatre, quatrième", 5: "cinq, cinquième", 6: "six, sixième",
           7: "sept, septième", 8: "huit, huitième", 9: "neuf, neuvième"},
    "pt": {1: "um, uma, primeiro, primeira", 2: "dois, duas, segundo, segunda", 3: "três, terceiro, terceira",
           4: "quatro, quarto, quarta", 5: "cinco, quinto, quinta", 6: "seis, sexto, sexta", 7: "sete, sétimo, sétima",
           8: "oito, oitavo, oitava", 9: "nove, nono, nona"},
    "it": {1: "uno, una, primo, prima", 2: "due, secondo, seconda", 3: "tre, terzo, terza",
           4: "quattro, quarto, quarta", 5: "cinque, quinto, quinta", 6: "sei, sesto, sesta",
           7: "sette, settimo, settima", 8: "otto, ottavo, ottava", 9: "nove, nono, nona"},
}  # fmt: skip
NEGATORS = {"es": "no, nunca, jamás", "fr": "pas, non, jamais", "pt": "não, nunca, nem", "it": "non, mai"}
