"""A satisfaction survey's question on WhatsApp (bot.channels.surveys asks it).

WhatsApp's 24-hour customer-service window (bot.channels.whatsapp_send) decides
how the question goes:

- inside it, with the five scores as a list picker (a button opening a list:
  WhatsApp's quick replies hold only three), made once per language in
  Twilio's Content API and shared with the WhatsApp channel's own contents:
  its items are ``csat:*:<n>``, the same for every survey (the pending one is
  meant), so that the Content API is not asked for a new list per survey.
  If the Content API fails, the question goes as text ending "Reply with a
  number from 1 (poor) to 5 (great).", as by SMS;
- outside it, only as the approved ``survey`` template of
  ``TWILIO_WHATSAPP_TEMPLATES``, the question (with its "reply with a number"
  ending) as the template's ``{{1}}``;
- outside it with no ``survey`` template, not at all: :func:`may_ask` says
  no, and the survey is refused ``window_closed``, as on Messenger.

The answer (a list item, which Twilio posts as ``ListId``, or a typed "4")
is read by bot.channels.survey_answers like any other channel's.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.channels.settings import ChannelSettings
from bot.channels.store import ChannelStore
from bot.channels.survey_text import any_survey_buttons, question, wording
from bot.channels.whatsapp import WhatsAppInput
from bot.channels.whatsapp_content import ContentTemplates
from bot.channels.whatsapp_send import (
    SURVEY_TEMPLATE,
    WhatsAppOutput,
    is_whatsapp_address,
    window_open,
)

logger = logging.getLogger(__name__)


def buttons() -> list[dict[str, Any]]:
    """The buttons a WhatsApp survey's question is recorded with (a typed "4" picks the 4th)."""
    return any_survey_buttons()


def valid_recipient(recipient_id: str) -> bool:
    """``whatsapp:+E.164``: what a WhatsApp survey may be sent to."""
    return is_whatsapp_address(recipient_id)


async def may_ask(recipient_id: str, *, settings: ChannelSettings, store: ChannelStore) -> bool:
    """Whether the question may go now: inside the window, or as the ``survey`` template."""
    if settings.twilio.whatsapp_template(SURVEY_TEMPLATE) is not None:
        return True
    return await window_open(store, recipient_id)


async def send_question(
    recipient_id: str,
    kind: str,
    language: str,
    *,
    settings: ChannelSettings,
    store: ChannelStore,
    app: Any,
) -> str:
    """Send the question (the module docstring); the text sent.

    Raises bot.channels.delivery.SendError, WindowClosed (a PermanentSendError)
    if the window closed and no template may carry the question.
    """
    output = WhatsAppOutput(settings, store, contents=_channel_contents(app))
    try:
        if not await output.window_open(recipient_id):
            text = question(kind, False, language)
            await output.send_template(recipient_id, SURVEY_TEMPLATE, text)
            logger.debug("whatsapp: survey sent as the %s template", SURVEY_TEMPLATE)
            return text
        content_sid = await output.content_for(
            buttons(), list_button=wording(language).list_button, language=language
        )
        if content_sid is None:
            text = question(kind, False, language)
            await output.send_text_message(recipient_id, text)
            return text
        text = question(kind, True, language)
        await output.send_content(recipient_id, content_sid, text)
        return text
    finally:
        output.close()


def _channel_contents(app: Any) -> ContentTemplates | None:
    """The loaded WhatsApp channel's contents (its cache of made lists), if it is loaded."""
    for channel in getattr(getattr(app, "ctx", None), "input_channels", None) or []:
        if isinstance(channel, WhatsAppInput):
            return channel.contents
    return None
