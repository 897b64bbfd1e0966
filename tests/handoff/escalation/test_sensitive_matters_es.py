"""The Spanish sensitive matters (handoff/escalation/sensitive_matters_es.py), through decide().

Each matter is caught in several regions' wording, and the alarming-looking
words used innocently ("alarma antirrobo", "la descarga de la factura",
"mi cuñado trabaja en PROFECO", "se murio la bateria") are left alone.
"""

from __future__ import annotations

import pytest

from tests.handoff.escalation.rules_only import reasons


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("los voy a demandar", "legal_threat"),
        ("la repisa se le cayo encima a mi nena y esta llorando", "safety_incident"),
        ("la caja le pego a mi hijo en la cara al abrirla", "safety_incident"),
        ("el mueble se vino abajo y mi papa tiene el brazo hinchado", "safety_incident"),
        ("el ventilador se prendio en candela anoche", "safety_incident"),
        ("la freidora se recalento y casi se nos quema la cocina", "safety_incident"),
        ("me salieron tres cargos por la misma compra", "payment_dispute"),
        ("veo dos cobros de 899 x un solo pedido", "payment_dispute"),
        ("tengo un cargo de $74.500 de ustedes y no he comprado nada", "fraud"),
        ("voy a poner una queja en PROFECO", "legal_threat"),
        ("ya presente la denuncia ante defensa del consumidor", "legal_threat"),
        ("si no me devuelven el dinero voy a la OCU", "legal_threat"),
        ("me voy a quejar a la superintendencia", "legal_threat"),
        ("pido la hoja de reclamaciones", "legal_threat"),
        ("mi abogado se va a comunicar con ustedes", "legal_threat"),
        ("me robaron la tarjeta y hay compras en su pagina", "fraud"),
        ("tengo un cargo que no reconozco", "fraud"),
        ("hay dos pedidos que yo no hice", "fraud"),
        ("me sale un cobro de ustedes por $45.990 que no reconozco", "fraud"),
        ("aparece una compra a nombre mio en otra provincia, no la reconozco", "fraud"),
        ("nos han cambiado el correo de la cuenta y nosotros no hemos sido", "fraud"),
        ("hackearon mi cuenta", "fraud"),
        ("alguien entro a mi cuenta y cambio la direccion", "fraud"),
        ("usaron mi tarjeta sin mi autorizacion", "fraud"),
        ("el cargador echo chispas", "safety_incident"),
        ("se quemo el enchufe", "safety_incident"),
        ("mi hijo se electrocuto con la lampara", "safety_incident"),
        ("el repartidor me amenazo", "safety_incident"),
        ("estoy en peligro", "safety_incident"),
        ("me cobraron dos veces", "payment_dispute"),
        ("voy a pedir un contracargo", "payment_dispute"),
        ("mi papa fallecio y tenia un pedido", "bereavement"),
        ("el cargador se puso a echar humo y ha quemado un trozo de la mesa", "safety_incident"),
        ("mi hijo de 3 años se ha tragado una pieza del altavoz", "safety_incident"),
        ("el perro se trago una pila del control", "safety_incident"),
        ("me salio un sarpullido con la bufanda, tuve q ir al medico", "safety_incident"),
        ("estamos en urgencias por la licuadora", "safety_incident"),
        ("me siguen cobrando la suscripcion que cancele en marzo", "payment_dispute"),
        ("la estufa nueva huele a gas desde ayer", "safety_incident"),
        ("a mi hija le tuvieron que poner tres puntos por el borde de la mesa", "safety_incident"),
        ("mi nene se cayo de la silla alta y tiene un chichon", "safety_incident"),
        ("el horno botaba humo negro", "safety_incident"),
        ("yo no compre nada y me llego un correo confirmando un pedido", "fraud"),
        ("alguien saco una tarjeta de credito con mi cedula en su tienda", "fraud"),
        ("la puerta del mueble le prenso los deditos a mi bebe", "safety_incident"),
        ("el calefon larga un olor feo, a huevo podrido", "safety_incident"),
        ("si no me devuelven el dinero pido el desconocimiento del cargo", "payment_dispute"),
        ("anule la suscripcion en enero y aun asi me cobraron febrero", "payment_dispute"),
        ("me descontaron la plata pero no me aparece ninguna compra", "payment_dispute"),
        ("me cobraron la membresia que ya di de baja", "payment_dispute"),
        ("si no me devuelven la plata voy a ir a la policia", "legal_threat"),
        ("mi hijo de 12 años hizo compras con mi tarjeta sin permiso", "fraud"),
        ("mi sobrina compro unos audifonos con mi cuenta sin preguntarme", "fraud"),
        ("mi nena de 8 pidio juguetes con mi tarjeta sin pedirnos permiso", "fraud"),
        (
            "la Sofi (8 años) jugando con mi celu compró una tablet. ¿Se anula? yo no la autoricé",
            "fraud",
        ),
        ("mi guila de 11 años compro un juego con mi cuenta sin preguntarme", "fraud"),
        ("me llego un correo d ustedes pidiendome la clave d la tarjeta, eso es normal?", "fraud"),
        ("si no lo arreglan hoy, SERNAC se va a enterar", "legal_threat"),
        ("van a saber de esto en PROFECO", "legal_threat"),
        ("lo que hacen es incumplimiento de contrato", "legal_threat"),
        ("cancele la membresia y me siguen apareciendo los cargos", "payment_dispute"),
        ("el secador olio a cable quemado y se apago", "safety_incident"),
    ],
)
def test_spanish_sensitive_matters(text: str, reason: str) -> None:
    assert reason in reasons(text)


