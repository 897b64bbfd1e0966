"""What the rules look for beyond a request or anger: each matter's code, phrases and label.

:data:`SENSITIVE_MATTERS` are told in one message (the phrase lists are in
:mod:`.sensitive_matters`). :data:`IN_TWO_PARTS` are told in two, in any
order, within :data:`PARTS_WINDOW` customer messages, or both in one: "I was
charged", then "there's no order"; "vi en las noticias un retiro de estufas",
then "es el mismo modelo que les compre". Either part alone is routine.
Once found, a matter needs a person for the rest of the conversation
(:func:`.rules.decide`). Every pattern is linear: bounded gaps, no nested
unbounded repeats.
"""

from __future__ import annotations

from collections.abc import Sequence

from handoff.escalation.misconduct import ELSEWHERE, MISCONDUCT_ES, STAFF_ES
from handoff.escalation.not_ours_es import ES_FRAUD_ELSEWHERE
from handoff.escalation.on_a_line import OnALineWith
from handoff.escalation.phishing import DETAILS_GIVEN, PHISHING_LURE
from handoff.escalation.phrases import Phrase, _phrases
from handoff.escalation.sensitive_matters import (
    ACCOUNT_CHANGED,
    BEREAVEMENT,
    CALL_PROMISED,
    DIED,
    FRAUD,
    KIN_ACCOUNT,
    LEGAL_THREAT,
    MONEY_TAKEN,
    NOT_DONE_BY_ME,
    NOTHING_CAME,
    ORDER_MISSING,
    PAYMENT_DISPUTE,
    SAFETY_INCIDENT,
)
from handoff.escalation.vulnerable import VULNERABLE_IN_TWO_PARTS, VULNERABLE_SITUATION

SENSITIVE_MATTERS: tuple[tuple[str, Sequence[Phrase], str], ...] = (
    ("safety_incident", SAFETY_INCIDENT, "a product safety incident"),
    ("fraud", FRAUD, "fraud or account misuse"),
    ("legal_threat", LEGAL_THREAT, "a legal threat"),
    ("payment_dispute", PAYMENT_DISPUTE, "a payment dispute"),
    ("bereavement", BEREAVEMENT, "a bereavement"),
    ("vulnerable_customer", VULNERABLE_SITUATION, "a customer in a vulnerable situation"),
)

# A product recall, and the customer owns one. The recall alone is news ("saw on the
# news there's a recall on some heaters"); owning one alone is a purchase. Not "I
# don't recall": a recall is a noun here, or something recalled; not "el retiro en
# tienda" (a pick-up): a Spanish "retiro" counts beside the news or a danger.
RECALLED = _phrases(
    r"\b(a|the|this|that|safety|product) recall\b|\brecall (on|of|for|notice)\b|\b(been|being|"
    r"was|were|is|are|got) recalled\b|\brecall\b[^.!?\n]{0,40}\b(news|danger|risk|fire|"
    r"overheat\w*)\b",
    r"\b(retiro|retirada|llamado a revision|alerta)( del mercado| preventiv[oa]| de seguridad| "
    r"sanitaria)\b|\b(retiro|retirada|llamado)\b[^.!?\n]{0,60}\b(riesgo|peligro|defecto|falla|"
    r"incendio|quemadura|sobrecalent\w*|descarga|asfixia|atrapamiento|fabricante)\b|\b(noticias|"
    r"noticiero|tele|anuncio|comunicado|aviso)\b[^.!?\n]{0,40}\b(retiro|retirada|retiran|"
    r"retiraron|retirando|recall)\b|\bretiraron del mercado\b",
    negatable=False,
)
OWNS_ONE = _phrases(
    r"\b(i|we) (bought|have|own|got|ordered) (one|two|it|this|that|the same|a pair|some)\b|"
    r"\b(same|exact) (model|one|batch)\b|\bmine is\b",
    r"\b(es|sera|era) (el|la) mism[oa] (modelo|marca|referencia|lote)\b|\b(el|la) mism[oa] "
    r"(modelo|referencia|lote) (que|q) (les |os |le )?(compre|tengo|pedi|compramos)\b|\b(yo|"
    r"nosotros) (compre|compramos|tengo|tenemos|pedi|pedimos) (uno|una|ese|esa|el mismo|la "
    r"misma|dos)\b|\b(compre|compramos|pedi|pedimos) (uno|una|dos)( \w+){0,2} (con|a) "
    r"(ustedes|vosotros|northwind)\b|\b(compre|compramos|tengo|tenemos|pedi|pedimos) (\d+|"
    r"dos|tres|cuatro|cinco|seis|varios|varias) (iguales|de esos|de esas|de ese modelo)\b|\b(lo|"
    r"la) (tengo|tenemos) (conectad[oa]|enchufad[oa]|en (casa|el cuarto|la cocina|la sala))\b|"
    r"\b(la|lo) usa (diario|todos los dias|siempre)\b",
    negatable=False,
)

