"""What one message says, found once per text (handoff/escalation/findings.py).

And the matters told in two parts (matters.IN_TWO_PARTS): a payment
dispute is often told over two or three short messages, the money taken in
one, the order that is not there in another; so are an account changed by
someone else and a call back that never came. Each message is still scanned
once; decide() puts the halves together.
"""

from __future__ import annotations

import pytest

from handoff.escalation import Turn, decide
from handoff.escalation.findings import _findings
from tests.handoff.escalation.rules_only import RULES_ONLY


def reasons(*messages: str) -> list[str]:
    conversation: list[Turn] = []
    for message in messages:
        conversation += [Turn.customer(message), Turn.bot("utter_default", "Sorry?")]
    return decide(conversation[:-1], RULES_ONLY).reasons


@pytest.mark.parametrize(
    "messages",
    [
        (
            "pague el sofa por PSE",
            "el banco me desconto la plata",
            "pero dice que el pedido no existe",
        ),
        ("ya me cobraron", "y en mi cuenta no hay ningun pedido"),
        ("en la app el pedido no aparece en mis pedidos", "pero mi banco ya me debito"),
        ("the bank has already taken the money", "but the order doesn't exist on your site"),
        ("you charged my card", "there's no order in my account"),
        ("I've already paid", "now it says unpaid"),
    ],
)
def test_a_payment_dispute_told_in_two_messages(messages: tuple[str, ...]) -> None:
    assert "payment_dispute" in reasons(*messages)


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        (
            ("me llego un correo de que se ha cambiado el email de mi cuenta", "yo no cambie nada"),
            "fraud",
        ),
        (("my password was changed this morning", "it wasn't me, I can't log in"), "fraud"),
        (("el telefono de mi cuenta ahora es otro", "yo no autorice nada"), "fraud"),
        (
            (
                "el martes me dijeron q me llamaban en 24 horas",
                "hoy es viernes",
                "y nada, ni un mensaje",
            ),
            "contact_center_failure",
        ),
        (
            ("your agent told me someone would call me back on Monday", "still nothing"),
            "contact_center_failure",
        ),
        (
            ("el chico de la tienda quedo de llamarme el lunes", "sigo esperando"),
            "contact_center_failure",
        ),
        (
            ("me dijeron que me hacian un call back ese mismo dia", "ya van tres dias"),
            "contact_center_failure",
        ),
        (
            ("I was promised someone would give me a call back today", "still waiting"),
            "contact_center_failure",
        ),
        (("la cuenta es de mi mama", "fallecio en marzo y siguen llegando cobros"), "bereavement"),
        (("mi abuelo tenia una suscripcion con ustedes", "murio hace dos semanas"), "bereavement"),
        (("the subscription is in my dad's name", "he died in the spring"), "bereavement"),
        (("my wife had an account with you", "she passed away in June"), "bereavement"),
    ],
)
def test_other_matters_told_in_two_messages(messages: tuple[str, ...], reason: str) -> None:
    assert reason in reasons(*messages)


@pytest.mark.parametrize(
    "messages",
    [
        ("me cobraron el envio express", "cuando llega?"),
        ("cambie la direccion de envio", "yo no hice nada mas, esta bien asi?"),
        ("me dijeron que me llamaban para coordinar la entrega", "perfecto, gracias"),
        ("no tengo el numero de pedido", "donde lo encuentro?"),
        ("I have no order number", "I already paid though, where can I find it?"),
        ("the money was taken on Monday", "when will it ship?"),
        ("la cuenta es de mi papa", "se murio la bateria del control, venden pilas?"),
        ("the order is in my mum's name", "the battery died, do you sell chargers?"),
        # Too far apart: four messages between the halves.
        ("ya pague", "gracias", "ok", "y el envio?", "dice que no hay ningun pedido"),
    ],
)
def test_one_half_alone_is_nothing(messages: tuple[str, ...]) -> None:
    found = reasons(*messages)
    assert not {"payment_dispute", "fraud", "contact_center_failure", "bereavement"} & set(found)


def test_a_call_back_that_never_came_counts_in_a_polite_message() -> None:
    # Not skipped in a glad message, unlike the one-message form: "buenas tardes"
    # makes VADER read a calm complaint as glad (tried on 2026-12-05: it cost
    # es_dev6 this very conversation).
    message = (
        "hola buenas tardes mire me dijeron que me iban a llamar el jueves por lo de mi "
        "cambio y ya es lunes y nadie me ha llamado, muchas gracias"
    )
    assert "contact_center_failure" in reasons(message)


def test_findings_are_remembered_per_text() -> None:
    _findings.cache_clear()
    first = _findings("el banco me desconto la plata")
    assert _findings("el banco me desconto la plata") is first
    assert first.parts[0] == ("me desconto", None)


def test_another_companys_contact_centre_is_not_ours() -> None:
    for message in (
        "la compañia de internet es lo peor, 3 dias sin señal y nadie contesta 😤",
        "ese banco es lo peor que hay, llevo una hora con ellos al telefono",
        "my bank had me on hold for an hour this morning",
    ):
        assert "contact_center_failure" not in reasons(message), message
    # Someone of the customer's own, or another company beside us: ours.
    for message in (
        "mi esposo llamo tres veces y nadie le contesto",
        "el banco dice que el reembolso lo hacen ustedes y aqui nadie contesta",
        "my bank says it's on you, and I've been on hold with you for an hour",
    ):
        assert "contact_center_failure" in reasons(message), message
