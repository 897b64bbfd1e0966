"""The Spanish words of the anger detector (handoff/escalation/anger_words_es.py).

Insults aimed at the company and verdicts on its service reach the anger
threshold alone (VADER has no Spanish to add to them); slang that praises,
anger at someone else or at oneself, and laughter are damped or ignored.
"""

from __future__ import annotations

import pytest

from handoff.escalation import AngerDetector, EscalationSettings
from handoff.escalation.anger_words import aimed_elsewhere
from tests.handoff.escalation.rules_only import reasons

THRESHOLD = EscalationSettings().anger_threshold


@pytest.fixture(scope="module")
def detector() -> AngerDetector:
    return AngerDetector()


@pytest.mark.parametrize(
    "text",
    [
        "son unos ladrones",
        "pendejos, el paquete llego abierto",
        "sois unos gilipollas",
        "boludos, me mandaron cualquier cosa",
        "hijueputas, me cobraron y nada",
        "que poca madre, otra vez cancelado",
        "esto es una verguenza",
        "me tienen harto con sus excusas",
        "estoy hasta la madre de esperar",
        "que servicio de mierda",
        "ES INACEPTABLE QUE NADIE ME RESPONDA!!!",
        "me mintieron, nunca salio el pedido",
        "🤬 me llego roto",
        "entrega al dia siguiente... de que planeta?",
        "otra semana sin la lavadora, ya ni se para que les escribo",
    ],
)
def test_spanish_anger_reaches_the_threshold(detector: AngerDetector, text: str) -> None:
    assert detector.anger(text).score >= THRESHOLD, detector.anger(text).describe()


@pytest.mark.parametrize(
    "text",
    [
        "la tele esta de puta madre, gracias!",
        "que chimba de precio",
        "no estoy enojado, solo pregunto",
        "jajaja no pasa nada",
        "mi vecino es un pendejo jaja",
        "uf, me olvide la contraseña otra vez",
        "un poco molesto que tarde, pero bueno",
        "YA QUIERO QUE LLEGUE MI CONSOLA 😍",
        "de nuevo yo, quiero otra funda",
        "EL SILLON ESTÁ BRUTAL!!! GRACIAS",
        "ustedes son la para, llego en un dia",
        "QUE ARRECHO QUEDO EL CUARTO CON LA LAMPARA, gracias",
        "YA LLEGO MI LAVADORA 😭😭 GRACIAS!!!",
    ],
)
def test_calm_spanish_stays_under_it(detector: AngerDetector, text: str) -> None:
    assert detector.anger(text).score < THRESHOLD, detector.anger(text).describe()


def test_sarcasm_about_a_quoted_promise(detector: AngerDetector) -> None:
    score = detector.anger("claro, 'en 24 horas' y llevo dos semanas, que rapidez")
    assert "sarcasm" in {s.name for s in score.signals}


def test_praise_gestures_do_not_make_irony_sincere(detector: AngerDetector) -> None:
    # Without its praise, "... de hace un mes 👌 sigo esperando" is no longer positive.
    score = detector.anger('buenisimo el "te llamamos pronto" de hace un mes 👌 sigo esperando')
    assert "sarcasm" in {s.name for s in score.signals}
    assert detector.anger("excelente, llego todo perfecto 👌").score < THRESHOLD


def test_anger_at_someone_else_is_not_at_us() -> None:
    assert aimed_elsewhere("mi esposo se enojo con el de la mudanza") is not None
    assert aimed_elsewhere("mi esposo dice que ustedes son unos ladrones") is None
    assert aimed_elsewhere("mi esposo dice que ustedes tienen la culpa, inutiles") is None
    assert aimed_elsewhere("que bronca, perdimos el clasico otra vez 😤") is not None
    assert aimed_elsewhere("ese banco me tiene mamado, me rechazaron la tarjeta 🤬") is not None
    assert aimed_elsewhere("harta de la lluvia 🙄, tienen paraguas grandes?") is not None
    # "They" lost the parcel, the match is only why the TV was bought: anger at us.
    assert aimed_elsewhere("perdieron el paquete, son unos inutiles") is None
    assert aimed_elsewhere("compre la tele para ver el partido y llego rota, que rabia") is None


def test_another_shop_however_it_is_named_is_not_us() -> None:
    for text in (
        "jamas vuelvo a la otra tienda, unos incompetentes",
        "en otra cadena me atendieron fatal, que desastre",
        "lo pedi en otro lado y llego roto, que asco",
        "en una tienda del barrio me estafaron con un celular",
        "la otra tienda me dejo plantada, ustedes tienen la nevera de 400 litros?",
    ):
        assert aimed_elsewhere(text) is not None, text
    # Ours, or leaving us for another shop: anger at us.
    for text in (
        "me voy a la otra tienda, son unos incompetentes",
        "lo dejaron en otro sitio y no en mi casa, que desastre",
        "fui a la tienda y me trataron fatal",
        "ustedes tienen la culpa, la otra tienda nunca me fallo",
    ):
        assert aimed_elsewhere(text) is None, text


