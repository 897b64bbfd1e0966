"""The Spanish phrases of the rule lists (handoff/escalation/phrases_es.py), through decide().

Each family is tested with wordings it must catch, from several regions, and
with the innocent wordings next to it that it must leave alone. The learned
models are off: these are the rules' own findings.
"""

from __future__ import annotations

import pytest

from handoff.escalation import Turn, decide
from handoff.escalation.findings import _findings
from handoff.escalation.phrases import EXPLICIT_REQUEST, _find
from handoff.escalation.phrases_es import ES_EXPLICIT_REQUEST
from handoff.escalation.vocabulary import _normalise
from tests.handoff.escalation.rules_only import RULES_ONLY, reasons


@pytest.mark.parametrize(
    "text",
    [
        "quiero hablar con un asesor",
        "me comunicas con un agente por favor",
        "pasame con una persona real",
        "pásenme con su supervisor",
        "necesito que me atienda un humano",
        "quisiera hablar con alguien de carne y hueso",
        "asesor",
        "HUMANO POR FAVOR",
        "¿hay alguien ahí?",
        "me pueden llamar al 5512345678?",
        "llámenme, por chat no me entiendo",
        "ponme con el encargado",
        "ya no quiero hablar con un robot",
        "bueno si, pasame con uno",
        "mejor que lo revise una persona, esto es raro",
        "me pueden llamar? el repartidor no llego",
        "tengo que hablar con alguien ya",
        "bueno, no pasa nada, ¿me podéis poner con alguien que lo sepa?",
        "¿puedo hablar con una persona? el pedido no llegó",
        "¿Me pasáis con una persona, por favor?",
    ],
)
def test_asking_for_a_person(text: str) -> None:
    assert "explicit_request" in reasons(text)