@pytest.mark.parametrize(
    "text",
    [
        "tienen alarmas con sistema antirrobo?",
        "el seguro contra robo esta incluido?",
        "la descarga de la factura no me funciona",
        "mi cuñado trabaja en PROFECO",
        "soy abogado y busco una silla de oficina",
        "se murio la bateria del control, venden pilas?",
        "mi hermana murio de risa con el regalo",
        "el cargo de envio aparece en mi resumen?",
        "la plancha calienta muy bien",
        "el precio esta on fire 🔥",
        "el detector de humo trae pilas?",
        "hay mucha demanda de este modelo?",
        "el pago no lo hice todavia, con que tarjeta puedo pagar?",
        # A theft reported to the police calls no one on us.
        "me han robado el movil y ya puse la denuncia en la policia, puedo cambiar la clave?",
        "es de lana? me da alergia la lana",
        "mi hija compro con mi tarjeta, llega hoy?",
        # A hospital with no hurt in it, a stove asked about, a scratch on a table.
        "soy enfermera, me lo pueden dejar en el hospital donde trabajo?",
        "mi esposa acaba de dar a luz, estamos en el hospital, pueden entregar el lunes?",
        "la cocina es a gas o electrica?",
        "todavia no compre nada, tengo dudas con las tallas",
        "la mesa llego con un raspon en la pata, la cambian?",
        # Fraud at another shop; a consumer agency only mentioned.
        "me estafaron en otra tienda online, por eso ahora compro aca. aceptan transferencia?",
        "mi prima trabaja en el SERNAC y me los recomendo",
        "me sigue apareciendo el cargo como pendiente, cuando se libera?",
        # Another brand's fire, a what-if, a hacked e-mail put right long ago.
        "a mi vecina se le incendio una estufa de otra marca, la suya tiene apagado automatico?",
        "la terma trae sensor? y si huele a gas que se hace? por si acaso nomas",
        "hace meses me hackearon el correo pero ya lo recupere, todo bien. como cambio el mail?",
        "una vez me hackearon la cuenta (hace años, ya está solucionado), puedo pagar sin tarjeta?",
        # A new one's first smoke, asked about; a loss outside the family, and a gift for it.
        "es normal que bote un poquito de humo la primera vez que se usa?",
        "fallecio el papa de un compañero del trabajo y queremos mandarle una canasta",
        "falleció la abuela de una amiga, quiero mandarle unas velas, llegan mañana?",
    ],
)
def test_innocent_spanish_is_left_alone(text: str) -> None:
    assert reasons(text) == []


