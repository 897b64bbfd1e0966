"""Staff misconduct and exposed personal data (handoff/escalation/misconduct.py), through decide().

Written for these tests, in other words than the training files: what
happened (threats, harassment, cash asked for, photos of the home, damage to
it) is caught in both languages; the same words about what might happen,
praise of a driver, a product broken on the way, another customer's parcel
delivered by mistake and an invoice made out to someone else are left alone.
"""

from __future__ import annotations

import pytest

from tests.handoff.escalation.rules_only import reasons


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("the courier threatened my son when he asked to check the box", "safety_incident"),
        ("the installer grabbed my arm when I said I'd call the shop", "safety_incident"),
        ("your delivery guy has been texting my daughter since Tuesday", "safety_incident"),
        ("the man who delivered the sofa was drunk and swore at my wife", "safety_incident"),
        ("the driver demanded cash before he would unload the fridge", "safety_incident"),
        ("el repartidor le grito a mi abuela y tiro la caja al suelo", "safety_incident"),
        ("el motorizado nos amenazo porque no le dimos propina", "safety_incident"),
        ("el tecnico que vino a instalar la lavadora me toco la pierna", "safety_incident"),
        ("el chico que trajo el colchon sigue escribiendole a mi hermana", "safety_incident"),
        ("el transportista pidio plata aparte para subirlo al tercer piso", "safety_incident"),
        ("el chofer llego borracho y rayo el carro del vecino", "safety_incident"),
        ("el repartidor al meter el armario ha rayado el parquet del pasillo", "safety_incident"),
        ("el montador ha dado un golpe en el marco de la puerta", "safety_incident"),
        (
            "el de la paqueteria me dijo que si no le pagaba no me dejaba el paquete",
            "safety_incident",
        ),
        # Damage to the home, photos taken inside it, money on top, messages that go on.
        ("los de la mudanza rayaron la pared del pasillo subiendo el ropero", "safety_incident"),
        ("the delivery crew cracked two floor tiles bringing the washer in", "safety_incident"),
        ("el tecnico estuvo sacando fotos de mi cuarto sin pedir permiso", "safety_incident"),
        ("el instalador me cobro 30 dolares extra en efectivo", "safety_incident"),
        ("el repartidor le sigue mandando mensajes a mi sobrina", "safety_incident"),
        ("I got someone else's invoice in my parcel, with her address and phone", "fraud"),
        ("my card details were sent to another customer by email", "fraud"),
        ("vino en la caja la boleta de otro cliente con su rut y direccion", "fraud"),
        ("en mi perfil veo la tarjeta y el telefono de un desconocido", "fraud"),
        ("a mi vecina le llego mi factura con mi cedula y todo", "fraud"),
        ("me mandaron una factura que no es mia, con los datos de una senora de Quito", "fraud"),
        ("parce me llego al correo una factura q no es mia", "fraud"),
        ("a mi vecina le llegó al correo la confirmación de mi pedido, con mi dirección", "fraud"),
        ("el chamo de la entrega le tomó fotos a la sala y al cuarto", "safety_incident"),
        (
            "el caballero del despacho me pidio 10 lucas extra pa subir la lavadora",
            "safety_incident",
        ),
        ("el repartidor retrocediendo le pego a mi carro, le quebro la lampara", "safety_incident"),
        ("quedo funcionando bien pero al arrastrarla rayaron todo el piso", "safety_incident"),
    ],
)
def test_what_happened_is_for_a_person(text: str, reason: str) -> None:
    assert reason in reasons(text), text


@pytest.mark.parametrize(
    "text",
    [
        "what should I do if a driver asks me for cash?",
        "the driver was so kind, he carried it all the way up",
        "can the courier leave it with my neighbour if I'm out?",
        "I received another customer's parcel by mistake, how do I send it back?",
        "que hago si el repartidor me pide plata extra?",
        "el repartidor fue un amor, me ayudo a subir todo",
        "me llego el paquete de otra persona, como lo devuelvo?",
        "como pongo la factura a nombre de otra persona?",
        "el regalo es para otra persona, pueden no poner la boleta en la caja?",
        "el repartidor le tomo foto a la caja en la puerta, asi funciona?",
        "los de la mudanza rompieron la mesa, me la cambian?",
        "me llego un correo de ustedes pidiendo cambiar la contraseña, es normal?",
        "mi hijo de 8 años compró un juego, lo autoricé yo, ¿cuándo llega?",
        "el tecnico va a ver si la lavadora tiene arreglo?",
        "the movers were really careful with the floors, thanks",
        # Another company's people.
        "ayer el repartidor de otra tienda me grito, que pena. ustedes entregan sabados?",
        "a courier from another shop shouted at me last week, do you deliver on Saturdays?",
    ],
)
def test_the_same_words_about_nothing_that_happened_are_left_alone(text: str) -> None:
    assert not {"safety_incident", "fraud"} & set(reasons(text)), text