@pytest.mark.parametrize(
    "text",
    [
        "no necesito un asesor, ya lo resolvi",
        "no quiero que me llamen, prefiero el chat",
        "el agente de aduanas me pidio la factura",
        "ya hable con una asesora ayer y quedo todo bien",
        "eres un bot? da igual, donde veo mi pedido",
        # The courier calling ahead; a story; whether a person is needed, asked.
        "el repartidor me puede llamar antes de llegar?",
        "que el tecnico me llame para coordinar la instalacion porfa",
        "la otra vez tuve que hablar con un asesor pero me resolvieron todo bien",
        "tengo que hablar con alguien para lo de la garantia?",
        "tengo que hablar con alguien o se hace todo por aqui?",
        # How things are done, asked; someone of the customer's own; a relative's call told.
        "si ese día hay algún problema, ¿puedo hablar con una persona o va todo por aquí?",
        "se puede hablar con alguien para coordinar el armado o se hace todo por aca?",
        "tengo que hablar con alguien primero, con mi esposa jaja",
        "mi hermana habló ayer con un supervisor de ustedes y le resolvieron lo del colchón",
    ],
)
def test_not_asking_for_a_person(text: str) -> None:
    assert "explicit_request" not in reasons(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("no me estas ayudando", "bot_did_not_help"),
        ("les digo por cuarta vez que el color esta mal", "repeated_request"),
        ("eso no responde mi pregunta", "bot_did_not_help"),
        ("este bot es un inutil", "bot_did_not_help"),
        ("estamos dando vueltas en circulos", "bot_did_not_help"),
        ("llevo dos horas en espera con el call center", "contact_center_failure"),
        ("nadie me responde los correos", "contact_center_failure"),
        ("escribi el lunes y no me ha contestado nadie", "contact_center_failure"),
        ("me dijeron que me llamaban el lunes y nada", "contact_center_failure"),
        ("me colgaron tres veces", "contact_center_failure"),
        (
            "me pasaron a ventas, de ventas a garantías, de garantías a atención al cliente",
            "contact_center_failure",
        ),
        ("ya me han pasado de un departamento a otro tres veces", "contact_center_failure"),
        ("me han rebotado por tres areas distintas", "contact_center_failure"),
        ("mande cinco mails y ni una respuesta", "contact_center_failure"),
        ("nunca mas les compro", "threat_to_leave"),
        ("no vuelvo a comprar en esta tienda", "threat_to_leave"),
        ("los voy a escrachar en redes", "threat_to_leave"),
        ("perdieron un cliente", "threat_to_leave"),
        ("es la tercera vez que pido lo mismo", "repeated_request"),
        ("ya te di el numero de pedido", "repeated_request"),
        ("cuantas veces tengo que repetirlo?", "repeated_request"),
        ("despues de esto no pienso seguir comprando aca", "threat_to_leave"),
        ("no queremos saber mas nada de ustedes", "threat_to_leave"),
        ("me cobraron el envio pero en mi cuenta no aparece ningun pedido", "payment_dispute"),
        ("veo dos cargos en la tarjeta pero fue una sola compra", "payment_dispute"),
        ("tengo tres cobros de 450 pesos por la misma compra", "payment_dispute"),
        ("me debitaron el dinero y ahora me dice que tengo que pagar de nuevo", "payment_dispute"),
        ("mi abuela tenia una cuenta con ustedes, fallecio el mes pasado", "bereavement"),
        (
            "me dijeron que un compañero me devolveria la llamada en el dia. Sigo esperando.",
            "contact_center_failure",
        ),
        ("no hay caso con vos", "bot_did_not_help"),
        ("me quiero dar de baja y contar en todas mis redes lo que me hicieron", "threat_to_leave"),
        ("tercer dia preguntando lo mismo", "repeated_request"),
        ("llevo tres dias pidiendo lo mismo", "repeated_request"),
        # Fourth round: what es_dev7 and es_dev8 showed missing, said in other words.
        ("llame a la tienda y no contesta nadie", "contact_center_failure"),
        ("les mande el reclamo y ni siquiera una respuesta", "contact_center_failure"),
        (
            'muy lindo el "le llamaremos en breve" de hace tres semanas, sigo esperando',
            "contact_center_failure",
        ),
        ("otra vez lo mismo, eso ya lo lei", "bot_did_not_help"),
        ("no me contestas lo que te pregunte", "bot_did_not_help"),
        ("eso no es lo que pedi", "bot_did_not_help"),
        ("hace un mes fallecio mi padre y tenia pedidos pendientes", "bereavement"),
        ("mi papa compro el sillon antes de fallecer", "bereavement"),
        ("si manana no me resuelven lo subo a todas mis redes", "threat_to_leave"),
        ("ya te he dicho que no tengo la factura", "repeated_request"),
        ("no se como mas explicartelo, el color esta mal", "repeated_request"),
        ("hablar con ustedes es como hablar con una pared", "bot_did_not_help"),
        # The seventh round (es_dev12), in other words than the dev set's.
        ("oigan, ¿hay alguna persona de carne y hueso por alli?", "explicit_request"),
        ("mejor que esto lo revise alguien de su equipo", "explicit_request"),
        (
            "si el lunes no me responden, ya sabran donde publicar lo que me hicieron",
            "threat_to_leave",
        ),
        ("ayer presente una queja para la PROFECO por el colchon", "legal_threat"),
        (
            "en el estado de cuenta veo tres cobros de ustedes y yo compre una vez",
            "payment_dispute",
        ),
        (
            "me mandaron un whatsapp que decia ser de ustedes y meti el numero de la tarjeta",
            "fraud",
        ),
        ("me escribieron un correo pidiendo fotos de mis tarjetas, son ustedes?", "fraud"),
        ("tengo un pedido en mi cuenta que no es mio, a nombre de otra persona", "fraud"),
        ("lo estan mandando a una direccion en otra ciudad que no conozco", "fraud"),
        ("mi hija de 10 compro juegos con la tarjeta mientras yo dormia", "fraud"),
        ("el cable huele como a plastico chamuscado", "safety_incident"),
        ("con ese reembolso ibamos a comprar la comida de la quincena", "vulnerable_customer"),
        (
            "cambien la direccion, no quiero que mi expareja sepa a donde me voy a mudar",
            "vulnerable_customer",
        ),
        ("sigo sin entender que tengo que hacer para devolverlo", "bot_did_not_help"),
        # The eighth round (es_dev13), in other words than the dev set's.
        ("sentimos un olorcito a quemao cuando la conectamos", "safety_incident"),
        ("el cargador solto una chispa y se apago todo", "safety_incident"),
        ("cuando me devuelven? con ese dinero pagamos la renta", "vulnerable_customer"),
        ("mi nena de 8 agarro la tablet y compro 3 juegos, yo no le di permiso", "fraud"),
        ("me escribieron que me gane un sorteo de ustedes y meti los datos de la tarjeta", "fraud"),
        ("hay un cobro de 500 en mi tarjeta pero no tengo ningun pedido", "fraud"),
        ("con la quimioterapia no puedo cargar la caja", "vulnerable_customer"),
        ("mi abuelo tiene 91 y no entiende que le mandaron", "vulnerable_customer"),
        ("se nos inundo la casa, pueden guardar el pedido?", "vulnerable_customer"),
        ("mi dad fallecio y el pedido estaba a su nombre", "bereavement"),
        ("eso no fue lo que acordamos en el contrato", "legal_threat"),
        ("listo, me voy pa la competencia", "threat_to_leave"),
        # The ninth round (es_dev14), in other words than the dev set's.
        ("la verdad no deseo seguir chateando con una maquina", "explicit_request"),
        ("ya les pregunte esto mismo el lunes", "repeated_request"),
        ("otra vez se nos cae la llamada con ustedes", "contact_center_failure"),
        ("en el resumen aparecen duplicado el mismo cargo de 200 soles", "payment_dispute"),
        ("di de baja la suscripcion y volvio a salir el cobro", "payment_dispute"),
        ("ustedes me han cobrado dos veces", "payment_dispute"),
        ("el tecnico quiere cobrar aparte y eso no es lo que quedamos", "legal_threat"),
        ("el reembolso lo necesitamos para pagar la luz", "vulnerable_customer"),
        ("mi marido anda sin trabajo desde marzo", "vulnerable_customer"),
        # Promises of ours not kept, a case left open, passed around; told laughing too.
        (
            "el asesor me aseguro que me llamaba el martes, eso fue hace dos semanas",
            "contact_center_failure",
        ),
        (
            "una tal Marisol me prometio el cambio de la licuadora y todavia nada",
            "contact_center_failure",
        ),
        ("tengo el reclamo 4471 abierto desde hace 9 dias", "contact_center_failure"),
        ("me han pasado por cuatro areas distintas para lo mismo", "contact_center_failure"),
        (
            "estuve como 3 horas en espera jajaja 😅 bueno, ya salio mi reembolso?",
            "contact_center_failure",
        ),
        ("me cobraron dos veces y todavia no me lo devuelven", "payment_dispute"),
    ],
)
def test_spanish_cues(text: str, reason: str) -> None:
    assert reason in reasons(text)