def test_a_sensitive_matter_stays_for_the_conversation() -> None:
    assert "fraud" in reasons("me robaron la tarjeta", "ok", "gracias")


def test_si_no_is_a_condition_not_a_negation() -> None:
    assert "legal_threat" in reasons("si no me resuelven voy a la profeco")
    assert "legal_threat" not in reasons("no voy a ir a la profeco, tranquilos")


def test_a_charge_put_right_or_denied_is_no_dispute_but_one_still_open_is() -> None:
    # Patterns read only on a line without a put-right keep their own negation.
    for text in (
        "hace meses me cobraron doble pero lo reversaron enseguida, todo bien",
        "nunca me han cobrado doble en esta tienda, por eso vuelvo a comprar",
        "I wasn't charged twice, right? just checking my statement",
        "you charged me twice back in March but refunded it the same day, all good",
    ):
        assert "payment_dispute" not in reasons(text), text
    # The money back told as news; not awaited, nor asked about.
    for text in (
        "me habiais pasado el cargo dos veces pero ya me ha llegado la devolucion, gracias",
        "ayer vi doble cargo del pedido pero hoy aparece uno solo, el otro se revirtio",
    ):
        assert "payment_dispute" not in reasons(text), text
    for text in (
        "me cobraron dos veces y todavia no me lo devuelven",
        "I got charged twice for the lamp and it was never refunded",
        "me cobraron dos veces y no me llego la devolucion",
        "me cobraron doble y aun no se revirtio",
        "me cobraron dos veces, ya esta resuelto lo del cobro?",
    ):
        assert "payment_dispute" in reasons(text), text


def test_what_hurt_or_who_died_still_counts_beside_those_words() -> None:
    assert "safety_incident" in reasons("es normal que bote humo? se me quemo la mano")
    assert "bereavement" in reasons("estamos en el velorio de mi tía, ella tenía un pedido")
    # What the wake needs is a purchase (the labelled conversations say so, es_train34).
    assert "bereavement" not in reasons("para el velorio de mi abuelo necesito las sillas mañana")
    assert "bereavement" in reasons("mi amiga fallecio y tenia un pedido a su nombre")


