"""Telegram's Bot API: POST /bot{token}/{method} (sendMessage, sendPhoto, answerCallbackQuery...)."""

from __future__ import annotations

from tests.fakes.server import FakeApi, Recorded, Reply


class FakeTelegram(FakeApi):
    def handle(self, request: Recorded) -> Reply:
        return Reply(200, {"ok": True, "result": True})
