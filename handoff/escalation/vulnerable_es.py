"""Spanish phrases of a vulnerable customer that count only with a condition (.vulnerable).

A disability or an operation is a vulnerable customer's when it stands in the
way of something we ask (a return, a pick-up, the courier's calls, the
website), told on the same line or in another message
(``sensitive_matters.IN_TWO_PARTS``); told beside a question about a product
or its delivery, it is said in passing. And someone else's hard times are
the customer's reason for a gift, not a matter for a person. Patterns only:
each reads the normalised message (accents folded, case ignored) and is
linear.
"""

from __future__ import annotations

# What a disability stands in the way of: a return or a pick-up, answering the courier's
# calls, the website ("no puedo bajarla al correo", "no hay forma de que yo baje eso").
ES_IN_THE_WAY = (
    r"\b(devol\w*|devuelv\w*|regres\w*|llevar(la|lo)? (la|el|a)|correos?|sucursal|"
    r"paqueteria|flete|retir(ar|en|e)|recoger(la|lo)?|reembols\w*|cobr\w*|plazo|a tiempo|no "
    r"(hay|tengo) (forma|manera|como)|no (me |le )?(llego|funciona|sirve|deja)|no (puedo|pude|"
    r"puede|podre) (ir|salir|llevar\w*|bajar\w*|devolver\w*|moverme|contestar\w*|atender\w*|"
    r"usar\w*|leer|ver)|ni moverme|lector de pantalla|no se lee|roto|rota|danad\w*|falta\w*)\b"
)
# A disability or an operation told beside a question about a product or its delivery
# ("mi hijo usa silla de ruedas, el escritorio llega a 75 cm?", "me operaron la rodilla,
# me suben el paquete al 2do piso?", "mi papa esta en silla de ruedas y le quiero comprar
# una cama clinica"), where nothing stands in its way on the line.
IN_PASSING = (
    r"^(?![^\n]*" + ES_IN_THE_WAY + r")[^\n]*\b(altura|alto|alta|altos|altas|busco|buscando|"
    r"mide|miden|medidas?|cm|"
    r"centimetros|ancho|regalar\w*|regalo|subir\w*|suban|planta|(entrega|entregan|despacho|"
    r"envio) (en|a) (domicilio|la puerta|casa)|a domicilio|hasta la puerta|piso|descuento|"
    r"recomiend\w*|nada grave|ya esta bien|comprarle|comprarles|(le|les) (quiero|queremos|"
    r"quisiera|vamos a|voy a) comprar)\b"
)
# The disability or the operation itself.
ES_DISABILITY = (
    r"\b(me|le|la|lo) (operaron|operan|van a operar|tienen que operar)\b|\b(uso|usa|usamos|"
    r"va|voy|anda|ando) en silla de ruedas\b|\b(uso|usa|usamos) silla de ruedas\b|\b(tengo|"
    r"tiene) (una )?(discapacidad|movilidad reducida|baja vision|sordera|ceguera)\b|"
    r"\bpersona con discapacidad\b|\b(soy|es|esta|estoy|quede|quedo) (ciego|ciega|sordo|sorda|"
    r"invidente|no vidente|discapacitad[oa]|en silla de ruedas|postrad[oa]|paralitic[oa]|"
    r"cuadriplejic[oa]|paraplejic[oa])\b"
)
# A gift for someone else in hard times, not the customer's own: "mi abuela esta en la
# clinica y le quiero mandar un cojin", "mi compadre se quedo sin trabajo y le quiero
# regalar una licuadora", "a mi vecina se le inundo la casa, le queremos regalar un hervidor".
ES_GIFT_FOR_THEM = (
    r"\b(le|les) (quiero|queremos|quisiera|quisieramos|vamos a|voy a|pensaba|pensamos) "
    r"(mandar|enviar|regalar|comprar|llevar|dar)\b|\b(regalarle|regalarles|mandarle|"
    r"mandarles|enviarle|enviarles|llevarle|llevarles)\b|\b(para|de) regalo\b"
)
# Better now, or long ago: "ya esta en casa recuperandose", "ya le dieron de alta", "el
# ano pasado estuve ingresada", "estuve hospitalizada la semana pasada" (a stay told in the
# past). Not still recovering: "esta recuperandose y no puede bajar".
ES_RECOVERED = (
    r"\b(ya esta mejor|esta mejorando|ya (mejoro|se recupero)|ya (esta|estan|anda) en (casa|su "
    r"casa)|(le|la|lo|me) dieron de alta|ya salio|el ano pasado|hace (mas de )?(un ano|\w+ "
    r"anos)|estuve (\w+ ){0,2}(hospitalizad[oa]|internad[oa]|ingresad[oa]|en el hospital|en la "
    r"clinica))\b"
)
