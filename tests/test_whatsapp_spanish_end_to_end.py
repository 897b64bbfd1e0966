"""A Spanish-speaking customer on WhatsApp, end to end, on the real servers.

She tracks an order, starts a return, loses her patience and asks for a
person: the bot answers in Spanish throughout (bot.nlu.language sets the
conversation's language from her first message), the handoff carries the
language, and auto-assignment offers it to the agent who speaks Spanish, not
to the English-only one who is just as free. The agent accepts, replies in
the channel (the message reaches the fake Twilio API as WhatsApp), closes,
and the bot takes the conversation back, still in Spanish.

Real Rasa, action and handoff servers (tests.e2e_stack); Twilio is the
session's fake, which checks what we send; every webhook is signed as Twilio
signs it.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.e2e_stack import Servers, eventually, stack_fixture
from tests.fakes.credentials import (
    PUBLIC_URL,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER,
)
from tests.fakes.twilio import FakeTwilio

pytestmark = pytest.mark.slow

SENDER = f"whatsapp:{TWILIO_FROM_NUMBER}"  # as tests.conftest.channel_environment sets it


@dataclass
class Stack:
    servers: Servers

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.servers.env['RASA_PORT']}"

    def handoff_api(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> Any:
        response = httpx.request(
            method,
            f"{self.servers.env['HANDOFF_URL']}{path}",
            headers={"Authorization": f"Bearer {token or self.servers.env['HANDOFF_ADMIN_TOKEN']}"},
            json=body,
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def agent(self, name: str, languages: list[str]) -> str:
        """A new agent with these languages and every topic, available; their token."""
        token = str(self.handoff_api("POST", "/api/agents", body={"name": name})["token"])
        routing = {"languages": languages, "topics": ["returns", "payments", "fraud", "safety"]}
        self.handoff_api("PUT", f"/api/agents/{name}/routing", body={**routing, "capacity": 3})
        self.handoff_api("PUT", "/api/agents/me/state", token, {"state": "available"})
        return token


stack = stack_fixture(
    "whatsapp-spanish", Stack, HANDOFF_AUTO_ASSIGN="true", HANDOFF_OFFER_TIMEOUT_S="120"
)


def whatsapp(stack: Stack, customer: str, body: str) -> None:
    """What Twilio posts for a customer's WhatsApp message, signed as Twilio signs it."""
    params = {
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "AccountSid": TWILIO_ACCOUNT_SID,
        "From": customer,
        "To": SENDER,
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Lucía",
        "WaId": customer.removeprefix("whatsapp:+"),
    }
    url = f"{PUBLIC_URL}/webhooks/whatsapp/webhook"
    signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(url, params)
    httpx.post(
        f"{stack.rasa_url}/webhooks/whatsapp/webhook",
        data=params,
        headers={"X-Twilio-Signature": signature},
        timeout=60,
    ).raise_for_status()


def text_of(message: dict[str, Any]) -> str:
    """What the customer reads: the body, or a message with buttons' text (its variable)."""
    if message.get("ContentSid"):
        return str(json.loads(message.get("ContentVariables") or "{}").get("1", ""))
    return str(message.get("Body") or "")


def said(fake: FakeTwilio, customer: str, after: int) -> list[str]:
    """What the customer received after the first ``after`` messages, once it stops growing."""
    eventually(lambda: len(fake.messages(customer)) > after, "a reply")
    time.sleep(1.0)  # the turn's other messages
    return [text_of(m) for m in fake.messages(customer)[after:]]