# A child's purchase told in parts: what came or was charged unasked ("me ha llegado una
# consola que yo no he pedido", "al parecer termino comprando algo", "sin permiso obvio",
# "hay una compra de 60 mil"), or a child too young to ask ("mi peque de 5", "tiene 6
# anos"), and a child with the customer's card or device ("ha sido mi hija de 13 con mi
# tarjeta", "la nina estaba jugando con el ipad", "el nene agarro mi celu", "my kid bought a
# ps5 con mi tarjeta"). Not "mi hija compro con mi tarjeta, llega hoy?": nothing unasked.
_CHILD = (
    r"(hij[oa]s?|hijit[oa]|nin[oa]|nene|nena|guagua|chamac[oa]|peque|pequen[oa]|crio|cria|"
    r"chiquit[oa]|mocos[oa]|chaval|chavala|cipot[ea]|patoj[oa]|carajit[oa]|escuincle|my kid|my "
    r"son|my daughter|my child)"
)
# A child too young to have asked: "mi peque de 5", "tiene 6 anos".
_TOO_YOUNG = r"([2-9]|dos|tres|cuatro|cinco|seis|siete|ocho|nueve)"
NOT_ORDERED = _phrases(
    r"\b(paquete|pedido|compra|cargo|cobro|caja|consola|juego|cosa)s?( \w+){0,3} (que|q) (yo )?"
    r"(no|nunca) (he pedido|pedi|esperaba|compre|he comprado|reconozco|hice|encargue)\b|"
    r"\b(al parecer|sin querer|por error|sin saber) (\w+ ){0,2}(termino comprando|acabo comprando|"
    r"compro|pidio)\b|\b(termino|acabo|ha acabado) comprando\b|\bhay (una|un|dos|unas) "
    r"(compra|cargo|cobro)s?\b|\bwithout (asking|permission|telling me)\b|\b"
    + _CHILD
    + r" de "
    + _TOO_YOUNG
    + r"( anos| anitos)?\b|\btiene "
    + _TOO_YOUNG
    + r" (anos|anitos)\b",
    # Not a limit asked for "para que no compre sin mi permiso": nothing bought.
    OnALineWith(
        r"\bsin (mi |nuestro )?(permiso|autorizacion|consentimiento|avisar(me|nos)|"
        r"preguntar(me|nos)|decir(me|nos) nada)\b",
        unless=ES_FRAUD_ELSEWHERE,
    ),
    negatable=False,
)
CHILD_WITH_CARD = _phrases(
    # Not the customer buying for the child: "mi hijo de 8 eligio el escritorio, lo compro yo
    # con mi tarjeta".
    OnALineWith(
        r"\b" + _CHILD + r"\b[^.!?\n]{0,80}\b(con|uso|usando|agarro|cogio|tomo|jugando con|"
        r"with) (mi|la|el|nuestra|su|my) (tarjeta|cuenta|celular|celu|cel|telefono|movil|tablet|"
        r"tableta|ipad|compu|computadora|ordenador|card|account|phone)\b",
        unless=r"\b(lo|la|los|las|se lo|se la) (compro|compre|pago|pague|pido|pedi) yo\b|\byo "
        r"(se |le )?(lo |la )?(compro|compre|pago|pague|pido|pedi)\b",
    ),
    negatable=False,
)

# Someone else's invoice, told in parts: "recibi en mi correo una factura" / "pero no es
# mia, es de otra persona". Not a parcel that is not the customer's: a delivery to sort out.
INVOICE_CAME = _phrases(
    r"\b(me llego|me llegaron|recibi|me mandaron|me enviaron|me ha llegado|he recibido|"
    r"llego)( \w+){0,4} (una |la |el |un )?(factura|boleta|recibo|comprobante|estado de "
    r"cuenta)s?\b",
    negatable=False,
)
NOT_MINE = _phrases(
    r"\bno (es|son) (mia|mio|mias|mios|a mi nombre)\b[^\n]{0,40}\b(de otra persona|de otro "
    r"cliente|de un tal|de una tal|de alguien|a nombre de|su (nombre|dni|cedula|rut|curp|"
    r"direccion|documento))\b|\b(sale|salen|aparece|aparecen|viene|vienen|trae) (el |los |su |"
    r"sus )?(nombre|datos|dni|cedula|rut|direccion|documento)( \w+){0,3} de (otra persona|otro "
    r"cliente|un tal|una tal|alguien)\b",
    negatable=False,
)

# Our courier or fitter, and what they did, in two messages: "el chico q vino a dejar el
# sofa ayer" / "me esta escribiendo a mi numero personal". Not another shop's.
STAFF_NAMED = _phrases(OnALineWith(r"\b" + STAFF_ES + r"\b", unless=ELSEWHERE), negatable=False)
STAFF_DID = _phrases(OnALineWith(r"\b" + MISCONDUCT_ES + r"\b", unless=ELSEWHERE))