@pytest.mark.parametrize(
    "text",
    [
        # How payments are kept safe, asked before buying.
        "como le hacen para evitar fraude con las tarjetas?",
        "como protegen los pagos contra fraude? es mi primera compra",
        "cómo sé que su página no es fraude? es mi primera compra con ustedes",
        "escuche que hay mucho fraude con tarjetas online, pago tranquila?",
        # A warning heard, and the official page asked for.
        "vi en las noticias que hay paginas falsas que se hacen pasar por tiendas, cual es la "
        "pagina oficial de ustedes?",
        "ustedes piden datos por whatsapp? hay gente haciendose pasar por tiendas, a mi no me "
        "paso nada",
        # Another service's account, and the customer's own purchase the bank held.
        "les escribo por aqui porque me hackearon el instagram",
        "el banco me bloqueo la tarjeta por compra sospechosa, puedo pagar con transferencia?",
        # A product compared or asked about; the news; a match; figures of speech.
        "la freidora de aire hace menos humo que el sarten?",
        "la freidora de aire bota humo?",
        "esa freidora bota humo cuando cocinas cosas con grasa?",
        "mi mama vio en las noticias que un ventilador le corto el dedo a un niño",
        "me fracture el pie jugando futbol jaja, necesito una silla reclinable",
        "mi tiendita de Insta exploto de pedidos jaja, tienen enfriador vertical?",
        "el grupo de la familia exploto con la foto del sofa, hay descuento por cantidad?",
        "mi hermano quedo echando humo de la envidia cuando vio mi freidora",
        "me queme la cabeza comparando freidoras de aire y no me decido",
        "mi perro se comio la caja del envio jajaja, puedo devolver sin la caja?",
        # Another shop's complaint, a what-if, a theft reported, a complaint long settled.
        "la otra multitienda me dejo plantada, tuve que ir al Sernac con ellos",
        "si quisiera poner una queja formal algun dia, donde se hace?",
        "tengo que hacer la denuncia del celular que me robaron en el bondi",
        "si me roban el paquete de la puerta, tengo que ir con la policia? es pregunta nomas",
        "hace un par de años puse una reclamacion en la OCU, pero se soluciono y quedamos bien",
        # A charge asked about before it happens.
        "si cancelo la suscripcion ahora, me siguen cobrando el resto del mes o se corta?",
        "quiero el mismo pedido dos veces, me cobran el envio doble o hay forma de juntarlo?",
    ],
)
def test_questions_warnings_and_figures_of_speech_escalate_nothing(text: str) -> None:
    assert reasons(text) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("me hicieron un fraude con mi tarjeta en su pagina", "fraud"),
        ("me llego un mensaje falso de ustedes pidiendo mi clave y se la di", "fraud"),
        ("hay compras sospechosas en mi cuenta", "fraud"),
        ("me hackearon la cuenta y compraron tres celulares", "fraud"),
        ("la freidora bota humo desde ayer y huele a quemado", "safety_incident"),
        ("el cargador exploto anoche", "safety_incident"),
        ("mi perro se comio una pila del control", "safety_incident"),
        ("me fracture el pie cuando se rompio la silla", "safety_incident"),
        ("ya puse la denuncia en la OCU contra ustedes", "legal_threat"),
        ("cancele la suscripcion y me siguen cobrando", "payment_dispute"),
        ("me cobran doble?? que les pasa", "payment_dispute"),
    ],
)
def test_the_same_words_told_as_what_happened_still_count(text: str, reason: str) -> None:
    assert reason in reasons(text)


