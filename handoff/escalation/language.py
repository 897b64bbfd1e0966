"""Whether a customer message is in Spanish: :func:`is_spanish`.

The learned models (:mod:`.anger_model`, :mod:`.person_model`) have a
bilingual version, trained on the English files and their Spanish
counterparts, and the English-only one measured on the English dev sets:
each message goes to the one for its language, so Spanish training data
cannot move an English score. The rules need no such choice: their lists
hold both languages.

A count of function words, not a language-identification model: it must
run on every message on the Rasa server's event loop, in linear time, with
nothing to load. The tracker's ``language`` slot is not used: the rules
read a plain list of turns, and a customer may switch language mid-session.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Words frequent in Spanish customer messages and rare in English ones, chat spellings
# included ("kiero devolver unos tenis q me quedaron chicos" has no other).
# Not "no", "me", "a", "a la" (both languages) nor names of products.
SPANISH_WORDS = frozenset(
    """que de el la los las y en por para con mi mis es un una lo se te le les ya pero
    esta estoy estan son sois del al muy mas como donde cuando hola gracias pedido quiero
    tengo hace todavia nada nadie si porque ustedes vosotros vez otra favor buenas sus su
    hay fue ser tiene tienen puedo pueden necesito llego envio compra dinero tarjeta cuenta
    hablar persona asesor tambien aun ni o sin sobre eso esto este ese estos esa usted
    dias semanas mes nunca siempre bien mal tu yo ella ellos nos estas estamos eres sos
    soy somos fui era han he has ha hemos quiere puede ayuda ayudando entiendo entiendes
    sirve sirves llama llamen pregunta respuesta ahora hoy ayer manana nuevo nueva cual
    quien algo alguien todo todos muchas mucho poco tan ese aqui alli ahi aca alla cuanto
    oye oiga mira porfa pues che vale bueno buenos tardes noches listo dale perfecto
    disculpa disculpe perdon saludos unos unas q xq pq porq kiero kero""".split()
)
ENGLISH_WORDS = frozenset(
    """the and to of is my i you it for in on this that was with your have be are not
    but what can do where when why how they we there been has had will would could just
    order please thanks hi hello still again get got an at from any it's i'm don't""".split()
)
# Characters only Spanish uses here: accents, "ñ", "¿", "¡".
SPANISH_CHARACTERS = frozenset("áéíóúñÁÉÍÓÚÑ¿¡")
WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Read at most this much: the language shows in the first words.
LANGUAGE_SAMPLE_CHARS = 1000
# Samples remembered, as many as the rules remember messages (settings.TURN_CACHE_SIZE,
# not imported: this module sits beside settings, below everything else): at most 4 MB.
SAMPLE_CACHE_SIZE = 4096


def is_spanish(text: str) -> bool:
    """Whether ``text`` reads as Spanish: more Spanish than English function words.

    A message with neither ("ok", "12345678") is not Spanish: the English
    model stays the default.
    """
    return _reads_spanish(text[:LANGUAGE_SAMPLE_CHARS])


# Remembered per sample: the rules ask it of a message to pick each model's
# threshold, and each model again to pick its version.
@lru_cache(maxsize=SAMPLE_CACHE_SIZE)
def _reads_spanish(sample: str) -> bool:
    words = [w.lower() for w in WORDS.findall(sample)]
    spanish = sum(w in SPANISH_WORDS for w in words)
    english = sum(w in ENGLISH_WORDS for w in words)
    if any(c in SPANISH_CHARACTERS for c in sample):
        spanish += 1
    return spanish > english
