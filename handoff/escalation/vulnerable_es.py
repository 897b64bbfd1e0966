"""Spanish phrases of a vulnerable customer (.vulnerable), and the conditions they count on.

A disability or an operation is a vulnerable customer's when it stands in the
way of something we ask (a return, a pick-up, the courier's calls, the
website), told on the same line or in another message
(``matters.IN_TWO_PARTS``); told beside a question about a product
or its delivery, it is said in passing. And someone else's hard times are
the customer's reason for a gift, not a matter for a person. The situations
told in one message are here too (``ES_VULNERABLE``, ``..._OWN_NEGATION``);
those that need helpers of :mod:`.vulnerable` stay there. Patterns only:
each reads the normalised message (accents folded, case ignored) and is
linear.
"""

from __future__ import annotations

from handoff.escalation.on_a_line import OnALineWith

# What a disability stands in the way of: a return or a pick-up, answering the courier's
# calls, the website ("no puedo bajarla al correo", "no hay forma de que yo baje eso").
ES_IN_THE_WAY = (
    r"\b(devol\w*|devuelv\w*|regres\w*|llevar(la|lo)? (la|el|a)|correos?|sucursal|"
    r"paqueteria|flete|retir(ar|en|e)|recoger(la|lo)?|reembols\w*|cobr\w*|plazo|a tiempo|no "
    r"(hay|tengo) (forma|manera|como)|no (me |le )?(llego|funciona|sirve|deja)|no (puedo|pude|"
    r"puede|podre) (ir|salir|llevar\w*|bajar\w*|subir\w*|cargar\w*|devolver\w*|moverme|"
    r"contestar\w*|atender\w*|"
    r"usar\w*|leer|ver)|ni moverme|lector de pantalla|no se lee|roto|rota|danad\w*|falta\w*)\b"
)
# A laugh on the line: what looks like trouble is said in jest ("jaja estoy pelado").
LAUGHING = r"\b(ja(ja)+|je(je)+|jsjs\w*|xd+|lol|lmao)\b|\U0001f602|\U0001f923"
# Not "me quiero morir de la verguenza".
_WANT_TO_DIE = r"\bme quiero morir\b(?! de)"
# Meaning to do something for someone else: "le quiero", "les vamos a".
_MEANING_TO = r"(le|les) (quiero|queremos|quisiera|quisieramos|vamos a|voy a|pensaba|pensamos)"
# A disability or an operation told beside a question about a product or its delivery
# ("mi hijo usa silla de ruedas, el escritorio llega a 75 cm?", "me operaron la rodilla,
# me suben el paquete al 2do piso?", "mi papa esta en silla de ruedas y le quiero comprar
# una cama clinica", "si mi papa que tiene discapacidad auditiva quiere comprar, puede por
# chat?"), planned for a month ahead ("me van a operar de la rodilla en marzo"), or over
# ("la operaron y ya esta en la casa"), where nothing stands in its way on the line.
IN_PASSING = (
    r"^(?![^\n]*" + ES_IN_THE_WAY + r")[^\n]*\b(altura|alto|alta|altos|altas|busco|buscando|"
    r"mide|miden|medidas?|cm|comprando|"
    r"centimetros|ancho|regalar\w*|regalo|subir\w*|suban|planta|(entrega|entregan|despacho|"
    r"envio) (en|a) (domicilio|la puerta|casa)|a domicilio|hasta la puerta|piso|descuento|"
    r"recomiend\w*|nada grave|ya esta bien|comprarle|comprarles|" + _MEANING_TO + r" comprar|"
    r"(quiere|quiero|queremos|quisiera|puede|puedo|podria) comprar|ya (esta|estan|anda) en (la "
    r"|su )?casa|(en|para) (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|"
    r"setiembre|octubre|noviembre|diciembre))\b"
)
# The disability or the operation itself.
ES_DISABILITY = (
    r"\b(me|le|la|lo) (operaron|operan|van a operar|tienen que operar)\b|\b(uso|usa|usamos|"
    r"va|voy|anda|ando) en silla de ruedas\b|\b(uso|usa|usamos) silla de ruedas\b|\b(soy|es) "
    r"usuari[oa] de silla de ruedas\b|\b(tengo|"
    r"tiene) (una )?(discapacidad|movilidad reducida|baja vision|sordera|ceguera)\b|"
    r"\bpersona con discapacidad\b|\b(soy|es|esta|estoy|quede|quedo) (ciego|ciega|sordo|sorda|"
    r"invidente|no vidente|discapacitad[oa]|en silla de ruedas|postrad[oa]|paralitic[oa]|"
    r"cuadriplejic[oa]|paraplejic[oa])\b"
)
# A gift for someone else in hard times, not the customer's own: "mi abuela esta en la
# clinica y le quiero mandar un cojin", "mi compadre se quedo sin trabajo y le quiero
# regalar una licuadora", "a mi vecina se le inundo la casa, le queremos regalar un hervidor".
ES_GIFT_FOR_THEM = (
    r"\b" + _MEANING_TO + r" (mandar|enviar|regalar|comprar|llevar|dar)\b|"
    r"\b(regalarle|regalarles|mandarle|mandarles|enviarle|enviarles|llevarle|llevarles)\b|"
    r"\b(para|de) regalo\b"
)
# Better now, or long ago: "ya esta en casa recuperandose", "ya le dieron de alta", "el
# ano pasado estuve ingresada", "mi vieja estuvo internada, ya esta joya" (a stay told in
# the past), "ya la dan de alta manana". Not still recovering: "esta recuperandose y no
# puede bajar".
ES_RECOVERED = (
    r"\b(ya esta (mejor|joya|perfect[oa]|recuperad[oa]|como nuev[oa])|esta mejorando|ya "
    r"(mejoro|se recupero)|ya (esta|estan|anda) en (la |su )?casa|(le|la|lo|me) (dieron|dan|van "
    r"a dar|daran) de alta|ya salio|el ano pasado|hace (mas de )?(un ano|\w+ anos)|(estuve|"
    r"estuvo|estuvieron) (\w+ ){0,2}(hospitalizad[oa]s?|internad[oa]s?|ingresad[oa]s?|en el "
    r"hospital|en (la )?clinica))\b"
)

