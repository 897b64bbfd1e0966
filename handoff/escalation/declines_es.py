"""The Spanish wording that names a person and asks for none: :mod:`.declines`' lists.

``ES_NOT_A_REQUEST`` (a call or an agent declined, someone else's agent, a
question about people rather than a request for one) is appended to
:data:`.declines.NOT_A_REQUEST`, and blanks only its own words;
``ES_ONLY_ASKING`` is :data:`.declines.ONLY_ASKING`, and makes the whole
message no request. Read on text as :func:`.vocabulary._normalise` leaves it
(accents folded), case-insensitively. Every pattern is linear: alternations
of words, bounded gaps, no nested quantifiers.
"""

from __future__ import annotations

from handoff.escalation.anger_words_es import ES_MY_CARRIER
from handoff.escalation.phrases_es import ES_PEOPLE, ES_WONDERED

# When a call was made, and the call itself, for an agent told of: "ayer hable", "llamo antes".
_WHEN = "ayer|antes|la otra vez|el otro dia|esta manana|hace rato"
_CALLED = "(hable|hablo|llame|llamo|chatee|me comunique|se comunico)"

# Wording that asks for no one of ours (see declines.NOT_A_REQUEST): a call or
# an agent declined, or someone else's agent.
ES_NOT_A_REQUEST = (
    r"\bno (quiero|necesito|deseo|hace falta|es necesario|hay necesidad de) que (me |nos )?"
    r"(llamen|llame|contacten|contacte|marquen|atiendan|atienda|escriban)\b",
    r"\bno (quiero|necesito|deseo|hace falta|es necesario|preciso|ocupo|requiero) (hablar con |"
    r"que me (pases|pasen|paseis|transfieras|transfieran|comuniques|comuniquen|conectes) (con|a) "
    r"|pasarme con |transferirme con )?(un |una |ningun |"
    r"ninguna |a |al |el |la |a la |lo del |nadie ni )?(asesor|asesora|agente|persona|humano|"
    r"operador|operadora|nadie|llamada|ejecutivo|ejecutiva|transferencia)\b",
    r"\bno (es necesario|hace falta) que (me |nos )?(contacte|llame|atienda|escriba) nadie\b",
    r"\bno (me |nos )?(llamen|llames|llame|marquen)\b",
    # "No me pases con nadie", "no me pongas con nadie", "no me transfieras a un asesor".
    r"\bno (me |nos )?(pases|pase|pasen|paseis|pongas|ponga|pongan|pongais|transfieras|"
    r"transfiera|transfieran|transfirais|comuniques|comunique|comuniquen|conectes|conecte|"
    r"conecten|derives|derive|deriven) (con|a|al) (nadie|ningun|ninguna|un |una |el |la |"
    r"alguien)",
    # "Sin agente porfa": at the start of a clause only, not "llevo dos horas sin asesor".
    r"(^|[,.;:!?]) ?(y )?sin (un |una |ningun |ninguna )?(asesor|asesora|agente|humano|"
    r"operador|operadora|persona|llamada|ejecutivo|ejecutiva|transferencia)(es|s)?\b",
    r"\b(cancela|cancelen|cancelad|cancelame|olvida|olvidate de|olvidalo lo del|anula|"
    r"anulen) (lo del|el|la|mi|esa|ese) (asesor|asesora|agente|llamada|transferencia|"
    r"solicitud de (asesor|agente|llamada))\b",
    r"\bprefiero (seguir )?(con el bot|con el asistente|con el chat|con vos|contigo|el bot|"
    r"el chat|por aca|por aqui|por chat|por este medio|por escrito)\b",
    # The bot tried first, with the request it puts off: "queria hablar con una
    # persona pero bueno, pruebo contigo primero".
    r"(\b(queria|quise|iba a pedir|pensaba pedir|pensaba hablar)\b[^.!?\n]{0,60})?\b(pruebo|"
    r"intento|probare|intentare|voy a probar|voy a intentar|dejame probar|deja que pruebe) "
    r"(primero )?(contigo|con vos|con usted|con el bot|con el asistente|por aqui|por aca)"
    r"( primero)?\b",
    # An agent told of, not asked for: "ayer hable por telefono con una asesora de ustedes y
    # me resolvio lo del cambio"; the customer's phone carrier: "ya bloquee la linea con el
    # operador".
    # Or a relative's: "mi hermana hablo ayer con un supervisor de ustedes y le resolvieron".
    r"(\b(ya|" + _WHEN + r") " + _CALLED + r"|\b" + _CALLED + r" (" + _WHEN + r"))"
    r"( por (telefono|chat|whatsapp))? con (un|una|el|la) (asesor|asesora|agente|persona|"
    r"operador|operadora|chica|chico|muchacho|muchacha|senorita|ejecutiv[oa]|supervisor|"
    r"supervisora)\b(?=[^.!?\n]{0,80}"
    r"(?<!no )\b((me|le|nos|les) (resolvio|resolvieron|ayudo|ayudaron|soluciono|solucionaron|"
    r"explico|atendio)|muy (bien|amable)|todo (bien|ok|listo)|super amable|excelente)\b)",
    r"\b(la linea|el chip|el numero|la sim|el celular) con (el|mi) (operador|operadora)\b|\b"
    + ES_MY_CARRIER
    + r"\b",
    # Asked, then left to the bot in the same breath: "podria hablar con alguien? o bueno
    # igual me lo resuelves tu". The gap crosses the question mark.
    r"(\b(podria|puedo|quiero|queria|me pasas|me pasarias|pasame)\b[^.!\n]{0,60})?\b(o|o "
    r"mejor|aunque) (bueno,? )?(igual |mejor |capaz )?(me )?(lo |la )?(resuelves|resuelve|"
    r"resolves|solucionas|soluciona|ves|haces|podes|puedes|sabes) (tu|vos|usted)\b|"
    # The same, the bot named first: "necesito hablar con alguien??? o tu me puedes decir
    # el horario?".
    r"(\b(podria|puedo|quiero|queria|necesito|me pasas|me pasarias|pasame)\b[^.!\n]{0,60})?"
    r"\b(o|o mejor|aunque) (tu|vos|usted) (me )?(lo |la )?(puedes|podes|puede|podrias|podria|"
    r"sabes|sabe|resuelves|resolves)\b",
    # What might happen to the customer, asked about: "que pasa si alguien usa mi tarjeta?"
    # (the "alguien" is no one to talk to).
    ES_WONDERED,
    # Someone else's agent: "quiero hablar con un asesor del banco pero no me contestan".
    r"\b(hablar|comunicarme|contactar) con (un |una |el |la |mi )?(asesor|asesora|agente|"
    r"ejecutiv[oa]|operador|operadora) (del|de mi|de la) (banco|aseguradora|operadora|"
    r"compania)\b",
    # Someone's job: "mi hermana es agente de policia", "trabajo de asesora de seguros".
    r"\b(es|soy|era|fue|trabaja (como|de)|trabajo (como|de)) (un |una )?(agente|asesor|asesora|"
    r"ejecutiv[oa]|operador|operadora|supervisor|supervisora|gerente) (de|en) (la )?(policia|"
    r"transito|seguros|ventas|viajes|bienes raices|aduanas|una inmobiliaria|un banco|el banco|"
    r"una empresa|una tienda|una aseguradora|un call ?center)\b",
    # Someone else's boss, or a doorman to leave a parcel with: "mi supervisor me pidio
    # comprar 10 audifonos", "me lo pueden dejar con el vigilante?".
    r"\b(mi|el|la|nuestro|nuestra|my) (jefe|jefa|boss|supervisor|supervisora|gerente|"
    r"encargad[oa]|patron|patrona|manager)( \w+){0,5} (me |nos )?((pidio|pide|mando|encargo|"
    r"encarga|dijo) (que |a )?(compre|comprar|cotice|cotizar|pregunte|preguntar|pida|pedir|"
    r"averigue|averiguar)|(quiere|necesita) (comprar|saber|cotizar|pedir|encargar))\b",
    r"\b(dejar|dejarlo|dejarla|dejen|deje|dejes|dejenlo|dejenla|dejarselo|dejarsela|entregar|"
    r"entregarlo|entregarla|entreguen)( \w+){0,2} (con|a) (el|la|mi) (vigilante|portero|"
    r"portera|conserje|vecin[oa]|guardia|recepcionista|de seguridad)\b",
    # Whether something heard is true: "es verdad que si escribo 'agente' me pasais con
    # una persona?", "un amigo me dijo que si hablas con un humano te dan descuento, es verdad?"
    r"\b(es|sera) (verdad|cierto) que\b[^.!?\n]{0,80}\b(agentes?|asesor(es|a)?|human[oa]s?|"
    r"personas?|operador(es|a)?)\b[^.!?\n]{0,60}\?|\b(agentes?|asesor(es|a)?|human[oa]s?|"
    r"personas?|operador(es|a)?)\b[^.!?\n]{0,80}\b(es|sera) (verdad|cierto) *\?",
    # How things are done, asked: "si hay algun problema, puedo hablar con una persona o va
    # todo por aqui?"; someone of the customer's own to talk to: "tengo que hablar con
    # alguien primero, con mi esposa jaja".
    r"\b(se puede|puedo|podre|podria|podemos|hay forma de|hay como)( \w+)? (hablar|coordinar|"
    r"tratar)\b[^.!\n]{0,80}\bo (va|es|se hace|se maneja|se coordina|lo hago|hay que hacerlo) "
    r"(todo )?(por|desde) (aqui|aca|este chat|el chat|chat|whatsapp|la web|la app)\b",
    r"\bhablar con (alguien|una persona)( primero| antes)?,? con (mi|mis) (espos[oa]|marido|"
    r"mujer|pareja|novi[oa]|familia|mama|papa|madre|padre|herman[oa]s?|hij[oa]s?|soci[oa]|"
    r"jef[ea]|roomie|companer[oa])\b",
    # With a request it takes back: "antes pedi hablar con alguien pero ya no hace falta"
    # (the gap ends at the sentence).
    r"(\b(pedi|habia pedido|solicite|queria|quise)\b[^.!?\n]{0,60})?\bya no (hace falta|es "
    r"necesario|lo necesito|se necesita|necesito (a nadie|el asesor|al asesor|la llamada))\b",
    # Or taken back with what settled it: "antes pedi hablar con un humano pero ya esta,
    # encontre lo del cambio", "antes os pedi una persona porque estaba agobiada, pero ya me
    # habeis resuelto lo de la fecha".
    r"\b(pedi|habia pedido|solicite|queria|quise)\b[^.!?\n]{0,80}\bpero ya (no\b *([,.;!?]|$|"
    r"ya\b|jaja)|esta *([,.;!]|$)|(me )?(lo |la )?(habeis|han|has) (resuelto|solucionado)|me "
    r"(resolvieron|resolvisteis|solucionaron)|(lo |la )?(encontre|resolvi|solucione)\b)",
    # Someday, not now: "si algun dia necesito hablar con alguien, como hago?". What
    # follows the "si" (up to the end of its clause) is no request.
    r"\b(si|por si|en caso de que|cuando) (algun dia|alguna vez|en algun momento|en el "
    r"futuro|mas adelante|un dia|llegara a|llegase a|quisiera|quisiese|necesitara|"
    r"necesitase)\b[^.!?\n]{0,80}",
    # The time said after the condition: "si tengo problemas con la garantia mas adelante,
    # se puede hablar con alguien por telefono?".
    r"\b(si|en caso de que)\b[^.!?\n]{0,50}\b(mas adelante|algun dia|en el futuro|a futuro|el "
    r"dia de manana)\b[^.!?\n]{0,80}",
    # A person or the bot, asked: "si mi pedido llega mal, ahi me atiende una persona o
    # igual el bot?", "hay algun telefono para hablar con alguien o solo este chat?", "ustedes
    # tienen humanos atendiendo los domingos o solo el bot?".
    r"\b(me atiende|atiende|me contesta|contesta|me responde|responde|hablo con|hablar con|"
    r"hay|tienen|teneis|tenes)\b[^.!?\n]{0,60}\bo (igual |tambien |todo |solo |solamente |"
    r"nomas |siempre |sigue )?(es |sera )?(con |por )?(el|un|este|esta) (bot|robot|asistente|"
    r"chat|whatsapp|medio)\b",
    # Whether anyone but the bot answers: "si tengo un problema con la garantia me atiende
    # una persona o todo es por aqui?", "puedo hablar con alguien o es todo con el bot?".
    r"\b(puedo hablar|hablo|me atiende|atiende|me contesta|contesta|me responde|responde|"
    r"hay|tienen|teneis|tenes)\b[^.!?\n]{0,40}\bo (es |se hace |lo hago |se puede )?(todo|solo|"
    r"solamente|nomas|siempre) (es )?(con (el|un|"
    r"este) (bot|robot|asistente)|por (aqui|aca|chat|el chat|este chat|este medio)|"
    r"automatico|automatizado|(el |un )?(bot|robot))\b",
    # Asked only to know, where ES_ONLY_ASKING (which also has "no es que lo necesite" and
    # "por curiosidad") does not read it whole: "solo para saber, hay alguien los domingos?".
    r"\b(es )?solo (por|para) saber\b",
    # When people answer, asked (a question, not "el domingo llame y no atienden"):
    # "los fines de semana hay alguien atendiendo el chat?"
    r"\b(los|el|en) (fines? de semana|domingos?|sabados?|feriados?|festivos?)\b[^.!?\n]{0,40}"
    r"\b(hay|atienden|atiende|trabajan|responden|contestan)\b[^.!\n]{0,60}\?|\b(a que hora|"
    r"en que horario|que horario|hasta que hora|desde que hora|que dias) (hay|atienden|atiende|"
    r"trabajan|responden|contestan|estan)\b",
    # The courier or the fitter calling ahead, a delivery detail: "el repartidor me puede
    # llamar antes de llegar?", "que el tecnico me llame para coordinar".
    r"\b(el|la) (repartidor|repartidora|mensajero|mensajera|chofer|conductor|courier|"
    r"motorizado|delivery|tecnico|tecnica|instalador|transportista|cartero|fletero)\b"
    r"[^.!?\n]{0,20}\b(me|nos) (puede|podria|pueden|podrian|va a|podra)? ?(llamar|llame|"
    r"marcar|marque|avisar|contactar|escribir)\b",
    # "El de la mensajeria puede llamarme al movil antes?"
    r"\b(el|la|los) (de|del) (la )?(mensajeria|paqueteria|reparto|delivery|envio|transporte|"
    r"moto|camion|correo|correos|flete)\b[^.!?\n]{0,20}\b((me|nos) (puede|podria|pueden|"
    r"podrian|va a|podra)? ?(llamar|llame|marcar|marque|avisar|escribir)|(puede|podria|pueden|"
    r"podrian|podra) (llamarme|marcarme|avisarme|escribirme|llamarnos|avisarnos))\b",
    # Whether we call, asked: "vosotros llamais por telefono para confirmar pedidos?".
    r"\b(ustedes|vosotros|usted) (llaman|llamais|llama|contactan|contactais|contacta|escriben|"
    r"escribis|mandan mensajes?)\b[^.!?\n]{0,60}\?",
    # A scammer's call, should it come: "si alguien me llama pidiendo codigos, cuelgo"; not
    # "si alguien me llama hoy, mejor".
    r"\bsi (alguien|alguno|una persona|un tal|un supuesto \w+|una supuesta \w+) (me|nos|le|les) "
    r"(llama|llamara|llaman|escribe|escribiera|contacta)\b[^.!?\n]{0,40}\b(pidiendo|pide|"
    r"diciendo|haciendose pasar|cuelgo|no contesto|no respondo|lo bloqueo|la bloqueo)\b",
    # Whether a fitter is needed, asked: "la estufa necesita que la conecte un tecnico o la
    # puedo conectar yo?".
    r"\b(necesita|hace falta|requiere|tiene que|hay que|debe) (que )?(la |lo |las |los )?"
    r"(conecte|instale|arme|monte|venga|revise) (un|una|el|la) (tecnico|tecnica|instalador|"
    r"especialista|electricista|gasista|plomero)\b[^.!?\n]{0,60}\?|\bo (la|lo|las|los) "
    r"(puedo|podemos|puede) (conectar|instalar|armar|montar|poner) (yo|nosotros|uno mismo|"
    r"una misma|sol[oa])\b",
    # A call announced, not asked for: "me llego un mensaje de q un asesor me llamaria por mi
    # cambio" (one promised and never made is the contact-centre rule's).
    r"\b(que|q) (un|una|el|la) (asesor|asesora|agente|ejecutiv[oa]|operador|operadora|"
    r"persona|alguien)( \w+)? (me|nos) (llamaria|llamarian|llamara|llamaran|va a llamar|iba a "
    r"llamar|contactaria|contactara|iba a contactar|escribiria)\b",
    # A story, not a request: "la otra vez tuve que hablar con un asesor".
    r"\b(tuve|tuvimos|tuvo|me toco|nos toco|hubo) (que|q) (hablar|comunicarme|llamar|"
    r"contactar)( (con|a) " + ES_PEOPLE + r")?",
    # Whether a person is needed for something, asked: "tengo que hablar con alguien
    # para lo de la garantia?", "hay que llamar a alguien o se hace por aqui?".
    r"\b(tengo|hay|debo|tendria|habria) (que|q) (hablar|llamar|comunicarme) (con|a) "
    r"(alguien|una persona|un asesor|un agente)\b[^.!?\n]{0,60}\?",
    r"\b(agente|agentes) (de|del) (aduanas?|seguros|viajes|la paqueteria|paqueteria|transito|"
    r"bienes raices|la inmobiliaria|inmobiliaria|envios|la naviera)\b|\bagente (aduanal|"
    r"inmobiliario|de la aseguradora)\b",
)
# Asked only to know, or a request taken back in the same message: no request
# anywhere in the message (declines.ONLY_ASKING), where ES_NOT_A_REQUEST blanks
# only its own words. "Si vos no sabes algo me pasas con alguien? no es que lo
# necesite ahora"; "quiero hablar con alguien porque no me aparece el correo ah
# no esperate ya lo encontre estaba en spam olvidalo" (dictated).
ES_ONLY_ASKING = (
    r"\bno es que (lo |la )?(necesite|necesitemos|quiera|queramos)\b",
    r"\b(era|es) solo (para|por) saber\b|\bpor (pura |simple )?curiosidad\b",
    # Not "por si acaso": "cerre la llave del gas por si acaso" tells what was done.
    r"\bpor si (algun dia|alguna vez|en algun momento|mas adelante|en el futuro)\b",
    # Whether the chat works: "hay alguien ahi? no se si esto contesta de noche".
    r"\bno se si (esto|este chat|el chat|alguien|aqui|aca) (contesta|responde|funciona|"
    r"atiende|lo lee|lee)\b",
    r"\b(ah|ay|uy|bueno|pues|no) no\b,? ?(espera|esperate|espere|para|pera|perdon|perdona)?"
    r"[^?\n]{0,30}\b(ya (lo|la|los|las) (encontre|vi|resolvi|solucione|tengo)\b[^?\n]{0,40}"
    r"\b(olvidalo|olvidelo|olvidenlo|no hace falta|no te preocupes|no se preocupe)|olvidalo|"
    r"olvidelo|olvidenlo|ya no hace falta)\b",
)