@pytest.mark.parametrize(
    "text",
    [
        # A charge put right said another way, a bank hold, a charge only thought double.
        "tuve un problema con un cobro repetido pero ya me lo han devuelto, gracias",
        "me asuste porque pense que me cobraron dos veces el sillon",
        "vi dos cargos por la misma compra pero era una retencion del banco y ya se libero",
        # Laughed about, or heard said; sunburn; "it's on fire" as praise; not ours, said so.
        "esa cafetera es un peligro, ya voy por el quinto cafe jajaja",
        "mi abuela dice que el scooter es un peligro para mi hijo, tiene casco de niño?",
        "me queme la cara en la playa por no usar protector solar, venden sombreros?",
        "el parlante esta que echa chispas, la mejor compra del año",
        "al de enfrente se le incendio el garaje, no fue nada de ustedes, pero tienen extintores?",
        # A flame effect asked about; a shop closed by a fire; sued in jest for being too
        # good; a police report for a theft that may happen some day.
        "¿la chimenea eléctrica echa humo de verdad o es un efecto de luz?",
        "el vecino puso música toda la noche, estoy que exploto, ¿tienen tapones para los oídos?",
        "¿la tienda de Providencia sigue abierta o cerraron por el incendio?",
        "jajaja los voy a demandar por hacer un sillón tan cómodo, no me puedo levantar",
        "si contrato el seguro y algún día me lo roban, ¿tendría que poner una denuncia en "
        "comisaría?",
        # A neighbour's fire, a pet and a cable, the customer's own theft, a fake message
        # from their bank, a fraud long ago at another site, another company's charge.
        "a mi compañera de trabajo se le incendió la estufa, ¿ustedes venden extintores?",
        "el gato se mordió el cargador del celular jaja, tienen cables tipo C?",
        "nos asaltaron la moto saliendo del súper, ya hicimos la denuncia, ¿venden cascos?",
        "me llegó un SMS falso diciendo que era del banco, ni lo abrí. ¿cuándo llega mi silla?",
        "una vez me estafaron con un celular, por eso pregunto: ¿tienen pago contra entrega?",
        "la empresa del internet me cobró dos veces la factura 🙄, ¿aceptan transferencia?",
        # Replaced and working now, a feature, a bright screen, a price called a crime,
        # a friend's card, the news, a complaints book asked about, the flat upstairs.
        "la freidora echaba chispas pero ya me la cambiaron y la nueva funciona perfecto",
        "¿el archivador es a prueba de fuego? es para papeles importantes",
        "el modo claro de la app me quema los ojos jaja, ¿van a poner modo oscuro?",
        "ese precio de la tele es un crimen 😂 voy a llamar a la policía",
        "a mi amigo le clonaron la tarjeta en una gasolinera, ¿cómo protejo mi cuenta aquí?",
        "vi en el telediario que mandan mensajes falsos en nombre de tiendas, ¿piden claves?",
        "¿tienen libro de reclamaciones en la tienda de Miraflores? es para una tarea",
        "anoche hubo un incendio en el departamento de arriba, ¿el purificador quita el olor?",
        "ya me reversaron el cobro doble que les dije, gracias. ¿cuándo sale la mesa?",
        # The flat or the shop next door, a fire of a product bought elsewhere, the bank's
        # own fee, sued in jest after an ellipsis.
        "hubo un incendio en el depa del vecino ayer, ¿me reagendan la cama?",
        "la tienda de electrodomesticos de al lado de mi casa se incendio anoche 😱",
        "mi microondas anterior se incendio, lo compre en otro lado hace años",
        "el banco me cobro doble la comision del mes, ¿puedo pagar con otra tarjeta?",
        "de ley que les demando... jaja por darme tan buen servicio",
        "el mes pasado tuve un cobro doble y el gerente de la tienda me lo solucionó",
    ],
)
def test_what_was_put_right_laughed_about_or_not_ours_escalates_nothing(text: str) -> None:
    assert reasons(text) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("me cobraron dos veces y todavia no me lo han devuelto", "payment_dispute"),
        ("me cobraron doble el pedido y no es una retencion, ya revise", "payment_dispute"),
        ("creo que me cobraron dos veces la licuadora", "payment_dispute"),
        ("me cobraron dos veces y el cobro nunca se reverso", "payment_dispute"),
        ("me cobraron doble y nunca me llego la devolucion", "payment_dispute"),
        ("la estufa es un peligro, casi se incendia la cocina jaja", "safety_incident"),
        ("esa plancha es un peligro, me dio la corriente", "safety_incident"),
        ("el cable del ventilador echa chispas", "safety_incident"),
        ("me queme la mano con la plancha que les compre", "safety_incident"),
        ("la tele se incendio, por el incendio cerraron la cocina", "safety_incident"),
        ("mi esposo cerró la llave por la fuga, huele mucho a gas", "safety_incident"),
        ("los voy a demandar por venderme una tele rota", "legal_threat"),
        ("voy a hacer la denuncia en la comisaría, el repartidor se lo robó", "legal_threat"),
        # Ours, told beside the same words.
        ("a mi amiga le exploto la olla que le regale de ustedes", "safety_incident"),
        ("me llego un correo falso de ustedes pidiendo mi clave", "fraud"),
        ("me cobraron dos veces el envio de la nevera", "payment_dispute"),
        ("¿tienen libro de reclamaciones? quiero poner un reclamo por la tele", "legal_threat"),
        ("me cobraron doble la silla, ya me lo reversaron?", "payment_dispute"),
        ("la plancha echó chispas y me quemé la mano, ya me la cambiaron", "safety_incident"),
        ("la licuadora explotó en casa de mi amiga mientras la usaba", "safety_incident"),
        ("la estufa se prendió fuego, ¿no era a prueba de fuego?", "safety_incident"),
        ("el operador me dijo que me cobraron dos veces la cama", "payment_dispute"),
        ("se incendio la lavadora que les compre, en la cocina del depa", "safety_incident"),
        ("el banco me cobro dos veces la compra de la lavadora", "payment_dispute"),
        ("me cobraron doble la comision de la compra a meses", "payment_dispute"),
        ("los voy a demandar. por darme un servicio tan malo", "legal_threat"),
        ("me cobraron doble y nadie me lo solucionó", "payment_dispute"),
        ("me cobraron doble, ¿me lo solucionaron?", "payment_dispute"),
    ],
)
def test_a_charge_still_open_or_a_danger_told_still_counts(text: str, reason: str) -> None:
    assert reason in reasons(text)