@pytest.mark.parametrize(
    "text",
    [
        "la talla no me sirve, la quiero cambiar",
        "esta es la tercera vez que compro aqui y siempre excelente",
        "nadie abrio la puerta, el repartidor se lo llevo?",
        "no atienden los domingos?",
        "como cierro mi cuenta?",
        "quiero cancelar mi pedido, ya no lo necesito",
        "mi banco es un desastre, me bloquearon la tarjeta OTRA VEZ, puedo pagar con paypal?",
        "consejos para evitar fraudes al comprar en linea?",
        "como evito una estafa por whatsapp?",
        "estoy enojadisima con la aerolinea, me cancelaron el vuelo 😤 hacen envios a Lima?",
        "el banco me tiene loca, me rechazo la tarjeta otra vez, acepto transferencia?",
        "ese banco me tiene mamado, me rechazaron la tarjeta tres veces 🤬",
        "chamo mi banco es una mierda, esos inutiles me bloquearon la tarjeta, ustedes aceptan "
        "paypal?",
        "olvide mi contraseña otra vez, que lata 🙄",
        "que bronca, perdimos el clasico otra vez, estoy que muerdo 😤",
        "no hay caso, la talla M no me queda, la cambio por L?",
        "si no me contestan el lunes les vuelvo a escribir, vale?",
        "queria pedir un asesor pero ya no, ya lo vi en la pagina",
        "mi abogado necesita las facturas de marzo, como las descargo?",
        "odio este calor 🥵 hacen envios el sabado?",
        "mi carro se quedo sin bateria otra vez 🙄 puedo recoger manana?",
        "la micro me dejo botado, que rabia 😤 pueden entregar despues de las 8?",
        "otra vez perdimos el clasico 😤 en fin, cuanto cuesta el envio?",
        "mi ex es lo peor 🙄 bueno, como cambio mi direccion?",
        "que rabia, perdio River otra vez 😤 bueno, tienen la freidora en stock?",
        "escuche que a veces cobran dos veces, es verdad? quiero comprar pero me da miedo",
        "soy ciega, por eso prefiero que me escriban por mensaje",
        "jeje ando mal de plata hasta que cobre, tienen algo mas barato?",
        "me salieron dos cargos pero me di cuenta que uno era el envio, todo ok",
        "uy, el pinche banco no me deja pagar, hay pago en efectivo?",
        "Racing perdio otra vez 😤 me dicen cuando llega mi pedido?",
        "puse los datos de la tarjeta en su pagina y me sale error",
        "a mi abuelo de 85 anos le encanto la silla",
        "no entiendo que compre, me ayudas a ver el pedido 12345678?",
        "tercera vez que les compro y todo excelente, sigan asi",
        "estoy furiosa conmigo misma, escribi mal el correo, lo cambian?",
        "tengo 75 anos y me encanto la lavadora",
        "mi mom me ayudo a pedir, cuando llega?",
        "mi nene hizo el pedido conmigo, yo le di permiso",
        "la empresa de mi celular me tiene harta, se me caen las llamadas 😤 quiero cambiar la "
        "direccion del pedido",
        "el banco otra vez rechazo la tarjeta, siempre lo mismo con ellos, pago en efectivo?",
        "LA PUTA MADRE GOLAZO!!! jaja perdon, cuando llega mi pedido?",
        "en la otra tienda me estafaron, por eso compro aca, que garantia tiene la tele?",
        "olvide la clave, me mandan el link para cambiarla? ya puse la clave nueva dos veces",
        "¿hay alguien por ahí?",
        "el asesor me dijo que el envio tarda 3 dias, perfecto gracias",
        "me confirmaron el cambio por correo, muchas gracias!",
        "hace meses me cobraron doble pero lo reversaron enseguida, todo bien. tienen colchones "
        "king?",
        # A button pressed, not something told before.
        "ya le di clic a recuperar contraseña y me llego el correo, listo",
    ],
)
def test_routine_spanish_is_left_alone(text: str) -> None:
    assert reasons(text) == []