def test_other_businesses_and_questions_put_to_us_are_not_anger_at_us() -> None:
    # Another business vented about, then a question put to us: how to pay or buy, what
    # we have, whom we ship with, a hope.
    for text in (
        "ESTOY HARTA DEL BANCO, me rechazaron la tarjeta otra vez, unos inutiles",
        "furiosa con el banco!!! ¿puedo pagar en una tienda de ustedes en efectivo?",
        "Rappi me mando el pedido equivocado, unos inutiles!!! ¿ustedes tienen licuadoras?",
        "el SAT me tiene harto con sus tramites, unos ineptos",
        "el servicio tecnico de Samsung es una porqueria, ¿ustedes venden Xiaomi?",
        "el vecino puso musica toda la noche, que rabia",
        "el tecnico de la otra marca nunca vino!!! quiero comprarles una lavadora a ustedes",
        "la paqueteria de la otra tienda es un desastre, ¿ustedes con quien envian?",
        "el correo de la otra tienda es un desastre, ojala ustedes sean mejores",
    ):
        assert aimed_elsewhere(text) is not None, text
    # Reproaches put as questions, our own service named, leaving us for a marketplace.
    for text in (
        "el banco me dice que ustedes tienen mi plata?? LADRONES",
        "el banco dice que no es su culpa, ustedes tienen idea de lo que hacen?? inutiles",
        "el servicio tecnico de Northwind es una porqueria",
        "me voy a mercado libre, son un desastre absoluto",
        # The same forms guard every shop named: "la", "pasamos a", "compro en".
        "me voy a la amazon, son un desastre absoluto",
        "nos pasamos a rappi, ustedes son un desastre",
        "desde hoy compro en otras tiendas, son unos inutiles",
    ):
        assert aimed_elsewhere(text) is None, text


def test_spanish_praise_is_positive_and_vader_keeps_its_english_words() -> None:
    from handoff.escalation.anger_words_es import ES_LEXICON
    from handoff.escalation.vader import LinearVader

    assert not set(ES_LEXICON) & set(LinearVader().lexicon)
    assert all(value > 0 for value in ES_LEXICON.values())


def test_spanish_words_vader_reads_as_english_ones_are_not_sentiment(
    detector: AngerDetector,
) -> None:
    # "sin" (without) read as sin, -2.6: the praise next to it read as sarcasm.
    praise = (
        "el repartidor fue un cielo: vivo en un cuarto sin ascensor y me subio la lavadora el "
        "solito. Dadle un aplauso de mi parte 👏"
    )
    assert detector.anger(praise).score < THRESHOLD
    assert detector.anger("envio sin costo, ya po, y la alarma pita bonito").compound >= 0
    # English keeps its words: "sin" stays out of both, "useless" is still negative.
    assert detector.anger("this is useless").compound < 0


def test_glad_capitals_are_not_shouting(detector: AngerDetector) -> None:
    assert detector.anger("LA MEJOR TIENDA, GRACIAS!!!").score < THRESHOLD
    # Praise in the slang of each region counts as praise.
    assert detector.anger("WENA!! ME LLEGARON LAS ZAPATILLAS Y ESTAN BACANES").score < THRESHOLD
    assert detector.anger("LLEGO LA LAMPARA!!! ESTA PRECIOSA, ME FLIPA").score < THRESHOLD
    assert detector.anger("CHAMO, LLEGO EN DOS DIAS, SON UNOS DURISIMOS 🙌").score < THRESHOLD


@pytest.mark.parametrize(
    "text",
    [
        "Excelente, quinta vez que me cambian el dia de entrega",
        "tercera vez que me dejan plantado, sigan asi 👏",
    ],
)
def test_praise_around_an_nth_time_is_sarcasm(detector: AngerDetector, text: str) -> None:
    assert "sarcasm" in {s.name for s in detector.anger(text).signals}
    assert detector.anger(text).score >= THRESHOLD


def test_anger_at_a_team_named_first_is_not_at_us() -> None:
    assert aimed_elsewhere("Racing perdio de nuevo 😤") is not None
    assert aimed_elsewhere("que rabia, jugaron como unos perros, son una verguenza") is not None
    assert aimed_elsewhere("ustedes jugaron conmigo, son una verguenza") is None
    # Something of ours lost is a complaint, whoever lost it.
    assert aimed_elsewhere("Estafeta perdio de nuevo mi paquete 😤") is None


def test_staff_called_animals_is_anger_but_pets_are_not() -> None:
    assert "anger" in reasons("los repartidores de ustedes son unos animales")
    assert reasons("mis perros son unos animales jaja, rompieron el cojin, tienen otro?") == []


def test_the_worst_day_is_no_verdict_on_us() -> None:
    assert reasons("Hoy es el peor lunes de la historia. Me ha dejado la novia") == []
    assert "anger" in reasons("es el peor servicio del mundo")


def test_fed_up_with_the_neighbour_is_not_with_us() -> None:
    assert reasons("estoy harta del vecino de arriba, tienen maquinas de ruido blanco?") == []
    assert "anger" in reasons("estoy harta de ustedes")


def test_fed_up_with_us_counts_with_a_phone_company_or_oneself_it_does_not() -> None:
    for text in ("ya estoy mamada de ustedes", "ustedes son unos mediocres jueputa"):
        assert "anger" in reasons(text), text
    for text in (
        "estoy mamada de Claro, me dejaron sin internet todo el puente",
        "Estoy harto de mí mismo, he vuelto a pedir una M",
    ):
        assert reasons(text) == [], text
