"""The whole handoff loop, end to end, on the real servers.

An angry SMS -> the escalation policy -> action_handoff -> the handoff service;
the customer is told their place in the queue and the bot goes quiet; what the
customer writes meanwhile reaches the handoff (through Rasa's event broker);
an agent claims, replies (the SMS reaches Twilio's fake API) and closes; the
bot says it is back and answers again.
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Assistant
from tests.e2e_stack import eventually
from tests.fakes.twilio import FakeTwilio, new_number, post_inbound_sms

pytestmark = pytest.mark.slow


def api(assistant: Assistant, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=assistant.handoff_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def handoffs_for(admin: httpx.Client, conversation_id: str) -> list[dict]:
    response = admin.get("/api/handoffs", params={"conversation_id": conversation_id})
    response.raise_for_status()
    return list(response.json()["handoffs"])


def new_agent(admin: httpx.Client, name: str) -> str:
    response = admin.post("/api/agents", json={"name": name, "role": "agent"})
    response.raise_for_status()
    return str(response.json()["token"])


def test_an_angry_customer_reaches_a_person_and_comes_back_to_the_bot(
    assistant: Assistant, fake_twilio: FakeTwilio
) -> None:
    customer = new_number()
    admin = api(assistant, assistant.handoff_admin_token)

    post_inbound_sms(
        assistant.rasa_url, customer, "WHERE IS MY ORDER 12345678, third time asking!!!"
    ).raise_for_status()
    [told] = fake_twilio.wait_for_messages(customer, 1)
    [handoff] = eventually(lambda: handoffs_for(admin, customer))
    position = admin.get(f"/api/handoffs/{handoff['id']}").json()["queue_position"]
    assert f"number {position} in the queue" in told["Body"]
    assert handoff["status"] == "waiting" and handoff["channel"] == "sms"
    assert {"anger", "strong_anger"} & set(handoff["reasons"])
    assert handoff["summary"].get("order_id") == "12345678"
    detail = admin.get(f"/api/handoffs/{handoff['id']}").json()
    assert [m["role"] for m in detail["transcript"]][:1] == ["customer"]
    assert "third time asking" in detail["transcript"][0]["text"]

    # The bot is paused: a message now gets no bot answer but reaches the handoff.
    post_inbound_sms(assistant.rasa_url, customer, "hello?? anyone there").raise_for_status()

    def waiting_message_arrived() -> bool:
        transcript = admin.get(f"/api/handoffs/{handoff['id']}").json()["transcript"]
        return any(m["text"] == "hello?? anyone there" for m in transcript)

    eventually(waiting_message_arrived)
    assert len(fake_twilio.messages(customer)) == 1

    # Two agents claim at once-ish: one wins, the other is told it is taken.
    sam, kim = new_agent(admin, f"sam{customer}"), new_agent(admin, f"kim{customer}")
    with api(assistant, sam) as sam_api, api(assistant, kim) as kim_api:
        assert sam_api.post(f"/api/handoffs/{handoff['id']}/claim").status_code == 200
        assert kim_api.post(f"/api/handoffs/{handoff['id']}/claim").status_code == 409

        reply = "Hi, I'm Sam. Your parcel is with UPS and arrives on Wednesday, sorry for the wait."
        sent = sam_api.post(f"/api/handoffs/{handoff['id']}/messages", json={"text": reply})
        assert sent.status_code == 201, sent.text
        fake_twilio.wait_for_messages(customer, 2)
        assert fake_twilio.bodies(customer)[1] == reply

        closed = sam_api.post(
            f"/api/handoffs/{handoff['id']}/close", json={"resolution": "tracking given"}
        )
        assert closed.status_code == 200, closed.text

    fake_twilio.wait_for_messages(customer, 3)
    assert "automated assistant" in fake_twilio.bodies(customer)[2]

    transcript = admin.get(f"/api/handoffs/{handoff['id']}").json()["transcript"]
    roles = [m["role"] for m in transcript]
    assert roles.index("agent") > roles.index("customer")
    assert [m["text"] for m in transcript if m["role"] == "agent"] == [reply]

    # The bot answers again, and a new message starts no new handoff.
    post_inbound_sms(assistant.rasa_url, customer, "where is order 12345678").raise_for_status()
    fake_twilio.wait_for_messages(customer, 4)
    assert "on its way" in fake_twilio.bodies(customer)[3]
    assert len(handoffs_for(admin, customer)) == 1


def test_mild_lateness_stays_with_the_bot(assistant: Assistant, fake_twilio: FakeTwilio) -> None:
    customer = new_number()
    admin = api(assistant, assistant.handoff_admin_token)
    post_inbound_sms(
        assistant.rasa_url, customer, "my package 12345678 is a bit late, any news?"
    ).raise_for_status()
    [answer] = fake_twilio.wait_for_messages(customer, 1)
    assert "on its way" in answer["Body"]
    assert handoffs_for(admin, customer) == []
