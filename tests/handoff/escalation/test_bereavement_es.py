"""The Spanish bereavement phrases (handoff/escalation/bereavement_es.py), through decide().

A death in the family goes to a person; a figure of speech, a journey and a
death years ago told as the reason for a purchase do not, unless the dead
relative's account is still in play.
"""

from __future__ import annotations

import pytest

from tests.handoff.escalation.rules_only import reasons


@pytest.mark.parametrize(
    "messages",
    [
        ("mi esposo falleció la semana pasada y tenía un pedido pendiente",),
        ("murió mi abuela el lunes, quiero cancelar lo que había pedido",),
        ("mi papá partió al cielo el domingo y necesito cerrar su cuenta",),
        ("mi mamá se nos fue hace dos semanas",),
        ("mi papá falleció hace 2 meses y siguen llegando correos a su nombre",),
        # Years ago, but the account is still charging: a person sorts it out.
        ("mi papá se murió hace dos años y la suscripción sigue cobrando",),
        ("murió mi abuelo hace 3 años y todavía le llegan cobros de la tarjeta",),
        ("mi esposo tenía una cuenta con ustedes", "murió el mes pasado"),
        # A memory beside an account still in play is no passing mention.
        ("mi mamá que en paz descanse tenía una suscripción y me siguen cobrando",),
        ("falleció mi esposo, como cancelo su cuenta?",),
        # Settled only in part: the account is still to be closed.
        ("mi papá falleció el mes pasado y su cuenta sigue abierta, ya resolvimos lo del banco",),
        ("mi papá que en paz descanse tenía un crédito con ustedes y siguen cobrando",),
    ],
)
def test_a_death_in_the_family_goes_to_a_person(messages: tuple[str, ...]) -> None:
    assert "bereavement" in reasons(*messages)


@pytest.mark.parametrize(
    "text",
    [
        "mi abuela, que en paz descanse hace como 10 años, tenía una batidora roja igual",
        "desde que falleció mi señora hace ya cinco años soy yo el que hace las compras",
        "mi papá que en paz descanse hace años siempre decía que un buen taladro dura toda la vida",
        "jajaja mi abuela se murió de la risa cuando abrió el regalo",
        "mi hermano se murió de la vergüenza cuando le cantaron",
        "mi mami partió a Cusco ayer y no va a estar para recibir la cocina",
        "mi papá partió para el trabajo, lo puede recibir el portero?",
        "mi abuelo murió hace hartos años y me dejó la maña de leer de noche",
    ],
)
def test_a_figure_of_speech_a_journey_or_a_death_years_ago_is_routine(text: str) -> None:
    assert "bereavement" not in reasons(text)


@pytest.mark.parametrize(
    "text",
    [
        # A memory, or a thing that "died"; a death that has not happened; a colleague's.
        "quiero regalarle a mi mamá un portarretrato para poner fotos de mi papá, que en paz "
        "descanse",
        "mi papá que en paz descanse siempre me decía que un buen taladro dura toda la vida",
        "mi licuadora vieja pasó a mejor vida, que en paz descanse 🪦😂",
        "¿el seguro de cuotas cubre en caso de fallecimiento del titular?",
        "si fallece el titular de una cuenta, qué pasa con los puntos acumulados?",
        "¿qué pasa con una suscripción si el titular fallece? estoy haciendo testamento",
        "quiero mandar una cobija a la familia de un compañero de la oficina, falleció su mamá",
        # Settled, remembered, an anniversary.
        "mi esposo falleció en marzo y ya resolvimos todo lo de sus cuentas, quiero una cama",
        "mi mamá murió hace un tiempo, su cuenta ya la dimos de baja, ¿cómo abro la mía?",
        "mañana se cumple un año que se murió mi abuelo, quiero regalarle flores a mi abuela",
        "mi papá que en paz descanse usaba una afeitadora de esas, ¿la tienen?",
        "busco un reloj como el que usaba mi abuelo, que en paz descanse",
        "falleció mi suegra y necesitamos sillas para el velorio, ¿llegan mañana?",
    ],
)
def test_a_death_in_passing_or_not_yet_or_a_colleagues_is_routine(text: str) -> None:
    assert "bereavement" not in reasons(text)


def test_a_death_last_year_told_in_passing_or_anyones_asked_about_is_routine() -> None:
    for text in (
        "q onda, fíjate q mi tía se murió el año pasado y me dejó su casa, la estoy amueblando",
        "¿Qué documentos necesita la familia para cerrar la cuenta de alguien que ha fallecido?",
        "si el titular de una cuenta fallece, qué tiene que hacer la familia?",
    ):
        assert reasons(text) == [], text
    assert "bereavement" in reasons(
        "mi papa fallecio el año pasado y todavia le siguen cobrando la suscripcion"
    )


def test_an_account_already_in_the_customers_name_is_settled() -> None:
    assert reasons("mi esposo falleció hace 6 años y la cuenta ya está a mi nombre") == []


def test_a_death_told_tenderly_counts_but_a_move_does_not() -> None:
    assert "bereavement" in reasons("mi mamita se nos fue el sabado 😢, tenia un pedido")
    assert reasons("mi hijo se nos fue a vivir a Madrid, le mandan el sofa alla?") == []


def test_a_friends_loss_or_a_death_in_a_year_long_gone_is_routine() -> None:
    for text in (
        "fallecio el papa de mi compadre y le quiero mandar a la familia una cobija",
        "el padre de una compi del curro ha fallecido, queremos mandarle unas velas",
        "mi papa murio en el 2010 y dejo una mecedora, tienen de madera?",
    ):
        assert reasons(text) == [], text
    assert "bereavement" in reasons("mi papa murio en el 2010 y le siguen cobrando la suscripcion")