# The Spanish situations, each in one message (vulnerable.VULNERABLE_SITUATION).
ES_VULNERABLE: tuple[str | OnALineWith, ...] = (
    # --- salud ---------------------------------------------------------------------
    # Not as the reason for a gift: "mi tia esta en quimio y le quiero regalar una manta".
    OnALineWith(
        r"\b(en|con|haciendo|empece|empezando|terminando|por) (la )?(quimio(terapia)?|"
        r"radioterapia|dialisis|tratamiento (de|para el|contra el) cancer)\b",
        unless=ES_GIFT_FOR_THEM,
        in_place=True,
    ),
    r"\b(recien operad[oa]|"
    r"postrad[oa]|cuidados paliativos|enferm[oa] terminal|poder "
    r"notarial|perdiendo la memoria|se le olvida todo|ya no se acuerda de nada)\b",
    r"\bpersona mayor que vive sola\b",
    # --- capacidad -----------------------------------------------------------------
    # Said gently: "ya no esta muy bien de la memoria", "ni se acuerda de haberlo hecho".
    r"\b(no|ya no) (esta|anda) (muy |tan |nada )?bien de la (memoria|cabeza)\b|\bni se "
    r"acuerda de haber(lo|la|los|las)? (hecho|pedido|comprado|encargado)\b",
    r"\b(lo|la|los|las|me|le) (enganaron|convencieron|presionaron|estafaron)( \w+){0,2} "
    r"(para|de|a) (comprar|pedir|pagar|firmar)\b",
    # --- situaciones de vida -------------------------------------------------------
    r"\b(violencia (domestica|de genero|intrafamiliar|familiar)|orden de (alejamiento|"
    r"restriccion|proteccion)|(un|el|al) refugio "
    r"(para|de) mujeres|(hui|huir|escape|me escape|sali huyendo) de (mi )?casa)\b",
    r"\bmi ex ?(esposo|esposa|marido|mujer|pareja|novio|novia)?\b[^.!?\n]{0,60}\b(usa|uso|"
    r"sigue usando|tiene|se quedo con|cambio|compra|compro|pide|pidio|entra|entro)\b"
    r"[^.!?\n]{0,30}\b(mi|la|nuestra) (tarjeta|cuenta|contrasena|clave)\b",
    # Told the other way round: "compras en mi cuenta que hizo mi ex con mi tarjeta".
    r"\b(compras?|cargos?|pedidos?|gastos?|movimientos?)\b[^.!?\n]{0,40}\b(que )?(hizo|hace|"
    r"ha hecho|realizo|hicieron) mi ex ?(esposo|esposa|marido|mujer|pareja|novio|novia)?\b",
    r"\b(divorcio|divorciando|divorciamos|separacion|separando|separamos)\b[^.!?\n]{0,60}"
    r"\b(tarjeta|cuenta) (compartida|conjunta|de los dos|de ambos|a nombre de)\b",
    # Not a neighbour's or friends': "se quemo la casa de unos conocidos".
    r"\b(se (me |nos )?(inundo|incendio|quemo|derrumbo) (la|mi|nuestra) (casa|departamento|"
    r"depto|piso|vivienda))\b(?! (de|del) (unos?|unas?|los|las|la|el|mis?) (vecin|conocid|amig|"
    r"companer|colega))|\b(perdimos|perdi|perdio) (todo|la casa|nuestra casa|mi casa)"
    r"( \w+){0,2} (en|con|por) (el|la|un|una) (incendio|inundacion|terremoto|sismo|huracan|"
    r"temblor|tormenta|fuego|deslave|creciente)\b",
    r"\b(el|la|un|una) (incendio|inundacion|terremoto|sismo|huracan|temblor|tormenta|"
    r"deslave|creciente) (se llevo|destruyo|arraso con|acabo con) (todo|la casa|mi casa|"
    r"nuestra casa)\b",
    # --- dinero para comer, la renta, medicinas ------------------------------------
    r"\bnecesito (el|ese|mi|este) (reembolso|dinero|plata|reintegro|lana|pisto)( \w+){0,3} "
    r"(para|pa) (comer|la comida|comprar comida|el alquiler|la renta|el arriendo|pagar la "
    r"renta|pagar el alquiler|pagar el arriendo|medicinas|medicamentos|los medicamentos|"
    r"mis hijos|mis nenes|la leche|los panales)\b",
    r"\blo (necesito|necesitamos) (para|pa) (comer|la comida|pagar (el|la) (arriendo|alquiler|"
    r"renta|luz)|el (arriendo|alquiler)|la renta|medicinas|los medicamentos)\b",
    # The refund is all there is: "es lo que tengo pa comprar la comida de la semana".
    r"\b(es|era) (lo (unico )?que|todo lo que|la (unica )?plata que|el (unico )?dinero que) "
    r"(tengo|tenemos|me queda|nos queda) (pa|para) (comprar |pagar )?(la comida|comer|el "
    r"alquiler|la renta|el arriendo|medicinas|los medicamentos|la leche)\b",
    r"\b(atrasad[oa]|atrasados) (con|en) (las|los|mis) (cuotas|pagos|mensualidades)\b",
    # The money for the week's food: "con esa plata iba a hacer el mercado pa mis hijos".
    r"\bcon (esa|esta|la|mi|ese|este) (plata|dinero|lana|guita|pisto|reembolso|devolucion) "
    r"((iba|ibamos|voy|vamos) a |(tenia|tengo|tenemos) que |pensaba )?(hacer|hago|hacemos|"
    r"pagar|pago|pagamos|comprar|compro|compramos) (el mercado|la compra|el super|(la )?comida|"
    r"(el|la) (arriendo|alquiler|renta|luz)|(los )?(medicamentos|medicinas)|la leche|los "
    r"panales)\b",
    r"\b(mi|la) (pareja|marido|esposo|novio|ex) me (maltrata|pega|golpea|amenaza|quito (la|"
    r"mi) tarjeta|quita (la|mi) tarjeta|quito el celular|vigila|controla)\b|"
    r"\b(controla|maneja) (todo )?(el|mi|nuestro) (dinero|plata|sueldo|tarjeta)\b|\bme "
    r"(da|dio) miedo (que|de que) (se entere|me encuentre)\b|"
    # Not a shelter the customer donates to: one they live in.
    r"\b(vivo|vivimos|estoy|estamos|dormimos|duermo|nos quedamos|me quedo) en (un|el) "
    r"albergue\b",
    # Hiding from someone: "no quiero que (mi ex) sepa donde estoy".
    r"\bno (quiero|puede|debe) que (\w+ ){0,2}(sepa|sepan|se entere de|averigue|encuentre) "
    r"((a )?donde (estoy|vivo|vivimos|estamos|me mude|me mudo|voy a vivir|vamos a vivir|me "
    r"voy a mudar|nos vamos a mudar|me voy|nos vamos|me fui|nos fuimos)|mi (nueva )?"
    r"direccion)\b",
    # Not "no se leer eso" (the courier's tracking page): reading itself.
    r"\b(no se|no sabe|no sabemos) (leer|escribir)\b(?! (eso|esto|bien|la guia|el codigo|"
    r"ingles|en ingles))",
    # --- salud mental ----------------------------------------------------------------
    r"\b(la|mi|por|con|de) depresion\b(?! tropical)|\b(trastorno bipolar|soy bipolar|"
    r"tengo bipolar|episodio (maniaco|depresivo)|mal de los nervios|desbordad[oa]|"
    r"mi psiquiatra|mi psicolog[oa]|mi terapeuta|de baja por (depresion|ansiedad|estres))\b",
    # Not "tengo ansiedad de que llegue" nor "me quiero morir de la verguenza".
    r"\b(ataques? de (panico|ansiedad)|crisis de (ansiedad|panico|nervios)|depresion "
    r"(severa|fuerte|grave|cronica)|(tengo|sufro de|con|por mi) depresion|sufro de "
    r"ansiedad|trastorno de ansiedad|ansiedad (cronica|severa|generalizada)|quitarme la "
    r"vida|suicid\w*)\b(?! (cobija|manta|libro|tropical))",
    # Not laughed about, over a purchase gone wrong ("wey me quiero morir jajaja, la tele no
    # cabe"), unless with despair ("me quiero morir jaja ya no aguanto mas").
    OnALineWith(_WANT_TO_DIE, unless=LAUGHING),
    OnALineWith(
        _WANT_TO_DIE,
        requires=r"\b(no aguanto|no puedo mas|todo me sale mal|(estoy|me siento) sol[oa]|"
        r"llorar|llorando|ya no (quiero|puedo))\b",
    ),
)
ES_VULNERABLE_OWN_NEGATION = (
    r"\bno (voy a poder|puedo|podre|podemos|vamos a poder) (pagar |con |cubrir )(la |las |el "
    r"|los )?(proxima |siguiente |ultima )?(cuotas?|pagos?|mensualidad(es)?|letras?)\b",
    r"\bno (me|nos) alcanza (el dinero |la plata )?(para|pa) (pagar )?(la |las |el |los )?"
    r"(cuotas?|renta|alquiler|arriendo|comida|comer|luz|agua|gas|servicios|mensualidad)\b",
    r"\bno (puedo|podemos|puede|me alcanza para|nos alcanza para|alcanzo a|alcanzamos a) "
    r"(pagar|cubrir|seguir pagando|con) (las |los |la |el |mis |esas )?(cuotas|pagos|"
    r"mensualidades|renta|alquiler|arriendo|comida|deuda)\b",
    r"\bno (tengo|tenemos) (ni )?(para|dinero para|plata para|con que) (comer|la comida|"
    r"pagar la renta|pagar el alquiler|la renta|el alquiler|el arriendo|medicinas|los "
    r"medicamentos|darle de comer)\b",
    r"\bno (puedo|puede) (salir|levantarme|moverme) de (la )?(casa|cama)\b",
)
