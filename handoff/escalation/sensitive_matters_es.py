"""The Spanish phrases of :mod:`.sensitive_matters`: safety, fraud, legal threats, disputes.

Plain patterns, joined to the English lists in :mod:`.sensitive_matters`
(deaths are in :mod:`.bereavement_es`).
As in :mod:`.phrases_es`, they read the normalised message (accents folded,
case ignored), and those in a tuple named ``..._OWN_NEGATION`` carry their
own negation ("un cargo que no reconozco") so a "no" before them does not
cancel them. Each names what happened, not a word that only looks alarming:
"robo" alone is an anti-theft lock, "descarga" a download, "demanda" the
demand for a product, "PROFECO" a place where a relative works; only with
what the customer does about it ("voy a PROFECO", "me robaron la tarjeta")
do they count. Every pattern is linear.
"""

from __future__ import annotations

from handoff.escalation.not_ours_es import (
    ES_ELSEWHERE_OR_WHAT_IF,
    ES_FRAUD_ELSEWHERE,
    ES_LEGAL_ELSEWHERE,
    ES_PAYMENT_NOT_OURS,
    ES_PUT_RIGHT,
)
from handoff.escalation.on_a_line import OnALineWith, unless_on_the_line
from handoff.escalation.phishing import ES_CARD_ASKED, ES_CARD_PHISHED, ES_MONEY_ASKED

