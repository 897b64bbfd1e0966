"""Phishing: a message in our name, and the details the customer gave it. Lists of phrases.

A lure (a text, an e-mail or a WhatsApp said to be ours, a suspicious link, a
prize) and what the customer handed over (the card's details or photos, the
account's password) are fraud (:mod:`.sensitive_matters`), in one message
(FRAUD reads LURE with CARD_GIVEN, and ES_CARD_PHISHED; a message in our
name asking for the card's secrets is one too, ES_CARD_ASKED) or told in two
(PHISHING_LURE, DETAILS_GIVEN: "me llegó un mail de northwind con un link
medio raro" / "ya puse la clave"). Either half alone is routine: the reset
link the bot sends, a card typed at our checkout. Every pattern is linear:
bounded gaps, no nested quantifiers.
"""

from __future__ import annotations

from handoff.escalation.on_a_line import OnALineWith
from handoff.escalation.phrases import _phrases

# Handing the details over, in each language's words.
GAVE = r"(entered|put in|typed in|typed|gave|filled in|sent)( them| it)? (my |our )?"
ES_GAVE = r"(puse|ingrese|meti|di|mande|envie|coloque|llene|escribi)"

# English, as FRAUD reads them in one message: "a text claiming to be you had a link,
# I typed in my card number".
LURE = (
    r"\b(link|a text|text message|(e-?mail|sms|message|whatsapp) (saying|claiming|from you|"
    r"pretending)|claiming to be|saying (it|they) (was|were) (from )?(you|northwind)|prize|"
    r"giveaway)\b"
)
CARD_GIVEN = (
    r"\b(" + GAVE + r"(card|bank|payment) (details|number|info)|(photos?|pictures?) of (both "
    r"sides of )?(my|the) cards?)\b"
)
# Spanish, in one message: "me llego un sms... puse los datos de la tarjeta", "un correo
# de ustedes que mande foto de la tarjeta"; not a payment that failed on our page.
ES_CARD_PHISHED = OnALineWith(
    r"\b" + ES_GAVE + r"( \w+)? (los |mis )?(datos|numeros|numero|clave|codigo) de (la |mi )?"
    r"tarjeta\b|\bfotos? de (la |mi |las |mis )?tarjetas?\b",
    requires=r"\b(link|enlace|sms|me (llego|llega|mandaron|enviaron|escribieron) un "
    r"(mensaje|correo|mail|whatsapp|sms)|(mensaje|correo|mail|whatsapp) que me (llego|"
    r"llega|mandaron|enviaron)|liberar|premio|sorteo|que (era|eran) de|dice ser|decia ser|"
    r"diciendo que (era|eran|gane))\b",
)
# Or asked for the card's secrets in our name, whether or not the customer gave them: "me
# llego un correo de ustedes pidiendome la clave de la tarjeta, eso es normal?". Not the
# reset link the bot sends: only the card's.
ES_CARD_ASKED = (
    r"\b(mensaje|correo|mail|sms|whatsapp|llamada)( \w+){0,3} (de|a nombre de) (northwind|"
    r"ustedes|su tienda|su empresa)\b[^.!?\n]{0,40}\b(pidiendo|pidiendome|pidiendonos|me pide|"
    r"me pedia|me piden|me pedian|solicitando)( \w+){0,2} (mi |la |el |los |mis )?(cvv|pin|nip|"
    r"(clave|numero|datos|codigo|codigo de seguridad) de (la |mi )?tarjeta)\b"
)
# Or someone in our name asking for money, for a prize or to release a parcel: "un numero
# que dice ser de Northwind me pidio que transfiera 15 mil para liberar mi envio", "un
# mensaje que dice que es de Northwind y que gane un televisor, que pague el envio".
ES_MONEY_ASKED = OnALineWith(
    r"\b(dice|dicen|decia|decian) (ser|que (es|son|era|eran)) de (northwind|ustedes|su tienda|su "
    r"empresa)\b|\b(haciendose pasar|se hace pasar|se hacen pasar) por (northwind|ustedes|su "
    r"tienda|su empresa)\b",
    requires=r"\b(gane|ganaste|ganador|ganadora|premio|sorteo|liberar|transfiera|transfieran|"
    r"transferir|deposite|depositen|depositar|consigne|consignar|yape|nequi|bizum)\b",
)
# The halves of one told in two messages. Not the reset link the bot sends: a message
# said to be ours, a link said to be odd, a prize.
ES_LURE = (
    r"\b(mensaje|correo|mail|sms|whatsapp|llamada)( \w+){0,3} (de|a nombre de|diciendo que "
    r"(era|eran) de|que dice ser de|que decia ser de) \W?(northwind|ustedes|su tienda|su "
    r"empresa)\b|\b(link|enlace) (medio |muy |bien |algo )?(raro|sospechoso|extrano)\b|"
    r"\b(premio|sorteo|gane un)\b|\bcon (el|su) (logo|nombre) de (northwind|ustedes)\b|"
    # A text asking for the card's secrets: "ustedes mandan textos pidiendo el cvv?".
    r"\b(textos?|mensajes?|sms|mails?|correos?|whatsapps?) (pidiendo|que piden|para pedir|"
    r"solicitando) (el |los |la |tu |mi |su )?(cvv|pin|nip|clave|codigo|datos)\b"
)
# Given, or the card's asked for: "me piden los datos de la tarjeta pa enviarlo".
ES_GIVEN = (
    r"\b" + ES_GAVE + r" (los |mis |la |mi |el )?(datos|numeros|numero|clave|contrasena|codigo|"
    r"cvv|pin|nip|fotos?)( de (la |mi )?tarjeta)?\b|\b(me )?(piden|pide|pidieron|pidio|pedian|"
    r"pedia) (los |mis |el |la )?(datos|numero|clave|cvv|pin|nip|codigo) de (la |mi )?tarjeta\b"
)
# Or given, and now doubted: "es real?? ya los puse". Not "ya los puse y no funcionan" (the
# codes of a real e-mail of ours).
ES_GIVEN_DOUBTED = OnALineWith(
    r"\bya (los|las|se los|se las) " + ES_GAVE + r"\b",
    requires=r"\b(real|de verdad|verdad|de ustedes|estafa|fraude|seguro)\b",
)
PHISHING_LURE = _phrases(
    r"\b(a )?(text|e-?mail|sms|message|whatsapp|call)( \w+){0,3} (saying|claiming) (it was|"
    r"they were|to be) (from )?(you|northwind)\b|\b(dodgy|suspicious|weird|strange) link\b|"
    r"\b(prize|giveaway)\b",
    ES_LURE,
)
DETAILS_GIVEN = _phrases(
    r"\b" + GAVE + r"(card|bank|payment|login) (details|number|info|password)\b|\b(entered|"
    r"typed|put in|gave) (my|the) password\b",
    ES_GIVEN,
    ES_GIVEN_DOUBTED,
    # What was asked, filled in: "pq me llego uno y ya lo llene lol".
    r"\bya (lo|la) (llene|complete|rellene|conteste)\b",
    negatable=False,
)