def test_closing_the_account_counts_only_when_unhappy() -> None:
    assert "threat_to_leave" in reasons("cierren mi cuenta, son unos ladrones")
    assert reasons("quiero cerrar mi cuenta, me mudo a otro pais") == []


def test_the_spanish_patterns_are_in_the_lists() -> None:
    patterns = {phrase.pattern.pattern for phrase in EXPLICIT_REQUEST}
    assert set(ES_EXPLICIT_REQUEST) <= patterns


def test_accents_and_chat_spelling_are_folded() -> None:
    assert _find(EXPLICIT_REQUEST, "quiero hablár con un asesór") is not None
    assert "explicit_request" in reasons("q me atienda una persona x favor")
    # "d" for "de", "k" for "qu" in a few words; not the "d" of "I'd" nor the "k" of "kilo".
    assert "contact_center_failure" in reasons(
        "ya me pasaron d ventas a garantias d garantias a logistica"
    )
    assert _normalise("kiero 3 kilos, keria saber. I'd like one") == (
        "quiero 3 kilos, queria saber. I'd like one"
    )


@pytest.mark.parametrize(
    "text",
    [
        "no quiero que me llamen, prefiero el chat",
        "no necesito hablar con nadie, gracias",
        "el agente aduanal me pide la factura",
        # Declining a transfer, with the words a request is made of.
        "no me pases con ningun asesor, solo decime el precio",
        "no hace falta que me transfieras a nadie, con el numero de guia me basta",
        "sin agente porfa, sigo por aca",
        "ok, y sin asesor, solo quiero la fecha",
        "ya no necesito al asesor, ya llego",
        "cancela lo del asesor, ya lo encontre",
        "prefiero seguir por aca, gracias",
        # Someday, not now; a request taken back; when people answer.
        "si alguna vez necesito hablar con un asesor, a donde escribo?",
        "en caso de que algun dia quisiera hablar con una persona, hay telefono?",
        "hace rato pedi un agente pero ya no hace falta, lo encontre",
        "los domingos hay asesores atendiendo o solo el bot?",
        "a que hora atienden los asesores?",
        "y si el bot no sabe algo me pasa con un asesor? no es que lo necesite hoy",
        "por pura curiosidad, hay personas contestando aqui?",
        # The bot tried first; someone else's boss; a doorman; whether a rumour is true.
        "iba a pedir un asesor pero bueno, pruebo con el bot primero",
        "primero intento contigo y si no, vemos",
        "mi jefa me pidio que cotice 15 escritorios para la oficina",
        "mi boss me mando a preguntar si dan factura con RFC",
        "el gerente de la tienda donde trabajo quiere saber si hacen envios a Leon",
        "si no estoy me lo pueden dejar con el portero?",
        "me dijeron que si escribes humano te atienden al instante, es cierto?",
        "es verdad que los agentes solo atienden de dia?",
        # Whether anyone but the bot answers, asked to know.
        "si tengo un problema con la garantia me atiende una persona o todo es por aqui?",
        "si mañana falla la entrega, puedo hablar con alguien o es todo con el bot?",
        # A person or the bot, asked; later on, asked now; the courier's call; whether the
        # chat answers; a request taken back before the message ends.
        "si la lavadora falla, me contesta un asesor o tambien el bot?",
        "hay un numero para hablar con alguien o solo por este chat? por si algun dia",
        "si hay problemas con el envio mas adelante, se puede hablar con una persona?",
        "el de la paqueteria puede llamarme cuando este abajo? no funciona el timbre",
        "hola, hay alguien? no se si este chat contesta los domingos. abren mañana?",
        "me pasas con un asesor que no encuentro la factura ah no espera ya la encontre olvidalo",
        # Whether we call, or a fitter is needed, asked.
        "ustedes llaman para confirmar las compras? es que me llamo un numero raro",
        "el lavavajillas necesita que lo instale un tecnico o lo puedo instalar yo?",
        # Someone else's call, should it come.
        "vale, entonces si alguien me llama pidiendo codigos, cuelgo",
        # An agent who helped before, told of; the customer's phone carrier.
        "la semana pasada? no, ayer hablé con una asesora y me ayudó con el cambio, gracias",
        "me robaron el cel, ya bloqueé el chip con el operador. cómo cambio mi número aquí?",
        # Asked, then left to the bot in the same breath.
        "me pasas con un asesor? o mejor capaz lo resolves vos, es por la factura",
        "quiero hablar con alguien, aunque bueno igual lo sabes tu: abren el domingo?",
    ],
)
def test_wording_that_asks_for_no_one_overrules_the_intent(text: str) -> None:
    turn = Turn.customer(text, intent="request_human", confidence=0.9)
    assert "explicit_request" not in decide([turn], RULES_ONLY).reasons


