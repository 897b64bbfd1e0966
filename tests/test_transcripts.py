"""Every handed-over transcript is the whole conversation, under concurrency, on the real servers.

Many conversations at once through the REST channel, with fallbacks,
rephrasings, forms, corrections and changes of mind, escalating at different
points. What each customer sent and what the bot answered is recorded on the
customer's side; the handoff's transcript must hold exactly that, in order,
plus what the customer wrote after the escalation. The bug this guards
against: a fallback reverts the customer's message (``rewind``), and a
transcript built from the applied events lost it and the bot's answer.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest

from tests.conftest import Assistant
from tests.e2e_stack import eventually
from tests.test_handoff_loop import handoffs_for

pytestmark = pytest.mark.slow

# Every handoff answer starts with this (utter_handoff_queued, _closed_hours, _pending).
HANDOFF_ANSWER = "I'm passing you to a member of our team"
# Sent when a script ended without escalating: every conversation must reach a person.
ASK_FOR_A_PERSON = "let me talk to a real person please"
AFTER_ESCALATION = "ok I'll wait here, thanks"

SCRIPTS: dict[str, list[str]] = {
    # The outside probe's conversation: two messages the bot cannot place, then frustration.
    "probe": [
        "the thingamajig on the side went purple after the update",
        "no no the round bit that spins, not the lid",
        "you are not helping at all",
    ],
    "fallbacks": ["blorp fizzle wat", "zzzq mmrrp??", "gloop gloop florb"],
    "form with a bad number": [
        "where is my order",
        "1234",
        "oh sorry it's 12345678",
        "that's not what I asked, this is useless",
    ],
    "change of mind": [
        "hi",
        "I want to return something",
        "hmm wait, actually cancel my order instead",
        "34567890",
        "no",
        "can I speak to an agent",
    ],
    "faq then shouting": [
        "what time do you open on saturday",
        "and how much is delivery",
        "THIS IS RIDICULOUS I HAVE BEEN WAITING FOR WEEKS FOR A REFUND!!!",
    ],
    "fraud at once": ["someone used my card to order stuff, I never placed that order"],
    "password form failures": [
        "I forgot my password",
        "no idea",
        "it's the usual one",
        "my email is alice at example",
        "ugh",
    ],
    "rephrasing": [
        "where's the thing i bought",
        "my parcel, where is it",
        "the package I ordered last week, where is my package",
        "12345678",
        "thanks but a person please",
    ],
}


@dataclass
class Conversation:
    sender: str
    script: list[str]
    # (role, text) in the order the customer saw them.
    seen: list[tuple[str, str]] = field(default_factory=list)


def chat(assistant: Assistant, conversation: Conversation) -> Conversation:
    """Send the script until the bot hands over (asking for a person if it never does)."""
    with httpx.Client(timeout=120) as client:

        def say(text: str) -> list[str]:
            response = client.post(
                f"{assistant.rasa_url}/webhooks/rest/webhook",
                json={"sender": conversation.sender, "message": text},
            )
            response.raise_for_status()
            replies = [str(r["text"]) for r in response.json() if r.get("text")]
            conversation.seen.append(("customer", text))
            conversation.seen.extend(("bot", reply) for reply in replies)
            return replies

        for text in [*conversation.script, ASK_FOR_A_PERSON]:
            if any(reply.startswith(HANDOFF_ANSWER) for reply in say(text)):
                break
        else:
            raise AssertionError(f"{conversation.sender} never reached a person")
        # Paused now: no answer, but the message belongs in the transcript.
        assert say(AFTER_ESCALATION) == []
    return conversation


def test_every_transcript_holds_everything_sent_and_received(assistant: Assistant) -> None:
    run = uuid.uuid4().hex[:8]
    conversations = [
        Conversation(f"transcript-{run}-{name.replace(' ', '-')}-{copy}", script)
        for copy in range(3)
        for name, script in SCRIPTS.items()
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        finished = list(pool.map(lambda c: chat(assistant, c), conversations))

    admin = httpx.Client(
        base_url=assistant.handoff_url,
        headers={"Authorization": f"Bearer {assistant.handoff_admin_token}"},
        timeout=30,
    )
    incomplete = []
    for conversation in finished:
        [handoff] = eventually(lambda c=conversation: handoffs_for(admin, c.sender))

        def transcript(handoff_id: int = handoff["id"]) -> list[tuple[str, str]]:
            detail = admin.get(f"/api/handoffs/{handoff_id}").json()
            return [(m["role"], m["text"]) for m in detail["transcript"]]

        try:
            eventually(lambda t=transcript, c=conversation: t() == c.seen, timeout=20)
        except AssertionError:
            incomplete.append((conversation.sender, conversation.seen, transcript()))
    assert not incomplete, "\n\n".join(
        f"{sender}\n  sent and received: {seen}\n  transcript:        {transcript}"
        for sender, seen, transcript in incomplete
    )