# Consumer regulators and courts, by country: Mexico (PROFECO, CONDUSEF),
# Colombia (SIC), Argentina (defensa del consumidor), Chile (SERNAC), Peru
# (INDECOPI), Spain (OCU, FACUA, OMIC, consumo).
ES_REGULATORS_ONLY = (
    r"(profeco|condusef|indecopi|sernac|ocu|facua|omic|sic|superintendencia|defensa del "
    r"consumidor|defensa al consumidor|defensoria del (consumidor|pueblo)|proteccion al "
    r"consumidor|oficina (municipal )?(del|de) (consumidor|consumo)|arbitraje de "
    r"consumo|juzgado|juez|tribunal(es)?|la corte|fiscalia|autoridades|asociacion "
    r"de consumidores)"
)
ES_REGULATORS = r"(" + ES_REGULATORS_ONLY + r"|policia)"
ES_LEGAL_THREAT: tuple[str | OnALineWith, ...] = (
    r"\b(los|las|les|te|lo|la|os) (voy a|vamos a|pienso|tendre que|voy|ire a|tendremos que) "
    r"(demandar|denunciar|reportar|acusar|llevar a (juicio|los tribunales|tribunales|la "
    r"corte|juzgado))\b",
    r"\b(demandar|denunciar|reportar|acusar|llevar)(los|las|les|te|os)\b[^.!?\n]{0,30}"
    r"\b(a|ante|con|en) (la |el )?" + ES_REGULATORS + r"\b",
    r"\b(demandarlos|demandarlas|demandaros|demandarles|demandarte|demandare|demandaremos|"
    r"demandarlo)\b|\b(los|las|les|os|te) (demando|denuncio|demandare|denunciare|reporto a|"
    r"reportare a|llevo a juicio)\b",
    r"\b(reclamacion|reclamaciones|queja|denuncia|demanda|reclamo|hoja) (en|ante|a|de) "
    r"(consumo|la oficina de consumo)\b",
    r"\b(voy a|vamos a|pienso|tendre que|quiero|puedo|me toca|procedere a) (demandar|"
    r"denunciar|poner una demanda|poner una denuncia|levantar una (queja|denuncia|demanda)|"
    r"meter una (demanda|denuncia|queja)|iniciar acciones legales|proceder legalmente|ir a "
    r"juicio)\b",
    r"\b(poner|pongo|pondre|meter|meto|presentar|presento|interponer|interpongo|iniciar|"
    r"levantar|levanto|levante|hacer|hago|puse|meti|presente) (una |la |mi )?(demanda|"
    r"denuncia|queja formal|reclamacion formal)\b(?! (en|a|ante) (la )?(policia|comisaria))",
    r"\b(acciones|accion|medidas|via|proceso|instancias|tramites?) (legales?|judicial(es)?)\b|"
    r"\b(proceder|actuar|ir) (legalmente|por la via legal|por lo legal)\b",
    # A regulator with what the customer does about it: not "mi cuñado
    # trabaja en PROFECO y dice que son de confianza".
    r"\b(queja|quejas|denuncia|reclamo|reclamacion|demanda|reporte|reportar|reportarlos|"
    r"denunciar|denunciarlos|acusar|acusarlos|ir|voy|vamos|iremos|ire|acudir|acudo|acudire|"
    r"recurrir|recurro|escalar|escalo|llevar|llevo|llevare|quejarme|quejare|reclamar|"
    r"presentar|presento|pido|pedire|pedir|solicitar|solicito|levante|levantar|puse|"
    r"pondre|poner|meto|meter|hable|llame|hablar|llamar|avisar|avisare|notificar)\b"
    r"[^.!?\n]{0,30}\b(a|al|ante|en|con|de|para) (la |el |los )?" + ES_REGULATORS_ONLY + r"\b",
    # The police only as what the customer will do: "ya puse la denuncia en la policia"
    # after a theft calls no one on us.
    r"\b(voy|vamos|iremos|ire|acudire|llevare|pondre|denunciare|reportare|llamare|avisare|"
    r"ir|acudir|denunciar|denunciarlos|reportar|reportarlos|llamar|avisar|llevar)\b"
    r"[^.!?\n]{0,30}\b(a|al|ante|en|con|de) (la )?(policia|comisaria)\b",
    # A regulator who will hear of it: "INDECOPI va a saber de esto"; a contract
    # broken, in the customer's legal words.
    r"\b" + ES_REGULATORS_ONLY + r" (se )?(va|van) a (saber|enterar)\b|\b(se )?(va|van) a "
    r"(saber|enterar)( de esto| de todo)? (en |a |de )?(la |el )?" + ES_REGULATORS_ONLY + r"\b|"
    r"\bincumplimiento (de|del) contrato\b|\bno (es|fue) lo (que|q) (firme|firmamos|acordamos|"
    r"pactamos|quedamos)\b",
    r"\b(hojas?|libro) de reclamaciones\b|\b(carta documento|burofax|carta notarial)\b|"
    r"\b(derechos del consumidor|ley (federal )?de "
    r"proteccion al consumidor|ley del consumidor|estatuto del consumidor)\b",
    r"\b(nos vemos|te veo|los veo|os veo|nos veremos) en (los tribunales|el juzgado|la corte|"
    r"juicio|un juicio)\b",
    # A lawyer of the customer's, or one called in; not "soy abogado", nor the
    # lawyer who wants copies of the invoices for the taxes.
    OnALineWith(
        r"\b(mi|mis|nuestro|nuestros|nuestra) abogad[oa]s?\b(?! (amig[oa]|vecin[oa]))",
        unless=r"\b(facturas?|impuestos|taxes|declaracion|contador|recibos?|comprobantes?)\b",
    ),
    r"\b(con|a|"
    r"consultar a|consulte a|contratar a|contrate a|hablar con|hable con|llamar a|llame a|"
    r"ver a) (un|una|mi) abogad[oa]\b|\babogad[oa]s? (se encargara|va a|van a|esta al tanto)\b",
)
ES_PAYMENT_DISPUTE: tuple[str | OnALineWith, ...] = (
    r"\b(contra ?cargos?|charge ?back|desconocer (el|la|este|ese|esta|esa) (cargo|compra|"
    r"cobro|pago|transaccion)|desconoci (el|la) (cargo|compra|cobro)|disputa(r)? (el|la|este|"
    r"ese|un|una) (cargo|cobro|pago|compra)|revertir (el|la|este|ese) (cargo|cobro|pago|"
    r"compra)|reversion del (cargo|pago|cobro))\b",
    r"\b(aclaracion|reclamo|reclamacion|disputa|queja) (con|en|ante|a) (el|mi) (banco|tarjeta|"
    r"emisor)\b",
    # A refund short of what was paid: "me devolvieron 300 de los 500", "faltan 200 pesos".
    r"\b(reembolso|devolucion|reintegro)( \w+){0,4} (incomplet[oa]|parcial|de menos|mal "
    r"calculad[oa])\b|\b(me )?(devolvieron|reembolsaron|reintegraron) (solo |nada mas |"
    r"solamente )?(la mitad|una parte|menos)\b|\bfalta(n)? (\d+|[$]\d+) (pesos|euros|"
    r"dolares|soles|lucas|mil)\b",
    # Not "a veces cobran dos veces, es cierto?": what was done, or is done to me; nor
    # what was put right ("me cobraron dos veces pero me devolvieron la plata al toque").
    OnALineWith(
        r"\b((me )?(cobraron|cargaron|debitaron|descontaron|cobro|cargo|han cobrado|habeis "
        r"cobrado|has cobrado|ha cobrado|han cargado|habeis cargado|ha cargado)|(me|nos) (cobran|"
        r"cargan))( \w+){0,2} "
        r"(dos veces|doble|2 veces|tres veces|3 veces|por duplicado)\b",
        unless=ES_PUT_RIGHT,
        in_place=True,
    ),
    r"\b(hacer|hago|hare|pedir|pido|pedire|iniciar|inicio|presentar|presento|voy a hacer) "
    r"(el |un )?desconocimiento (de|del)\b",
    r"\b(cancele|cancelamos|anule|di de baja) (el|mi|la) (pedido|compra|orden|suscripcion)\b"
    r"[^.!?\n]{0,80}\b(igual|aun asi|de todas formas|y|pero) (me |nos )?(cobraron|cobran|"
    r"debitaron|descontaron|cargaron|siguen cobrando)\b",
    OnALineWith(
        r"\b(cobros?|cargos?|pagos?|debitos?) (doble|dobles|duplicad[oa]s?|repetid[oa]s?)\b|"
        r"\bdoble (cobro|cargo|pago|debito)\b",
        unless=ES_PUT_RIGHT,
        in_place=True,
    ),
    # Paid for an order that is not there, or charged for one cancelled: "el pedido que
    # pague ni existe en su sistema", "le cobran a uno por un pedido que ya cancelo?".
    r"\b(pedido|compra|orden) (que|q) (ya )?(pague|pagamos|me cobraron)\b[^.!?\n]{0,30}\b(ni|no) "
    r"(existe|aparece|figura|esta)\b|\b(cobran|cobraron|cobro|cargaron|cargan)( a uno| me| nos)? "
    r"por (un|el|mi) (pedido|compra|orden) (que|q) (ya )?(cancele|cancelo|cancelamos|anule|"
    r"anulo)\b",
    # Charged for an order that is not there, or asked to pay again: "me descontaron la
    # plata pero dice que no hay pedido", "3 cargos y solo hice una compra".
    r"\b(cobraron|descontaron|debitaron|cargaron|quitaron|sacaron)\b[^.!?\n]{0,80}\b(no (me )?("
    r"hay|aparece|figura|existe|tengo|se (registro|genero|hizo|creo)) (ningun |ninguna |el |mi |la "
    r"|una )?(pedido|orden|compra)|(como |sale |aparece |dice )(no pagad[oa]|sin pagar|"
    r"pendiente de pago)|pagar (de nuevo|otra vez|nuevamente))\b",
    OnALineWith(
        r"\b(dos|tres|\d|varios) (cargos|cobros|pagos|debitos) (de [$€]?\d[\d,.]* (pesos |"
        r"euros |soles |dolares )?)?(por|para|del|de|x) (el mismo|la misma|un solo|una sola|un|"
        r"una) (pedido|compra|producto|articulo|orden)\b",
        unless=ES_PUT_RIGHT,
        in_place=True,
    ),
    OnALineWith(
        r"\b(\d+|dos|tres|cuatro|varios|varias) (cargos|cobros|debitos|pagos|movimientos|"
        r"consumos)\b[^.!?\n]{0,60}\b(solo|solamente|nada mas|pero|y yo|yo) (hice|realice|fue|"
        r"era|compre|pedi) (una|1|un)\b",
        unless=ES_PUT_RIGHT,
        in_place=True,
    ),
    OnALineWith(
        r"\b(me )?(salieron|salen|aparecen|aparecieron|llegaron|veo|vi|figuran) (dos|tres|2|3) "
        r"(cargos|cobros|debitos|descuentos|consumos)\b",
        # Seen through by the customer: "pero ya vi que uno era el despacho, todo bien".
        unless=r"\b(ya vi que|me di cuenta (de )?que|ya entendi|era el (despacho|envio|flete)|"
        r"falsa alarma|todo (bien|ok|claro|en orden))\b|" + ES_PUT_RIGHT,
    ),
    r"\b(sale|salen|salio|aparece|aparecen|aparecio|figura|figuran)( \w+)? (dos veces|2 veces|"
    r"duplicad[oa]|repetid[oa]) (el|la) (mismo|misma) (monto|cargo|cobro|importe|pago|compra)\b",
    # Charged on after cancelling: "me siguen cobrando la suscripcion q cancele", "este mes
    # me ha vuelto a salir el cargo".
    r"\b(ha vuelto|han vuelto|volvio|volvieron|vuelve|vuelven) a (salir|aparecer|entrar) (el|un|"
    r"otro|ese|este) (cargo|cobro|debito)\b",
    r"\b(me|nos) (siguen|sigue|seguis|siguieron|continuan|continua|volvieron a|volvio a) "
    r"(cobrando|cargando|descontando|debitando|facturando|cobrar|cargar|descontar|debitar)\b",
    r"\b(me |nos )?(sigue|siguen|continua|continuan) (apareciendo|llegando|saliendo|entrando) "
    r"(el|los|un|unos|ese|esos|este|estos) (debitos?|cargos?|cobros?|descuentos?)\b"
    r"(?! (como )?pendientes?)",
    r"\b(cobrando|cobraron|cobran|cobro|cargan|cargaron|descontaron|debitaron)( \w+){0,3} "
    r"(que|q) (ya )?(cancele|cancelamos|di de baja|dimos de baja|anule|devolvi|devolvimos)\b",
    r"\b(o|si no|sino|de lo contrario) (voy a|tendre que|ire a|me voy a|lo voy a) (llamar|ir|"
    r"acudir|reclamar|quejarme|reportar|denunciar|desconocer)( \w+)? (a|al|con|en|ante) (mi|"
    r"el) banco\b",
)
# Charged, and no order: the two halves of a payment dispute told in two messages
# ("el banco me desconto la plata" / "pero dice que el pedido no existe").
ES_MONEY_TAKEN = (
    r"\b(el banco|mi banco|la tarjeta|mi tarjeta|me|nos)( ya)? (cobraron|cobro|descontaron|"
    r"desconto|debitaron|debito|cargaron|cargo|sacaron|saco|quitaron|quito|rebajaron|"
    r"rebajo)\b|\bya (pague|pagamos|hice el pago|hicimos el pago|esta pagad[oa]|transferi)\b|"
    r"\b(la plata|el dinero|el pago|la transferencia|la lana|la guita)( \w+)? ya (salio|se "
    r"desconto|se debito|se hizo|fue debitad[oa]|me lo descontaron)\b|\bhice la transferencia\b",
)
ES_ORDER_MISSING = (
    r"\b(pedido|orden|compra)( \w+){0,2} no (existe|aparece en (mi cuenta|mis pedidos|el "
    r"historial|la app|la pagina|su pagina|el sistema)|figura|se (registro|genero|creo|hizo))\b",
    r"\bno (me )?(aparece|figura|sale) (ningun|ninguna) (pedido|orden|compra)\b|"
    r"\bno (hay|existe|figura|se (registro|genero|creo)) (ningun |ninguna |el |mi |la )?"
    r"(pedido|orden|compra)\b|\b(sale|aparece|dice|figura) (como )?(no pagad[oa]|sin pagar|"
    r"pendiente de pago|pago rechazado|pago pendiente)\b",
)
# An account changed and the customer did not change it (fraud, told in two messages).
ES_ACCOUNT_CHANGED = (
    r"\b(se (ha )?cambiado|cambiaron|cambio|han cambiado|fue cambiad[oa]|modificaron|se "
    r"modifico) (el |la |mi )?(email|e-?mail|correo|contrasena|clave|direccion|telefono|"
    r"numero|datos)( de (mi|la) cuenta)?\b",
    # An order confirmed that the customer did not place: "me llego un correo confirmando
    # un pedido" / "pero yo no he comprado nada".
    r"\b(correo|mail|email|mensaje|sms) (confirmando|de confirmacion de) (un|una|el|la|mi) "
    r"(pedido|compra|orden)\b",
    r"\b(correo|email|e-?mail|contrasena|clave|direccion|telefono)( de (mi|la) cuenta)? (ahora "
    r"es otr[oa]|se (cambio|actualizo|modifico)|(ha sido|fue) (cambiad[oa]|modificad[oa]))\b",
)
ES_NOT_ME = (
    r"\b(yo )?no (he cambiado|cambie|hice|he hecho|toque|solicite|pedi|autorice|he autorizado) "
    r"(nada|eso|ningun "
    r"cambio)\b|\b(no fui yo|yo no fui|no lo hice yo|no lo cambie)\b|\b(yo )?no (he comprado|"
    r"compre|he pedido|pedi) (ningun|ninguna|nada)\b",
)
# A call or an answer promised, and nothing came (contact centre, in two messages).
ES_CALL_PROMISED = (
    r"\b(me dijeron|me prometieron|quedaron en|quedo en|quedaron de|quedo de|dijeron|me "
    r"aseguraron|me iban a|iban a|me dijo|prometieron)( que| q)?( me)? (llamaban|llamarian|"
    r"iban a llamar|llamar|llamarme|"
    r"contactaban|contactarian|contactarme|responder|responderian|devolver la llamada|"
    r"escribir|escribian|avisaban|avisarian|llamaba|contactaba|hacian (un |el )?call ?back|"
    r"hacia (un |el )?call ?back|daban (un |el )?call ?back)\b",
)
ES_NOTHING_CAME = (
    r"\b(y )?nada,? ni (un|una) (mensaje|llamada|correo|mail|respuesta|whatsapp)\b|\bni "
    r"(un|una) (mensaje|llamada|correo|mail|whatsapp)\b|\b(sigo|seguimos|todavia|aun) "
    r"(\w+ )?esperando\b|\bnadie (me )?(llamo|ha llamado|escribio|contesto|respondio)\b|"
    r"\bya (pasaron|van|paso|han pasado) (como |mas de |casi )?(\d+|dos|"
    r"tres|cuatro|varios|varias) (horas|dias|semanas)\b|\b(estuve|estuvimos|he estado|hemos "
    r"estado)( \w+){0,3} (pendiente|pendientes|esperando|atent[oa]) (del|al|de la|a la) "
    r"(telefono|celular|cel|movil|llamada)\b",
)
# What ties a hospital or a doctor to a product, in both languages.
INJURY_LINK = (
    r"\b(because of|after|from|due to|caused by|thanks to) (it|the|your|this|that|using|"
    r"eating|touching|plugging)\b|\b(burn\w*|shock\w*|fire|smoke|explod\w*|exploded|cut|"
    r"injur\w*|hurt|bleed\w*|blood|stitches|swallow\w*|chok\w*|poison\w*|allergic|rash|"
    r"fell|collapsed|toy|heater|charger|battery|por culpa (de|del)|"
    # "Por la licuadora": by what was bought, not by the operation or the illness.
    r"por (el|la|los|las|ese|esa|este|esta|su|sus|tu|tus) (?!(operacion|cirugia|"
    r"tratamiento|quimio|parto|enfermedad|cancer|covid|gripe|infeccion|embarazo|"
    r"presion|azucar|diabetes|corazon|edad)\b)\w+|despues de (usar|comer|"
    r"tocar|conectar)|quem\w*|descarga|electrocut\w*|chispa\w*|humo|fuego|explot\w*|"
    r"herid\w*|cort[oe]|sangr\w*|trag\w*|alergi\w*|sarpullido|ronchas|juguete|cargador|"
    r"bateria|estufa|intoxic\w*|atragant\w*|se cayo|golpe\w*|le pego|morad[oa]|moreton\w*|"
    r"encima)\b"
)
ES_SAFETY_INCIDENT: tuple[str | OnALineWith, ...] = (
    # Something that fell on someone: "el televisor se le vino encima a mi nino".
    OnALineWith(
        r"\bse (le |les |me |nos )?(cayo|vino|volco|desplomo|fue) encima\b",
        requires=r"\b(hijo|hija|hijos|nino|nina|nene|nena|bebe|peque|abuel[oa]|mama|papa|"
        r"espos[oa]|llor\w*|lastim\w*|herid\w*|golpe\w*|morad[oa]|sangr\w*|cabeza|brazo|"
        r"pierna|urgencias|emergencias|hospital|medico)\b",
    ),
    r"\b(le|me|nos|les) (pego|golpeo|cayo|dio) (a mi \w+ |a mi \w+ \w+ )?en (la|el) (cabeza|"
    r"cara|frente|ojo|pierna|brazo|mano|pie|espalda)\b|\b(tiene|tengo|quedo con|le quedo) "
    r"(el |la |un |una )?(brazo|pierna|cara|ojo|frente|mano|espalda) (morad[oa]|hinchad[oa]|"
    r"abiert[oa])\b",
    r"\b(echo|echa|echaba|saco|saca|sacaba|tiro|tira|tiraba|salian|salen|salieron|salio|hizo|"
    r"hace|empezo a echar|empezo a sacar|soltaba|solto|bota|botaba|boto|botando|votaba|vota) "
    r"(\w+ )?(chispas|chispa|chispazos|humo|fuego|"
    r"llamas)\b|\bchispazos?\b|\bchisporrote\w*",
    r"\bse (quemo|derritio|incendio|chamusco|fundio|prendio) (el |la |los |las |mi |toda la |"
    r"todo el )?(enchufe|cable|cables|toma|tomacorriente|contacto|clavija|cargador|bateria|"
    r"pared|mueble|cocina|cortina|cortinas|alfombra|mesa|casa|mano|dedo|brazo|cara|pierna|"
    r"enchufes|regleta|alargador|extension|zapatilla|cuarto|habitacion|carro|auto|coche)\b",
    r"\b(enchufe|cable|cables|toma|tomacorriente|clavija|cargador|bateria|regleta|alargador|"
    r"extension|zapatilla|adaptador)( \w+){0,3} se (quemo|derritio|incendio|chamusco|fundio|"
    r"prendio|derretio)\b",
    r"\b(se )?(incendio|prendio fuego|prendio en llamas|agarro fuego|cogio fuego|empezo a "
    r"arder|(se )?prendio en candela|(cogio|agarro) candela|salio ardiendo|exploto|estallo|"
    r"estallaron|explotaron|hizo explosion)\b",
    # Spain's perfect: "el patinete se ha incendiado mientras cargaba".
    r"\bse (ha|han) (incendiado|quemado|prendido fuego|derretido|chamuscado)\b|\b(ha|han) "
    r"(explotado|estallado|reventado|cogido fuego|salido ardiendo|empezado a arder|echado "
    r"(humo|chispas|fuego))\b",
    # Not "hay fuego en el precio 🔥": a bargain.
    r"\b(sale|salia|salio|empezo a salir|sacando|echando|habia|hay|vi|vimos) (humo|fuego|"
    r"llamas|chispas|chispa)\b(?! en (el |los |las |la )?(precio|oferta|descuento|promo))"
    r"(?![^\n]{0,40}\U0001f525)|\b(olor|olorcito|huele|olia|olio)( raro| extrano| feo)?( como)?"
    r" a (plastico |cable |cables |goma )?(quemad[oa]|quemao|derretid[oa]|chamuscad[oa])\b",
    r"\b(huele|huela|olia|olio|oler|olor|tufo|como|tipo)( \w+)? (como )?a gas\b|\bfugas? de gas\b|"
    r"\b(olor|huele|olia|tufo)\b[^.!?\n]{0,30}\b(huevo podrido|huevos podridos|azufre)\b",
    r"\b(le|me|nos|les) (tuvieron que |tuvieron q |tuvimos que |)?(pusieron|poner|dieron|"
    r"cosieron|coser|cogieron) (\d+ |unos |varios |dos |tres |cuatro |cinco )?puntos\b",
    # A child hurt by a fall or a blow: "el nene se cayo, tiene un chichon".
    r"\b(bebe|nene|nena|nino|nina|hijo|hija|hijos|chamaco|chamaca|peque|pequeno|pequena|"
    r"bebita|bebito|crio|cria|guagua)( \w+)? se (cayo|golpeo|lastimo|pego en la cabeza|"
    r"desnuco|descalabro)\b|\b(chichon|hematoma|descalabr\w+)\b",
    r"\b(se |me |nos |le )?electrocut\w+|\bdescargas? electricas?\b|\b(me|le|nos|les|te) "
    r"(dio|dieron|da|pego|paso|dio un) (como )?(la |una |un )?(corriente|descarga|toque|"
    r"calambre|chispazo|shock(?! (el|con el|del|por el) (precio|total|descuento|oferta)))\b|"
    r"\b(corrientazo|calambrazo)\b",
    r"\b(bateria|pila|celular|cargador|telefono|patineta|patinete)( \w+){0,2} (se )?(hincho|"
    r"inflo|exploto|derritio|sobrecalento|reviento)\b|\b(sobre|re)calent(o|aba|aron|ado|ada)\b|"
    r"\bse sobrecalienta (mucho|demasiado|muchisimo|un monton)\b|\bse (hincho|inflo|exploto|"
    r"derritio|sobrecalento|reviento) (la |el |mi |su )?(bateria|pila|cargador|celular|"
    r"telefono|patinete|patineta)\b|\b(se )?(calento|calentaba|calienta) (tanto|demasiado|"
    r"muchisimo) que\b",
    r"\b(me|se|nos|le|les) (intoxique|intoxico|intoxicamos|intoxicaron|envenene|envenenamos|"
    r"enferme|enfermamos|enfermo|enfermaron) (con|por|despues de|al comer|al tomar|de)\b",
    r"\b(me|se|le|nos|les) (queme|quemo|corte|corto|lastime|lastimo|heri|hirio|lesione|"
    r"lesiono|fracture|fracturo|intoxique|intoxico|atraganto|ahogo|asfixio|machuque|machuco|"
    r"aplasto|aplaste|prense|prenso|agarro|atrapo|pellizco|mordio)( \w+)? (la |el |los |las |"
    r"mi |mis |su |sus )?(mano|manos|manita|manitas|deditos|dedito|piecito|dedo|dedos|brazo|"
    r"pierna|cara|pie|pies|cabeza|boca|ojo|ojos|espalda|piel|rodilla|"
    r"muneca|lengua|cuello|pecho)\b",
    r"\b(herid[oa]s?|lesionad[oa]s?|quemaduras?|intoxicad[oa]s?|intoxicacion|envenenad[oa]s?|"
    r"reaccion alergica|puntos de sutura|sangrando|atragantad[oa]|asfixiad[oa])\b",
    # A stay in hospital alone is a vulnerable customer's (.vulnerable): only with
    # what hurt (sensitive_matters.INJURY_LINK) is it an incident.
    OnALineWith(
        r"\b(fue|fuimos|fui|terminamos|termino|termine|acabo|acabamos|llevar|llevamos|"
        r"llevaron|lleve|llevo|ir|tuvimos que ir|tuve que ir|tuvo que ir|internaron|internado|"
        r"internada)( \w+)? (al|a|en) (hospital|urgencias|emergencias|la guardia|la clinica|el "
        r"medico|el doctor|la sala de emergencias)\b|\b(estamos|estoy|esta|estan|seguimos|"
        r"sigo) en (urgencias|emergencias|la guardia|el hospital|la clinica)\b",
        requires=INJURY_LINK,
    ),
    r"\b(vidrio|vidrios|cristal|cristales|metal|plastico|insecto|insectos|bicho|bichos|"
    r"gusano|gusanos|pelo|cucaracha|moho|hongos|una aguja|gusanitos)( \w+)? (en|dentro de) "
    r"(la|el|mi|su) (comida|bebida|botella|frasco|lata|paquete|producto|cereal|leche|formula|"
    r"papilla|galletas|yogur|jugo)\b",
    # Threats, violence and danger: "el repartidor me amenazo", "estoy en peligro".
    r"\b(me|nos|la|lo|le|les) (amenazo|amenazaron|amenaza|amenazan|agredio|agredieron|"
    r"golpeo|golpearon|empujo|empujaron|acoso|acosaron|acosa|acosan|persigue|persiguio)\b",
    r"\b(me siento|nos sentimos|me senti|me hace sentir) (insegur[oa]s?|amenazad[oa]s?|"
    r"acosad[oa]s?|intimidad[oa]s?|en peligro)\b",
    r"\b(repartidor|conductor|chofer|tecnico|instalador|empleado|mensajero|transportista)"
    r"( \w+){0,3} (me|nos) (sigue escribiendo|acosa|acoso|persigue|persiguio|amenaza|amenazo|"
    r"grito|empujo|toco|agredio|insulto|golpeo|sigue llamando)\b",
    r"\b(estoy|estamos|esta|estan|me siento|nos sentimos|corro|corremos) (en )?peligro\b",
    # Not laughed about or heard said: "esa licuadora es un peligro, me tomo 3 batidos al
    # dia 😂", "mi suegra dice que la licuadora es un peligro". A real danger is told in
    # the words of what happened too ("casi se incendia", "me dio la corriente").
    OnALineWith(
        r"\b(es|era|resulto|resulta) (un peligro|peligros[oa]|un riesgo)(?! *\?)",
        unless=r"\bja(ja)+|\bje(je)+|\bxd+\b|\U0001f602|\U0001f923|\U0001f605|\bdice que\b",
        in_place=True,
    ),
    r"\b(casi|pudo (haber )?(causado|provocado|sido)|podria haber (causado|provocado|sido)|"
    r"pudo provocar|pudo causar) (un |una )?(incendio|accidente|tragedia|desgracia|"
    r"electrocucion|explosion)\b|\bcasi (se )?(incendia|quema|electrocuta|mata|lastima|"
    r"ahoga|explota)\w*|\bcasi se (me|nos|le|les) (quema|quemo|incendia|incendio)\w*",
    r"\b(mi|nuestro|nuestra|el|la) (\w+ )?(hijo|hija|bebe|nene|nena|nino|nina|perro|gato)"
    r"( \w+){0,3} (se trago|se comio|trago|ingirio|se ha tragado|ha tragado|se ha comido|"
    r"se lastimo|se corto|se quemo|se electrocuto)\b",
    # "Se ha tragado una pieza del altavoz", "se trago la pila": a part, not a meal.
    r"\b(se )?(trago|ha tragado|tragado|ingirio|ha ingerido|se comio|se ha comido) (una|un|la|"
    r"el) (pieza|piececita|pila|bateria|iman|boton|tapa|tapita|tornillo|pedazo|parte|trozo|"
    r"bolita|cuenta|resorte|muelle)\b",
    r"\b(se puso a|comenzo a|empezo a|se pone a) (echar|sacar|soltar|largar) (chispas|humo|"
    r"fuego|llamas)\b",
    # The damage done: "ha quemado un trozo de la mesa", "nos quemo la alfombra".
    r"\b(quemo|ha quemado|quemaron|han quemado|chamusco|ha chamuscado|derritio|ha derretido)"
    r" (un trozo de |parte de |un pedazo de |una parte de )?(la |el |los |las |mi |nuestra |"
    r"nuestro )?(mesa|pared|mueble|alfombra|cortina|cortinas|cocina|piso|suelo|sofa|cama|"
    r"escritorio|enchufe|tomacorriente|encimera|mesita)\b",
    # A reaction to what was bought: "me salio un sarpullido con la bufanda".
    r"\b(me|le|nos|les) (salio|salieron|dio|dieron|causo|causaron|provoco|provocaron|"
    r"produjo) (un |una |unas |unos )?(sarpullido|ronchas|urticaria|alergia|reaccion|"
    r"irritacion|llagas|ampollas)\b|\b(sarpullido|ronchas|urticaria)\b[^.!?\n]{0,60}\b"
    r"(medico|doctor|hospital|urgencias|dermatologo|pediatra|clinica)\b",
    r"\b(tuve|tuvimos|tuvo|tuvieron) (que|q) (ir|llevarl[oa]|llevar a mi \w+) (al|a la|a) "
    r"(medico|doctor|dermatologo|pediatra|hospital|urgencias|guardia|clinica)\b",
)
ES_FRAUD_OWN_NEGATION: tuple[str | OnALineWith, ...] = (
    # A charge, and nothing bought: "un cargo de Northwind por $189.990 y no he comprado nada".
    r"\b(cargos?|cobros?|debitos?|movimientos?)\b([^.!?\n]|\.(?=\d)){0,80}\b(y|pero) (yo )?"
    r"(no|nunca) "
    r"(he comprado|compre|hice|he hecho|pedi|he pedido|realice|tengo) (nada|ninguna compra|"
    r"ningun pedido|ninguna orden)\b",
    r"\b(pedidos?|compras?|cargos?|cobros?|pagos?|transacciones|transaccion|movimientos?|"
    r"consumos?)( [\w$.,]+){0,4} (que|q) (yo )?(no|nunca) (hice|realice|reconozco|pedi|autorice|"
    r"compre|solicite|hicimos|reconocemos|he hecho|hemos hecho|realizamos|conozco|(son|eran|"
    r"fueron) (mias|mios|nuestras|nuestros))\b",
    r"\bno (reconozco|reconocemos|identifico|autorice|hice|realice|pedi|solicite|compre) "
    r"(este|ese|el|un|una|esta|esa|la|estos|esos|los|las|unos|unas|dos|tres|ningun|ninguna)"
    r"( \w+)? (cargos?|cobros?|compras?|pedidos?|pagos?|movimientos?|transacciones|"
    r"transaccion|consumos?|ordenes|orden)\b",
    r"\bsin (mi|nuestro|nuestra) (autorizacion|permiso|consentimiento|conocimiento)\b",
    r"\b(abrio|abrieron|saco|sacaron|creo|crearon|hizo|hicieron) (una )?(cuenta|credito|"
    r"tarjeta)( \w+){0,3} (con|a) mi (dni|nombre|identidad|cedula|rut|curp|ine|documento|"
    r"pasaporte)\b",
    r"\b(yo|nosotros) no (fui|fuimos|he sido|hemos sido|lo hice|lo hicimos|hice ese|hice esa|"
    r"hice esos)\b",
    # "Hay un pedido en mi cuenta para otra ciudad, no lo reconozco".
    r"\b(pedidos?|compras?|cargos?|cobros?|pagos?|movimientos?)\b[^.!?\n]{0,50}\bno (lo|la|los|"
    r"las) (reconozco|reconocemos|autorice|autorizamos)\b",
    # "Yo no compre nada, y el mail dice otra direccion": not "todavia no compre nada".
    OnALineWith(
        r"\b(yo|pero yo|si yo) (no|nunca) (compre|pedi|ordene|hice|encargue) (nada|eso|esa "
        r"compra|ese pedido|ningun pedido|ninguna compra)\b",
        requires=r"\b(mail|correo|confirma\w*|cargo|cobr\w*|debit\w*|descont\w*|otra "
        r"direccion|a mi nombre|mi tarjeta|mi cuenta)\b",
    ),
)
# Without the customer's leave: "sin mi permiso", "sin avisarme", "yo no la autorice".
_UNASKED = (
    r"(sin (mi |nuestro )?(permiso|autorizacion|consentimiento|avisar(me|nos)?|preguntar(me|"
    r"nos)?|decir(me|nos)?)|sin pedir(me|nos)? (permiso|autorizacion)|(yo )?no (le|la|lo|les) "
    r"((di|dimos|habia dado) (permiso|autorizacion)|autorice|autorizamos))"
)
ES_FRAUD: tuple[str | OnALineWith, ...] = (
    # A child who bought with the customer's card unasked: "mi hijo de 12 años hizo
    # compras con mi tarjeta sin permiso" (not "mi hija compro con mi tarjeta, llega hoy?").
    r"\b(mi|nuestro|nuestra|mis|my) (\w+ )?(hijo|hija|hijos|nene|nena|nino|nina|sobrino|sobrina|"
    r"hermanito|hermanita|menor|son|daughter|kid)\b[^.!?\n]{0,120}\b(" + _UNASKED + r"|a "
    r"escondidas|sin que (yo|nosotros) (supiera|supieramos|sepa|me diera cuenta)|mientras "
    r"(yo )?(dormia|estaba dormid[oa]|trabajaba)|while i (was sleeping|was asleep|slept)|yo no "
    r"sabia nada)\b",
    # Or told by age: "la Sofi (8 años) ... compro una tablet con mi tarjeta. yo no la autorice".
    r"\b([2-9]|1[0-5]) anos\b[^.!?\n]{0,80}\b(compro|pidio|encargo)\b[^\n]{0,120}\b"
    + _UNASKED
    + r"\b",
    r"\b(me|nos) (robaron|han robado|hackearon|han hackeado|jaquearon|clonaron|han clonado|"
    r"suplantaron|vaciaron|estafaron|han estafado|hurtaron)( \w+)? (la |mi |mis |el |los |"
    r"las |la )?(tarjeta|tarjetas|cuenta|identidad|datos|contrasena|clave|dinero|plata|saldo|"
    r"puntos|correo|usuario|informacion|nip|pin)\b",
    r"\b(me|nos) (hackearon|jaquearon|han hackeado|clonaron) *([.,!;]|$)|\b(mi|la) (cuenta|"
    r"tarjeta) (me |nos )?(la )?(hackearon|jaquearon|clonaron|han hackeado)\b|\b(hackearon|"
    r"jaquearon|han hackeado|clonaron|vaciaron|han vaciado|hackeo|entraron a|"
    r"se metieron a|se metieron en) (mi|la|nuestra|mis) (cuenta|tarjeta|correo|perfil|usuario|"
    r"tarjetas|cuentas)\b",
    # A gift card or balance emptied, and the customer did not use it.
    r"\b(tarjeta de regalo|tarjeta regalo|gift ?card|saldo|puntos|cupon|monedero|credito)\b"
    r"[^\n]{0,80}\b(nunca|no|yo no|jamas) (la|lo|las|los) (use|usamos|gaste|gastamos|canjee|"
    r"canjeamos|toque|active)\b",
    r"\b(cuenta|tarjeta|correo|perfil|usuario|contrasena|datos)( \w+)? (fue |ha sido |esta |"
    r"parece |fueron |han sido )?(hackead[oa]s?|jaquead[oa]s?|comprometid[oa]s?|clonad[oa]s?|"
    r"robad[oa]s?|vulnerad[oa]s?|filtrad[oa]s?)\b",
    r"\b(alguien|alguno|otra persona|un desconocido|alguien mas|un tercero|terceros|una "
    r"persona extrana)( \w+){0,2} (entro|accedio|ingreso|uso|usa|esta usando|ha usado|compro|"
    r"pidio|hizo (un )?pedidos?|cambio|gasto|vacio|canjeo|tiene acceso|se metio|hackeo|"
    r"ha entrado|ha accedido|esta comprando|compra) (a |en |con |mi |mis |la |el )",
    # Not the customer's own purchase that the bank held: "el banco me bloqueo la tarjeta
    # por compra sospechosa, puedo pagar con transferencia?".
    OnALineWith(
        r"\b(compras?|cargos?|cobros?|pagos?|transacciones|transaccion|movimientos?|accesos?|"
        r"inicios? de sesion|pedidos?|ingresos?) (no autorizad[oa]s?|sospechos[oa]s?|"
        r"fraudulent[oa]s?|raros|extranos|desconocidos)\b",
        unless=r"\b(el|mi) (banco|bank)\b[^.!?\n]{0,40}\b(bloqueo|bloquearon|rechazo|"
        r"rechazaron|declino|freno|retuvo|bloquea|rechaza)\b",
        in_place=True,
    ),
    # Not a film about one: "una pelicula de un fraude bancario".
    OnALineWith(
        r"\b(fraude|fraudulent[oa]|suplantacion( de identidad)?|robo de identidad|phishing|"
        r"me estafaron|nos estafaron|fui estafad[oa]|fuimos estafados|robo de (mi )?(tarjeta|"
        r"cuenta|datos))\b",
        # Nor advice asked for: "consejos para evitar fraudes", "como evito un fraude".
        # Nor one that happened at another shop: "me estafaron en otra pagina, por eso
        # compro con ustedes".
        unless=r"\b(pelicula|serie|libro|documental|novela|juego|cancion|temporada|capitulo)s?\b|"
        r"\b(en|de|por) (la |el )?(otra|otro) (pagina|tienda|web|sitio|app|aplicacion|vendedor|"
        r"comercio)\b|\bmercado ?libre\b|\bmarketplace\b|"
        r"\b(consejos|tips|recomendaciones) (para|de como) (evitar|detectar|prevenir)\b|\bcomo "
        r"(evito|evitar|detecto|detectar|prevengo|prevenir) (un |el |los )?(fraudes?|estafas?)\b|"
        # Nor how payments are kept safe, asked before buying: "como le hacen para evitar
        # fraude?", "como protegen los pagos contra fraude?", "como se que su pagina no es
        # fraude?", "escuche que hay mucho fraude con tarjetas".
        r"\b(evitar|evitan|evitais|detectar|detectan|prevenir|previenen|contra) (el |los |un )?"
        r"(fraudes?|estafas?)\b|\bcomo (se|puedo saber|saber|estar segur[oa]|verifico)( si| que|"
        r" q)\b[^.!?\n]{0,50}\b(es|son|sea|sean) (un |una )?(fraude|estafa)\b|\bhay (mucho|"
        r"muchos|tanto|tantos|mucha) (fraudes?|estafas?)\b",
    ),
    # Not another service's account: "me hackearon el instagram, por eso escribo aqui".
    OnALineWith(
        r"\b(me|nos) (hackearon|jaquearon|han hackeado|clonaron|han clonado)\b",
        unless=r"\b(hackearon|jaquearon|han hackeado) (el |mi |la )?(instagram|insta|facebook|"
        r"face|tiktok|twitter|snapchat|whatsapp|wasap|telegram)\b",
        in_place=True,
    ),
    r"\b(me|nos) (cambiaron|modificaron|resetearon|borraron|han cambiado|han modificado|"
    r"han reseteado|han borrado) (la |mi |el |los |mis )?"
    r"(contrasena|clave|correo|email|mail|usuario|datos de acceso|numero de telefono)\b",
    # Not a warning heard, asked about: "vi en las noticias que hay paginas falsas, cual
    # es la pagina oficial de ustedes?", "a mi no me paso nada".
    OnALineWith(
        r"\b(mensaje|correo|mail|sms|llamada|whatsapp|pagina|sitio|web|perfil|cuenta)s? "
        r"(falso|falsa|falsos|falsas|fraudulent[oa]s?|trucho|trucha)\b|\b(se hacen pasar|se "
        r"hacia pasar|haciendose pasar|se hizo pasar|se hacian pasar) por\b",
        unless=r"\b(pagina|web|sitio|cuenta|numero|whatsapp|perfil|tienda) oficial\b|\b(las "
        r"noticias|la noticia|el noticiero|el informativo|el telediario|el noticiario)\b|\b(a mi|"
        r"a nosotros) no (me|nos) (paso|ha pasado|llego|ha llegado) nada\b|\bcomo (se|puedo "
        r"saber|saber|distingo) si\b",
        in_place=True,
    ),
    r"\b(me|nos) (robaron|han robado|hurtaron|clonaron) (la|mi) (tarjeta|cartera|billetera)\b",
    ES_CARD_PHISHED,
    ES_CARD_ASKED,
    ES_MONEY_ASKED,
    r"\b(pedidos?|compras?|ordene?s?|cargos?|cobros?) (en|de) (mi|la) (cuenta|tarjeta)( \w+)"
    r"{0,2} que no (es|son) (mio|mia|mios|mias|nuestro|nuestra)\b",
    r"\b(a )?una direccion( \w+){0,3} que no (conozco|reconozco|conocemos)\b",
)

ES_SAFETY_INCIDENT = unless_on_the_line(ES_SAFETY_INCIDENT, ES_ELSEWHERE_OR_WHAT_IF)
# A fraud put right long ago: "me hackearon el mail pero ya lo recuperé, todo bien".
_FRAUD_NOT_OURS = ES_PUT_RIGHT + "|" + ES_FRAUD_ELSEWHERE
ES_FRAUD = unless_on_the_line(ES_FRAUD, _FRAUD_NOT_OURS)
ES_FRAUD_OWN_NEGATION = unless_on_the_line(ES_FRAUD_OWN_NEGATION, _FRAUD_NOT_OURS)
ES_LEGAL_THREAT = unless_on_the_line(ES_LEGAL_THREAT, ES_LEGAL_ELSEWHERE)
ES_PAYMENT_DISPUTE = unless_on_the_line(ES_PAYMENT_DISPUTE, ES_PAYMENT_NOT_OURS)
