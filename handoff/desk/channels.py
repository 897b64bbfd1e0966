"""How long one agent reply may be on each channel, as the desk's reply box shows it.

- ``sms``: 1600 characters, Twilio's limit on a message body (error 21617,
  "The concatenated message body exceeds the 1600 character limit"); Twilio
  splits it into segments of 153 GSM-7 or 67 UCS-2 characters, each billed.
- ``telegram``: 4096 characters, the Bot API's ``sendMessage`` text limit
  ("1-4096 characters after entities parsing").
- ``messenger``: 2000 characters, the Send API's limit on ``message.text``
  ("must be UTF-8 and has a 2000 character limit").
- ``whatsapp``: 1600 characters, the same Messages API's limit as SMS (the
  channel, bot.channels.whatsapp, goes through Twilio too).

The bot's own channels split longer texts at these same limits
(bot.channels.text); the desk keeps a person's reply within one message, so
the customer never receives half of it. Unknown channels get the shortest.
"""

from __future__ import annotations

from typing import Any

LIMITS = {"sms": 1600, "telegram": 4096, "messenger": 2000, "whatsapp": 1600}
SOURCES = {
    "sms": "Twilio Messages API: Body of at most 1600 characters (error 21617)",
    "telegram": "Telegram Bot API sendMessage: text of 1-4096 characters",
    "messenger": "Messenger Send API: message.text of at most 2000 characters",
    "whatsapp": "Twilio Messages API (whatsapp: addresses): Body of at most 1600 characters",
}
DEFAULT_LIMIT = min(LIMITS.values())


def limit_for(channel: str) -> int:
    return LIMITS.get(channel, DEFAULT_LIMIT)


def channels_json() -> dict[str, Any]:
    return {
        "channels": {
            name: {"max_length": limit, "source": SOURCES[name]} for name, limit in LIMITS.items()
        },
        "default_max_length": DEFAULT_LIMIT,
    }