def test_a_request_in_words_still_counts_next_to_a_declined_call() -> None:
    turn = Turn.customer("no me llamen, pasame con un asesor por chat", "request_human", 0.9)
    assert "explicit_request" in decide([turn], RULES_ONLY).reasons
    for text in (
        "quiero hablar con una persona, no con el bot",
        "me atiende una persona?",
        "si alguien me llama hoy para ver lo del reembolso, mejor",
    ):
        turn = Turn.customer(text, "request_human", 0.9)
        assert "explicit_request" in decide([turn], RULES_ONLY).reasons, text


@pytest.mark.parametrize(
    "text",
    [
        # "Sin" declines only at the start of a clause: here it is the complaint.
        "llevo dos horas sin asesor y nadie me contesta, quiero hablar con una persona",
        "quiero un asesor, no un bot",
        # Not someday: now, or a request after what is taken back.
        "si no me pasas con un asesor ya, cancelo todo",
        "ya no hace falta el bot, quiero hablar con una persona",
        "por ahora no me contesto nadie, quiero hablar con un asesor",
        # Trying the bot is over, or the boss is the one wanted.
        "ya probe contigo y no sirvio, quiero hablar con un asesor",
        "quiero hablar con tu supervisor",
        "la encargada me dijo que me llamaban, quiero hablar con un supervisor",
        # Now, not later; the customer's own call; a "no no" that is no taking back.
        "si no llega mañana quiero hablar con un supervisor",
        "quiero que me llame una persona, no el repartidor",
        "no no, quiero hablar con una persona ya",
        "ya lo encontre: me cobraron doble. quiero hablar con un asesor",
        "ustedes llaman por telefono? quiero que me llamen hoy",
        "necesito que venga un tecnico a instalar la estufa, me pueden llamar?",
        # An agent told of who did not help; the bot asked whether it can.
        "ayer hablé con una asesora y no me resolvió nada, pásame con alguien",
        "puedes resolver tu lo del reembolso o no? quiero hablar con un asesor",
    ],
)
def test_what_is_no_decline_stays_a_request(text: str) -> None:
    assert "explicit_request" in reasons(text)


