"""The Spanish phrases of :mod:`.phrases`' lists: asking for a person, the bot did not help...

Plain patterns, joined to the English lists in :mod:`.phrases`, so that
every rule reads both languages and nothing downstream asks which one a
message is in. They read the message as :func:`.vocabulary._normalise`
leaves it: accents folded ("contraseña" is "contrasena", "llegó" "llego"),
"q" written out as "que", and they match case-insensitively. Written for
Mexican, Colombian, Argentinian, Chilean, Peruvian and Spanish customers
("pasame con", "comunicame con", "ponme con"; "sois", "vosotros").

Each tuple's patterns are negatable (a "no" just before one cancels it,
"no necesito un asesor") unless its name ends in ``_OWN_NEGATION``: those
contain their own ("nadie me responde", "no me sirves"). Every pattern is
linear: alternations of words, bounded gaps, no nested quantifiers.
"""

from __future__ import annotations

from handoff.escalation.on_a_line import OnALineWith, unless_on_the_line

# What might happen, asked about in the present or the subjunctive: "q pasa si me roban la
# tarjeta?", "que pasa si por error me hacen el cobro dos veces?", "en caso de que alguien
# use mi tarjeta", "si alguien hace una compra con mi tarjeta, que hacen?". Not "que hago
# si me clonaron la tarjeta?": that happened.
_WONDERED_VERBS = (
    r"(roba|roban|robara|clona|clonan|clonara|hackea|hackean|hackeara|usa|usan|usara|use|"
    r"usen|compra|compran|comprara|entra|entran|entrara|pierdo|perdiera|hace|hacen|hiciera|"
    r"cobran|cobrara|cobraran|carga|cargan|cargara|aparece|aparecen|apareciera|sale|salen)"
)
ES_WONDERED = (
    r"\bque (pasa|pasaria|hago|haria|hacen|harian|hacemos) (si|en caso de que)( \w+){0,3} "
    + _WONDERED_VERBS
    + r"\b|(^|[.!?¿,:] *)(si|en caso de que) alguien "
    + _WONDERED_VERBS
    + r"\b"
)
# Another shop or company, not named: "la otra tienda", "otras paginas".
ES_ANOTHER_SHOP = (
    r"otr[oa]s? (tienda|multitienda|empresa|pagina|web|sitio|marca|compania|comercio|vendedor|"
    r"paqueteria|aerolinea)"
)
# Someone else's agent: "el agente de aduanas me pidio la factura" asks for an invoice,
# "quiero hablar con un asesor del banco pero no me contestan" for no one of ours.
_SOMEONE_ELSES = (
    r"(?! (de|del|de mi|de la) (aduanas?|seguros|viajes|la paqueteria|paqueteria|transito|"
    r"bienes raices|la tienda de|banco|aseguradora|policia|la policia)\b)"
)
# Who the customer asks for.
ES_PEOPLE = (
    r"(un |una |el |la |algun |alguna |a un |a una |al |tu |su |vuestro |vuestra )?(asesor|"
    r"asesora|agente|persona|"
    r"humano|humana|operador|operadora|ejecutivo|ejecutiva|representante|supervisor|"
    r"supervisora|encargado|encargada|gerente|alguien|empleado|empleada|ser humano|"
    r"responsable|jefe|jefa|superior|especialista)\b" + _SOMEONE_ELSES
)
ES_STAFF = (
    r"(asesor|asesora|agente|humano|humana|operador|operadora|ejecutivo|ejecutiva|"
    r"representante|supervisor|supervisora|encargado|encargada|gerente|persona real|"
    r"persona de verdad|persona de carne y hueso|ser humano|persona)\b" + _SOMEONE_ELSES
)
ES_EXPLICIT_REQUEST = (
    # Not "ya hable con un asesor" (a story): the infinitive asks.
    r"\b(hablar|platicar|conversar|chatear|comunicarme|comunicarnos|ponerme en contacto|"
    r"contactarme|contactar) (con |a )" + ES_PEOPLE,
    r"\b(pasame|pasenme|pasarme|pasar|pasas|pasa|pase|pasen|pasais|pasarias|pasaria|pasarian|"
    r"pasariais|comunicais|comunicame|comuniquenme|dame|deme|"
    r"denme|dadme|comuniqueme|conecteme|paseme|"
    r"comunicarme|comunica|comuniquen|comunicas|transfiereme|transfieranme|transferirme|"
    r"transfiere|transfieran|transferir|transfieres|conectame|conectenme|conectarme|conectar|"
    r"conecta|derivame|derivenme|derivarme|derivar|deriva|derivas|ponme|pongame|ponganme|"
    r"ponerme|pones|comunicar) (me )?(con|a|al) " + ES_PEOPLE,
    # "¿Me podeis poner con alguien?"; not "poner a alguien como autorizado".
    r"\b(poner|ponga|pongan|poneis|pongais|pongas) con " + ES_PEOPLE,
    # "No quiero asesor... bueno si, pasame con uno": the person said before.
    r"\b(pasame|pasenme|paseme|comunicame|comuniqueme|comuniquenme|transfiereme|conectame|"
    r"conecteme) con (uno|una|alguno|alguna)\b(?! de (los|las|esos|esas|estos|estas)\b)",
    r"\b(quiero|quisiera|necesito|ocupo|exijo|pido|solicito|prefiero|me gustaria|deseo|"
    r"queremos|necesitamos) (hablar con )?(un |una |el |la |a un |a una |al )" + ES_STAFF,
    # What the bot said, checked with a person: "me gustaria confirmar todo esto con una
    # persona antes de pagar".
    r"\b(quiero|quisiera|necesito|prefiero|me gustaria|preferiria) (confirmar|consultar|"
    r"verificar|revisar|ver|comentar)( \w+){0,2} con (una persona|alguien|un humano|un "
    r"asesor|una asesora|un agente|una agente)\b(?! (de|en) (mi|mis|casa|la casa)\b)"
    + _SOMEONE_ELSES,
    r"\bque me (atienda|atiendan|llame|llamen|marque|marquen|contacte|contacten|responda|ayude|"
    r"escriba) "
    r"(una persona|un humano|una humana|un asesor|una asesora|alguien|un ser humano|un agente|"
    r"un operador|una operadora|un ejecutivo|una ejecutiva|un supervisor|un encargado|"
    r"un gerente|personal)\b",
    # "Llamenme al 55...", "me pueden llamar?"; "no quiero que me llamen" is negated.
    r"\b(llamenme|llamame|llameme|marquenme|marcame|marqueme|hablenme|contactenme|"
    r"contactame|contacteme|telefoneenme)\b",
    r"\bme (pueden|podrian|puede|podria|podes|puedes|podrias|podeis) (llamar|marcar|"
    r"contactar|telefonear|hablar por telefono)\b",
    r"\b(pueden|podrian|puede|podria|podes|puedes|podrias|podeis) (llamarme|marcarme|"
    r"contactarme|telefonearme)\b",
    r"\b(quiero|necesito|prefiero|pido|solicito|exijo|quisiera) que me (llamen|llame|marquen|"
    r"contacten|contacte|llamen por telefono|devuelvan la llamada)\b",
    r"^\W*(un |una )?(asesor|asesora|agente|humano|operador|operadora|persona|persona real|"
    r"ejecutivo|ejecutiva|representante|supervisor|encargado|gerente)(\W*(por favor|porfa|"
    r"porfavor|xfa|plis|ya|ahora|urgente))?\W*$",
    r"\b(asesor|agente|humano|operador|persona real|una persona|un humano) (por favor|porfa|"
    r"porfavor|xfa|plis|ya mismo)\b",
    # Asked of the chat: "¿hay alguien ahi?", "¿hay algun humano?"
    r"\bhay (alguien|algun humano|alguna persona|una persona|un humano|algun asesor|"
    r"algun agente|alguien real|alguien de verdad)( real| de verdad| humano| de carne y hueso)? "
    r"(ahi|alli|ahi leyendo|del otro lado|leyendo|atendiendo|que me (lea|escuche|atienda|ayude|"
    r"responda))\b",
    # Not "¿hay alguien por ahi?", a greeting: only someone real there.
    r"\bhay (alguien|alguna persona|algun humano|un humano)( real| de verdad| humano| de carne y "
    r"hueso) por (ahi|alli|aca|aqui)\b",
    r"\bhay (alguien|alguna persona|algun asesor|un asesor|una persona|algun humano|algun "
    r"agente|un humano) (que|quien) (me |nos )?(pueda|puede|podria|quiera) (atender|ayudar|"
    r"responder|contestar|explicar)\b",
    r"\b(hay|existe|tienen|teneis) (algun|alguna|un|una) (humano|persona real|persona de "
    r"verdad|ser humano|asesor real|asesor humano|agente humano|agente real)\b",
    r"\b(atencion|asistencia|soporte|ayuda|trato) (humana|humano|personal|personalizada|de "
    r"una persona|de un humano|de un asesor|de un agente)\b",
    r"\b(escalar|escalen|escala|escale|escaleis) (esto|mi caso|el caso|mi reclamo|mi queja|"
    r"este caso|mi problema|el reclamo)\b",
    r"\b(basta|suficiente|harto|harta|cansado|cansada) de (hablar con )?(un |el |este )?"
    r"(bot|robot|chatbot|maquina|contestador)s?\b",
    r"\b(no quiero|no deseo) (hablar|seguir hablando|chatear|seguir|escribir|seguir escribiendo|"
    r"seguir chateando) con (un |una |este |el |"
    r"la )?(bot|robot|chatbot|maquina|contestador|sistema)\b",
    r"\b(que me atienda|quiero que me atienda|me atiende|me puede atender|me pueden atender) "
    r"(alguien|una persona|un humano)\b",
    # "Necesito que lo vea una persona": the case looked at by someone.
    r"\bque (lo|la|esto|esto lo|eso lo|me lo|mi caso|el caso|mi problema|mi reclamo) (vea|"
    r"revise|mire|"
    r"resuelva|chequee|vean|revisen|miren|resuelvan) (una persona|un humano|alguien|un asesor|"
    r"un agente|una persona real|un ser humano|alguien de (ustedes|vosotros|su equipo|verdad))\b",
)
ES_BOT_DID_NOT_HELP_OWN_NEGATION = (
    r"\bno me (estas|esta|estan|has|han|ha|habeis|estais) (ayudando|ayudado|entendiendo|"
    r"entendido|sirviendo|servido|resolviendo|resuelto|solucionando|solucionado|respondiendo|"
    r"respondido|contestando|contestado|escuchando|leyendo|dando solucion)\b",
    # Not "la talla no me sirve": what does not serve is the bot or its answer.
    r"\bno me (sirves|ayudas|ayudaste|entiendes|entendes|entendiste|resuelves|resolviste|"
    r"respondes|respondiste|contestas|contestaste|escuchas|lees|sirvio de nada|ayudo en "
    r"nada|ayudo para nada|sirvio para nada)\b",
    r"\b(no|ni) (entiendes|entendes|entendiste|comprendes|captas|cachas) (nada|lo que|mi|que)\b",
    r"\b(eso|esto|esa respuesta|tu respuesta|su respuesta|la respuesta|lo que (me )?(dices|"
    r"dijiste|respondiste|contestaste|mandaste)) no (me )?(responde|contesta|tiene nada que "
    r"ver|tiene que ver|es lo que|resuelve|soluciona|ayuda|sirve|aclara|explica)\b",
    r"\bno (es|era|fue) (eso )?lo que (te |le |les |os )?(pregunte|pedi|dije|quise decir|"
    r"estoy preguntando|estaba preguntando|pregunto|pido|necesito|queria)\b",
    r"\b(no|nunca) (respondes|responde|respondiste|contestas|contestaste|contesta|"
    r"respondeis) (a )?(mi|la|lo que|mis) (pregunta|preguntas|te pregunte|pregunto|"
    r"te estoy preguntando)\b",
    r"\b(bot|robot|chatbot|asistente|maquina|chat|sistema) (no sirve|no entiende|no ayuda|no "
    r"responde|no me entiende|no me ayuda|no me sirve|no sabe)\b",
    r"\bno (es|fue|ha sido|estas siendo|esta siendo) (de )?(ninguna |nada de )?(ayuda|util)\b",
    r"\bno me (sirve|sirvio|ayuda|ayudo) (tu|su|esa|esta|la|tanta) (respuesta|ayuda|explicacion|"
    r"solucion|informacion)\b|\b(tu|su|esa|esta) (respuesta|ayuda|explicacion|solucion) no "
    r"(me )?(sirve|sirvio|ayuda|ayudo)\b",
    # Not what was asked: "no responde lo q pregunte", "eso no es lo que pregunte".
    r"\bno (me )?(responde|responden|respondes|contesta|contestas|contestan|respondio|"
    r"contesto) (a )?(lo (que|q) (pregunte|pedi|te pregunte|les pregunte)|mi pregunta)\b|"
    r"\b(eso )?no es lo (que|q) (pregunte|pedi|te pregunte)\b",
)
ES_BOT_DID_NOT_HELP = (
    r"\b(este|el|tu|su|vuestro|pinche|maldito|puto|estupido|mugroso|dichoso) (bot|robot|"
    r"chatbot|asistente( virtual)?|chat|sistema|contestador)( es| eres)? (un |una )?(inutil|"
    r"tonto|estupido|idiota|pesimo|basura|porqueria|de mierda|un desastre|una porqueria|"
    r"una basura|una mierda|ridiculo)\b",
    r"\b(me )?(harte|canse|aburri|hartaste|cansaste|tienes harto|tienes harta|tiene harto|"
    r"tienes cansado|tienes podrido) (de|con)(l)? (este |tu |el |su |vuestro )?(bot|robot|"
    r"chatbot|chat|asistente|maquina|contestador)\b",
    # Not "es": "mi banco es un desastre" is not about us.
    r"\b(eres|usted es|sos|sois|son) (un |una )?(bot |robot |maquina |asistente )?(inutil|"
    r"inutiles|tonto|estupido|idiota|pesimo|una basura|un desastre)\b",
    r"\b(damos|dando|doy|estamos dando|estoy dando|seguimos dando) vueltas\b|\bvueltas en "
    r"circulos?\b|\b(llegamos|llegar|vamos|lleva|llevas|va) a ningun (lado|lugar|parte|sitio)\b",
    r"\b(ya )?(me )?(dijiste|repetiste|mandaste|respondiste|contestaste|copiaste) (eso|lo "
    r"mismo|la misma)\b|\b(siempre|otra vez|de nuevo) (me )?(respondes|contestas|dices|"
    r"mandas|repites) lo mismo\b|\b(la )?misma respuesta\b|\brespuesta (equivocada|"
    r"incorrecta|de robot|enlatada)\b|\b(hablar|"
    r"hablarle|hablando|escribirle|escribiendo) (con|a) (una|la) pared\b",
    r"\bno hay caso con (vos|usted|ustedes|ti|este bot|el bot|este chat|esto|esta cosa)\b|"
    r"\b(es )?(inutil|al pedo|en vano|perder el tiempo) (hablar|escribir|explicar|"
    r"preguntar)(te|le|les)? (con|a) (vos|usted|ustedes|ti|este bot|el bot|esta cosa)\b",
    # "Sigo sin saber como mover la entrega": the answers so far did not do it.
    r"\bsigo sin (saber|entender) (como|que hacer|que tengo que|donde)\b",
    r"\b(me )?(estas|esta|estan|estais) (siquiera |acaso |realmente )?(leyendo|escuchando)\b"
    r"(?! (el|la|un|una|los|las) )",
    # Still nothing from the bot, or an answer to another question: "cuarto mensaje y
    # seguis sin contestar nada util", "no le pregunte el precio", "me entiende lo que le
    # digo?".
    r"\b(sigues|seguis|segui) sin (contestar|responder|decirme|entender|entenderme|ayudar|"
    r"ayudarme|resolver)\b",
    r"\bno (te|le|os) (pregunte|estoy preguntando|pregunto) (eso|el|la|los|las|por|sobre)\b",
    # "te pregunte por la garantia, no por los horarios", "te pregunte por mi factura y me
    # mandaste horarios".
    r"\b(te|le|os) (pregunte|estoy preguntando|pregunto|pedi) (por|sobre|de) [^.!?\n]{1,60}"
    r"(, no (por|sobre|de|el|la|los|las)\b| y (me )?(mandaste|mando|respondiste|respondio|"
    r"contestaste|contesto|diste|dio|sale con|salis con)\b)",
    r"\b(me )?(entiende|entiendes|entendes|entendeis) lo (que|q) (le|te|os) (digo|estoy "
    r"diciendo|pregunto|escribo)\b",
    r"\b(maquina|bot|robot|chatbot|asistente) (que|q) no (entiende|entendes|sirve|ayuda|resuelve)"
    r"\b",
)
ES_CONTACT_WAYS = (
    r"(responde|responden|respondio|respondieron|contesta|contestan|contesto|contestaron|"
    r"llama|llaman|llamo|llamaron|atiende|atienden|atendio|atendieron|devuelve|devolvio|"
    r"regresa|regreso|dice|dijo|da|dio|ayuda|ayudo|resuelve|soluciona|explica|explico|"
    r"hace caso|hizo caso|lee|leyo|escribe|escribio|respondera|contactara|contacto|"
    r"contactaron|ha (llamado|respondido|contestado|contactado|dicho|ayudado|escrito)|"
    r"se comunica|se comunico|se contacto|ha dado|han dado|ha resuelto|ha solucionado|ha "
    r"devuelto|hace nada)\b(?! (el |la )?(puerta|timbre|intercomunicador|"
    r"portero|porton))"
)
# Who of us made a promise: "el asesor", "la señorita que me atendió", "una tal Yesenia".
ES_STAFF = (
    r"(asesor|asesora|agente|senorita|chica|chico|muchacho|muchacha|chamo|chama|supervisor|"
    r"supervisora|companero|companera|operador|operadora|ejecutivo|ejecutiva|vendedor|"
    r"vendedora|encargado|encargada|una tal|un tal|ustedes|vosotros)"
)
ES_WAITED = (
    r"(en espera|esperando|al telefono|en el telefono|en linea|en la linea|colgad[oa]|"
    r"llamando|marcando|en el chat|en la cola|en la fila|con la musiquita|pegad[oa] al "
    r"telefono)"
)
# Passed on to someone else, in any tense: "me pasaron", "me han derivado", "me rebotan".
_PASSED_ON = (
    r"(pasan|pasaron|pasado|mandan|mandaron|mandado|derivan|derivaron|derivado|rebotan|"
    r"rebotaron|rebotado|transferido|transfirieron)"
)
ES_CONTACT_CENTER_FAILURE_OWN_NEGATION = (
    r"\b(nadie|ninguno de ustedes|ningun asesor|ningun agente|ni un asesor|ni una persona)\b"
    r"( \w+){0,3} (me |nos |les )?" + ES_CONTACT_WAYS,
    # "Nadie" after the verb: "no me respondio nadie", "no me ha llamado nadie".
    r"\bno (me |nos )?(ha |han )?(respondio|respondido|contesto|contestado|llamo|llamado|"
    r"atendio|atendido|escribio|escrito|devolvio la llamada|devuelto la llamada|atiende|"
    r"contesta|responde|llama) nadie\b",
    # Not even an answer: "ni siquiera una respuesta automatica".
    r"\bni (siquiera )?(una|un) (respuesta|llamada|acuse de recibo)\b",
    # Not the condition "si no me contestan mañana...": nothing has failed yet.
    r"(?<!\bsi )\b(nunca|jamas|todavia no|aun no|no|ni) (me |nos )?(llamaron|han llamado|"
    r"devolvieron la llamada|regresaron la llamada|han devuelto la llamada|respondieron|"
    r"han respondido|"
    r"contestaron|han contestado|responden|contestan|devuelven las llamadas|leen "
    r"(los|mis) (correos|mails|mensajes))\b",
    # A promised call that never came: "me dijeron que me llamaban ayer y nada".
    r"\b(me dijeron|me prometieron|quedaron en|dijeron que|me aseguraron|iban a|me iban a|"
    r"me dicen|me dijo|prometieron)( que)?( me)? (llamaban|llamarian|iban a llamar|llamar|"
    r"llamarme|contactaban|contactarian|contactarme|responder|responderian|devolver la "
    r"llamada|comunicar|comunicarian|escribir|escribian|avisaban|avisarian|avisar|"
    r"llamarian)\b[^.!?\n]{0,50}\b(y nada|nada|nunca|no lo hicieron|no llamaron|no llamo|"
    r"ni (una|un|me)|sigo esperando|todavia|aun|ni modo|pero no)\b",
    # Someone was to call back: "me dijeron que un companero me devolveria la llamada en
    # el dia. Sigo esperando."
    r"\b(devolveria|devolverian|devolverias|regresaria|regresarian|devolvia|devolvian) la "
    r"llamada\b[^\n]{0,60}\b(sigo esperando|seguimos esperando|y nada|nunca|nadie|todavia "
    r"no|aun no|no lo hicieron|no lo hizo)\b",
    r"\b(sigo |seguimos |todavia |aun |y )?(sin|ninguna|ni una|cero|ni) (respuesta|"
    r"respuestas|llamada|contestacion|noticias|devolucion de llamada)\b",
    r"\b(correos|mails|e-?mails|mensajes|llamadas|reclamos|quejas|tickets|whatsapps?)( \w+)"
    r"{0,4} (sin (respuesta|contestar|responder)|ignorados|que nadie (lee|responde|contesta))\b",
    r"\b(no|imposible|nunca|no hay)( \w+)? (puedo|logro|consigo|pude|logre|he podido|"
    r"hemos podido|manera de|forma de|como|se puede|es posible|pudimos) (comunicarme|"
    r"contactar|contactarlos|contactarles|contactaros|hablar con (alguien|nadie|una persona|"
    r"un asesor|ustedes|vosotros)|comunicarme con (alguien|nadie|ustedes|vosotros|una "
    r"persona|un asesor)|dar con (alguien|nadie)|que me (atiendan|contesten|respondan|llamen)|"
    r"hablar con un humano)\b",
)
ES_CONTACT_CENTER_FAILURE = (
    # Waiting on the line: "llevo dos horas en espera con el call center".
    r"\b(\d+|una|un|dos|tres|cuatro|cinco|seis|media|varias|muchas|mas de una|casi una|"
    r"hora y media)( \w+)? (horas?|hrs?)( \w+){0,3} " + ES_WAITED + r"\b",
    r"\b([2-9]\d|\d{3}|veinte|treinta|cuarenta|cincuenta|noventa)( \w+)? (minutos|min|mins)"
    r"( \w+){0,3} " + ES_WAITED + r"\b",
    r"\b" + ES_WAITED + r"( \w+){0,4} (\d+|una|dos|tres|cuatro|media|varias|muchas) "
    r"(horas?|hrs?)\b",
    r"\b(en espera|esperando que me atiendan|al telefono|en la cola|en la fila)( \w+){0,3} "
    r"(toda la (manana|tarde|noche)|todo el dia|horas|una eternidad|siglos|mil anos)\b",
    r"\b(me|nos) (colgaron|colgo|corto la llamada|cortaron la llamada|cortaron el chat|"
    r"sacaron del chat|dejaron en espera|tuvieron en espera|tienen en espera|dejan en espera|"
    r"dejaron colgad[oa]|cerraron el chat)\b",
    r"\bse (me |nos )?(corto|cayo|termino|corta|cae) (la llamada|el chat|la linea|la "
    r"comunicacion)\b",
    r"\b(mande|envie|escribi|llame|he llamado|he escrito|he mandado|he enviado|hice|"
    r"mandamos|llamamos|escribimos|reclame|he reclamado)( \w+){0,2} (\d+|dos|tres|cuatro|"
    r"cinco|seis|siete|varios|varias|muchos|muchas|mil|un monton de|montones de|chorrocientos)"
    r"( \w+)? (mails|correos|e-?mails|mensajes|veces|llamadas|reclamos|quejas|tickets|"
    r"whatsapps?)\b",
    r"\b(me |nos )?(ignoran|ignoraron|ignoras|ignorais|estan ignorando|siguen ignorando)\b",
    r"\b(llevo|llevamos|he estado|estuve|estoy|estamos|pase|pasamos)( \w+){0,3} "
    r"(intentando|tratando de|queriendo) (comunicarme|contactar|contactarlos|contactarles|"
    r"contactaros|hablar con|llamar|llamarlos|que me (atiendan|respondan|llamen|contesten)|"
    r"comunicar|obtener (una )?respuesta|dar con)\b",
    r"\b(el telefono|la linea|el numero|el call ?center|el chat)( \w+)? (suena y suena|"
    r"siempre (esta |da )?(ocupado|ocupada|apagado|sonando)|nunca (contesta|atiende|"
    r"responde)|solo suena)\b",
    r"\b(me )?" + _PASSED_ON + r" de (un|una) "
    r"(area|departamento|persona|asesor|lado|sector) (a|al) (otr[oa]|otro lado)\b|\bme "
    r"(tienen|traen|tuvieron) (dando vueltas|de aca para alla|de aqui para alla|de un lado a "
    r"otro|de un area a otra|a las vueltas)\b",
    r"\b(sigo|seguimos|sigue|llevo|llevamos|estoy|estamos)( \w+)? esperando (una |la |su |"
    r"que me |que nos )?(respuesta|llamada|contestacion|respondan|llamen|contesten|"
    r"devuelvan la llamada)\b",
    r"\b(solo|solamente|puras|siempre) (me )?(mandan|responden con|contestan con|envian|"
    r"recibo)? ?(respuestas|mensajes|correos) automatic[oa]s\b",
    # What one of us promised, not done: "la señorita que me atendió me confirmó el
    # reembolso en 7 días y todavía nada", "una tal Yesenia me iba a llamar y nada".
    r"\b(" + ES_STAFF + r"|me|nos)\b[^.!?\n]{0,40}\b(dijo|dijeron|prometio|prometieron|"
    r"confirmo|confirmaron|confirmasteis|aseguro|aseguraron|ofrecio|ofrecieron|quedo en|"
    r"quedaron en|iba a|iban a)\b[^\n]{0,100}\b(y nada|todavia nada|aun nada|sigo esperando|"
    r"seguimos esperando|ya van ([5-9]|\d\d|cinco|seis|siete|ocho|diez|quince|veinte|dos "
    r"semanas|tres semanas|un mes)|eso fue (el|hace|ayer|la semana)|todavia no (lo |la )?(veo|"
    r"tengo|aparece|llega|me llega)|no han (venido|aparecido|pasado)|ni (a recoger|a traer|"
    r"llamaron|llamo|aparecieron|vinieron))\b",
    # A form sent again and again: "ya mande el formulario de devolucion cuatro veces".
    r"\b(mande|envie|llene|rellene|he mandado|he enviado|he llenado|he rellenado) (el |la )?"
    r"(formulario|solicitud|reclamo|reclamacion)( de \w+)? (\d+|dos|tres|cuatro|cinco|seis|"
    r"varias|mil) veces\b",
    # Counted: "6 llamadas, 4 correos y 3 chats por la misma garantia".
    r"\b(\d+|dos|tres|cuatro|cinco|seis|siete|ocho|diez) (llamadas|correos|mails|chats|"
    r"mensajes|reclamos|tickets|whatsapps),? (y )?(\d+|dos|tres|cuatro|cinco|seis|siete|ocho|"
    r"diez) (llamadas|correos|mails|chats|mensajes|reclamos|tickets|whatsapps)\b",
    # A case open for days: "tengo el ticket #55120 desde hace 12 días".
    r"\b(ticket|caso|folio|reclamo|radicado|incidencia|numero de (atencion|caso|reclamo|"
    r"servicio|ticket))\b[^.!?\n]{0,40}\b(desde hace|hace|lleva|van)( ya)? ([5-9]|\d\d|"
    r"cinco|seis|siete|ocho|nueve|diez|quince|veinte) dias|\b(ticket|caso|folio|reclamo|"
    r"radicado|incidencia)\b[^.!?\n]{0,40}\b(desde hace|hace|lleva|van)( ya)? (\d+|una|dos|"
    r"tres|cuatro|varias) (semanas|meses)\b",
    # Passed around: "me habéis pasado ya por tres departamentos", "me pasaron de ventas a
    # garantias, de garantias a logistica".
    r"\b" + _PASSED_ON + r"\b[^.!?\n]{0,40}\bde \w+( \w+)? (a|al) \w+[^.!?\n]{0,30}\bde "
    r"\w+( \w+)? (a|al)\b",
    r"\b" + _PASSED_ON + r"( ya)? (por|entre) (\d+|dos|tres|cuatro|cinco|varios|varias|mil|"
    r"distintos|distintas|diferentes) (departamentos|areas|personas|asesores|agentes|"
    r"sectores|numeros)\b",
    # Our own promise quoted back, long after: "el 'te contactaremos pronto' de hace un mes".
    r"\b(te|le|lo|la|los|les) (contactaremos|llamaremos|responderemos|escribiremos)\b[^\n]{0,60}"
    r"\b(hace (un|una|dos|tres|\d+) (mes|meses|semana|semanas|dias)|sigo (\w+ )?esperando|"
    r"todavia espero)\b",
)
# A threat taken back in the same breath, laughing: "me voy a la competencia... mentira
# jajaja nunca, ustedes son lo mas". Not "mentira lo que me dijeron": the laugh or "nunca"
# must follow.
ES_TAKEN_BACK_IN_JEST = (
    r"\b(mentira|mentiras|es broma|era broma|(es|era) (un )?chiste|no es cierto|naa+h?)\b\W{0,6}"
    r"(ja(ja)+\w*|je(je)+\w*|xd+|nunca|nah|😂|🤣|😅|😜)"
)
ES_THREAT_TO_LEAVE_OWN_NEGATION: tuple[str | OnALineWith, ...] = (
    # Veiled, after a condition a "no" of its own would seem to negate: "si mañana no
    # tengo respuesta ya saben donde voy a contar mi experiencia".
    r"\bya (saben|sabran|sabeis|sabes) (donde|a donde|en donde)( \w+){0,2} (contar|publicar|"
    r"poner|subir|escribir|quejarme|compartir|dejar)\b",
    r"\bno (quiero|queremos) saber (nada mas|mas nada|nada) (mas )?de (ustedes|vosotros|esta "
    r"(tienda|empresa)|northwind|su (tienda|empresa))\b",
    r"\b(no|nunca|jamas) (les |os |le )?(vuelvo|volvere|volveria|volvemos|volveremos) a "
    r"(comprar|pedir|comprarles|pedirles|usar|confiar|recomendar|poner un pie|elegir|pisar|"
    r"compraros|pediros)\b",
    # Not of another shop: "nunca mas le compro a la otra tienda esa".
    r"\b(nunca|jamas) mas (les |os |le )?(compro|comprare|compre|pido|pedire|pida|uso|usare|"
    r"confio|confiare|recomiendo|recomendare|vuelvo|volvere|vuelva|compramos|pedimos)\b"
    r"(?! (a|en|con|de) (la |esa |esta |la otra )?(otra|otras|esa|ese|esos|esas|ellos|ellas)\b)",
    r"\bno (les |os |le )?(compro|comprare|pido|pedire|recomiendo|recomendare) (nunca mas|"
    r"mas|jamas|nada mas|ni loc[oa]|ni de broma|ni regalado)\b",
    r"\bno (los|las|les|os|se los|se las) (recomiendo|recomendare|recomendaria) (a nadie|"
    r"para nada|nunca|jamas|ni a mi peor enemigo)\b",
)
ES_THREAT_TO_LEAVE: tuple[str | OnALineWith, ...] = (
    r"\bnunca mas(?= *([.!,;]|$))|\bhasta nunca\b",
    # Not what happened once: "en mi piso anterior me paso (pasó) con otra empresa".
    r"\b(me voy|nos vamos|(?<!que )(?<!eso )(?<!esto )(?<!mismo )(?<!vez )(?<!tambien )"
    r"(?<!antes )(?<!anterior )me paso|nos pasamos|me cambio|me cambiare|me ire|me voy a ir|"
    r"mejor compro|prefiero comprar|voy a comprar|ahora compro|desde ahora compro|me largo) "
    r"(a|con|para|pa|en) (la competencia|(la )?otra tienda|otro lado|(la )?otra empresa|"
    r"otra parte|otro sitio|amazon|mercado ?libre|liverpool|walmart|el corte ingles|"
    r"falabella|coppel|elektra|ripley|paris|exito|alkosto|costco|best buy|target|fnac|"
    r"media ?markt|carrefour|temu|shein|aliexpress|sears|sanborns|home depot)\b",
    # "Les voy a dejar de comprar", "dejo de compraros"; not "voy a dejar de comprar tanto", nor
    # "no les voy a dejar de comprar" (a "no" before it cancels it).
    r"\b(les|os) (voy a |vamos a )?(dejar|dejo|dejamos) de (comprar|pedir)\b|\b(voy a |vamos a )?"
    r"(dejar|dejo|dejamos) de (comprarles|compraros|pedirles|pediros)\b",
    # Soft, but leaving: "me lo voy a pensar mucho antes de volver a comprar con vosotros".
    r"\b(me lo|lo) (voy a pensar|pensare|pienso pensar)( \w+){0,2} antes de volver a (comprar|"
    r"pedir)\b",
    # "Cancelo todo. Pense que ustedes eran distintos."
    r"\b(pense|crei) (que|q) (ustedes|vosotros)? ?(eran|erais|serian|seriais) (distint[oa]s|"
    r"diferentes|mejores|mas seri[oa]s)\b",
    r"\b(perdieron|acaban de perder|han perdido|pierden|perdiste|perdisteis|habeis perdido|"
    r"van a perder) (a )?(un |una |otro |otra |su |a su mejor )?(cliente|clienta|clientes|"
    r"comprador|compradora)\b",
    r"\b(los|las|les|os) (voy a|vamos a|pienso|voy|ire a) (exponer|escrachar|quemar|"
    r"denunciar publicamente|balconear|funar|hacer mala fama|hacer quedar mal)\b",
    # "...y contar en todas mis redes lo que me hicieron".
    r"\b(voy a|vamos a|pienso|lo voy a|los voy a|esto lo voy a|quiero|y|lo|los|las) (publicar|"
    r"publico|publicare|subo|subire|expongo|subir|contar|"
    r"compartir|poner|postear|difundir|viralizar|escribir)( \w+){0,3} (en )?(redes|redes "
    r"sociales|twitter|facebook|instagram|tiktok|youtube|reddit|google|trustpilot|x|mis "
    r"redes|todos lados|internet|todas partes)\b",
    r"\b(mala|malisima|pesima|terrible|negativa) (resena|calificacion|opinion|review|"
    r"puntuacion|valoracion)\b|\b(doy|dare|pongo|pondre|les doy|les pongo|voy a dar|voy a "
    r"poner|merecen|se merecen|os doy|os pongo) (una|1|cero|0|ninguna) estrellas?\b",
    r"\b(termine|acabe|he terminado|hemos terminado|se acabo|terminamos) con (ustedes|"
    r"vosotros|esta empresa|esta tienda|northwind|su empresa|su tienda)\b|\bhasta aqui "
    r"llegue\b|\bme (canse|harte) de ustedes\b",
    # In the past only as a verdict ("esa fue la ultima vez que les compre"), not a story: "la
    # ultima vez que compre en linea fue antes de la pandemia".
    r"\b(ultima|la ultima) vez que (les |os |le )?(compro|pido|uso|confio)\b|\b(fue|sera|es) "
    r"(mi |la )?ultima vez que (les |os |le )?(compre|pedi|confie)\b",
    r"\bno (pienso|voy a|vamos a|pensamos) (seguir|volver a) (comprar|comprando|pedir|"
    r"pidiendo)( \w+)? (aca|aqui|con ustedes|con vosotros|en esta tienda|en northwind)\b",
    r"\b(se los|se lo|os lo) (voy a contar|contare|dire) a (todo el mundo|todos|todas mis "
    r"amigas|todos mis amigos)\b",
)
ES_THREAT_TO_LEAVE_OWN_NEGATION = unless_on_the_line(
    ES_THREAT_TO_LEAVE_OWN_NEGATION, ES_TAKEN_BACK_IN_JEST
)
ES_THREAT_TO_LEAVE = unless_on_the_line(ES_THREAT_TO_LEAVE, ES_TAKEN_BACK_IN_JEST)
# Closing the account: leaving when the message is unhappy; not the question
# "¿como cierro mi cuenta?".
ES_ACCOUNT_CLOSURE = (
    r"(?<!como )(?<!puedo )(?<!se puede )\b(cancelen|cierren|den de baja|borren|eliminen|"
    r"cancela|cierra|da de baja|borra|elimina|cancelo|cierro|doy de baja|quiero cerrar|"
    r"quiero cancelar|quiero dar de baja|quiero borrar|quiero eliminar|voy a cerrar|voy a "
    r"cancelar|voy a dar de baja|dare de baja|dadme de baja|denme de baja)( de)? (mi|la|"
    r"nuestra) (cuenta|membresia|suscripcion|tarjeta de la tienda|tarjeta de cliente)\b(?!\?)",
)
ES_REPEATED_ASKING = (
    # "Ya pregunte lo mismo ayer y anteayer": said, not counted.
    r"\bya (te |les |os |le )?(pregunte|pedi|escribi|consulte|reclame|dije) (lo mismo|esto "
    r"mismo|eso mismo)\b",
    r"\b(tercera|cuarta|quinta|sexta|septima|enesima|decima|3ra|3a|4ta|4a|5ta|5a|\d+a) vez "
    r"(que )?(te |les |os |lo |le |se lo |te lo )?(pido|pregunto|escribo|llamo|digo|explico|"
    r"reclamo|solicito|contacto|mando|repito|pregunte|pedi|reclame|escribi|llame|hablo|"
    r"intento)\b",
    # Not "es la tercera vez que compro aqui": a story, not a request made again.
    r"\b(es la|por|ya van|ya es la|esta es la|va la|van) (tercera|cuarta|quinta|sexta|"
    r"enesima|decima|3ra|4ta|5ta|\d+a) vez(?= *([.!?]|$)| (que )?(te |les |os |se )?(lo "
    r"|la )?(mismo|misma|digo|pido|pregunto|explico|escribo|repito|reclamo))",
    r"\b(te|se|les|os) (lo |la |los |el |mi )?(dije|di|pregunte|explique|pase|mande|envie|"
    r"escribi|conte|pedi|comente|respondi|conteste|dimos|dijimos|repeti)\b( \w+){0,3} (dos|"
    r"tres|cuatro|cinco|\d+|varias|mil|muchas|un monton de) veces\b",
    # Or in the perfect, to "usted" too: "le he preguntado lo mismo cuatro veces".
    r"\b(te|le|les|os) (he|hemos) (preguntado|dicho|pedido|explicado|escrito|repetido)( \w+){0,3} "
    r"(dos|tres|cuatro|cinco|\d+|varias|mil|muchas) veces\b",
    # Not a button pressed: "ya le di olvide contrasena y me llego el correo", "ya le di en
    # 'olvide mi contrasena'".
    r"\bya (te|les|os|le) (lo |la |los |el |mi |mis )?(dije|di(?! (en|clic|click|clik|enter|ok|"
    r"aceptar|olvide|reenviar|recuperar|restablecer)\b)|pregunte|explique|pase|mande|"
    r"envie|escribi|conte|pedi|comente|respondi|conteste|dimos|dijimos|repeti|habia dicho|"
    r"habia dado|he dicho|he explicado|he dado|he pedido|he preguntado|hemos dicho)\b|\bno se "
    r"como mas (decirtelo|decirlo|explicarlo|decirles|explicartelo|explicarselo)\b",
    r"\bya (lo |la )?(dije|pregunte|explique|pedi|conteste|respondi) (antes|arriba|dos veces|"
    r"mil veces|varias veces)\b",
    # "Te pregunte donde esta mi reembolso": the question, said to be asked before.
    r"^\W*(ya |pero |oye,? |oiga,? )?(te|les|os|le) (pregunte|pedi|dije) (donde|cuando|por "
    r"que|porque|si|como|cuanto|que|cual)\b",
    r"\bcuantas veces (mas )?(tengo|tendre|hay|debo|voy|tenemos) (que|a) (decir|repetir|"
    r"preguntar|explicar|pedir|escribir|llamar|decirtelo|repetirlo|explicarlo|reclamar|"
    r"decirselo|decirles|pedirlo)\b|\bcuantas veces (te |se |les |os )?(lo )?(tengo que|he|"
    r"hemos|tendre que) (decir|dicho|repetir|repetido|preguntar|preguntado|explicado|pedido|"
    r"llamado|escrito)\b",
    r"\b(sigo|sigue|sigues|siempre estoy|vuelvo a) (preguntando|pidiendo|repitiendo|diciendo|"
    r"explicando) lo mismo\b|\bte (lo )?(sigo|estoy) (repitiendo|diciendo|preguntando)\b|"
    r"\bte (lo )?repito\b|\b(te|se|les|os) (lo |la )?(digo|pido|pregunto|explico|repito|"
    r"escribo) por (segunda|tercera|cuarta|quinta|enesima|\d+a) vez\b",
    r"\b(segundo|tercer|cuarto|quinto|\d+o?|enesimo) (dia|dias|semana|mes) (que )?(te |les |"
    r"os )?(preguntando|pidiendo|reclamando|escribiendo|llamando|repitiendo|con lo mismo)\b|"
    r"\b(llevo|llevamos|van) (\w+ ){1,2}(dias|semanas|meses) (preguntando|pidiendo|"
    r"reclamando|repitiendo) (lo mismo|por lo mismo|la misma cosa)\b",
    r"\b(la )?misma pregunta (otra vez|de nuevo|\d+ veces|tres veces|dos veces|mil veces)\b|"
    # Not "pedi dos veces lo mismo": ordered twice, by mistake.
    r"\b(pregunte|dije|repeti|explique|escribi|pregunto|digo|repito) (\w+ )?(dos|tres|\d+|mil) "
    r"veces (la misma pregunta|lo mismo)\b",
)
# The customer cannot give the order number a task asks for: "no tengo el numero",
# "no me llego ningun correo de confirmacion". Said twice, the customer is stuck
# (stuck._without_number_again): only a person can find the order another way.
ES_NO_ORDER_NUMBER = (
    r"\bno (tengo|se|encuentro|recuerdo|me acuerdo del?|me llego|tengo a mano|conozco|"
    r"aparece|me dieron|guarde)( \w+){0,2} (el |ningun |ninguna |un |una |mi )?(numero|n°|nro|"
    r"codigo|correo|mail|email|comprobante|recibo|confirmacion)\b",
    r"\bsin (el |ningun |un )?(numero|correo|mail|comprobante|recibo) (de pedido|de orden|de "
    r"compra|de confirmacion)\b",
    # "Perdi el correo de confirmacion", "borre el mail del pedido".
    r"\b(perdi|borre|elimine|extravie|se me perdio|se me borro) (el |mi |la )?(correo|mail|"
    r"email|e-mail|comprobante|recibo|numero|confirmacion)( de (la )?(confirmacion|pedido|"
    r"compra|orden))?\b",
)
# "No lo tengo": the number, said right after the bot asked for it (stuck.py).
ES_NO_ORDER_NUMBER_IT = (
    r"\bno (lo|la) (tengo|se|encuentro|encontre|recuerdo|tengo a mano|guarde|consigo)\b",
    r"^\W*(pero |es que |la verdad )?no (tengo|se|recuerdo|me acuerdo)( ni idea)?\W*$|\bno (se|"
    r"recuerdo|me acuerdo de) cual es\b|\bsigo sin (tenerlo|tenerla|el numero|numero)\b",
)