# A gas appliance we fitted or sold, and a smell: "vuestro tecnico nos instalo la cocina de
# gas" / "desde entonces hay un olorcillo raro en la cocina".
GAS_APPLIANCE = _phrases(
    r"\b(cocina|estufa|calentador|calefon|boiler|horno|anafe|termo|caldera|parrilla)s? (de|a) "
    r"gas\b|\b(instal\w+|conect\w+) (la|el|nos|me) (\w+ )?(cocina|estufa|calentador|calefon|"
    r"boiler|caldera|anafe)\b",
    negatable=False,
)
ODD_SMELL = _phrases(
    r"\bolor\w* (raro|rarito|extran[oa]|feo|fuerte|a gas|a huevo|a quemado)\b|\bhuele (raro|a gas|"
    r"feo|a quemado|extrano)\b"
)

# A payment that failed and was made again, and the first taken too: "pague por pse y me
# salio error" / "volvi a pagar" / "pero la primera tb me la descontaron".
PAID_AGAIN = _phrases(
    r"\b(volvi|volvimos) a pagar\b|\b(pague|pagamos) (otra vez|de nuevo|dos veces)\b|\btuve "
    r"(que|q) pagar (otra vez|de nuevo)\b",
    negatable=False,
)
FIRST_TAKEN_TOO = _phrases(
    r"\b(la primera|el primero|el primer (pago|intento|cobro)|ese (pago|cobro)|el anterior|la "
    r"anterior)( \w+){0,2} (tambien |tb |tmb |igual )?(me |nos )?(la |lo )?(descontaron|cobraron|"
    r"debitaron|cargaron|desconto|cobro|debito|cargo)\b",
)

# A charge of ours seen, and nobody bought it: "en el extracto de la tarjeta de la empresa
# aparece un cargo vuestro" / "nadie de la oficina ha comprado nada"; "llego una caja con 30
# monitores" / "nadie de aca pidio nada y figura pagado con nuestra tarjeta".
CHARGE_SEEN = _phrases(
    r"\b(aparece|aparecio|aparecen|me salio|me sale|sale|hay|vi|veo|tengo|me llego|llego) (un|"
    r"una|dos|unos|el|este) (cargo|cobro|debito|movimiento|compra|pedido|caja|paquete)s?\b|"
    r"\b(figura|aparece|sale|esta) pagad[oa] con (nuestra|mi|la) tarjeta\b",
    negatable=False,
)
NOBODY_BOUGHT = _phrases(
    # Not "nadie me pidio nada de firma".
    r"\bnadie( (de|en)( \w+){1,3}| aqui| aca| en casa)? (ha comprado|compro|pidio|ha pedido|hizo|"
    r"ha hecho|encargo) (nada|ningun\w*|eso|esa compra|ese pedido)\b",
    negatable=False,
)

# A flood, a fire or a quake, and all lost: "en trinidad se inundo toda la zona y mi tienda
# tambien" / "perdimos la mercaderia y la oficina".
DISASTER = _phrases(
    r"\b(se (inundo|inundaron|quemo|quemaron|incendio|derrumbo|cayo)|inundacion|terremoto|"
    r"huracan|deslave|alud)\b",
    negatable=False,
)
ALL_LOST = _phrases(
    r"\bperd(i|imos|io|ieron) (todo\b(?! (el|la|lo) )|toda la mercaderia|la mercaderia|el "
    r"negocio|la tienda|el local|la casa|la oficina|el departamento|el depa|el piso|nuestras "
    r"cosas|mis cosas)\b",
)

# Sensitive matters, and a failed contact centre, told in two parts, in any order,
# within PARTS_WINDOW customer messages: the code, each part's phrases, the label.
IN_TWO_PARTS: tuple[tuple[str, Sequence[Phrase], Sequence[Phrase], str], ...] = (
    ("payment_dispute", MONEY_TAKEN, ORDER_MISSING, "a payment dispute"),
    ("fraud", ACCOUNT_CHANGED, NOT_DONE_BY_ME, "fraud or account misuse"),
    ("bereavement", KIN_ACCOUNT, DIED, "a bereavement"),
    (
        "contact_center_failure",
        CALL_PROMISED,
        NOTHING_CAME,
        "a call back or an answer promised that never came",
    ),
    *VULNERABLE_IN_TWO_PARTS,
    ("fraud", PHISHING_LURE, DETAILS_GIVEN, "a message in our name that got the details"),
    ("safety_incident", RECALLED, OWNS_ONE, "a recalled product the customer owns"),
    ("fraud", NOT_ORDERED, CHILD_WITH_CARD, "a child's purchase, unasked"),
    ("fraud", INVOICE_CAME, NOT_MINE, "someone else's invoice sent to the customer"),
    ("safety_incident", STAFF_NAMED, STAFF_DID, "our courier's or fitter's conduct"),
    ("safety_incident", GAS_APPLIANCE, ODD_SMELL, "a smell from a gas appliance"),
    ("payment_dispute", PAID_AGAIN, FIRST_TAKEN_TOO, "a payment taken twice"),
    ("fraud", CHARGE_SEEN, NOBODY_BOUGHT, "a charge nobody made"),
    ("vulnerable_customer", DISASTER, ALL_LOST, "a home or business lost to a disaster"),
)
PARTS_WINDOW = 3