def test_seventh_round_matters_told_in_two_messages() -> None:
    assert "vulnerable_customer" in reasons("tengo 79 anos", "no se lo que me mandaron")
    assert "vulnerable_customer" in reasons("my mum is 84", "she doesn't know what she ordered")
    assert "contact_center_failure" in reasons(
        "me dijeron que me llamaban hoy en la manana", "estuve todo el dia pendiente del celular"
    )
    assert "fraud" in reasons("my son ordered 3 games while I was asleep")
    assert "fraud" in reasons("me llego un mensaje confirmando una compra", "yo no pedi nada")
    assert "fraud" in reasons(
        "me escribio un whatsapp de ustedes con un enlace bien raro",
        "y le mande el codigo de la tarjeta",
    )


def test_someone_elses_manager_in_spanglish_asks_for_no_one() -> None:
    from handoff.escalation.rules import declines_a_person

    assert declines_a_person("my manager me pidio cotizar 20 escritorios")


def test_just_in_case_told_of_what_was_done_declines_no_one() -> None:
    # "Por si acaso" tells what was done, not a question asked only to know: a message
    # that declines a person is not read by the learned models, and this one needs one.
    text = "huele raro el calentador nuevo, cerre la llave por si acaso, cuando vienen a verlo?"
    assert _findings(_normalise(text)).not_a_request is None
    assert _findings(_normalise("por si algun dia lo necesito, hay telefono?")).not_a_request


def test_what_happened_once_elsewhere_is_no_threat_to_leave() -> None:
    assert "threat_to_leave" not in reasons(
        "¿con quién hablo si el montador rompe algo? que en mi piso anterior me pasó con otra "
        "empresa"
    )
    assert "threat_to_leave" in reasons("ya me harté, me paso con otra empresa")


def test_a_threat_taken_back_laughing_is_none() -> None:
    for text in (
        "me voy a la competencia... mentira jajaja nunca, ustedes son lo mas",
        "nunca mas les compro... mentira jaja, cuando llega la silla?",
    ):
        assert "threat_to_leave" not in reasons(text), text
    for text in (
        "me voy a la competencia, mentira lo que me prometieron",
        "me voy a la competencia jajaja que servicio tan malo",
    ):
        assert "threat_to_leave" in reasons(text), text


def test_a_request_taken_back_with_what_settled_it_asks_for_no_one() -> None:
    for text in (
        "Hola, antes pedí hablar con un humano pero ya está, encontré lo del cambio en la web",
        "Perdón, antes os pedí hablar con una persona porque estaba agobiada con la mudanza, "
        "pero ya me habéis resuelto lo de la fecha",
    ):
        assert reasons(text) == [], text
    assert "explicit_request" in reasons(
        "antes pedí hablar con un humano pero ya está bien de vueltas, pásenme con alguien"
    )


def test_someones_job_asks_for_no_one() -> None:
    from handoff.escalation.rules import declines_a_person

    assert declines_a_person("Mi hermana es agente de policía y le encantó la cafetera jaja")
    assert not declines_a_person("soy asesora de seguros, quiero hablar con un asesor")


def test_checking_with_a_person_is_a_request() -> None:
    assert "explicit_request" in reasons(
        "ya. oye, me gustaría confirmar todo esto con una persona antes de pagar, ¿se puede?"
    )
    assert reasons("quiero consultar con alguien de mi familia antes de comprar") == []


def test_no_answer_or_the_answer_to_another_question_is_the_bot_not_helping() -> None:
    for text in (
        "cuarto mensaje y seguís sin contestar nada útil",
        "no le pregunté el precio, le pregunté si incluye las sillas",
        "otra vez el precio... ¿me entiende lo que le digo?",
    ):
        assert "bot_did_not_help" in reasons(text), text
    assert reasons("no le pregunté a mi esposa todavía, ¿el sofá viene en gris?") == []


def test_leaving_us_told_plainly_or_as_disappointment_is_a_threat() -> None:
    for text in (
        "les voy a dejar de comprar",
        "Cancelo todo. Pensé que ustedes eran distintos 🙂",
    ):
        assert "threat_to_leave" in reasons(text), text
    assert reasons("voy a dejar de comprar tanto jaja, ¿la mesa viene armada?") == []
    assert reasons("no les voy a dejar de comprar, tranquilos, ¿cuándo llega?") == []


