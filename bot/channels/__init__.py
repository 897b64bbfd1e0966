"""Rasa input/output channels for the customers' own apps.

    sms.py        Twilio Programmable Messaging
    telegram.py   Telegram Bot API, through python-telegram-bot
    messenger.py  Facebook Messenger Platform (Graph API)
    rest.py       Rasa's REST channel, with its input checked and capped

What they share: ``settings`` (typed, from environment variables),
``signatures`` (checks of inbound requests), ``store`` (inbox for
de-duplication and recovery, SMS opt-outs, last inbound message times),
``inbox`` (acknowledge fast, process each delivery once and in order),
``delivery`` (retries of outbound calls), ``text`` (splitting long answers,
cutting long messages to the channel's cap, buttons as text) and ``outbound``
(sending to a customer outside a Rasa turn).
"""
