"""Customers in a vulnerable situation (handoff/escalation/vulnerable.py), through decide().

Each driver (health, life events, resilience, capability) is caught in both
languages, and the look-alikes that are routine (a nurse's delivery address,
a memory foam mattress, "I'm sick of waiting", "me quiero morir de la
verguenza") are left alone. The blind sets under tests/handoff/escalation/
measure the patterns on messages written by people who never read them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from handoff.escalation import Turn, decide
from handoff.escalation.phrases import _find
from handoff.escalation.rules import REASON_PRIORITY
from handoff.escalation.vulnerable import VULNERABLE_SITUATION
from tests.handoff.escalation.rules_only import RULES_ONLY, reasons

HERE = Path(__file__).parent


@pytest.mark.parametrize(
    "text",
    [
        # health
        "my dad is in intensive care so nobody can be home for the fridge delivery",
        "I'm halfway through chemo and can't lift the parcel to send it back",
        "just come out of hospital after a hip op, is there another way to return this",
        "i'm registered blind and your returns page doesn't work with my screen reader",
        "my wife uses a wheelchair and the driver left the sofa on the kerb",
        # capability
        "mum has dementia and has ordered the same kettle four times this month",
        "I hold power of attorney for my father, please stop the orders he keeps placing",
        "my nan is 91 and got confused, she didn't mean to buy the recliner",
        # life events
        "my ex still uses my card on your site since we split up",
        "I've left an abusive relationship, please change my address and don't tell him",
        "the flood last week wrecked our home and the new beds with it",
        "I was made redundant on Friday, can I cancel the sofa on finance?",
        # resilience
        "I can't afford this month's instalment on the bed, can we talk about it",
        "I need the refund to buy food for my kids this week",
        "I'm three payments behind and the letters are scaring me",
        # mental health
        "I'm not coping at all, I bought all this during a manic episode",
        "my dad has MS and can't lift the boxes for the return",
        "she's abusive and keeps taking my card, please freeze the account",
    ],
)
def test_english_vulnerable_situations_go_to_a_person(text: str) -> None:
    assert "vulnerable_customer" in reasons(text)


@pytest.mark.parametrize(
    "text",
    [
        "mi papa esta internado en terapia intensiva, pueden posponer la entrega?",
        "estoy en quimio y no puedo cargar la caja para devolverla",
        "a mi mama le diagnosticaron alzheimer y compro cinco licuadoras",
        "mi abuela tiene 88 anos y se confunde, hizo pedidos sin entender",
        "mi ex sigue usando mi tarjeta en su pagina desde que nos separamos",
        "me fui de la casa por violencia de genero, cambien mi direccion por favor",
        "se nos inundo la casa y perdimos todo lo que les compramos",
        "me quede sin trabajo y no puedo seguir pagando las cuotas del sofa",
        "necesito el reembolso para pagar el arriendo de este mes",
        "no me alcanza para la cuota, tengo dos hijos y es eso o la comida",
        "voy atrasada tres cuotas con la nevera y no se que hacer",
        "tengo depresion y en una mala noche compre un monton de cosas",
        "mi esposo me quito la tarjeta, pueden bloquear mi cuenta sin que el se entere?",
        "me corrieron del trabajo y no voy a poder pagar la siguiente cuota del refri",
        "desde el incendio vivimos en un albergue, no me manden nada a la casa",
        "hay dos pedidos que hizo mi exmarido con mi tarjeta, no quiero que lo sepa",
        "cancelen mi pedido, ya nada importa, no creo que vaya a estar aqui para cuando llegue",
        "mi papa ya no anda tan bien de la cabeza y compro tres teles",
        "mum isn't so good with her memory now, she ordered the same kettle four times",
        "he didn't even remember placing the order, can we cancel it?",
        "please update the address, I don't want my ex-husband to find my new address",
        "that's the only money I have for groceries, please refund it",
        "encargo una cama de 900 dolares y ni se acuerda de haberla pedido",
        "cambien mi direccion, no quiero que mi expareja sepa donde vivo ahora",
        "devuelvanme esa plata, es todo lo que me queda para pagar el alquiler",
        # Beside the words of the look-alikes: a problem more, the customer's mother's home.
        "me quedé sin trabajo y tengo otro problema: no puedo pagar la cuota del sofá",
        "se quemó la casa de mi mamá y perdimos todo lo que les compramos",
        "con el terremoto se nos cayó la casa, no tengo dónde recibir la nevera",
        "el huracán nos tumbó la casa y no tengo dónde recibir el sofá",
        "mi mamá está internada, recuperándose de la cadera, no puede devolver la silla",
    ],
)
def test_spanish_vulnerable_situations_go_to_a_person(text: str) -> None:
    assert "vulnerable_customer" in reasons(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'm a nurse, can you deliver to the hospital reception?",
        "my shift at the hospital ends at 6, can the wardrobe come after 7?",
        "I was in hospital for a minor thing, all fine now. Has my refund gone through?",
        "do you sell a memory foam mattress in king size?",
        "is the weighted anxiety blanket machine washable?",
        "honestly I'm sick of the rain, when does the patio set arrive?",
        "I'm broke lol, any discount codes?",
        "moving into my own flat after the divorce, can I change my delivery address?",
        "I nearly had a heart attack when I saw how cheap the TV was",
        "a surprise for my wife without her knowing, can you leave it with a neighbour?",
        "a wheelchair accessible desk, do you have one?",
        "do you sell a dementia clock for my gran?",
        "soy enfermera, me lo pueden entregar en el hospital donde trabajo?",
        "casi me da un infarto con el precio, que barato!",
        "me quiero morir de la verguenza, puse mal la direccion",
        "tengo ansiedad de que llegue ya mi pedido jaja",
        "no me alcanza para el modelo grande, tienen uno mas barato?",
        "quiero mandarle un regalo a mi esposa sin que se entere",
        "tienen camas articuladas tipo hospital para leer en la cama?",
        "my mum is in hospital because my sister just had a baby, can you deliver there?",
        "she has ms of data left lol, can you text her the tracking link instead?",
        "they are abusive in the reviews, but I still want the sofa",
        "quiero donar mantas al albergue de mi barrio, hacen envios gratis?",
        "por la depresion tropical se atraso el envio?",
        "no voy a estar aqui para recibirlo, me voy de viaje, lo dejan con el portero?",
        "I won't be here to sign for it on Monday, can you leave it next door?",
        "mi mama esta en el hospital, es enfermera y sale de turno a las 8, pueden entregar?",
        "ahora estoy en el hospital visitando a un compañero, me llaman al rato?",
        "estoy en el hospital haciendo turno hasta las 8, lo pueden dejar con el portero?",
        "estoy en el hospital currando de noche toda la semana, lo dejais en conserjeria?",
        "mi hermana está en el hospital porque ya va a nacer mi sobrino, llega a Toluca?",
        "no quiero que mi novia sepa lo del regalo, lo pueden envolver?",
        "esta bien de la memoria el celular? cuantos gigas trae?",
        # A disability or an operation told beside a product or delivery question.
        "mi hijo usa silla de ruedas, el escritorio regulable llega a 75 cm de alto?",
        "mi mama usa silla de ruedas y estoy buscando una mesa de noche mas alta",
        "me operaron la rodilla y ando con muletas, me suben el paquete al 2do piso?",
        "soy sorda asi que prefiero todo por aca, no me llamen porfa",
        "a mi abuelo lo operan de la catarata el martes, nada grave, quiero regalarle una tablet",
        # A gift for someone else in hard times; a check-up; a document hard to read.
        "mi abuela está en la clínica y le quiero mandar un cojín ortopédico",
        "mi compadre se quedó sin trabajo y le quiero regalar una licuadora",
        "a mi vecina se le inundó la casa con la lluvia, le queremos regalar un hervidor",
        "ando en la clínica con el nene en la vacuna de los 6 meses, puede recibir mi hermano?",
        "no sé leer eso de la guía, dónde dice la fecha estimada?",
        "soy veterano y tengo una discapacidad en la rodilla, nada grave",
        "I don't want her to know what the present is, can you gift wrap it?",
        "is the laptop good with its memory for video editing?",
        # Over now, someone else's home, whom a product is for.
        "a mi papá lo internaron en septiembre pero ya le dieron de alta, tienen andaderas?",
        "perdí la chamba en enero pero ya tengo otro trabajo, me aprueban el crédito?",
        "se incendió la casa de unos amigos y quiero mandarles unas cobijas",
        "es para mi tío que tiene alzheimer, ¿el reloj trae la fecha grande?",
        "el año pasado estuve hospitalizado y me dieron más plazo, ahora busco una cafetera",
        "después del terremoto queremos anclar los muebles de la casa, ¿venden kits?",
        "estuve hospitalizada la semana pasada, por eso no pude recibir el pedido",
        "mi papa esta en silla d ruedas dsd el derrame y le kiero comprar una cama clinica",
    ],
)
def test_look_alikes_are_routine(text: str) -> None:
    assert "vulnerable_customer" not in reasons(text)
    assert "safety_incident" not in reasons(text)


def test_a_vulnerable_customer_stays_one_for_the_conversation() -> None:
    decision = decide(
        [
            Turn.customer("my husband is in hospital after a stroke"),
            Turn.bot("utter_ask_more", "I'm sorry to hear that. How can I help?"),
            Turn.customer("the wardrobe is due on Monday, can it wait?"),
        ],
        RULES_ONLY,
    )
    assert decision.reasons == ["vulnerable_customer"]
    assert decision.priority == REASON_PRIORITY["vulnerable_customer"] == 3
    assert "a customer in a vulnerable situation" in decision.explanation["vulnerable_customer"]


def test_a_hospital_stay_after_an_injury_is_a_safety_incident_too() -> None:
    found = reasons("my son is in hospital, the heater burnt his hand")
    assert "safety_incident" in found


def figures(name: str) -> dict[tuple[str, bool], tuple[int, int]]:
    """Per (language, vulnerable): (messages, found vulnerable)."""
    messages = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))["messages"]
    counts: dict[tuple[str, bool], list[int]] = {}
    for message in messages:
        count = counts.setdefault((message["lang"], bool(message["vulnerable"])), [0, 0])
        count[0] += 1
        count[1] += _find(VULNERABLE_SITUATION, message["text"]) is not None
    return {key: (n, found) for key, (n, found) in counts.items()}


# File: the least share of vulnerable messages found, the most share of the others
# found, per language. vulnerable_messages_dev.yml (100 per language) was read to
# write the patterns: found 1.00 / 0.96, others 0.00 / 0.00. vulnerable_messages_test.yml
# (80 per language, written later by someone who had read neither the patterns nor
# the dev messages, most of it indirect: "since the chemo I can't carry anything") was
# only ever measured: found 11/40 English, 15/40 Spanish; others 2/40 and 3/40.
FLOORS = [
    ("vulnerable_messages_dev.yml", 0.90, 0.05),
    ("vulnerable_messages_test.yml", 0.20, 0.125),
]


@pytest.mark.parametrize(("name", "least_found", "most_others"), FLOORS)
def test_vulnerable_situations_on_the_blind_messages(
    name: str, least_found: float, most_others: float
) -> None:
    counts = figures(name)
    for language in ("en", "es"):
        total, found = counts[(language, True)]
        assert found / total >= least_found, (language, found, total)
        total, found = counts[(language, False)]
        assert found / total <= most_others, (language, found, total)


def test_a_disability_in_the_way_still_counts_in_one_message_or_two() -> None:
    for text in (
        "uso silla de ruedas y vivo en un cuarto piso, no tengo forma de bajar a llevar la caja",
        "quiero devolver la mesita pero voy en silla de ruedas y no puedo llevarla a correos",
        "soy sorda y el repartidor solo me llama, no puedo contestarle",
        "te escribo desde el sanatorio, me operaron ayer",
    ):
        assert "vulnerable_customer" in reasons(text), text
    # Said in passing first, in the way next.
    found = reasons(
        "buenas, uso silla de ruedas y vivo en un tercer piso",
        "me llego una mesa que no pedi y me dicen que la baje para que la retire el flete, no "
        "hay forma",
    )
    assert "vulnerable_customer" in found
    # The customer's own hard times, or a relative's, still count beside a gift.
    for text in (
        "mi madre esta ingresada y no puedo pagar la cuota este mes",
        "me quede sin trabajo y no puedo pagar la cuota",
        "mi esposo se quedo sin trabajo y no podemos pagar",
        "se nos inundo la casa y perdimos todo",
        "mi mama no sabe leer y compro algo por error",
    ):
        assert "vulnerable_customer" in reasons(text), text


def test_a_stay_over_an_operation_ahead_or_a_household_getting_by_is_routine() -> None:
    for text in (
        "che, mi vieja estuvo internada por covid hace un mes, ya está joya",
        "mi abuelita anda en el hospital pero ya la dan de alta mañana 🙏",
        "mi abuelita estuvo en el hospital pero ya esta en la casa gracias a Dios 🙏",
        "a mi mamá la operaron y estuvo en clínica, ya está en la casa recuperándose",
        "Hola, me van a operar de la rodilla en marzo 🦵",
        "si mi papa que tiene discapacidad auditiva quiere comprar, puede hacerlo por chat?",
        "mi esposo está desempleado y estamos ahorrando",
    ):
        assert reasons(text) == [], text
    for text in (
        "buenas, se nos quemó el apartamento la semana pasada",
        "mi mama esta internada en el hospital",
        "me van a operar mañana y no puedo recibir el pedido",
        "mi esposo está desempleado y no podemos pagar la cuota",
    ):
        assert "vulnerable_customer" in reasons(text), text


def test_a_friends_flood_a_job_long_behind_or_a_matter_sorted_elsewhere_is_routine() -> None:
    for text in (
        "a mi amiga se le inundó la casa con el huaico, ya está con su familia",
        "hace dos años me quedé sin laburo, la pasé mal, pero ahora tengo mi emprendimiento",
        "Mi tío tiene alzheimer y compró cosas en una página de internet, ya mi prima lo arregló",
        "estoy comprando una silla de ruedas plegable para mi abuelito que tiene discapacidad",
        "mi tía está en quimio y le quiero regalar una manta eléctrica",
    ):
        assert reasons(text) == [], text
    assert "vulnerable_customer" in reasons(
        "mi papa tiene alzheimer y compro tres televisores con mi cuenta"
    )
    assert "vulnerable_customer" in reasons(
        "mi abuela tiene 89 años", "dice q compro algo pero no sabe q", "le llego un cobro"
    )


def test_wanting_to_die_laughed_about_over_a_purchase_is_routine_but_not_with_despair() -> None:
    assert reasons("wey me quiero morir jajaja, la tele no cabe en el mueble") == []
    assert "vulnerable_customer" in reasons("me quiero morir jaja ya no aguanto mas")
    assert "vulnerable_customer" in reasons("me quiero morir")


def test_someone_taken_to_a_check_up_is_routine_but_a_wheelchair_in_the_way_is_not() -> None:
    assert reasons("estoy en el hospital acompañando a mi tía a una consulta, cuanto tarda?") == []
    assert "vulnerable_customer" in reasons("estoy en el hospital, me operaron ayer")
    assert "vulnerable_customer" in reasons(
        "soy usuario de silla de ruedas",
        "el repartidor solo deja en el portal y no puedo subir una caja de 30 kilos",
    )


def test_a_job_lost_in_spains_perfect_counts() -> None:
    assert "vulnerable_customer" in reasons("es q me han echado del curro y no llego a la cuota")
