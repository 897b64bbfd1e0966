"""Spanish words that tell a matter is not ours, or has not happened (for .sensitive_matters_es).

Another shop's product or complaint, a question of what if, the news, a
match, a figure of speech, sunburn, the customer saying it was not us, a
flame effect, a shop closed by a fire, a police report for a theft, a suit
threatened in jest, a charge asked about before it happens, a charge already
put right: on a line with these, the matching safety, legal, fraud or payment
phrases do not count.
Patterns only: each reads the normalised message (accents folded, case
ignored) and is linear.
"""

from __future__ import annotations

from handoff.escalation.anger_words_es import ES_CARRIERS, ES_MY_CARRIER
from handoff.escalation.phrases_es import ES_ANOTHER_SHOP, ES_WONDERED

# A line that names something of ours: "la olla que le regale de ustedes".
_OURS_NAMED = (
    r"[^\n]*\b(de ustedes|de vosotros|(que|q) (les|os|le) (compre|compramos|regale)|(compre|"
    r"compramos|regale) (aqui|aca|con ustedes))\b"
)
NEIGHBOURS = (
    r"(mi|mis|un|una|unos|unas|el|la|los|las) (vecin[oa]s?|conocid[oa]s?|amig[oa]s?|"
    r"companer[oa]s?|colegas?)"
)
# Not ours, or not happened: another shop's or brand's product ("a mi vecina se le
# incendió una estufa de otra marca"), and a question about what if ("y si huele a gas,
# qué se hace? por si acaso nomás").
ES_ELSEWHERE_OR_WHAT_IF = (
    r"\b(de|en|a) " + ES_ANOTHER_SHOP + r"\b|\b(compre|"
    r"compramos|comprado) en otr[oa] (lado|parte)\b|\b(y|pero) si "
    r"(huele|hay|sale|se (quema|incendia|calienta|prende)|empieza|llega a|pasa)\b|\bque (pasa|"
    r"hago|se hace|hacer|hacemos) si\b|\ben caso de (que|un|una|incendio)\b|\bpor si acaso\b|"
    # Before buying: "si compro la cocina y el dia q la instalen huele a gas, que hago?".
    r"(^|[.!?¿,:] *)si (la |lo |me la |me lo )?(compro|compramos|pido|pedimos)\b|"
    # What a new one does at first: "es normal que bote un poquito de humo la primera vez?".
    r"\bes normal que\b[^.!?\n]{0,80}\b(la primera vez|las primeras veces|primer uso|al "
    r"estrenarl[oa]|al principio|al usarl[oa] por primera vez)\b|"
    # A product compared or asked about before buying: "hace menos humo que el sarten?",
    # "la freidora bota humo?", "bota humo cuando cocinas con grasa?".
    r"\b(menos|mas) (humo|chispas) (que|q)\b|\b(bota|echa|hace|saca|tira|suelta|larga) (\w+ )?"
    r"humo( (cuando|al|si)\b[^.!?\n]{0,60})? *\?|"
    # A flame or smoke effect, a shop closed by a fire: "la chimenea electrica echa humo de
    # verdad o es un efecto de luz?", "la tienda sigue abierta o cerraron por el incendio?".
    r"\befecto (de )?(llama|llamas|fuego|humo|luz|vapor)\b|\b(cerrad[oa]s?|cerraron|cerro|"
    r"abiert[oa]s?|abren|abre) (\w+ ){0,2}por (el|un|la|una) (incendio|temblor|terremoto|"
    r"inundacion|apagon)\b|"
    # Told from the news or a match: "vi en las noticias que un ventilador le corto el
    # dedo a un nino", "me fracture el pie jugando futbol"; or by someone it happened to: "mi
    # cunado me conto q a el otra tienda le mando un refri q olia a gas".
    r"\b(las noticias|la noticia|el noticiero|el telediario|el noticiario|el informativo)\b|"
    r"\b(me|nos) (conto|contaron|dijo|dijeron) (que|q) a (el|ella|ellos|ellas)\b|"
    r"\bjugando (al |a la "
    r"|una )?(futbol|fut|fulbito|pichanga|basquet|basket|baloncesto|tenis|padel|voley|"
    r"voleibol|beisbol|rugby|pelota|hockey)\b|"
    # Figures of speech: "mi tiendita exploto de pedidos", "el grupo exploto con la foto",
    # "quedo echando humo de la envidia", "me queme la cabeza comparando freidoras", "la
    # licuadora casi explota de lo bien que funciona".
    r"\b(explota|exploto|revienta|arde|echa humo|echa chispas) de lo (bien|potente|rapid[oa]|"
    r"buen[oa]|fuerte|ric[oa])\b|\bun incendio de (cajas|ropa|papeles|cosas|trabajo|pedidos|"
    r"mensajes)\b|"
    r"\b(exploto|estallo|reviento|ha explotado|ha estallado|ha reventado) (de|con) (ventas|"
    r"pedidos|mensajes|likes|"
    r"comentarios|risa|alegria|emocion|felicidad|la foto|las fotos|el video|memes)\b|"
    r"\b(echando|echa|echaba|echo) humo (de|del) (la )?(envidia|rabia|coraje|bronca|furia|"
    r"celos|cabreo|enojo|calor)\b|\b(estoy|estaba|estamos) que (exploto|reviento|ardo|echo "
    r"chispas|echo humo)\b|\besta que (echa chispas|arde|explota|revienta|echa "
    r"fuego)\b|"
    # Sunburn, and what the customer says is not ours: "me queme la espalda por no usar
    # bloqueador", "al vecino se le incendio la cocina, no fue nada de ustedes eh".
    r"\b(bloqueador|protector solar|bronceador|la playa|del sol|al sol|insolacion)\b|\bno "
    r"(fue|es|era) (nada )?(de|culpa de|por) (ustedes|vosotros|su producto|sus productos)\b|"
    r"\bnada que ver con (ustedes|vosotros)\b|\bquem\w* (la )?cabeza (comparando|pensando|"
    r"buscando|eligiendo|decidiendo|viendo|con (tantas|tanta|las|los) (opciones|modelos))\b|"
    # A pet that ate the packaging or a cable: "mi perro se comio la caja del envio jajaja",
    # "mi perro se comio el cable del cargador, venden otro?".
    r"\b(perro|perrito|perrita|gato|gatito|gata|cachorro)( \w+){0,2} se (comio|ha comido|"
    r"mordio|masco) (la caja|el empaque|el carton|la bolsa|el sobre|la factura|el papel|el "
    r"manual|la etiqueta|el envoltorio|el cable|los cables|el cargador|el control|el remoto|"
    r"los audifonos)\b|"
    # A feature asked about, a screen too bright, a product replaced that works now: "la
    # caja fuerte es contra incendio?", "con el modo claro me quemo los ojos", "tiraba
    # chispas, pero ya me la cambiaron y la nueva anda diez puntos".
    r"\b(es|son|sea|sean|viene|vienen)( \w+)? (contra|anti|a prueba de|resistente al?) ?"
    r"(incendios?|fuego|llamas)\b|\b(me )?(quemo|"
    r"queman|quema|arden|arde) (los|mis) ojos\b|\bya (me |nos )?(la |lo )?(cambiaron|"
    r"reemplazaron|repararon|arreglaron)\b[^.!?\n]{0,50}\b(anda|funciona|va|esta) (bien|"
    r"perfecto|perfect[oa]|diez puntos|joya|de lujo|genial|barbaro)\b|"
    # A fire or an accident at a neighbour's or friends', told on a line that names nothing
    # of ours: "se quemo la casa de unos conocidos", "a mi vecina se le quemo la cocina",
    # "anoche se prendio fuego el depto de al lado".
    r"\b(depto|depa|departamento|casa|piso|apartamento|apto|edificio|local|cocina|tienda|"
    r"negocio)( \w+){0,2} (de al lado|de enfrente|de al frente|del frente|de la esquina|de "
    r"arriba|de abajo|del vecino|de la vecina|de los vecinos)\b|"
    # Happened to them, or to their home; not "exploto en casa de mi amiga".
    r"^(?!" + _OURS_NAMED + r")[^\n]*\ba " + NEIGHBOURS + r"( \w+){0,3} (se )?(le|les)\b|"
    r"^(?!" + _OURS_NAMED + r")[^\n]*\b(la casa|el depto|el depa|el departamento|el apartamento|"
    r"el apto|el piso|la cocina|el local|el carro|el auto) de " + NEIGHBOURS + r"\b|"
    # Or told with them as the subject: "mi vecino tuvo un incendio en su cocina".
    r"^(?!" + _OURS_NAMED + r")[^\n]*\b" + NEIGHBOURS + r" (tuvo|tuvieron|sufrio|sufrieron) "
    r"(un|una) (incendio|inundacion|explosion|cortocircuito|fuga)\b"
)
# Another shop's complaint, a what-if, a question asked only to know, a theft reported to
# the police, a complaint long settled: "la otra multitienda me dejo plantada, tuve que ir
# al Sernac con ellos", "si quisiera poner una queja formal algun dia, donde se hace?",
# "tengo que hacer la denuncia del celular que me robaron", "hace un par de anos puse una
# reclamacion en la OCU pero se soluciono".
ES_LEGAL_ELSEWHERE = (
    # Homework, a suit against oneself, a complaint or a mishap asked about before it
    # happens: "es para un trabajo de clase sobre derechos del consumidor", "un trabajo pa la
    # u sobre derechos del consumidor" ("la u" reads "la you": vocabulary.py spells out the
    # chat "u"), "me voy a demandar a mi misma por comprar tanto", "como pongo una queja
    # formal si un instalador hace mal el trabajo?", "si me llega un mueble roto puedo
    # reclamar o voy a un abogado?".
    r"\b(trabajo|tarea|deberes|proyecto|exposicion|clase|examen)( de clase| del (cole|colegio|"
    r"instituto|uni|liceo)| de la (uni|universidad|escuela|facultad|facu|u|you|prepa)| (pa|"
    r"para) (la|el) (u|you|uni|universidad|facu|facultad|cole|colegio|escuela|liceo|prepa|"
    r"instituto))? (sobre|de) (los )?(derechos del consumidor|consumo)\b|\b(demand|denunci)\w* "
    r"a (mi|ti|si) mism[oa]s?\b|\bcomo (pongo|"
    r"hago|presento|se pone|se hace|se presenta|puedo poner|puedo hacer) (una |la )?(queja|"
    r"reclamacion|reclamo|denuncia)( formal)? (si|en caso de)\b|(^|[.!?¿,] *)si (me |nos )?"
    r"(llega|llegara|llegase|rompe|rompiera|sale|saliera)\b|"
    r"\b(la |el )?"
    + ES_ANOTHER_SHOP
    + r"\b|\bsi (quisiera|quisieramos|algun dia|alguna vez|llegara "
    r"a|tuviera que|me roban|me robaran)\b|\b(algun dia|alguna vez) (\w+ )?(me|nos) (lo |la |"
    r"los |las )?(roban|robaran|robara)\b|\b(es )?(pregunta|consulta) nomas\b|\b(es )?solo "
    r"(por|para) saber\b|\bpor si acaso\b|\bdenuncia (del|de la|de mi|por el|por la|por|de) "
    r"(robo|celular|telefono|cartera|billetera|moto|carro|auto|bici|hurto)\b|\bhace (un par "
    r"de|unos|unas|varios|dos|tres) (anos|meses)\b[^.!?\n]{0,80}\b(se soluciono|quedamos "
    r"bien|se arreglo|me (lo |la )?devolvieron)\b|"
    # Sued, in jest, for being too good: "jajaja los voy a demandar por hacer un sillon
    # tan comodo", "de ley que les demando... jaja por darme tan buen servicio".
    r"\b(demand|denunci)\w*\b[^!?\n]{0,30}\bpor (ser|hacer|tener|vender|poner|darme|darnos|"
    r"dar)\b[^.!?\n]{0,40}\btan "
    r"(buen[oa]?s?|comod[oa]s?|ric[oa]s?|barat[oa]s?|lind[oa]s?|bonit[oa]s?|adictiv[oa]s?)\b|"
    # A theft of the customer's own things, reported: "me robaron la bici en el portal, ya
    # puse la denuncia".
    r"\b(me|nos) (robaron|asaltaron|hurtaron|atracaron|volaron) (la|el|mi|los|las|mis) "
    r"(bici|bicicleta|moto|carro|auto|coche|celular|cel|telefono|cartera|billetera|bolso|"
    r"mochila)\b|"
    # A price called a crime, in jest: "ese precio es un crimen 😂 voy a llamar a la policia".
    r"\b(precio|precios|oferta|ofertas|descuento|descuentos)\b[^.!?\n]{0,40}\b(es|son) un "
    r"(crimen|delito)\b|"
    # Asked whether there is a complaints book, with no complaint to put in it.
    r"^(?![^\n]*\b(quiero|voy a|vamos a|pienso|necesito) (poner|hacer|dejar|presentar|"
    r"escribir)\b)[^\n]*\b(tiene|tienen|hay|teneis) (un |el )?(libro|hojas?) de "
    r"reclamaciones\b[^\n]{0,30}\?"
)
# Fraud at the customer's bank or at another site, or someone else's: "me llego un
# mensaje falso supuestamente de mi banco", "una vez me estafaron en una pagina de
# ofertas", "a mi vecina le hackearon la cuenta"; or only wondered about, in the present:
# "q pasa si me roban la tarjeta y alguien compra?", "si alguien usa mi cuenta, que
# hacen?". Not "que hago si me clonaron la tarjeta?": that happened.
ES_FRAUD_ELSEWHERE = (
    ES_WONDERED + r"|"
    # A fake message from anyone but us ("un SMS falso de Correos pidiendo 1,99"), a fear
    # of fraud in general, a price too good: "casi un fraude de lo barato".
    r"\b(mensaje|correo|mail|sms|llamada|whatsapp)s? (falso|falsa|falsos|falsas)( \w+){0,4} "
    r"(de|del) (?!(ustedes|vosotros|northwind|su tienda|su empresa)\b)\w+|\b(miedo|temor|"
    r"desconfianza)( \w+){0,2} (al?|del?|por el|de la|el|la|las|los) (fraude|estafa|robo|"
    r"hackeo)s?\b|"
    r"\b(fraude|robo|estafa) de lo (barat[oa]|buen[oa])\b|"
    # Fraud in general, a price called one, an offer of ours doubted: "con tanto fraude en
    # diciembre uno ya no sabe", "el precio del paneton en la bodega es un fraude", "es fraude
    # o es real la oferta de 70%?".
    r"\bcon (tanto|tanta|tantos|tantas) (fraudes?|estafas?|robos?)\b|\b(es|seria) casi un "
    r"(fraude|delito|robo)\b|"
    # The bank's own check on a purchase of the customer's: "el banco me bloqueo la tarjeta
    # por 'posible fraude' cuando quise comprar la tele", "la rechazaron por sospecha de fraude".
    r"\b(bloque\w+|rechaz\w+|fren\w+|retuv\w+|congel\w+)\b[^.!?\n]{0,50}\b(por|como) \W?"
    r"(posible|sospecha de|presunto|supuesto|riesgo de) fraude\b|\b(precio|precios)\b"
    r"[^.!?\n]{0,60}\b(es|son) un (fraude|robo|estafa|atraco|timo)\b|\b(es|sera) (un )?"
    r"(fraude|estafa) o (es |sera )?(real|verdad|cierto|cierta|de verdad|legit\w*)\b|"
    # Almost, prevented, or told to be none of ours: "casi la estafan con una pagina falsa",
    # "un limite para que no compre sin mi permiso", "un fraude que no tenia nada que ver con
    # ustedes".
    r"\bcasi (me|nos|la|lo|le|les) (estafan|estafaron|roban|robaron|hackean|hackearon|clonan|"
    r"clonaron)\b|\bpara (que|q) no (\w+ ){0,3}(compre|compren|pida|pidan|use|usen|gaste|"
    r"gasten)\b|\b(no tiene|no tenia|no tuvo|nada) (nada )?que ver con (ustedes|"
    r"vosotros|northwind)\b|"
    r"\buna vez (me|nos) (estafaron|robaron|clonaron|hackearon)\b|"
    r"\ben una (pagina|web|tienda|app) de (ofertas|descuentos|remates|subastas|segunda mano|"
    r"clasificados)\b|\ba " + NEIGHBOURS + r" (le|les) (hackearon|robaron|clonaron|estafaron|"
    r"vaciaron)\b"
)
# Another company's charge: "la compania del telefono me cobro dos veces este mes". Not
# "el operador me dijo que...": one of ours.
ES_PAYMENT_ELSEWHERE = (
    # A friend's: "a mi amiga una tienda le cobro dos veces un celular".
    r"\ba " + NEIGHBOURS + r"( \w+){0,3} (le|les) (cobro|cobraron|cargo|cargaron|desconto|"
    r"descontaron)\b|"
    # Or told of them, or at another shop: "mi prima dice que a ella le cobraron doble en
    # otra tienda", "a el en otra tienda le cobraron dos veces".
    r"\ba (ella|el|ellos|ellas)( \w+){0,4} (le|les) (cobro|cobraron|cargo|cargaron|desconto|"
    r"descontaron)\b|\b(en|de) (la |una )?" + ES_ANOTHER_SHOP + r"\b|"
    r"\b(la |mi )?(compania|empresa|operadora?|proveedora?)( \w+)? (del|de) (telefono|celular|"
    r"movil|luz|internet|cable|agua|gas)\b|\b" + ES_MY_CARRIER + r"\b|\bmi (gimnasio|gym)\b|"
    r"\b(netflix|spotify|" + ES_CARRIERS + r")\b|"
    # The bank's own fees: "el banco me cobro doble la comision del mes".
    r"\b(la |las )?comision(es)? (del|de la|de) (mes|banco|cuenta|tarjeta|mantenimiento|"
    r"manejo)\b|\bcuota de manejo\b|\banualidad de la tarjeta\b"
)
# A charge asked about before it happens: "si cancelo la suscripcion ahora, me siguen
# cobrando el resto del mes?", "me cobran el envio doble o hay forma de juntarlo?".
ES_PAYMENT_WHAT_IF = (
    ES_WONDERED + r"|"
    r"(^|[.!?¿] *)si (cancelo|cancelara|doy de baja|diera de baja|pido|compro|hago|cambio|"
    r"devuelvo|pago|agrego)\b[^.!?\n]{0,120}\?|\b(me|nos) (cobran|cargan)( \w+){0,2} (doble|dos "
    r"veces)\b[^.!?\n]{0,40}\b(o|si) (hay|se puede|puedo|lo|la|me)\b"
)
# Either: no payment dispute of ours on the line.
ES_PAYMENT_NOT_OURS = ES_PAYMENT_WHAT_IF + "|" + ES_PAYMENT_ELSEWHERE
# What a company did to put a charge right, in the plural: "lo solucionaron".
_PUT_RIGHT_BY_THEM = "solucionaron|resolvieron|arreglaron|devolvieron|reembolsaron|reversaron"
# A charge already put right, on the same line: "pero me devolvieron la plata", "y ya lo
# reversaron, todo joya", "pero ya vi que me devolvieron uno de los cargos"; or by the bank:
# "pero el banco ya me devolvio todo", "lo soluciono el banco". Not "pero no me lo
# devolvieron", "el banco no me devolvio nada".
ES_PUT_RIGHT = (
    r"\b(pero|y) (ya )?((vi|veo|me fije|me di cuenta|comprobe) (de )?que )?(ustedes )?(me |nos )?"
    r"(lo |la |los |las )?(" + _PUT_RIGHT_BY_THEM + r"|devolvisteis|reintegraron|regresaron|"
    r"corrigieron|anularon|recupere|recuperamos)\b|"
    r"\b(el|mi) banco (ya )?(me |nos )?(lo |la |los |las )?(devolvio|regreso|reembolso|reintegro|"
    r"repuso|soluciono|resolvio|arreglo|reverso|anulo)\b(?! *\?)|\b(lo|la|todo) (soluciono|"
    r"resolvio|arreglo) (el|mi) banco\b|"
    r"\btodo (joya|bien|ok|resuelto|solucionado|arreglado)\b|"
    # Put right by someone of ours, told: "el gerente de la tienda me lo soluciono", "ya me
    # llamaron y me solucionaron lo del reembolso"; not "no me lo solucionaron".
    r"(?<!no )(?<!nunca )(?<!jamas )(?<!nadie )\b(me|nos) ((lo|la) (soluciono|resolvio|arreglo|"
    r"devolvio|" + _PUT_RIGHT_BY_THEM + r")|(solucionaron|resolvieron|arreglaron) lo (del|de la|"
    r"de los) (reembolso|devolucion|cobro|cargo|cargos|pago|plata|dinero))\b(?! *\?)|"
    # The money back told as news, not awaited: "ya me ha llegado la devolucion", "el otro
    # se revirtio", "el banco ya me hizo la reversion"; not "no me llego la devolucion", "el
    # cobro nunca se reverso".
    r"(?<!no )(?<!no me )(?<!no nos )(?<!no se )(?<!todavia )(?<!aun )(?<!nunca )(?<!jamas )"
    r"(?<!nunca me )(?<!nunca nos )\b(llego|ha llegado|hicieron|hizo|han hecho|ha hecho|"
    r"hicisteis) (la|el) (devolucion|reembolso|reintegro|reversion|reverso|reversa)\b|"
    r"(?<!no )(?<!nunca )(?<!jamas )\bse (revirtio|reverso|anulo|corrigio|soluciono|arreglo|"
    r"resolvio)\b|"
    # "Ya esta resuelto." closing its clause, not "ya esta resuelto lo del cobro?".
    r"\bya (esta|quedo) (resuelto|solucionado|arreglado)(?= ?([).,!;]|$|gracias|jaja))|"
    # "Ya me lo habeis devuelto"; a hold the bank released ("era una retencion temporal,
    # ya se libero"); a charge only thought double ("pense que me cobraron dos veces").
    r"\bya (me |nos )?(lo |la |los |las )?((han|habeis|ha|has) (devuelto|reembolsado|reintegrado|"
    r"reversado|anulado|corregido)|(devolvieron|reembolsaron|reversaron|anularon)(?! ?\?))\b|"
    r"(?<!no )\b(era|es|fue) (una|la|un) (retencion|preautorizacion|pre-autorizacion|pre "
    r"autorizacion|autorizacion|reserva)\b|\bya se "
    r"(libero|liberaron|libero el dinero)\b|\bya (desaparecio|desaparecieron)\b|\b(pense|"
    r"crei|me parecio) que (me |nos )?(cobraron|cargaron|habian cobrado|habian cargado)\b"
)
