"""handoff.routing.topics and .notices: the skills a handoff needs, the notice's language."""

from __future__ import annotations

from handoff.routing.notices import NOBODY_WITH_SKILL, nobody_with_skill
from handoff.routing.topics import language_of, topics_for


def test_topics_come_from_reasons_intents_and_what_the_bot_names() -> None:
    assert topics_for(["fraud", "anger"], {"intents": ["start_return", "greet"]}) == [
        "fraud",
        "returns",
    ]
    assert topics_for(["safety_incident", "payment_dispute"], None) == ["payments", "safety"]
    assert topics_for([], {"intents": ["check_balance", "refund"]}, ["gift_cards"]) == [
        "gift_cards",
        "payments",
    ]
    assert topics_for(["bereavement", "vulnerable_customer"], None) == ["care"]
    assert topics_for(["anger"], {"intents": "start_return"}) == []  # not a list: ignored
    assert topics_for([], {}, ["Not A Skill!"]) == []


def test_a_language_tag_is_stored_lower_case_and_english_by_default() -> None:
    assert language_of(None) == "en"
    assert language_of("") == "en"
    assert language_of("ES") == "es"
    assert language_of("pt_BR") == "pt-br"
    assert language_of("español") == "en"  # not a tag: English, rather than a queue of one


def test_the_notice_is_in_the_customers_language_else_english() -> None:
    assert nobody_with_skill("es-mx") == NOBODY_WITH_SKILL["es"]
    assert nobody_with_skill("fr") == NOBODY_WITH_SKILL["en"]
