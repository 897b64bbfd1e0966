"""Send a message to a customer on their own channel, outside a Rasa turn.

This is how a human agent's reply reaches the customer: the handoff service
posts it to the Rasa server's internal route (bot.channels.internal), which
calls :func:`send_to_customer` with the channel's own settings and store. The
same output channels, with the same splitting, retries and SMS opt-out
checks, as the bot's own replies. A satisfaction survey's question
(bot.channels.surveys) goes through :func:`create_output` the same way.
"""

from __future__ import annotations

import importlib
from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.channels.errors import ChannelError
from bot.channels.settings import ChannelSettings
from bot.channels.store import ChannelStore

# Each channel module has create_output(settings, store) -> OutputChannel.
OUTPUT_FACTORIES = {
    "sms": "bot.channels.sms",
    "telegram": "bot.channels.telegram",
    "messenger": "bot.channels.messenger",
    "whatsapp": "bot.channels.whatsapp",
}


class UnknownChannel(ChannelError):
    pass


def create_output(channel: str, settings: ChannelSettings, store: ChannelStore) -> OutputChannel:
    module_name = OUTPUT_FACTORIES.get(channel)
    if module_name is None:
        raise UnknownChannel(f"no output for channel {channel!r}")
    module: Any = importlib.import_module(module_name)
    output: OutputChannel = module.create_output(settings, store)
    return output


async def send_to_customer(
    channel: str,
    recipient_id: str,
    text: str,
    *,
    settings: ChannelSettings,
    store: ChannelStore,
    human_agent: bool = False,
) -> None:
    """Deliver ``text``; raises bot.channels.delivery.SendError if it cannot be.

    ``human_agent`` marks a person's reply (Messenger then tags messages sent
    after its 24-hour window with HUMAN_AGENT, as its policy requires; WhatsApp
    sends it as the ``agent_reply`` template after its window, if configured).
    """
    output = create_output(channel, settings, store)
    await output.send_text_message(recipient_id, text, human_agent=human_agent)
