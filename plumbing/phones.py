"""Phone numbers as Twilio writes them (E.164): shared by the SMS channel and the privacy tools.

One pattern in one place: the SMS and WhatsApp channels check senders with
it, and the privacy tools turn an operator's spelling of a number into the
same form, so that they find the conversations filed under it (``+1415...``
on SMS, ``whatsapp:+1415...`` on WhatsApp).
"""

from __future__ import annotations

import re

# ASCII digits only: ``\d`` also matches "١٢٣" and the like, which no phone
# number has.
E164 = re.compile(r"\+[1-9][0-9]{1,14}")
# Twilio's WhatsApp addresses, and our WhatsApp conversations' sender ids
# (bot.channels.whatsapp): the number after this prefix.
WHATSAPP_PREFIX = "whatsapp:"
# What people put between a phone number's digits.
_SEPARATORS = re.compile(r"[\s().\-/]")


def normalise_phone(text: str) -> str | None:
    """``text`` as an E.164 number (``+14155550101``), or None if it is not one.

    ``+1 (415) 555-0101``, ``+1.415.555.0101`` and ``0014155550101`` are all
    ``+14155550101``. A number without its country code is None: which
    country it is in cannot be known here.
    """
    compact = _SEPARATORS.sub("", text.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact if E164.fullmatch(compact) else None


def phone_of(conversation_id: str) -> str | None:
    """The E.164 number an SMS or a WhatsApp conversation is filed under, or None."""
    number = conversation_id.removeprefix(WHATSAPP_PREFIX)
    return number if E164.fullmatch(number) else None
