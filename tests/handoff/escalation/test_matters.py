"""The matters told in two parts that the twenty-fourth round added (handoff/escalation/matters.py).

Each pair escalates told in two messages, in either order, or in one; each
part alone, or beside a look-alike of the other, stays with the bot.
"""

from __future__ import annotations

import pytest

from handoff.escalation import Turn, decide
from handoff.escalation.matters import IN_TWO_PARTS, PARTS_WINDOW, SENSITIVE_MATTERS
from tests.handoff.escalation.rules_only import RULES_ONLY


def reasons(*messages: str) -> list[str]:
    conversation: list[Turn] = []
    for message in messages:
        conversation += [Turn.customer(message), Turn.bot("utter_default", "Sorry?")]
    return decide(conversation[:-1], RULES_ONLY).reasons


TOLD_IN_PARTS = [
    # A recall, and the customer owns one.
    (
        (
            "hola, lei en las noticias q hay un retiro de unas estufas a cuarzo por riesgo de "
            "incendio",
            "yo compre una el invierno pasado para el cuarto de mi madre",
        ),
        "safety_incident",
    ),
    (
        ("vi en las noticias algo de un retiro de sillas altas para bebe", "es el mismo modelo?"),
        "safety_incident",
    ),
    (
        ("I saw on the news there's a recall on some space heaters", "we bought one from you"),
        "safety_incident",
    ),
    # A child's purchase: something unasked, and a child with the card or the tablet.
    (
        (
            "me ha llegado una consola que yo no he pedido",
            "acabo de hablar con mi hija de 13 y ha sido ella con mi tarjeta",
        ),
        "fraud",
    ),
    (
        (
            "la nina estaba jugando con el ipad",
            "y al parecer termino comprando algo de 320 mil",
        ),
        "fraud",
    ),
    (("mi hija de 12 compro un juego con mi tarjeta", "sin permiso obvio"), "fraud"),
    (
        ("el nene agarro la tablet el domingo", "hay una compra de 60 mil pesos en juguetes"),
        "fraud",
    ),
    (("el nene agarro mi celu y compro un monopatin", "tiene 6 anos", "ayudaaa"), "fraud"),
    (("my kid bought a ps5 con mi tarjeta", "without asking obvio"), "fraud"),
    # Someone else's invoice.
    (
        ("hola, recibi en mi correo una factura", "pero no es mia, es de otra persona"),
        "fraud",
    ),
    (
        (
            "me llego la factura por correo",
            "no es mia, es de una tal Mariela con su cedula y direccion",
        ),
        "fraud",
    ),
    # Our courier, and what he did.
    (
        ("oye, el chico q vino a dejar el sofa ayer", "me esta escribiendo a mi numero personal"),
        "safety_incident",
    ),
    # A gas appliance we fitted, and a smell.
    (
        (
            "vuestro tecnico nos instalo la cocina de gas el viernes",
            "desde entonces hay un olorcillo raro en la cocina, es normal?",
        ),
        "safety_incident",
    ),
    (
        (
            "vi en las noticias que estan retirando unas ollas arroceras",
            "yo tengo una, la compre aqui en marzo",
        ),
        "safety_incident",
    ),
    (
        ("escuche q hay un retiro del mercado de un hervidor", "compre 10 iguales para el colegio"),
        "safety_incident",
    ),
    # A text in our name asking for the card's secrets, filled in.
    (
        (
            "ustedes mandan textos pidiendo el cvv para verificar la cuenta?",
            "me llego uno y ya lo llene",
        ),
        "fraud",
    ),
    # A charge nobody made.
    (
        (
            "en el extracto de la tarjeta de la empresa aparece un cargo vuestro de 849,90",
            "nadie de la oficina ha comprado nada",
        ),
        "fraud",
    ),
    (
        (
            "acaba de llegar a la oficina una caja con 30 monitores",
            "nadie de aca pidio nada y figura pagado con nuestra tarjeta",
        ),
        "fraud",
    ),
    # A flood, and all lost.
    (
        (
            "en trinidad se inundo toda la zona y mi tienda tambien",
            "perdimos la mercaderia y la oficina, tengo una compra a plazos con ustedes",
        ),
        "vulnerable_customer",
    ),
    # A payment made again after an error, and the first taken too.
    (
        (
            "pague por pse y me salio error",
            "volvi a pagar y ahi si salio bien",
            "pero la primera tb me la descontaron y no me la han devuelto",
        ),
        "payment_dispute",
    ),
]


@pytest.mark.parametrize(("messages", "reason"), TOLD_IN_PARTS)
def test_told_in_parts_in_either_order(messages: tuple[str, ...], reason: str) -> None:
    assert reason in reasons(*messages)
    assert reason in reasons(*reversed(messages))
    assert reason in reasons(" ".join(messages))


@pytest.mark.parametrize(
    "messages",
    [
        # Each part alone.
        ("vi en las noticias q hay un retiro de unas estufas por riesgo de incendio",),
        ("compre una estufa a cuarzo el invierno pasado, tienen repuestos?",),
        ("me ha llegado un paquete que no esperaba", "ah no, era el regalo de mi hermana"),
        ("mi hija compro unos audifonos con mi tarjeta, llegan hoy?",),
        # The customer buying for a young child.
        ("mi hijo de 8 anos ya eligio el escritorio, lo compro yo con mi tarjeta",),
        ("aparece un cargo de 50 en mi tarjeta", "es la suscripcion que pedi, todo bien"),
        ("perdimos todo el partido jaja", "y encima se inundo la calle, llega igual el pedido?"),
        ("tengo un pedido pendiente", "nadie me pidio nada de firma, lo dejan en la puerta?"),
        (
            "mi hija de 15 quiere comprar un celular con mi cuenta",
            "puedo poner un limite para que no compre sin mi permiso?",
        ),
        ("me llego la factura por correo", "pero no me sale el numero de pedido"),
        ("el chico q vino a dejar el sofa ayer fue super amable",),
        ("quiero una cocina de gas de 4 puestos", "cual me recomiendan?"),
        ("este perfume tiene un olor raro?",),
        ("volvi a pagar y ahi si salio bien", "cuando llega?"),
        # Not a recall: a pick-up, and what the customer does not remember.
        ("quiero agendar el retiro de los muebles viejos que les compre",),
        ("I don't recall the order number, but I bought one last week",),
        # Not a smell from an appliance: "no huele raro".
        ("el tecnico instalo la estufa de gas", "todo bien, no huele raro ni nada"),
        # Not our courier: another shop's.
        ("el repartidor de otra tienda me grito", "por eso les compro a ustedes"),
    ],
)
def test_either_part_alone_or_a_look_alike_is_routine(messages: tuple[str, ...]) -> None:
    assert reasons(*messages) == []


def test_parts_further_apart_than_the_window_are_not_put_together() -> None:
    first, second = "me llego la factura por correo", "no es mia, es de otra persona"
    between = ["cuanto tarda el envio a Quito?"] * PARTS_WINDOW
    assert reasons(first, *between, second) == []


def test_every_matter_has_a_code_phrases_and_a_label() -> None:
    for code, phrases, label in SENSITIVE_MATTERS:
        assert code and phrases and label
    for code, first, second, label in IN_TWO_PARTS:
        assert code and first and second and label