def test_contacts_counted_or_a_machine_that_does_not_understand_are_failures() -> None:
    assert "contact_center_failure" in reasons(
        "6 llamadas, 4 correos y 3 chats por la misma garantía 🤡"
    )
    assert reasons("tengo 2 sillas y 3 mesas, ¿me sirve el tapete grande?") == []
    assert "bot_did_not_help" in reasons("hablar con una máquina que no entiende na 🙃")


def test_another_companys_agent_or_contact_centre_is_not_ours() -> None:
    assert reasons("quiero hablar con un asesor del banco pero no me contestan") == []
    assert reasons("dos horas en espera con Movistar para que me arreglen el router") == []
    assert reasons("necesito hablar con alguien??? o tú me puedes decir el horario?") == []
    assert "explicit_request" in reasons("quiero hablar con un asesor")
    assert "contact_center_failure" in reasons("dos horas en espera con ustedes y nada")


def test_a_what_if_with_someone_in_it_or_the_banks_agent_asks_for_no_one() -> None:
    from handoff.escalation.rules import declines_a_person

    for text in (
        "¿Qué pasa en caso de que alguien use mi tarjeta en vuestra web?",
        "q pasa si alguien hace fraude con mi cuenta",
        "quiero hablar con un asesor del banco pero no me contestan",
    ):
        assert declines_a_person(text), text
    for text in (
        "que pasa si alguien usa mi tarjeta? quiero hablar con un asesor",
        "me robaron la tarjeta, quiero hablar con alguien",
    ):
        assert not declines_a_person(text), text


def test_the_answer_to_another_question_a_form_sent_again_or_a_quiet_goodbye_counts() -> None:
    for text, reason in (
        ("te pregunté por la garantía de la notebook, no por los horarios", "bot_did_not_help"),
        ("te pregunté por mi factura y me mandaste horarios de tienda", "bot_did_not_help"),
        ("ya mandé el formulario de devolución cuatro veces", "contact_center_failure"),
        (
            "me lo voy a pensar mucho antes de volver a comprar con vosotros",
            "threat_to_leave",
        ),
    ):
        assert reason in reasons(text), text
    for text in (
        "te pregunte por el sofa gris, tienen en azul?",
        "llame a mi mama 3 veces para preguntarle el color",
    ):
        assert reasons(text) == [], text


def test_a_last_purchase_told_as_a_story_is_no_threat_but_as_a_verdict_it_is() -> None:
    assert reasons("la ultima vez que compre en linea fue antes de la pandemia") == []
    assert "threat_to_leave" in reasons("esa fue la ultima vez que les compre")
    assert "threat_to_leave" in reasons("es la ultima vez que les compro")


def test_a_button_pressed_or_a_what_if_is_asked_nothing_before() -> None:
    assert reasons("olvide mi contrasena", 'ya le di en "olvide mi contrasena" y no llega') == []
    assert "repeated_request" in reasons("ya le di mi numero de pedido dos veces")
    assert reasons("q pasa si por error me hacen el cobro dos veces? como es el tema?") == []


def test_whether_people_answer_asked_is_no_request_even_when_the_nlu_reads_one() -> None:
    def intent_reasons(text: str) -> list[str]:
        turn = Turn.customer(text, intent="request_human", confidence=0.99)
        return decide([turn], RULES_ONLY).reasons

    for text in (
        "ustedes tienen humanos atendiendo los domingos o solo el bot?",
        "¿teneis telefono de atencion con personas o todo es por chat?",
        "hola, me llego un mensaje de q un asesor me llamaria por mi cambio",
    ):
        assert intent_reasons(text) == [], text
    assert intent_reasons("quiero hablar con una persona") == ["explicit_request"]


def test_asked_four_times_or_going_nowhere_counts_a_person_declined_does_not() -> None:
    assert "repeated_request" in reasons("le he preguntado lo mismo cuatro veces")
    assert "bot_did_not_help" in reasons("mire, asi no vamos a llegar a ningun lado")
    assert "explicit_request" in reasons("pensandolo bien si, q me marque alguien al rato xfa")
    turn = Turn.customer(
        "no mi vida, no me pongas con nadie que yo por telefono no oigo bien",
        intent="request_human",
        confidence=0.99,
    )
    assert decide([turn], RULES_ONLY).reasons == []