def test_damage_left_money_demanded_or_data_sent_elsewhere_is_for_a_person() -> None:
    for text in (
        "el técnico de ustedes me dejó la pared toda rota al colgar el tv",
        "el flete me rompió el espejo del auto al estacionar para descargar el sillón",
        "el flete de ustedes me pidió 5 lucas 'para la escalera' o no me subía el placard",
        "al irse vi que me rayó entero el piso flotante del pasillo",
        "hoy el de Northwind me dijo que sin 30 mil de propina no me subía la nevera",
        "pero la factura adjunta es de otra persona, viene su nombre y su RFC",
        "le llegó MI pedido a su casa, con mi factura y los últimos números de mi tarjeta",
        "mi vecino recibió un correo con mi pedido",
    ):
        assert reasons(text) != [], text
    for text in (
        "el repartidor me pidio que firmara o no me dejaba el paquete",
        "el flete me cobro 500 por subirlo al tercer piso, es normal?",
        "mi vecino recibio mi paquete por error, se lo pido?",
    ):
        assert reasons(text) == [], text


def test_cash_for_the_stairs_or_messages_count_but_a_courier_confirming_does_not() -> None:
    for text in (
        "El repartidor me ha pedido 20 euros en efectivo para subir el sofá al tercero",
        "El repartidor no me quiso dejar la refri si no le daba 50 soles extra",
        "hoy el repartidor me pidió 30 soles 'para la subida' al cuarto piso",
        "el repartidor que me trajo el pedido me ha escrito 3 veces a mi whatsapp personal",
        "el técnico vino a instalar el aire y al taladrar rompió un tubo",
        "me llegó la factura, pero trae el nombre y el teléfono de otra persona",
    ):
        assert reasons(text) != [], text
    for text in (
        "el repartidor me escribio para confirmar la hora de entrega",
        "el repartidor me ha escrito que ya llega",
        "el tecnico me cobro 500 pesos por la instalacion, es normal?",
    ):
        assert reasons(text) == [], text


def test_a_courier_rude_or_shouting_told_in_other_words_is_for_a_person() -> None:
    for text in (
        "el señor q trajo el colchon fue muy grosero con mi mama",
        "el chavalo que entrego el juego de sala me grito",
    ):
        assert "safety_incident" in reasons(text), text
    assert reasons("el señor q trajo el colchon fue muy amable") == []


def test_a_car_hit_photos_rude_words_a_personal_number_or_a_live_wire_are_for_a_person() -> None:
    for text in (
        "el motorizado de su delivery me choco el carro al estacionarse",
        "el delivery guy se puso a tomar fotos de mi sala",
        "el señor q trajo el colchon me hablo bien feo pq no tenia cambio",
        "el repartidor que trajo las sillas le ha escrito a nuestra recepcionista a su whatsapp "
        "personal",
        "el tecnico que instalo la terma dejo un cable pelado al costado",
        "el repartidor dijo q si no le pasabamos 10 lucas no los subia",
        "el chofer nos dijo q sin 50 bs no bajaba nada del camion",
    ):
        assert "safety_incident" in reasons(text), text
    for text in (
        "el repartidor tomo una foto del paquete en la puerta",
        "el tecnico dejo los cables ordenados y todo limpio",
        "el repartidor me hablo muy amable",
    ):
        assert reasons(text) == [], text


def test_a_courier_calling_now_is_delivering_but_one_who_keeps_calling_is_not() -> None:
    assert reasons("el repartidor me esta llamando, le abro?") == []
    assert reasons("el repartidor ya viene en camino", "me esta llamando, le abro?") == []
    assert "safety_incident" in reasons("el repartidor me sigue llamando a las 11 de la noche")
