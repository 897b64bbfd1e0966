"""WhatsApp's 24-hour customer-service window, as the desk shows it.

WhatsApp lets a business send free-form messages only within 24 hours of
the customer's last message; after that, only approved templates
(bot.channels.whatsapp_send sends an agent's reply as the ``agent_reply``
template when one is configured, and refuses with ``window_closed``
otherwise). The Rasa server enforces it; the service only tells the desk
when the window closes, from the transcript it keeps, so that an agent
learns it before typing a reply that cannot go as written.

The customer's messages in the transcript carry their own times (those
relayed late by handoff.catch_up too), which is what WhatsApp counts from;
``last_customer_message_at`` is kept from the same times, and stands in when
the transcript was not read.
"""

from __future__ import annotations

import datetime as dt

from handoff.store import Handoff

WHATSAPP = "whatsapp"
WINDOW = dt.timedelta(hours=24)
CUSTOMER = "customer"


def window_closes_at(handoff: Handoff) -> dt.datetime | None:
    """When WhatsApp's window closes for ``handoff`` (naive UTC, as stored).

    None for other channels. With no customer message on record the window
    counts as closed at once (as the Rasa side counts it): the handoff's
    creation, which is in the past.
    """
    if handoff.channel != WHATSAPP:
        return None
    times = [m.timestamp for m in handoff.transcript or [] if m.role == CUSTOMER]
    if handoff.last_customer_message_at is not None:
        times.append(handoff.last_customer_message_at)
    if not times:
        return handoff.created_at
    return max(times) + WINDOW


def window_closed(handoff: Handoff, now: dt.datetime) -> bool:
    """Whether ``handoff`` is a WhatsApp conversation whose window has closed by ``now``."""
    closes = window_closes_at(handoff)
    return closes is not None and closes <= now
