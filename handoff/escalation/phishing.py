"""Phishing: a message in our name, and the details the customer gave it. Lists of phrases.

A lure (a text, an e-mail or a WhatsApp said to be ours, a suspicious link, a
prize) and what the customer handed over (the card's details or photos, the
account's password) are fraud (:mod:`.sensitive_matters`), in one message or
told in two ("me llegó un mail de northwind con un link medio raro" / "ya
puse la clave"). Either half alone is routine: the reset link the bot sends,
a card typed at our checkout. Every pattern is linear: bounded gaps, no
nested quantifiers.
"""

from __future__ import annotations

from handoff.escalation.phrases import _phrases

# English, as FRAUD reads them in one message: "a text claiming to be you had a link,
# I typed in my card number".
LURE = (
    r"\b(link|a text|text message|(e-?mail|sms|message|whatsapp) (saying|claiming|from you|"
    r"pretending)|claiming to be|saying (it|they) (was|were) (from )?(you|northwind)|prize|"
    r"giveaway)\b"
)
CARD_GIVEN = (
    r"\b((entered|put in|typed in|typed|gave|filled in|sent)( them| it)? (my |our )?(card|bank|"
    r"payment) (details|number|info)|(photos?|pictures?) of (both sides of )?(my|the) cards?)\b"
)
# The halves of one told in two messages. Not the reset link the bot sends: a message
# said to be ours, a link said to be odd, a prize.
ES_LURE = (
    r"\b(mensaje|correo|mail|sms|whatsapp|llamada)( \w+){0,3} (de|a nombre de|diciendo que "
    r"(era|eran) de|que dice ser de|que decia ser de) \W?(northwind|ustedes|su tienda|su "
    r"empresa)\b|\b(link|enlace) (medio |muy |bien |algo )?(raro|sospechoso|extrano)\b|"
    r"\b(premio|sorteo|gane un)\b"
)
ES_GIVEN = (
    r"\b(puse|ingrese|meti|di|mande|envie|coloque|llene|escribi) (los |mis |la |mi |el )?"
    r"(datos|numeros|numero|clave|contrasena|codigo|cvv|pin|nip|fotos?)( de (la |mi )?"
    r"tarjeta)?\b"
)
PHISHING_LURE = _phrases(
    r"\b(a )?(text|e-?mail|sms|message|whatsapp|call)( \w+){0,3} (saying|claiming) (it was|"
    r"they were|to be) (from )?(you|northwind)\b|\b(dodgy|suspicious|weird|strange) link\b|"
    r"\b(prize|giveaway)\b",
    ES_LURE,
)
DETAILS_GIVEN = _phrases(
    r"\b(entered|put in|typed in|typed|gave|filled in|sent)( them| it)? (my |our )?(card|bank|"
    r"payment|login) (details|number|info|password)\b|\b(entered|typed|put in|gave) (my|the) "
    r"password\b",
    ES_GIVEN,
    negatable=False,
)
