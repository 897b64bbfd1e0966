"""Nothing is lost when a component is down or restarts, on the real servers.

Its own Rasa server, action server and handoff service (not the session's
shared ones), because these tests stop and start them:

- the handoff service is down when a customer escalates: the customer is
  still told a person will take over, what they write meanwhile reaches
  nobody but is kept, and once the service is back the action server's
  outbox creates exactly one handoff, whose transcript has every message;
- every component restarts during a handoff: messages written while the
  handoff service was down reach the transcript when it is back (the event
  broker's cursor), and the agent's reply, the close and the bot's return
  all work after the restarts.
"""

from __future__ import annotations

import time

import httpx
import pytest

from scripts.run import Service, wait_until_healthy
from tests.e2e_stack import Servers, eventually, stack_fixture
from tests.fakes.twilio import FakeTwilio, new_number, post_inbound_sms
from tests.test_handoff_loop import handoffs_for, new_agent

pytestmark = pytest.mark.slow


class Stack(Servers):
    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.env['RASA_PORT']}"

    def admin(self) -> httpx.Client:
        return self.client(self.env["HANDOFF_ADMIN_TOKEN"])

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.env["HANDOFF_URL"],
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    def stop(self, *which: Service) -> None:
        for service in which:
            service.stop()

    def start(self, *which: Service) -> None:
        for service in which:
            service.start(self.env)
        assert wait_until_healthy(list(which), lambda: False)


stack = stack_fixture(
    "resilience", lambda servers: Stack(servers.env, servers.handoff, servers.actions, servers.rasa)
)


def transcript_texts(admin: httpx.Client, handoff_id: int) -> list[str]:
    detail = admin.get(f"/api/handoffs/{handoff_id}").json()
    return [m["text"] for m in detail["transcript"]]


def test_escalating_while_the_handoff_service_is_down(
    stack: Stack, fake_twilio: FakeTwilio
) -> None:
    customer = new_number()
    stack.stop(stack.handoff)
    try:
        post_inbound_sms(
            stack.rasa_url, customer, "I want to talk to a real person"
        ).raise_for_status()
        [told] = fake_twilio.wait_for_messages(customer, 1)
        assert "person" in told["Body"].lower()
        # The bot is paused: no answer, but the message is kept for the handoff.
        post_inbound_sms(stack.rasa_url, customer, "hello?? is anyone there").raise_for_status()
        time.sleep(3)
        assert len(fake_twilio.messages(customer)) == 1
    finally:
        stack.start(stack.handoff)

    with stack.admin() as admin:
        # The outbox retries with backoff (2 s, 4 s, 8 s...).
        [handoff] = eventually(lambda: handoffs_for(admin, customer), timeout=90)
        texts = eventually(
            lambda: (
                (t := transcript_texts(admin, handoff["id"]))
                and "hello?? is anyone there" in t
                and t
            )
        )
        assert texts.count("I want to talk to a real person") == 1
        assert texts.count("hello?? is anyone there") == 1
        assert texts.index("I want to talk to a real person") < texts.index(
            "hello?? is anyone there"
        )
        assert handoff["reasons"] == ["explicit_request"]
        time.sleep(1)  # nothing arrives twice later on
        assert len(handoffs_for(admin, customer)) == 1
        assert transcript_texts(admin, handoff["id"]).count("hello?? is anyone there") == 1


def test_every_component_restarts_during_a_handoff(stack: Stack, fake_twilio: FakeTwilio) -> None:
    customer = new_number()
    admin = stack.admin()
    post_inbound_sms(stack.rasa_url, customer, "get me a human agent please").raise_for_status()
    fake_twilio.wait_for_messages(customer, 1)
    [handoff] = eventually(lambda: handoffs_for(admin, customer))

    # The handoff service goes down; the customer writes; it comes back after
    # the action server and Rasa restarted too.
    stack.stop(stack.handoff)
    post_inbound_sms(stack.rasa_url, customer, "written while you were down").raise_for_status()
    time.sleep(2)  # Rasa has it in its broker before it stops
    stack.stop(stack.rasa, stack.actions)
    stack.start(stack.actions, stack.rasa, stack.handoff)

    eventually(lambda: "written while you were down" in transcript_texts(admin, handoff["id"]))
    post_inbound_sms(stack.rasa_url, customer, "and after the restart").raise_for_status()
    eventually(lambda: "and after the restart" in transcript_texts(admin, handoff["id"]))
    assert len(fake_twilio.messages(customer)) == 1  # the bot stayed quiet throughout

    token = new_agent(admin, f"rey{customer}")
    with stack.client(token) as agent:
        assert agent.post(f"/api/handoffs/{handoff['id']}/claim").status_code == 200
        sent = agent.post(
            f"/api/handoffs/{handoff['id']}/messages",
            json={"text": "Hi, Rey here. How can I help?"},
        )
        assert sent.status_code == 201, sent.text
        fake_twilio.wait_for_messages(customer, 2)
        closed = agent.post(f"/api/handoffs/{handoff['id']}/close", json={"resolution": "ok"})
        assert closed.status_code == 200 and closed.json()["bot_resumed"] is True
    fake_twilio.wait_for_messages(customer, 3)

    texts = transcript_texts(admin, handoff["id"])
    for text in ("written while you were down", "and after the restart"):
        assert texts.count(text) == 1
    assert len(handoffs_for(admin, customer)) == 1
    admin.close()
