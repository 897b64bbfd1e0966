"""Languages in the desk, in a real headless Chromium: the conversation's language on
its card and in its view, canned responses in that language, the desk's own interface
in English or Spanish (handoff/desk/static/i18n.js), and WhatsApp's 24-hour window."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from playwright.async_api import Browser, Page, Route, expect

from tests.handoff.conftest import FakeDelivery
from tests.handoff.desk.conftest import PASSWORD, Desk, open_desk
from tests.handoff.desk.test_browser import no_page_errors

HOUR_S = 3600.0


def whatsapp_transcript(ago_s: float) -> list[dict[str, Any]]:
    """The customer's last message ``ago_s`` seconds ago."""
    now = time.time()
    return [
        {"role": "customer", "text": "necesito ayuda con mi pedido", "timestamp": now - ago_s - 5},
        {"role": "bot", "text": "Un momento.", "timestamp": now - ago_s - 4},
        {"role": "customer", "text": "quiero una persona", "timestamp": now - ago_s},
    ]


async def open_and_claim(page: Page, handoff: dict[str, Any]) -> None:
    await page.locator("#queue li", has_text=handoff["customer_id"]).get_by_role("link").click()
    await page.get_by_role("button", name="Claim").click()
    await expect(page.locator("#conversation-status")).to_contain_text("You hold this conversation")


async def test_a_spanish_conversation_shows_its_language_and_spanish_canned_responses(
    desk: Desk, browser: Browser
) -> None:
    await desk.agent("sam")
    page = await open_desk(browser, desk.url, "sam")
    spanish = await desk.create_handoff("lola", language="es-MX")
    english = await desk.create_handoff("ann")

    card = page.locator("#queue li", has_text=spanish["customer_id"])
    # Chromium names the tag ("Mexican Spanish"); the chip shows the tag itself.
    await expect(card.locator(".chip.language")).to_have_text(
        "Language: Mexican Spanish (es-mx): ES-MX"
    )
    await expect(card.locator(".chip.language")).to_have_attribute(
        "title", "Language: Mexican Spanish (es-mx)"
    )
    await expect(
        page.locator("#queue li", has_text=english["customer_id"]).locator(".chip.language")
    ).to_contain_text("EN")

    await open_and_claim(page, spanish)
    await expect(page.locator("#customer")).to_contain_text("LanguageMexican Spanish (es-mx)")
    canned = page.get_by_label("Canned response")
    await expect(canned.locator("option", has_text="Saludo")).to_have_count(1)
    await expect(canned.locator("option", has_text="Greeting")).to_have_count(0)
    await canned.select_option(label="Saludo")
    await page.get_by_role("button", name="Insert").click()
    await expect(page.get_by_label("Message to the customer")).to_have_value(
        re.compile(r"^Hola, soy sam, del equipo")
    )

    # An English conversation offers the English ones.
    await page.get_by_role("link", name="← Back to the queue").click()
    await open_and_claim(page, english)
    await expect(page.locator("#customer")).to_contain_text("LanguageEnglish (en)")
    await expect(canned.locator("option", has_text="Greeting")).to_have_count(1)
    await expect(canned.locator("option", has_text="Saludo")).to_have_count(0)
    no_page_errors(page)


async def test_the_interface_switches_to_spanish_and_keeps_the_choice(
    desk: Desk, browser: Browser
) -> None:
    await desk.agent("sam")
    handoff = await desk.create_handoff("ann")
    page = await open_desk(browser, desk.url, "sam")
    await expect(page.locator("html")).to_have_attribute("lang", "en")

    await page.get_by_label("Interface language").select_option("es")
    await expect(page.get_by_role("heading", name="Cola", level=1)).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "es")
    await expect(page.get_by_label("Mi estado")).to_have_value("offline")
    await expect(page.get_by_label("Mi estado").locator("option:checked")).to_have_text(
        "Desconectado"
    )
    await expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    await expect(page.get_by_text("Los contadores se vuelven ámbar a partir de")).to_be_visible()
    card = page.locator("#queue li", has_text=handoff["customer_id"])
    await expect(card).to_contain_text("Prioridad 1")
    await expect(card).to_contain_text("Idioma: inglés (en)")

    # Kept across a reload, and in the conversation view too.
    await page.reload()
    await expect(page.get_by_role("heading", name="Cola", level=1)).to_be_visible()
    await expect(page.get_by_label("Idioma de la interfaz")).to_have_value("es")
    await card.get_by_role("link").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{handoff['customer_id']} en SMS"
    )
    await expect(page.get_by_role("button", name="Tomar")).to_be_visible()
    await expect(page.locator("#customer")).to_contain_text("Motivos")
    await page.get_by_role("button", name="Tomar").click()
    await expect(page.locator("#conversation-status")).to_contain_text("Esta conversación es suya")
    await expect(page.get_by_label("Mensaje para el cliente")).to_be_visible()
    await expect(page.locator("#reply-count")).to_contain_text("caracteres")

    # And back to English, without a reload.
    await page.get_by_label("Idioma de la interfaz").select_option("en")
    await expect(page.get_by_role("button", name="Send reply")).to_be_visible()
    await expect(page.locator("#conversation-status")).to_contain_text("You hold this conversation")
    no_page_errors(page)