def test_fraud_wondered_about_or_put_right_by_the_bank_is_routine_not_when_it_happened() -> None:
    for text in (
        "hola, q pasa si me roban la tarjeta y alguien compra en su pagina? me da miedo",
        "¿Si alguien usa mi cuenta sin permiso, qué hacen ustedes? Es por saber",
        "hace un tiempo me clonaron la tarjeta pero el banco ya me devolvio todo",
        "Hace un mes me clonaron la tarjeta, lo solucionó el banco y ya tengo una nueva",
        "ayer me cobraron dos veces la aspiradora pero ya vi que me devolvieron uno de los cargos",
    ):
        assert reasons(text) == [], text
    for text, reason in (
        ("que hago si me clonaron la tarjeta y compraron en su pagina?", "fraud"),
        ("me clonaron la tarjeta y el banco no me devolvio nada, compraron en su pagina", "fraud"),
        ("Al pagar me ha cargado el importe dos veces en la tarjeta", "payment_dispute"),
    ):
        assert reason in reasons(text), text


def test_someone_in_our_name_asking_for_money_is_fraud() -> None:
    for text in (
        "un número que dice ser de Northwind me pidió que transfiera 15 mil para liberar mi envío",
        "me llegó un mensaje que dice que es de Northwind y que gané una tele, que pague el envío",
    ):
        assert "fraud" in reasons(text), text
    assert reasons("me llegó un mensaje que dice que es de Northwind con el número de guía") == []


def test_a_neighbours_fire_and_a_blender_that_almost_explodes_with_power_are_routine() -> None:
    for text in (
        "Mi vecino tuvo un incendio en su cocina la semana pasada, qué miedo",
        "jajaja la licuadora esta tan potente q casi explota de lo bien q funciona 😂",
    ):
        assert reasons(text) == [], text
    assert "safety_incident" in reasons("¿es normal que el horno huela a gas estando apagado?")


def test_what_if_asked_or_someone_elses_or_a_figure_is_routine_what_happened_is_not() -> None:
    for text in (
        "que pasa si me cobran dos veces?",
        "¿Qué pasa si me aparece en la tarjeta un cargo de ustedes que no reconozco?",
        "¿Qué pasa en caso de que alguien use mi tarjeta en vuestra web?",
        "A mi cuñado le llegó un SMS falso de Correos pidiendo 1,99€",
        "quiero comprar un celular pero me da miedo el fraude en internet",
        "esa tele de 55 a ese precio es casi un fraude de lo barato jaja 😱",
        "a mi amiga una tienda le cobró dos veces un celular",
        "Es para un trabajo de clase sobre derechos del consumidor 📚",
        "Chamo me voy a demandar a mí misma por comprar tanto 😂😂",
        "cómo pongo una queja formal si un instalador hace mal el trabajo?",
        "si me llega un mueble roto puedo reclamar o tengo q ir a un abogado jaja",
        "jajaja tengo la casa vuelta un incendio de cajas 📦🔥",
        "mi insta ha explotado con la foto de la lámpara jaja, todos me preguntan de dónde es",
        "si compro la cocina y el día q la instalen huele a gas, que hago? la garantia cubre eso?",
        "después del susto del incendio en el edificio de al frente uno ya no se confía 😬",
    ):
        assert reasons(text) == [], text
    for text, reason in (
        ("hay un cargo de ustedes que no reconozco", "fraud"),
        ("me llegó un SMS falso de ustedes y puse los datos de la tarjeta", "fraud"),
        ("mi cuenta la hackearon", "fraud"),
        ("los voy a demandar si no me devuelven el dinero", "legal_threat"),
        ("El patinete eléctrico se ha incendiado mientras cargaba.", "safety_incident"),
        ("ahora me entero que el pedido que pagué ni existe en su sistema", "payment_dispute"),
        ("¿le cobran a uno por un pedido que ya canceló? qué chistosos 🙃", "payment_dispute"),
    ):
        assert reason in reasons(text), text


