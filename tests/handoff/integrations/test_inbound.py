"""handoff.integrations.inbound: each inbound event carried out once, whatever the resends."""

from __future__ import annotations

import asyncio

import pytest

from handoff.errors import HandoffConflict, NotFound
from handoff.integrations.inbound import Answer, InboundLog
from handoff.store import HandoffStore


class Action:
    def __init__(self, answer: Answer | None = None, error: BaseException | None = None) -> None:
        self.calls = 0
        self.answer = answer or Answer(201, {"message": {"id": 1}})
        self.error = error
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self) -> Answer:
        self.calls += 1
        await self.release.wait()
        if self.error is not None:
            raise self.error
        return self.answer


async def test_a_resent_event_gets_the_first_answer_again(store: HandoffStore) -> None:
    log = InboundLog(store.engine)
    action = Action()
    first = await log.once("webhook", "evt-1", action)
    again = await log.once("webhook", "evt-1", action)
    other_source = await log.once("zendesk", "evt-1", action)

    assert first == Answer(201, {"message": {"id": 1}})
    assert again == Answer(200, {"message": {"id": 1}, "duplicate": True})
    assert other_source.status == 201
    assert action.calls == 2


async def test_an_event_being_carried_out_is_answered_409(store: HandoffStore) -> None:
    log = InboundLog(store.engine)
    slow = Action()
    slow.release.clear()
    first = asyncio.create_task(log.once("webhook", "evt-1", slow))
    while slow.calls == 0:
        await asyncio.sleep(0.01)
    with pytest.raises(HandoffConflict) as error:
        await log.once("webhook", "evt-1", Action())
    assert error.value.status == 409 and "send it again later" in str(error.value)
    slow.release.set()
    assert (await first).status == 201


async def test_a_claim_left_by_a_dead_process_is_taken_over(store: HandoffStore) -> None:
    abandoned = InboundLog(store.engine, stale_after_s=0)
    stuck = Action()
    stuck.release.clear()
    task = asyncio.create_task(abandoned.once("webhook", "evt-1", stuck))
    while stuck.calls == 0:
        await asyncio.sleep(0.01)
    # Another process, later: the claim is older than its limit.
    retry = Action()
    assert (await abandoned.once("webhook", "evt-1", retry)).status == 201
    assert retry.calls == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_failure_records_nothing_so_the_event_can_be_resent(store: HandoffStore) -> None:
    log = InboundLog(store.engine)
    with pytest.raises(NotFound):
        await log.once("webhook", "evt-1", Action(error=NotFound("no such handoff")))
    with pytest.raises(RuntimeError):
        await log.once("webhook", "evt-1", Action(error=RuntimeError("database down")))
    assert (await log.once("webhook", "evt-1", Action())).status == 201
