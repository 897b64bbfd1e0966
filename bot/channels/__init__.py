"""Rasa input/output channels for the customers' own apps.

    sms.py             Twilio Programmable Messaging
    telegram.py        Telegram's webhook: updates in, the channel itself
    telegram_send.py   the Bot API client (python-telegram-bot), messages out
    messenger.py       Facebook Messenger's webhook: events in, the channel itself
    messenger_send.py  the Graph API's Send API, messages out, Meta's 24-hour window
    whatsapp.py        WhatsApp through Twilio: SMS's signed webhook, WhatsApp's addresses
    whatsapp_send.py   WhatsApp out (Twilio's Messages API), its 24-hour window, templates
    whatsapp_content.py  native buttons made with Twilio's Content API, cached by shape
    rest.py            Rasa's REST channel, with its input checked and capped
    internal.py        not a customer channel: POST /internal/deliveries, where the
                       handoff service sends agents' replies through the channels,
                       and POST /internal/surveys, where it asks satisfaction surveys
    surveys.py         asking a survey: the question sent natively, recorded once
    survey_whatsapp.py a survey on WhatsApp: a list picker, or the survey template
    survey_answers.py  a survey's answers (scores, comments) taken before Rasa sees them

What they share: ``settings`` (typed, from environment variables),
``signatures`` (checks of inbound requests), ``store`` (inbox for
de-duplication and recovery, SMS opt-outs, last inbound message times and
the 24-hour windows they open),
``inbox`` (acknowledge fast, process each delivery once and in order),
``delivery`` (retries of outbound calls), ``text`` (splitting long answers,
cutting long messages to the channel's cap, buttons as text), ``outbound``
(sending to a customer outside a Rasa turn), ``conversations`` (events added
to a Rasa conversation outside a turn: survey answers, SMS opt-outs),
``survey_text`` (a survey's wording, in English and Spanish, its buttons,
and what a reply means), ``survey_language`` (the language a survey speaks,
read from the conversation's tracker),
``survey_store`` (surveys asked and pending) and ``errors`` (the
exceptions' root, and the one answer a webhook gives each).
"""