def test_a_prize_in_our_name_then_the_card_asked_for_is_fraud() -> None:
    assert "fraud" in reasons(
        "me llegó un correo de ustedes diciendo q gané un premio",
        "me piden los datos de la tarjeta pa enviarlo, eso es de ustedes?",
    )
    assert "fraud" in reasons("me llego un correo q dice q gane un premio", "es real?? ya los puse")
    assert (
        reasons("me llegaron los cupones en un correo de ustedes", "ya los puse y no funcionan")
        == []
    )
    assert (
        reasons("me llegó el correo de ustedes con el link de pago", "ya pague, cuando llega?")
        == []
    )


def test_almost_prevented_or_none_of_ours_is_no_fraud() -> None:
    for text in (
        "mi prima me contó que hace como 2 años casi la estafan con una página falsa",
        "¿puedo poner un límite para que no compre sin mi permiso?",
        "el banco me bloqueó la tarjeta por un fraude que no tenía nada que ver con ustedes",
        "hubo un incendio en el depa de mi vecino, a nosotros no nos pasó nada felizmente",
    ):
        assert reasons(text) == [], text
    assert "fraud" in reasons("compraron con mi tarjeta sin mi permiso")


def test_the_customers_phone_company_charging_twice_is_not_ours() -> None:
    for text in (
        "Orange me cobró dos veces la factura del mes, ustedes venden routers?",
        "mi compañía telefónica me cobró dos veces este mes",
    ):
        assert reasons(text) == [], text
    assert "payment_dispute" in reasons("me cobraron dos veces la compra")


def test_a_charge_put_right_in_those_words_but_never_is_still_a_dispute() -> None:
    assert reasons("me cobraron dos veces pero ya me solucionaron lo del cobro") == []
    assert "payment_dispute" in reasons(
        "me cobraron dos veces y jamas me solucionaron lo del cobro"
    )


def test_homework_fraud_in_general_and_someone_elses_charge_are_routine() -> None:
    for text in (
        "estoy haciendo un trabajo pa la u sobre derechos del consumidor, cuantos dias hay?",
        "jaja el precio del paneton en la bodega de mi barrio es un fraude",
        "es fraude o es real la oferta de 70% en colchones q sale en su pagina?",
        "pregunto xq con tanto fraude en diciembre uno ya no sabe",
        "mi prima dice que a ella le cobraron doble en otra tienda en black friday",
        "en otra tienda me cobraron dos veces, por eso les compro a ustedes",
        "me hicieron un cargo raro una vez, pero el banco me lo regreso a la semana",
    ):
        assert reasons(text) == [], text
    for text, reason in (
        ("me quejo de ustedes: conozco mis derechos del consumidor", "legal_threat"),
        ("me cobraron doble en su tienda", "payment_dispute"),
        ("el banco me dijo q la clonaron y vi dos compras en su tienda q no son mias", "fraud"),
    ):
        assert reason in reasons(text), text


def test_a_battery_burst_a_shock_or_a_legal_letter_count_but_not_as_figures() -> None:
    for text, reason in (
        ("la bateria del patinete ha reventado cargando", "safety_incident"),
        ("el secador le dio como un shock a mi hermana", "safety_incident"),
        ("mi viejo es abogado y ya esta armando la carta documento", "legal_threat"),
    ):
        assert reason in reasons(text), text
    for text in (
        "me dio un shock el precio, que barato!",
        "el banco me bloqueo la tarjeta por 'posible fraude' cuando quise comprar la tele",
        "mi gestor dice que comprar sin factura es casi un fraude jaja",
        "mi cunao me conto q a el otra tienda le mando un refri q olia a gas",
    ):
        assert reasons(text) == [], text
