"""The Spanish phrases of a bereavement, for :mod:`.sensitive_matters`.

A death in the customer's family, told in one message or, with a relative's
account, in two. Each pattern reads the normalised message (accents folded,
case ignored) and carries its own negation, as in :mod:`.sensitive_matters_es`.
What is not a bereavement to handle now: a figure of speech ("se murio de la
risa"), a journey ("partio a Cusco"), someone outside the family, and a death
years ago told as the reason for a purchase, unless the relative's account is
still in play. Every pattern is linear.
"""

from __future__ import annotations

from datetime import date

from handoff.escalation.on_a_line import OnALineWith, unless_on_the_line

ES_KIN = (
    r"(esposo|esposa|marido|mujer|madre|padre|mama|papa|mami|papi|hijo|hija|hermano|hermana|"
    r"abuelo|abuela|abuelito|abuelita|tio|tia|primo|prima|pareja|novio|novia|suegro|suegra|"
    r"bebe|amigo|amiga|padres|viejo|vieja|nieto|nieta|cunado|cunada|mom|dad|grandma|grandpa|"
    r"mamita|mamacita|papito|papacito|viejita|viejito|hermanito|hermanita|tita|tito|nona|nono)"
)
# Someone outside the family, whose loss is news or the reason for a gift: "fallecio el papa
# de un companero del trabajo y queremos mandarle una canasta", "la abuela de una amiga".
ES_SOMEONE_ELSES = (
    r"\b(de|a|para) (un|una|el|la|mi|nuestro|nuestra) (companer[oa]|compa|compi|amig[oa]|"
    r"vecin[oa]|conocid[oa]|colega|jefe|jefa|cliente|clienta|compadre|comadre|cuate|pana|"
    r"parcer[oa]|soci[oa])( (del?|de la) (trabajo|oficina|escuela|cole|colegio|equipo|barrio|"
    r"curro|chamba|laburo|pega|uni))?\b"
)
# A death told in passing, as a memory or about a thing: "quiero regalarle a mi mama un
# portarretrato para poner fotos de mi papa, que en paz descanse", "mi papa que en paz
# descanse siempre me decia que un buen taladro dura toda la vida", "mi licuadora vieja
# paso a mejor vida, que en paz descanse"; and a death that has not happened: "el seguro
# cubre en caso de fallecimiento del titular?", "si fallece el titular, que pasa con los
# puntos?".
ES_IN_PASSING = (
    r"\b(siempre (me )?(decia|contaba|compraba|usaba|hacia|cocinaba)|fotos (de|del)|en su "
    r"memoria|me recuerda a)\b|\b(licuadora|freidora|lavadora|secadora|tele|television|"
    r"celular|telefono|laptop|compu|computadora|impresora|cafetera|microondas|refri|nevera|"
    r"heladera|horno|ventilador|aspiradora|plancha|batidora|taladro|carro|coche|moto|bici|"
    r"la mia|el mio)\b[^.!?\n]{0,60}\b(en paz descanse|q\.?e\.?p\.?d|paso a mejor vida|se "
    r"murio)\b|\b(en caso de|si) ((el|la) (titular|dueno|duena|cliente|comprador|compradora)"
    r"( de (la|una|su) cuenta)? )?(fallec\w*|muer\w*|muere|se muere)\b|"
    # Anyone's, asked about: "que documentos necesita la familia para cerrar la cuenta de
    # alguien que ha fallecido?".
    r"\b(de|a|para) (alguien|una persona) (que|q) (ha )?(fallecido|fallecio|fallece|muere|"
    r"murio|ha muerto)\b"
)
# A death a year or more ago, told as the reason for a purchase, is no bereavement to
# handle now: "mi tia se murio el ano pasado y me dejo su casa", "mi papa murio en el 2010 y
# dejo una mecedora".
# Years before last, read when the module loads: "en el 2010", not this year's or last's.
_YEARS_BEFORE_LAST = "|".join(str(year) for year in range(1900, date.today().year - 1))
ES_YEARS_AGO = (
    r"\ben (el )?(ano )?(" + _YEARS_BEFORE_LAST + r")\b|"
    r"\bhace (ya |como |unos |unas |mas de |casi |muchos |varios |hartos |bastantes )*(\d+|"
    r"dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|quince|veinte|muchos|varios|hartos|"
    r"bastantes)? ?anos\b|\bhace (ya |mas de |casi )?un ano\b|\bel ano pasado\b"
)
# A relative died, or died a relative: not "murio de (la) risa", "me muero de ganas", nor
# "partio a Cusco" (a journey; "partio a mejor vida" is not).
# Whatever the death left to do already done, or its anniversary, or a memory of the
# person: "ya arreglamos todo lo de la herencia", "su cuenta ya la cerro mi mama", "se
# cumplen cinco anos que fallecio mi papa", "mi abuelita que en paz descanse tenia una
# licuadora de esas", "una mecedora como la que tenia mi abuela, que en paz descanse";
# or what the wake needs: "mi tio fallecio y el velorio es en la casa el sabado".
ES_ACCOUNT_SETTLED = (
    r"\bya (la|lo) (cerro|cerraron|cerre|cerramos|dio de baja|dieron de baja|di de baja|dimos "
    r"de baja|cancelo|cancelaron|cancele)\b|\bya (esta|quedo) (todo )?(cerrad[oa]|cancelad[oa]|"
    r"resuelto|arreglado)\b|\b(la cuenta|todo) ya (esta|quedo|la tengo|lo tengo|la pasamos|la "
    r"pasaron) a mi nombre\b"
)
ES_SETTLED = (
    r"\bya (arreglamos|resolvimos|cerramos|solucionamos|tramitamos|hicimos|dejamos arreglado) "
    r"(todo|lo de la (herencia|sucesion)|los (tramites|papeles))\b|" + ES_ACCOUNT_SETTLED
)
ES_REMEMBERED = (
    r"\bse cumple(n)? (\w+ )?(anos?|meses)\b|\b(para|pa) el (velorio|funeral|sepelio|entierro|"
    r"novenario)\b|\bel (velorio|funeral|sepelio|entierro) es (el|en|este|manana|hoy|pasado)\b|"
    r"\b(la|el|las|los) (que|q) (tenia|usaba|hacia)\b[^.!?\n]{0,40}\b(en paz descanse|"
    r"q\.?e\.?p\.?d)\b|\b(en paz descanse|q\.?e\.?p\.?d)\b,? (siempre |ya )?(tenia|usaba|hacia|"
    r"cocinaba|compraba|decia|me regalo)\b(?! (una |la |su |un |el |sus |unos )?(cuenta|"
    r"suscripcion|tarjeta|credito|pedido))"
)
ES_KIN_DIED = (
    r"\b(mi|nuestro|nuestra|su|mis) " + ES_KIN + r"( \w+)? (fallecio|murio|se murio|ha "
    r"fallecido|acaba de fallecer|acaba de morir|fallecieron|murieron|(se nos fue|partio)"
    r"(?! (a|al|para|pa|hacia|rumbo a) (?!mejor vida|cielo|el cielo)))\b(?! de (la )?(risa|"
    r"ganas|hambre|sueno|calor|frio|amor|verguenza|envidia|aburrimiento|emocion))|\b(fallecio|"
    r"murio|ha fallecido|fallecimiento de|muerte de|perdi a|perdimos a|se murio) (mi|nuestro|"
    r"nuestra|su|mis) " + ES_KIN + r"\b"
)
ES_BEREAVEMENT_OWN_NEGATION = (
    *unless_on_the_line(
        (
            # "La familia de un companero de la oficina, fallecio su mama": theirs.
            OnALineWith(ES_KIN_DIED, unless=ES_SOMEONE_ELSES, in_place=True),
            # Only people "fallecen": "mi padre compraba con ustedes y fallecio en enero".
            OnALineWith(
                r"\b(fallec\w*|difunt[oa]|q\.?e\.?p\.?d|en paz descanse|condolencias|"
                r"pesame|albacea|sucesion testamentaria|acta de defuncion|velorio|sepelio)\b",
                unless=ES_SOMEONE_ELSES,
                in_place=True,
            ),
        ),
        ES_YEARS_AGO + "|" + ES_IN_PASSING + "|" + ES_SETTLED + "|" + ES_REMEMBERED,
    ),
    # However long ago, a relative's account still needs a person ("mi papa se murio hace
    # dos anos y la suscripcion sigue cobrando"), unless it is settled.
    OnALineWith(
        ES_KIN_DIED,
        requires=r"\b(cuenta|suscripcion|cobr\w*|a su nombre|tarjeta|credito)\b",
        unless=ES_ACCOUNT_SETTLED,
    ),
)
# A relative's account, and a death: a bereavement told in two messages ("mi esposo
# tenia cuenta con ustedes" / "murio el mes pasado").
ES_KIN_ACCOUNT = (
    r"\b(cuenta|pedido|compra|tarjeta|suscripcion|credito|cuotas|plazos)( \w+){0,3} (a nombre "
    r"de|de) (mi|nuestro|nuestra) " + ES_KIN + r"\b|\b(mi|nuestro|nuestra) " + ES_KIN + r" "
    r"(tenia|tiene|habia abierto|abrio|usaba) (una |la |su )?(cuenta|tarjeta|suscripcion|"
    r"pedido|credito)\b",
)
ES_DIED = (
    r"\b(murio|se murio|ha muerto|se nos fue|ya no esta con nosotros)\b"
    r"(?! (la|el|mi|su) (bateria|pila|cargador|celular|telefono|tele|laptop|compu|pantalla|"
    r"motor|planta|aparato))|\bnos dejo (hace|en (enero|febrero|marzo|abril|mayo|junio|julio|"
    r"agosto|septiembre|setiembre|octubre|noviembre|diciembre)|el (mes|ano) pasado|la semana "
    r"pasada|ayer|anoche|para siempre)\b",
)
