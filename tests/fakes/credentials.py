"""Test credentials for the channels; the fake APIs check them."""

from __future__ import annotations

PUBLIC_URL = "https://bot.example.test"  # as if behind a reverse proxy
TWILIO_ACCOUNT_SID = "AC" + "0" * 32
TWILIO_AUTH_TOKEN = "twilio-test-auth-token"
TWILIO_FROM_NUMBER = "+15005550006"
TELEGRAM_BOT_TOKEN = "123456:TEST-telegram-bot-token"
TELEGRAM_SECRET_TOKEN = "telegram-test-secret"
MESSENGER_PAGE_ACCESS_TOKEN = "messenger-test-page-token"
MESSENGER_APP_SECRET = "messenger-test-app-secret"
MESSENGER_VERIFY_TOKEN = "messenger-test-verify-token"