def test_a_spanish_customer_on_whatsapp_reaches_a_spanish_agent_and_back(
    stack: Stack, fake_twilio: FakeTwilio
) -> None:
    customer = f"whatsapp:+1555{uuid.uuid4().int % 10**7:07d}"
    lucia = f"lucia{customer[-4:]}"
    stack.agent(f"sam{customer[-4:]}", ["en"])
    lucia_token = stack.agent(lucia, ["es", "en"])

    # Tracking, in Spanish from the first message on.
    whatsapp(stack, customer, "hola, donde esta mi pedido 12345678?")
    replies = said(fake_twilio, customer, 0)
    text = " ".join(replies)
    assert "12345678" in text and "pedido" in text.lower(), replies

    # A return: the form asks in Spanish and offers the order back.
    count = len(fake_twilio.messages(customer))
    whatsapp(stack, customer, "quiero devolver lo que compre")
    replies = said(fake_twilio, customer, count)
    assert any("12345678" in r and "pedido" in r.lower() for r in replies), replies

    # Angry: a person, now.
    count = len(fake_twilio.messages(customer))
    whatsapp(stack, customer, "ESTO ES UNA VERGUENZA!!! quiero hablar con una persona YA")
    replies = said(fake_twilio, customer, count)
    assert any("equipo" in r.lower() for r in replies), replies

    def offered() -> dict[str, Any] | None:
        handoffs = stack.handoff_api("GET", "/api/handoffs")["handoffs"]
        mine = [h for h in handoffs if h["conversation_id"] == customer]
        return mine[0] if mine and mine[0].get("offered_to") else None

    handoff = eventually(offered, "the handoff offered to an agent")
    assert handoff["language"] == "es"
    assert handoff["offered_to"] == lucia  # Sam is free too, but speaks no Spanish
    hid = handoff["id"]
    stack.handoff_api("POST", f"/api/handoffs/{hid}/accept", lucia_token)

    # Lucía's reply reaches the customer on WhatsApp.
    count = len(fake_twilio.messages(customer))
    reply = "Hola, soy Lucía. Ya revisé tu pedido y te ayudo con la devolución."
    stack.handoff_api("POST", f"/api/handoffs/{hid}/messages", lucia_token, {"text": reply})
    eventually(
        lambda: any(m.get("Body") == reply for m in fake_twilio.messages(customer)[count:]),
        "the agent's reply on WhatsApp",
    )
    sent = next(m for m in fake_twilio.messages(customer) if m.get("Body") == reply)
    assert sent["From"] == SENDER and sent["To"] == customer

    # Closed: the bot takes the conversation back, in Spanish.
    count = len(fake_twilio.messages(customer))
    closed = stack.handoff_api(
        "POST", f"/api/handoffs/{hid}/close", lucia_token, {"resolution": "Devolución iniciada."}
    )
    assert closed.get("bot_resumed") is True
    back = said(fake_twilio, customer, count)
    assert any("asistente" in r.lower() for r in back), back
    count = len(fake_twilio.messages(customer))
    whatsapp(stack, customer, "muchas gracias")
    thanks = said(fake_twilio, customer, count)
    assert thanks and not any("You're welcome" in r for r in thanks), thanks
    assert any("nada" in r.lower() or "gusto" in r.lower() for r in thanks), thanks


def test_a_request_for_a_person_taken_back_while_it_waits_gives_the_bot_back(
    stack: Stack, fake_twilio: FakeTwilio
) -> None:
    customer = f"whatsapp:+1555{uuid.uuid4().int % 10**7:07d}"
    whatsapp(stack, customer, "hola, quiero hablar con un asesor por lo de mi factura")
    said(fake_twilio, customer, 0)

    def queued() -> dict[str, Any] | None:
        handoffs = stack.handoff_api("GET", "/api/handoffs")["handoffs"]
        return next((h for h in handoffs if h["conversation_id"] == customer), None)

    handoff = eventually(queued, "the handoff in the queue")
    assert handoff["status"] == "waiting"

    # Found it before anyone picked it up: the handoff closes, the bot says so in Spanish.
    count = len(fake_twilio.messages(customer))
    whatsapp(stack, customer, "ya la encontré en el correo, olvídalo")
    back = said(fake_twilio, customer, count)
    assert any("cancelé tu solicitud" in r for r in back), back
    closed = stack.handoff_api("GET", f"/api/handoffs/{handoff['id']}")
    assert (closed["status"], closed["resolution"]) == ("closed", "withdrawn by the customer")

    # And the bot answers the next message itself.
    count = len(fake_twilio.messages(customer))
    whatsapp(stack, customer, "donde esta mi pedido 12345678?")
    replies = said(fake_twilio, customer, count)
    assert any("12345678" in r for r in replies), replies
