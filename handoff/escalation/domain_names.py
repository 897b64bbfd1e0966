"""The names from ``domain.yml`` (and Rasa's defaults) that the escalation rules rely on.

The rules read a conversation by what the NLU and the bot called each turn:
an intent, a response, an action. A name renamed in the domain but not here
would silently switch a rule off, so every name is declared here, and
``tests/handoff/escalation/test_domain_names.py`` checks :data:`INTENTS`,
:data:`ACTIONS`, :data:`RESPONSES` and :data:`RESPONSE_PREFIXES` against the
domain.
"""

from __future__ import annotations

# The bot did not understand the message it answers.
FALLBACK_ACTIONS = frozenset(
    {
        "utter_please_rephrase",
        "utter_default",
        "action_default_fallback",
        "action_two_stage_fallback",
    }
)
# A form (or the action it submits to) rejected what the customer gave.
FORM_FAILURE_RESPONSES = frozenset(
    {
        "utter_invalid_order_id",
        "utter_invalid_email",
        "utter_invalid_address",
        "utter_order_email_mismatch",
        "utter_order_not_found",
        "utter_cannot_verify_order",
    }
)
# The bot found no order with the number the customer gave: they answered, and
# whatever they say next ("ok so will it come friday?") ignores no question.
# Repeated misses are form failures (HANDOFF_MAX_FORM_FAILURES).
LOOKUP_MISSES = frozenset(
    {"utter_order_not_found", "utter_order_not_found_retry", "utter_cannot_verify_order"}
)
# The bot asked for the order number, or said where to find it: "I don't have
# it" next is about the number (stuck._without_number_again).
NUMBER_ASKED = frozenset(
    {
        "utter_ask_order_id",
        "utter_invalid_order_id",
        "utter_find_order_number",
        "utter_pick_recent_order",
    }
)
# A task came to an end (done, refused for a reason, or stopped by the
# customer): form failures before it belong to a finished attempt.
TASK_END_RESPONSES = frozenset(
    {
        "utter_return_authorised",
        "utter_return_already_authorised",
        "utter_return_not_delivered",
        "utter_return_window_closed",
        "utter_return_order_cancelled",
        "utter_order_cancelled",
        "utter_cancel_too_late",
        "utter_cancel_already_cancelled",
        "utter_cancel_kept",
        "utter_password_reset_sent",
        "utter_balance",
        "utter_address_updated",
        "utter_address_unchanged",
        "utter_form_stopped",
    }
)
TASK_END_PREFIXES = ("utter_order_status_",)
# Questions that leave the customer free to ask anything ("What can I do for
# you?", "Anything else?"): asking the same again is no ignored question.
OPEN_QUESTIONS = frozenset({"utter_greet", "utter_you_are_welcome", "utter_form_stopped"})
# A bot question is a form's (utter_ask_*), a form's rejection that asks
# again (FORM_FAILURE_RESPONSES), or any other message of the bot ending in
# "?", except the fallbacks (a customer who repeats after "please rephrase"
# does as asked), open questions and the end of a task.
QUESTION_PREFIXES = ("utter_ask_",)
# Intents whose messages are answers or small talk, never a repeated request
# by their wording: the same e-mail given twice is a form failure, "thanks"
# twice is politeness.
NOT_REQUESTS = frozenset(
    {"inform", "affirm", "deny", "greet", "goodbye", "thank", "bot_challenge", "request_human"}
)
# Intents that ask the bot to do something; repeating one of them is a
# repeated request. Small talk, "inform" (answers inside a form) and
# complaints are not requests to repeat; nlu_fallback has its own rule.
REQUEST_INTENTS = frozenset(
    {
        "check_order_status",
        "start_return",
        "cancel_order",
        "reset_password",
        "check_balance",
        "update_address",
    }
)
# Retrieval intents count only in full ("faq/warranty"): two different
# questions are not the same request.
REQUEST_INTENT_PREFIXES = ("faq/",)
FALLBACK_INTENT = "nlu_fallback"
# The customer asks for a person; complains; answers a form's question.
REQUEST_HUMAN_INTENT = "request_human"
COMPLAIN_INTENT = "complain"
# "Are you a bot?": a question, which the anger model is not asked about.
BOT_CHALLENGE_INTENT = "bot_challenge"
INFORM_INTENT = "inform"

# --- Rasa's own actions ----------------------------------------------------------------

# Actions that do not answer the customer: they are not bot turns.
HOUSEKEEPING_ACTIONS = frozenset(
    {
        "action_listen",
        "action_session_start",
        "action_extract_slots",
        "action_unlikely_intent",
        "action_back",
        "action_restart",
        "action_deactivate_loop",
    }
)

# --- every name, by kind (what the domain test checks) -----------------------------------

_ALL_NAMES = (
    FALLBACK_ACTIONS
    | FORM_FAILURE_RESPONSES
    | LOOKUP_MISSES
    | NUMBER_ASKED
    | TASK_END_RESPONSES
    | OPEN_QUESTIONS
    | HOUSEKEEPING_ACTIONS
)
INTENTS = (
    NOT_REQUESTS
    | REQUEST_INTENTS
    | {FALLBACK_INTENT, REQUEST_HUMAN_INTENT, COMPLAIN_INTENT, INFORM_INTENT}
    # Retrieval intents are named in full ("faq/warranty"): the domain has "faq".
    | {prefix.rstrip("/") for prefix in REQUEST_INTENT_PREFIXES}
)
RESPONSES = frozenset(name for name in _ALL_NAMES if name.startswith("utter_"))
ACTIONS = _ALL_NAMES - RESPONSES
# Each must start at least one response of the domain.
RESPONSE_PREFIXES = TASK_END_PREFIXES + QUESTION_PREFIXES
