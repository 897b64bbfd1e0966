"""The Spanish words, idioms and patterns of :mod:`.anger_words`, as alternations.

Each constant is one alternation (no outer group), joined by
:mod:`.anger_words` to its English counterpart, so that the detector reads
both languages with the same weights. They read the normalised message
(accents folded: "verguenza", "estupidos"), case-insensitively, and are
linear: alternations of words, no nested quantifiers.

VADER has no Spanish, so what it gives an English complaint ("useless",
"terrible" push the compound down) the verdicts here must carry alone: the
insults aimed at a company ("ladrones", "pendejos", "sois unos gilipollas")
and the verdicts on its service ("una verguenza", "me tienen harto") are
decisive, and reach the anger threshold by themselves.
"""

from __future__ import annotations

# Insults aimed at the company, by region: Mexico (pendejos, culeros,
# "que poca madre"), Colombia (hijueputas, malparidos), Argentina and
# Uruguay (boludos, pelotudos, chorros), Chile (weones, culiaos), Spain
# (gilipollas, sinverguenzas), and everywhere (ladrones, estafadores).
ES_INSULTS = (
    r"pendej[oa]s|imbeciles|idiotas|estupid[oa]s|inutiles|incompetentes|ineptos|"
    # Not what a product is against or for: "alarma contra ladrones",
    # "chorros de agua", "trampa para ratas", "disfraz de payaso".
    r"boludos|pelotudos|gilipollas|hijos de (puta|perra)|hijueputas?|hijoeputas?|hdp|"
    r"malparid[oa]s|cabrones|culer[oa]s|mamones|(son|sois|unos|banda de|manga de|que) chorros|"
    r"(?<!contra )(?<!anti )(ladrones|ladronas|rateros|estafador(es|as))|"
    r"sinverguenzas|sin verguenzas|tarados|babosos|mensos|giles|(son|sois|unos) (animales|"
    r"salvajes|bestias|brutos)|"
    r"cretinos|delincuentes|mafiosos|vividores|aprovechados|"
    r"abusivos|abusadores|weones|huevones|culiaos|culiados|mediocres|chantas|caraduras|"
    r"desgraciados|putos|mierdas|sanguijuelas|irresponsables|mentiros[oa]s|"
    r"gonorreas|careverga|lacras|basuras|chantas"
)
ES_DECISIVE_WORDS = (
    ES_INSULTS + r"|"
    # Not "que pena" ("sorry to bother you" in Mexico and Colombia) nor "que
    # caos el trafico": an exclamation about anything. Only the verdicts.
    r"inaceptable|intolerable|indignante|indignad[oa]s?|vergonzos[oa]|(una|que|da|sin|poca|"
    r"ninguna) verguenza|no tienen verguenza|(es|son|sois|esto es) (un |una )?(desastre|"
    r"asco|chiste|fraude|robo|caos|circo|desmadre|relajo|cachondeo|burla|estafa|porqueria|"
    r"basura|mierda|mamada|payasada|tomadura de pelo|verguenza|cagada|timo|atraco|"
    r"cochinada|chingadera)|que (burla|estafa|robo|porqueria|mierda|servicio|atencion) "
    r"(tan |mas )?(malo|mala|pesimo|pesima|de mierda)|que asco|me da asco|das asco|dan asco|"
    r"dais asco|"
    r"(estoy|estamos|ando|me tienen|me teneis|me tiene|me tienes|ya me tienen)( muy| super| "
    r"re| bien| tan| ya| realmente| totalmente)? (harto|harta|hartos|hartas|hastiad[oa]|mamad[oa]|"
    r"podrid[oa]|furios[oa]|emputad[oa]|encabronad[oa]|cabread[oa]|enojad[oa]|enfadad[oa]|"
    r"rabios[oa]|hasta la madre|hasta la coronilla|hasta el gorro|hasta los huevos|hasta las "
    r"narices|hasta el moño|hasta el mono|hasta la verga|hasta la pija|hasta las pelotas|"
    r"hasta el culo|hasta el cuello|hinchad[oa]|calientes?|recaliente|frit[oa]|cansad[oa] de "
    r"ustedes|loc[oa] con esto|muy molest[oa]|super molest[oa]|re molest[oa])|"
    r"(me|nos) (harte|hartaron|hartamos|canse|cansaron|cansamos|tienen hasta|tienen harto|"
    r"hincharon)|ya (me )?(cansaron|harte|canse|basta|estuvo|estuvo bueno)|ya basta|"
    r"(es|esto es) el colmo|el colmo|no hay derecho|que poca madre|no tienen madre|"
    r"(una|que|vaya|menuda) falta de respeto|(me|nos) (estan|estais|estas) (tomando el pelo|"
    r"viendo la cara|robando|estafando|jodiendo|chingando|vacilando|cagando|timando|"
    r"mintiendo|boludeando|webeando|choreando)|(me|nos) vieron la cara|tomadura de pelo|"
    r"pesim[oa]s?|malisim[oa]s?|nefast[oa]s?|deplorable|lamentable|patetic[oa]s?|mediocres?|"
    r"asqueros[oa]s?|(la |el )?peor (empresa|tienda|servicio|atencion|experiencia|"
    r"compra|pagina|app|bot|chat)|(son|sois|es) (los|las|la|el|lo) peor(es)?(?! (dia|lunes|"
    r"martes|miercoles|jueves|viernes|sabado|domingo|semana|mes|ano|noche)\b)|de lo peor|"
    r"que desastre(?! (soy|fui|de persona|de mi))|desastros[oa]s?|un abuso|que abuso|"
    r"(es|son|esto es) (un )?abuso|"
    r"vayanse a la (mierda|verga|chingada)|idos a la mierda|que se (jodan|vayan a la mierda)|"
    r"chinguen a su madre|chinga tu madre|me cago en (ustedes|vosotros|vuestra|su|la "
    r"madre|dios|todo)|a la mierda con|concha de (su|tu|la) madre|conchetumare|"
    r"(servicio|atencion|empresa|tienda|bot|chat|pagina|app) de (mierda|porqueria|quinta|"
    r"cuarta)|(una|que|vaya|menuda|pura) (mierda|porqueria|basura) de (servicio|atencion|"
    r"empresa|tienda|bot|chat|pagina|app|gente)|(estoy|estamos) (que )?(exploto|ardo|echo "
    r"humo)|no tienen (nombre|perdon)|"
    r"es (una )?(broma|joda)\?|es en serio\?|me estan jodiendo|no puede ser posible|"
    r"esto no tiene nombre|(me|nos) (estan|estas|estais) cargando|(me siento|nos sentimos|me "
    r"senti) (estafad[oa]s?|robad[oa]s?|enganad[oa]s?|burlad[oa]s?|timad[oa]s?|"
    r"ninguneados?|ninguneada)|ni se molesten|(es|son|esto es|sois) (un |una )?(puto |puta |"
    r"pinche |verdadero |verdadera |autentico |autentica |total |completo |completa |maldito |"
    r"maldita |jodido |jodida )(desastre|asco|chiste|fraude|robo|caos|circo|desmadre|burla|"
    r"estafa|porqueria|basura|mierda|verguenza|timo|atraco)|(me|nos|les|te|os) mintieron|"
    r"(me|nos) (estan|estais|han) "
    r"mintiendo|(los|las|les|os) odio|odio (esta|su|vuestra|tu) (tienda|empresa|servicio|"
    r"atencion|app|pagina)|(es|son|esto es) una estafa|estafa total|(deberia|deberian) "
    r"(darles|daros|darte) verguenza|(les|os) deberia dar verguenza|no sirven para nada|"
    r"(ustedes|vosotros) no sirven|(que|muy|bien|super|re|servicio) chafa|se (burlan|"
    r"rien) de (mi|uno|nosotros|la gente)|no se burlen|(estoy|estamos|ando)? ?(cabreadisim[oa]|"
    r"enojadisim[oa]|furiosisim[oa]|hartisim[oa]|molestisim[oa]|enfadadisim[oa])"
)
ES_ANGER_WORDS = (
    ES_DECISIVE_WORDS + r"|"
    r"enojad[oa]s?|enfadad[oa]s?|furios[oa]s?|cabread[oa]s?|emputad[oa]s?|encabronad[oa]s?|"
    # Not "harto" ("a lot" in Chile), "rabia" (a vaccine), "podrido" (fruit),
    # "son unos" (shoes): the anger is in what follows them.
    r"harte|indignacion|estafa|robo|mentiros[oa]s?|mentirosos|"
    r"(me |nos )?(arruinaron|han arruinado|arruinasteis)|"
    r"mienten|mintieron|me mintieron|una mentira|es mentira|"
    r"ridicul[oa]s?|absurd[oa]|increible que|no puede ser|no es posible que|"
    r"en serio\?|nunca mas|perdida de tiempo|perder el tiempo|me hacen perder|ustedes no "
    r"sirven|no sirven para nada|no saben hacer nada|hagan su trabajo|haced vuestro trabajo|"
    r"pongan(se)? las pilas|pongase las pilas|resuelvan ya|solucionen ya|cumplan|"
    # Futility: "ya ni se para que escribo".
    r"ya ni se (para|pa|por) (que|q) (escribo|les escribo|pregunto|reclamo|llamo|sigo)"
)
# Not politeness: "disculpe la molestia", "no es por molestar", "¿le molesta
# si...?"; nor disappointment, which is no anger.
ES_IRRITATION_WORDS = (
    r"(?<!le )(?<!les )(?<!te )(?<!os )(?<!no )molest[oa]s|(?<!le )(?<!les )(?<!te )"
    r"(?<!os )(?<!no )(?<!la )(?<!lo )molest[oa]|que molestia|fastidiad[oa]s?|que fastidio|"
    r"frustrad[oa]s?|frustrante|frustracion|irritad[oa]s?|irritante|que bronca|me da bronca|"
    r"que rabia|me da rabia|que coraje|me da coraje|desesperante|me desespera|me saca de "
    r"quicio|me enoja|me enfada|me cabrea|me emputa|me encabrona"
)
ES_PLAYED_DOWN = (
    r"(un poco|un poquito|algo|medio|levemente|ligeramente|un tanto|un pelin) (\w+ )?"
    r"(molest\w*|fastidiad\w*|frustrad\w*|irritad\w*|decepcionad\w*|enojad\w*|enfadad\w*)"
)
# A curse as an exclamation: "joder, otra vez" is not aimed at anyone, "vete
# a la mierda" is (ES_HOSTILE_PROFANITY).
ES_PROFANITY = (
    r"joder|jodid[oa]s?|carajo|cono|hostias?|ostias?|mierda|puta|puto|chingad[oa]|chingue|"
    r"verga|cojones|pinche|pinches|ptm|alv|ctm|cresta|la concha|puta madre|carajos|"
    r"me cago|cagada|no mames|no manches|mamadas|me cago en la leche|maldita sea|malditos|"
    r"malditas|la puta que"
)
ES_HOSTILE_PROFANITY = (
    r"(vete|vayanse|idos|andate|andense|vayase|que se vayan) a la (mierda|verga|chingada|"
    r"concha|porra)|que se jodan|chinga(n)? tu madre|chinguen a su madre|me cago en "
    r"(ustedes|vosotros|vuestra|su|la madre|dios|todo)|hijos? de (puta|perra)|hijueputas?|jueputa|"
    r"malparid[oa]s|conchetumare|culiaos|(que|tan) poca madre|(servicio|atencion|empresa|"
    r"tienda|bot|chat|pagina|app) de mierda|una mierda|que mierda|son una mierda|pinche "
    r"(bot|empresa|tienda|servicio|chat|pagina)"
)
ES_MILD_PROFANITY = r"rayos|caramba|diablos|demonios|porras|ostras|chale|mecachis|miercoles"
# Slang that praises: "de puta madre", "que chimba", "chingon", "a toda
# madre". Blanked out before the detector reads the curses in them.
ES_NEUTRAL_IDIOMS = (
    r"\b(la puta madre,? (ganamos|gano|golazo|que gol|campeones|llego|que bueno|que lindo)|"
    r"buen(os|as) (dias|tardes|noches)|de puta madre|a toda madre|poca madre de (bueno|buena|"
    r"barato)|que chimba|una chimba|"
    r"chimba de|chimba|chingon\w*|de pelos|que chido|bien chido|chid[oa]|es la hostia|la "
    r"hostia de (bueno|buena|barato|rapido)|una pasada|de locos|de locura|de muerte|"
    r"bestial|on fire|que buena onda|buena onda|(esta|quedo|quedaron|estan|se ve|se ven) "
    r"brutal(es)?|(son|es|eres) la para|que arrech[oa] (esta|es|se ve|quedo|estan))\b|"
    r"\b(mi|la|el) (esposa|mujer|marido|esposo|mama|madre|jefe|jefa|novia|novio|suegra)"
    r"( \w+)? (me va a matar|me mata|me mataria|se va a enojar|se va a enfadar|va a estar "
    r"furios[oa]|se va a poner furios[oa]|me va a regañar|me va a reganar)\b"
)
ES_FRIENDLY_WORDS = (
    r"ja(ja)+\w*|je(je)+\w*|ji(ji)+|jsjs\w*|xd+|no pasa nada|no hay problema|sin problema|"
    r"tranqui\w*|todo bien|no te preocupes|no se preocupe|no os preocupeis|nos equivocamos|"
    r"mil gracias|muchas gracias|gracias genio|saludos|un abrazo|besos|que amables"
)
# Ironic praise: "que eficiencia" after a month of waiting, "ah claro".
ES_SARCASM = (
    r"(ah|aja),? claro|claro,? claro|(que|cuanta|vaya|menuda|tremenda) (eficiencia|"
    r"rapidez|profesionalidad|profesionalismo|seriedad|eficacia|puntualidad|maravilla|"
    r"atencion)|(muy|super|re|que) (eficientes|eficaces|rapidos|profesionales|serios|"
    r"puntuales)|(ah|oh) (que bien|genial|perfecto|excelente|fantastico|maravilloso)|"
    r"(que|muy|super|re|tan) bien organizad[oa]s|ahora resulta (que|q)"
)
ES_INHERENT_SARCASM = (
    r"(gracias|muchas gracias|mil gracias) por (nada|hacerme perder el tiempo|ignorarme|"
    r"mentirme|hacerme esperar|nada de nada|la nada|tan pesima atencion|tanto)|"
    r"(me encanta|me fascina|que lindo|que bonito|amo|adoro) (que me |cuando me |tener que "
    r"|ser )?(ignoren|ignores|ignorado|ignorada|mientan|hagan esperar|dejen en espera|"
    r"repetir todo|esperar (un mes|semanas|meses))|"
    r"(debo|deberia|tengo que|tendria que) (sentirme|estar) (afortunad[oa]|agradecid[oa]) (de|"
    r"por) que|"
    r"(excelente|gran|genial|buen|maravilloso|espectacular) servicio,? (eh|no|si claro)"
    r"(?= *([.!]|$))|(felicidades|felicitaciones|bravo|aplausos),? (de verdad|muy bien|"
    r"otra vez|northwind|por (nada|perder|hacer|cobrar))|"
    r"sigan (asi|igual),? (campeones|cracks|genios|capos|maquinas|muchachos|chicos|eh)|"
    # "Tercera vez que me reprograman la entrega, sigan asi": the praise closes a complaint.
    r"(tercera|cuarta|quinta|sexta|enesima|otra) vez (que )?(me|nos) [^.!?\n]{0,80}\bsigan (asi|"
    r"igual)|"
    r"(esto|su servicio|este servicio|ustedes|su empresa) (es|son) un (chiste|circo)|tremendo "
    r"chiste|de que planeta|sigamos jugando a|jugando a adivinar"
)
# A promise quoted back in scare quotes: 'estamos trabajando en ello'.
ES_PROMISE = (
    # Not "en camino": the tracking status, quoted by a worried customer as often as not.
    r"trabajando en ello|trabajando|en (24|48|72) ?h(oras)?|pronto|en breve|lo "
    r"antes posible|te llamamos|le llamaremos|te llamaremos|resuelto|solucionado|urgente|"
    r"express|rapido|gratis|garantizad[oa]|garantia|atencion al cliente|prioridad|"
    r"reembolso|devolucion|entrega|envio|hoy|manana|disculpe|lo sentimos"
)
# What went wrong, in a Spanish customer's words (see COMPLAINT_CONTENT).
ES_COMPLAINT_CONTENT = (
    r"(no|nunca|todavia no|aun no|sigue sin|sigo sin|jamas)( me| nos)?( ha| han| habia)? "
    r"(llego|llegaron|llegado|llega|entregaron|entregado|devolvieron|devuelto|reembolsaron|"
    r"reembolsado|respondieron|respondido|contestaron|llamaron|funciona|mandaron|enviaron|"
    r"enviado|mandado|resuelto|solucionado|arreglado|cumplieron|aparece)|sin entregar|"
    r"sin respuesta|sin reembolso|sin (mi|el) (pedido|dinero|reembolso|paquete)|rot[oa]s?|"
    r"danad[oa]s?|defectuos[oa]s?|estropead[oa]s?|averiad[oa]s?|abollad[oa]s?|"
    r"incomplet[oa]|equivocad[oa]|perdieron|se perdio|extraviad[oa]|cancelaron|me cobraron|"
    r"cobraron|(sigo|seguimos)( \w+)? esperando|esperando|otra vez|de nuevo|nadie|"
    r"(hace|desde hace|ya van|van|llevo|lleva|llevamos|mas de|solo|casi|ya|por|durante|"
    r"despues de) (un|una|dos|tres|cuatro|cinco|seis|\d+) (dias|semanas|meses|mes|semana|"
    r"horas)|(tres|cuatro|cinco|seis|\d+) (semanas|meses)|mentira|mienten|mintieron|ignoran|"
    r"y nada|nada de (mi|el|la|los|mis)|no hay stock|(tercera|cuarta|quinta|sexta|enesima) vez|"
    r"retrasad[oa]|atrasad[oa]|demorad[oa]|mi dinero|mi plata|mi reembolso|donde (esta|estan) "
    r"(mi|mis)|no sirve|no funciona|me enganaron|enganad[oa]|me dejaron plantad[oa]|"
    r"(otra|otro) (respuesta|mensaje) (automatic[oa]|de robot)"
)
# "Genial. Otra semana.": what follows ironic praise in the next sentence.
ES_IRONY_FOLLOWS = (
    r"otra|otro|otra vez|de nuevo|todavia|aun|y|no|nada|nunca|sigue|sigo|ni|tercera|cuarta|"
    r"quinta|enesima"
)
ES_PRAISE_WORDS = (
    r"genial|excelente|perfecto|perfecta|maravilloso|maravillosa|fantastico|estupendo|"
    r"buenisimo|bravo|felicidades|felicitaciones|que bien|de lujo|increible|espectacular|"
    r"buen trabajo|gran trabajo"
)
ES_REPEAT_STRONG = (
    r"(segunda|tercera|cuarta|quinta|enesima|decima|\d+a) vez|cuantas veces|(te|se|les|os) "
    r"(lo )?(dije|pregunte|pedi|explique) (ya|antes|dos veces)|ya (te|les|os) (lo )?(dije|"
    r"pregunte|di|pedi|explique)|ya (te|les|os) (lo )?(he|hemos) (dicho|explicado|preguntado|"
    r"pedido|dado)|no se como mas (decirtelo|decirlo|explicarlo|decirles|explicartelo)|"
    r"una y otra vez|otra vez lo mismo|siempre lo mismo|"
    r"(dos|tres|cuatro|cinco|varias|\d+) (veces|correos|mails|llamadas|mensajes|reclamos)|"
    r"nadie (me )?(responde|contesta|llama|atiende)|"
    # Waiting counted out, now that "sin" carries no sentiment (ES_FALSE_FRIENDS): "otra
    # semana sin la lavadora".
    r"(otra|otro) (semana|mes|dia|quincena)( mas)? sin"
)
# Not "todavia", "aun", "sigue" alone: "¿sigue disponible?", "¿todavia tienen
# stock?" ask about a product, not after a request made before.
ES_REPEAT_WEAK = (
    r"otra vez|de nuevo|nuevamente|una vez mas|todavia no|aun no|sigue sin|sigo sin|sigo "
    r"esperando"
)
# A shop or marketplace named as where the customer is going instead: "me voy
# a mercado libre", "me paso a amazon", "me voy a la otra tienda". That is
# anger at us, leaving.
# One lookbehind per form, since Python's lookbehinds are of fixed width.
_NOT_LEAVING_US = "".join(
    rf"(?<!\b{form} )"
    for form in (
        *(f"{verb} a{the}" for verb in ("voy", "vamos", "paso", "pasamos", "cambio", "ire")
          for the in ("", " la")),
        "compro en", "comprare en",
    )
)  # fmt: skip
# The customer's own phone company: "mi operador", "mi operadora de celular".
ES_MY_CARRIER = (
    r"mi (operador|operadora|compania telefonica|telefonica)( de (celular|telefono|movil))?"
)
# Phone and internet companies by name; not Claro nor Personal, which are words too.
ES_CARRIERS = (
    r"(movistar|telcel|entel|tigo|vodafone|orange|jazztel|yoigo|masmovil|izzi|totalplay|"
    r"telmex|megacable|wom|bitel|digitel|movilnet|cantv|fibertel|telecentro)"
)
# Whom a Spanish customer is upset with when it is not us: someone of their
# own, another shop, themselves ("me olvide", "fue mi culpa").
ES_ELSEWHERE = (
    r"\b(mi|mis|nuestra|nuestro) (\w+ )?(esposo|esposa|marido|mujer|novio|novia|pareja|"
    r"hijo|hija|hijos|nene|nena|mama|mami|papa|papi|madre|padre|hermano|hermana|vecino|"
    r"vecina|vecinos|casero|casera|jefe|jefa|suegra|suegro|cunado|cunada|companero de piso|"
    r"companera de piso|roomie|ex|ex pareja|exnovio|exnovia|expareja)\b|"
    # Buses, traffic, the country, a power cut: "el colectivero me dejo plantado",
    # "me quede sin luz otra vez, este pais".
    r"\b(el|un|ese|este|del|al) (colectivero|taxista|camionero|micro|colectivo|autobus|bus|"
    r"metro|subte|trafico|transito|trancon|tranque|gobierno)\b|\beste pais\b|\b(me quede|"
    r"nos quedamos|estoy|estamos|sigo|seguimos|otra vez) sin (luz|agua|internet|senal|gas)\b|"
    r"\bse (fue|corto) la (luz|senal|corriente)\b|\bcortes? de (luz|agua)\b|"
    r"\b(mi|mis|nuestra|nuestro|el|la|ese|este|esa|esta|del|al) ((pinche|maldito|maldita|dichoso|"
    r"dichosa|estupido|estupida|jodido|jodida|fregado|fregada|bendito|bendita) )?(banco|"
    r"aseguradora|aerolinea|linea aerea|(compania|empresa|corporacion) ((de|del) (mi )?(telefono|"
    r"celular|internet|luz|cable|agua|gas|mudanzas?|electricidad)|electrica)|"
    r"operador(a)? (de|del) (celular|movil|telefono))\b|\b" + ES_MY_CARRIER + r"\b|"
    # A phone or internet company by name: "dos horas en espera con Movistar", "los de
    # Orange son unos inutiles", "estoy mamada de Claro" (Claro only where it is no word).
    r"\b" + ES_CARRIERS + r"\b|\b(de|con) claro\b(?! (que|q)\b)|\bclaro (me|nos) (dejo|dejaron|"
    r"corto|cortaron|cobro|cobraron)\b|"
    # The neighbours, delivery apps, marketplaces, the tax office, a brand's own repair
    # service: "el vecino puso musica toda la noche", "estoy harta del vecino", "Rappi me
    # volvio a mandar el pedido equivocado", "el SAT me tiene harto", "el servicio tecnico de
    # Samsung es una porqueria". Not "me voy a mercado libre": leaving us.
    r"\b(el|la|los|las|del|de la|de los|al|a la|con el|con la) (vecino|vecina|vecinos|"
    r"vecinas)\b|" + _NOT_LEAVING_US + r"\b(rappi|"
    r"uber eats|didi food|pedidosya|pedidos ya|glovo|ifood|cornershop|mercado libre|"
    r"mercadolibre|amazon|shein|temu|aliexpress)\b|\b(el|al|del|con el|la|con la) (sat|afip|"
    r"arca|sii|dian|sunat|seniat|hacienda|municipalidad|alcaldia|municipio)\b|\bservicio "
    r"tecnico (oficial )?(de|del) (la marca|(?!Northwind)(?-i:[A-Z])\w+)\b|"
    # Another shop, however it is put: "nunca mas le compro a la otra tienda esa", "en la
    # otra multitienda me trataron pesimo", "lo compre en otro sitio", "en una tienda del
    # centro me vendieron...". Not "lo dejaron en otro sitio": a parcel of ours; nor "me
    # voy a la otra tienda": leaving us.
    r"\b(de|en|con) (la )?otra (tienda|empresa|pagina|web|marca|paqueteria)\b|"
    + _NOT_LEAVING_US
    + r"\b(otra|otras) (multitiendas?|cadenas?|tiendas?)\b|"
    r"\b(compre|compramos|pedi|pedimos|encargue) ((lo|la|los|las|una|un|el|la) )?(\w+ )?en "
    r"(otro sitio|otro lado|otra parte|otro lugar)\b|\b(una|otra) tienda (del|de la|de mi|"
    r"de un|de una|en el|en la) (centro|barrio|esquina|mall|plaza|shopping|colonia|pueblo|"
    r"centro comercial)\b|"
    r"\b(fue mi culpa|culpa mia|error mio|me equivoque|conmigo mism[oa]|de mi mism[oa]|(puse|"
    r"escribi|marque) mal|que tont[oa] (soy|fui)|soy (un |una )?"
    r"(tont[oa]|idiota|despistad[oa]|torpe|burr[oa]|desastre)|me olvide|se me olvido)\b|"
    # Forgetting one's own password again, a football match lost: "olvide mi contrasena
    # otra vez 🙄", "perdimos el clasico otra vez 😤".
    r"\b(olvide|olvido|perdi) (otra vez |de nuevo )?(mi|la) (contrasena|clave|password|pin)\b|"
    # Only "we" lost ("perdieron el paquete" is us), and only the referee is named:
    # "compre la tele para ver el partido y llego rota" is anger at us.
    r"\b(perdimos|empatamos|nos ganaron|nos golearon|nos eliminaron) (el|la|otra vez|de "
    r"nuevo|contra|\d+ ?a ?\d+)\b|\b(el|un|del) arbitro\b|\b(otra vez|de nuevo|ayer|hoy) "
    r"(perdimos|empatamos|nos ganaron|nos golearon)\b|\b(perdio|empato|descendio|quedo "
    r"eliminado) (el |la )?((?-i:[A-Z])\w+|mi equipo|la seleccion|mi club)\b|"
    # The team named first, and nothing of ours lost: "Boca perdio de nuevo 😤", not
    # "Estafeta perdio de nuevo mi paquete".
    r"\b(?-i:[A-Z])\w+ (perdio|empato|descendio|quedo eliminado)( (otra vez|de nuevo|ayer|hoy|"
    r"el clasico|el partido|la final))?(?= *([.!,;]|$|[^\w\s]))|"
    # How a team played: "jugaron como unos perros anoche, son una verguenza".
    r"\b(jugaron|jugo|jugamos|jugasteis) (como|fatal|horrible|pesimo|de pena|malisimo)\b|"
    # The weather, one's own car, the bus: "odio este clima", "mi carro se dano otra vez".
    r"\b(este|ese|esta|esa|que|el|la|del|odio el|odio la|odio este|menudo|menuda|vaya) (clima|"
    r"aguacero|calor|frio|lluvia|chaparron|diluvio|temporal|tormenta|nevada|humedad)\b|"
    r"\bmi (carro|auto|coche|moto|camioneta|bici|bicicleta)\b|"
    r"\b(la|una|esa|esta) (micro|guagua|combi|buseta|liebre)\b"
)
# A plain question put to us about what we sell or take ("¿ustedes aceptan paypal?"): no
# complaint, so it does not make the message's anger ours (anger_words.US_REQUESTS). Not
# "tienen" or "hacen": "ustedes tienen la culpa", "hacen lo que quieren" blame us.
ES_US_REQUESTS = (
    r"\b(ustedes|vosotros|usted) (aceptan|acepta|aceptais|venden|vende|vendeis|envian|envia|"
    r"enviais|mandan|manda|mandais|reciben|recibe|recibis)\b|"
    # What we have in stock, asked: "ustedes tienen la nevera de 300 litros?"; not "ustedes
    # tienen la culpa".
    r"\b(ustedes|vosotros|usted) (tienen|teneis|tiene) (el|la|los|las|un|una|stock|"
    r"disponible)\b(?! culpa\b)|"
    # Asked, of anything but what is the customer's or a reproach: "¿ustedes tienen
    # licuadoras en oferta?"; not "¿ustedes tienen mi plata??", "¿tienen idea?".
    r"\b(ustedes|vosotros|usted) (tienen|teneis|tiene) (?!(la |alguna |ni )?(culpa|mis?|su|sus|"
    r"nuestr[oa]s?|el dinero|la plata|idea|verguenza|cerebro|respeto|corazon|alma)\b)"
    r"[^.!?¿\n]{0,40}\?|"
    # Paying or buying from us, whom we ship with, a hope: "¿puedo pagar en una tienda de
    # ustedes en efectivo?", "quiero comprarles una lavadora a ustedes", "¿ustedes con
    # quién envían?", "ojalá ustedes sean mejores".
    r"\b(pagar\w*|comprar\w*|hacer el pago|hacer la compra)\b[^.!?¿\n]{0,60}\b(ustedes|"
    r"vosotros)\b|\b(ustedes|vosotros) (con|por) (que|quien|quienes|cual|cuales)\b|\bojala "
    r"(que )?(ustedes|vosotros)\b"
)
# The company, named or addressed in Spanish ("ustedes", "vosotros", "su
# servicio", "este bot"): anger in such a message is aimed at us.
ES_US_NAMED = (
    r"ustedes|vosotros|vuestr[oa]s?|sois|su (empresa|tienda|servicio|atencion|repartidor|"
    r"pagina|app|bot|chat|gente|personal)|tu (bot|empresa|servicio|tienda)|este bot|esta "
    r"(empresa|tienda|pagina)|los de (northwind|atencion)|(los|les|os) odio"
)
ES_EMPHASISED_PROBLEMS = frozenset(
    """NUNCA NADA NADIE TODAVIA AUN ROTO ROTA ROTOS PERDIDO PERDIDA SEMANAS MESES MES DIAS
    HORAS DINERO REEMBOLSO AHORA YA VECES ESPERANDO MENTIRA ROBO SIGUE SIGO OTRA""".split()
)
ES_ACRONYMS = frozenset(
    {"PROFECO", "OCU", "SIC", "SERNAC", "INDECOPI", "IVA", "RFC", "DNI", "NIE", "RUT", "CUIT",
     "NIT", "CFDI", "OXXO", "CDMX", "MSI", "NIP"}
)  # fmt: skip
# Spanish words VADER's English lexicon scores as something else, taken out
# of it (WORDS_OUT_OF_LEXICON): "sin" (without, read as sin, -2.6: "envio sin
# costo", "un piso sin ascensor"), Chile's "po" ("ya po"), "pita" (beeps),
# "interruptor" (a switch). Without them a calm Spanish message read as a
# complaint, and praise in it as sarcasm. English loses them too: none is a
# customer's word there ("mia" is, "my parcel went MIA", and is kept).
ES_FALSE_FRIENDS = ("sin", "po", "pita", "interruptor")
# VADER's lexicon has no Spanish praise or thanks: without them a glad
# Spanish message ("LA MEJOR TIENDA, GRACIAS!!!") is not positive, and its
# capitals and "!!!" read as anger. On VADER's scale (-4..4), with and without
# accents; only words VADER does not already score ("genial", "perfecto"
# keep their values). No negative words: Spanish anger is the anger words'
# (ES_ANGER_WORDS), which are negated and damped where VADER's words are not
# ("la pelicula 'la estafa'" would read as angry).
ES_LEXICON = {
    **dict.fromkeys(
        """excelente buenisimo buenísimo encanta encanto encantó maravilloso fantástico
        impecable bacan bacán bacanes bacano bacana chevere chévere chimba padrisimo
        padrísimo hermoso hermosa precioso preciosa preciosas preciosos divino divina
        flipa lindisimo lindísimo bellisimo bellísimo bellisima bellísima bonita bonitas
        bonitos durisimo durisimos durisima durisimas""".split(),
        3.0,
    ),
    **dict.fromkeys(
        """gracias feliz contento contenta amable recomiendo mejor lindo bonito chido
        satisfecho satisfecha agradecido agradecida buenazo buenaza guay mola molan copado
        copada joya lindas lindos encantada encantado ayudo ayudó ayudaron""".split(),
        2.0,
    ),
    **dict.fromkeys(
        """buena buen buenas buenos""".split(),
        1.5,
    ),
}
# In the same sentence as the praise, these make it genuine: "perfecto,
# gracias, espero entonces", "genial, aunque tardo".
ES_GENUINE = r"gracias|pero|aunque|igual|de todas formas|bueno|entonces|espero|ok|vale"