async def test_a_spanish_browser_gets_the_spanish_interface_by_default(
    desk: Desk, browser: Browser
) -> None:
    await desk.agent("sam")
    context = await browser.new_context(locale="es-ES")
    page = await context.new_page()
    await page.goto(f"{desk.url}/desk")
    await expect(
        page.get_by_role("heading", name="Iniciar sesión en el escritorio")
    ).to_be_visible()
    await page.get_by_label("Nombre").fill("sam")
    await page.get_by_label("Contraseña").fill("not the password")
    await page.get_by_role("button", name="Iniciar sesión").click()
    await expect(page.locator("#sign-in-error")).to_have_text("Nombre o contraseña incorrectos.")
    await page.get_by_label("Contraseña").fill(PASSWORD)
    await page.get_by_role("button", name="Iniciar sesión").click()
    await expect(page.get_by_role("heading", name="Cola", level=1)).to_be_visible()
    await expect(page).to_have_title("Escritorio")
    await context.close()


async def test_a_whatsapp_conversation_whose_window_closed_has_free_text_disabled(
    desk: Desk, browser: Browser, delivery: FakeDelivery
) -> None:
    await desk.agent("sam")
    page = await open_desk(browser, desk.url, "sam")
    # The desk's handoff_body has the customer writing on 2026-01-01: long closed.
    handoff = await desk.create_handoff("wes", channel="whatsapp")
    await open_and_claim(page, handoff)

    note = page.locator("#window-note")
    await expect(note).to_have_attribute("data-window", "closed")
    await expect(note).to_contain_text("24-hour window closed at")
    await expect(note).to_contain_text("only approved templates may be sent")
    box = page.get_by_label("Message to the customer")
    await expect(box).to_be_disabled()
    await expect(page.get_by_role("button", name="Send reply")).to_be_disabled()
    await expect(page.get_by_label("Canned response")).to_be_disabled()

    # An internal note never leaves the desk: it still works.
    await page.get_by_label("Internal note").check()
    notes = page.get_by_label("Internal note (agents only)")
    await expect(notes).to_be_enabled()
    await notes.fill("Window closed; asked the team about a template.")
    await page.get_by_role("button", name="Add note").click()
    await expect(page.locator("#transcript li.internal")).to_contain_text("asked the team")
    await expect(box).to_be_disabled()  # the box is back to free text, and off again
    assert delivery.sent == []
    no_page_errors(page)


async def test_a_whatsapp_window_shows_when_it_closes_and_warns_in_its_last_hour(
    desk: Desk, browser: Browser
) -> None:
    await desk.agent("sam")
    page = await open_desk(browser, desk.url, "sam")
    open_one = await desk.create_handoff(
        "olga", channel="whatsapp", transcript=whatsapp_transcript(2 * HOUR_S)
    )
    closing = await desk.create_handoff(
        "cleo", channel="whatsapp", transcript=whatsapp_transcript(23.5 * HOUR_S)
    )
    sms = await desk.create_handoff("sid")

    await open_and_claim(page, open_one)
    note = page.locator("#window-note")
    await expect(note).to_have_attribute("data-window", "open")
    # HH:MM on the 24-hour clock, after the day when that is not today.
    await expect(note).to_have_text(
        re.compile(r"^WhatsApp window closes at ([A-Z][a-z]{2} \d{1,2} )?\d\d:\d\d\.$")
    )
    await expect(page.get_by_label("Message to the customer")).to_be_enabled()

    await page.get_by_role("link", name="← Back to the queue").click()
    await open_and_claim(page, closing)
    await expect(note).to_have_attribute("data-window", "warning")
    await expect(note).to_contain_text("less than an hour left (30 min)")
    await expect(page.get_by_label("Message to the customer")).to_be_enabled()

    await page.get_by_role("link", name="← Back to the queue").click()
    await open_and_claim(page, sms)
    await expect(note).to_be_hidden()
    no_page_errors(page)


async def test_a_reply_refused_for_the_window_is_explained(desk: Desk, browser: Browser) -> None:
    """The window closed between loading the conversation and sending: the service's
    502 window_closed (faked here at the network, as the Rasa side answers it) is
    explained, and the box goes off."""
    await desk.agent("sam")
    page = await open_desk(browser, desk.url, "sam")
    handoff = await desk.create_handoff(
        "rita", channel="whatsapp", transcript=whatsapp_transcript(2 * HOUR_S)
    )
    await open_and_claim(page, handoff)

    async def refuse(route: Route) -> None:
        await route.fulfill(
            status=502,
            content_type="application/json",
            body=json.dumps(
                {
                    "error": "window_closed",
                    "detail": "WhatsApp's 24-hour window has closed",
                    "message": {
                        "id": 999999,
                        "handoff_id": handoff["id"],
                        "role": "agent",
                        "text": "Hola",
                        "timestamp": "2026-12-04T08:00:00+00:00",
                        "source_event_id": None,
                        "internal": False,
                        "author": "sam",
                        "delivery": "failed",
                    },
                }
            ),
        )

    await page.route(f"**/api/handoffs/{handoff['id']}/messages", refuse)
    await page.get_by_label("Message to the customer").fill("Hola")
    await page.get_by_role("button", name="Send reply").click()
    await expect(page.locator("#reply-error")).to_contain_text(
        "WhatsApp's 24-hour window has closed, so only approved templates may be sent"
    )
    await expect(page.get_by_label("Message to the customer")).to_have_value("Hola")
    no_page_errors(page)
