"""Wording that asks for no one of ours, though it names a person: a list of phrases.

Found in a message, it overrules the NLU's request_human, its span is not
read as a request in words, neither learned model judges the message, and
a message the bot did not understand does not count towards a run of
fallbacks (it was understood: no person) (:mod:`.findings`, :mod:`.rules`). Spanish patterns are in
:mod:`.declines_es` (``ES_NOT_A_REQUEST``), appended here. Every pattern is
linear.
"""

from __future__ import annotations

from handoff.escalation.declines_es import ES_NOT_A_REQUEST, ES_ONLY_ASKING
from handoff.escalation.phrases import _phrases

# Wording that asks for no one of ours, where the NLU may still say
# request_human: declining a call, an agent or a transfer ("no need to call
# me", "don't transfer me", "no quiero que me llamen"), or someone else's
# agent ("the customs agent asked for the invoice"). It overrules the intent,
# and what it covers is not read as a request in words either ("sin agente
# porfa"); a request elsewhere in the message still counts ("no need to call,
# I want a person here in the chat").
_ANYONE = (
    r"(an? |any |the |a real |a live |to speak to (an? |anyone|anybody|someone)?|to talk to "
    r"(an? |anyone|anybody|someone)?|to chat with (an? )?|to be (put through|transferred|"
    r"connected|passed) to (an? )?)?(agent|person|human|someone|anyone|anybody|call|"
    r"callback|call back|phone call|manager|supervisor|rep|representative|operator|advisor|"
    r"live agent|transfer|escalation)"
)
NOT_A_REQUEST = _phrases(
    r"\b(i |we )?(don't|do not|dont|no longer|won't|wont) (really |even |actually )?(need|want|"
    r"require) " + _ANYONE + r"\b",
    r"\bno need (for (anyone|anybody|someone|you) )?to (call|ring|phone|contact|get back to) "
    r"(me|us)\b|\b(please |pls |plz )?(don't|do not|dont) (call|ring|phone) (me|us)\b",
    r"\bno (need|reason) for " + _ANYONE + r"\b",
    r"\bno (agent|human|person|callback|call back|call|manager|rep|transfer|escalation)s? "
    r"(needed|necessary|required|thanks|thank you|thx|ta|please|pls)\b",
    r"\b(don't|do not|dont|no need to) (transfer|escalate|forward) (me|us|this|it)\b",
    r"\b(don't|do not|dont|no need to) (put|pass|connect|hand|send) (me|us|this|it) (through |"
    r"over |on )?to (anyone|anybody|someone|an? (agent|person|human|rep|manager|supervisor|"
    r"colleague|member of (staff|the team))|the team|your team|staff)\b",
    r"\b(cancel|scrap|forget|drop|skip|never mind|nevermind) (the|my|that) (callback|call back|"
    r"call|agent|transfer|request for an agent|agent request)\b",
    r"\b(nobody|no one|no-one) (needs|has) to (call|ring|phone|contact) (me|us)\b",
    r"\b(i'd |i would )?(rather|prefer to|prefer) (not|to not) (speak|talk|chat|be passed|be put "
    r"through|be transferred|be connected) (to|with) (anyone|anybody|a person|a human|an agent|"
    r"someone)\b",
    r"\b(rather|prefer to|like to|happy to) (keep|stay) (chatting|talking|texting|typing) "
    r"(here|with you|with the bot|to the bot)( (rather )?than (speak|talk|chat)(ing)? (to|with) "
    r"(anyone|anybody|someone|a person|a human|an agent))?\b",
    r"\b(customs|insurance|estate|letting|travel|real estate|shipping|booking|property) "
    r"agents?\b",
    # Someday, not now ("if I ever need to talk to someone, how do I?"), up to the end
    # of the clause; a request taken back ("I asked for an agent but never mind").
    # Only these: a bare "never mind" or "just wondering" also opens complaints.
    r"\b(if|in case|should|when) (i|we) (ever|one day|someday|at some point|in (the )?"
    r"future)\b[^.!?\n]{0,80}|\bif (i|we) (wanted|needed)\b[^.!?\n]{0,80}",
    r"\b(asked|wanted|requested)\b[^.!?\n]{0,60}\b(but )?(never ?mind|not needed any ?more|no "
    r"longer needed|don't need (it|one|them) any ?more)\b",
    r"\bnot that (i|we) (need|want) (one|it|them|to|that|anyone|someone)\b|\b(just |only |purely )?"
    r"out of curiosity\b",
    # When people answer, asked (a question, not "on sunday nobody answered"): "is
    # anyone on the chat at weekends?"
    r"\b(is|are) (there )?(anyone|anybody|someone|agents?|people|staff|humans?)\b[^.!?\n]{0,40}"
    r"\b(at|on|over) (the )?(weekends?|sundays?|saturdays?|bank holidays?|night)\b[^.!\n]{0,60}"
    r"\?|\b(what time|which hours|what hours) (are|do) (your )?(agents|people|staff|humans|"
    r"advisors)\b",
    # The bot tried first, with the request it puts off: "I wanted a person but ok,
    # I'll try you first".
    r"(\b(wanted|was going to ask for|was gonna ask for|meant to ask for)\b[^.!?\n]{0,60})?"
    r"\b(i'll|i will|let me|lemme|i'm going to|i'm gonna|gonna) (try|give) (you|the bot|this "
    r"chat|the chat|it here)( a (go|try|shot))? first\b",
    # Someone else's boss, or a doorman to leave a parcel with: "my boss asked me to
    # order 10 chairs", "can you leave it with the concierge?".
    r"\bmy (boss|manager|supervisor|line manager|team lead)( \w+){0,3} (asked|told|wants|"
    r"sent|needs) (me )?(to )?(buy|order|get|check|ask|find out|price|quote)\b",
    r"\b(leave|drop|give|hand) (it|them|the parcel|the package|the box)( off)? (with|to|at) "
    r"(the|my|a) (doorman|concierge|porter|neighbou?r|reception|receptionist|security( desk)?|"
    r"front desk)\b",
    # Whether something heard is true: "is it true that if I type agent I get a person?"
    r"\b(is it|is that) (true|right) (that )?[^.!?\n]{0,80}\b(agents?|humans?|persons?|"
    r"people|reps?)\b[^.!?\n]{0,60}\?",
    *ES_NOT_A_REQUEST,
    negatable=False,
)

# Wording that makes a whole message no request, wherever the person is named
# in it: asked only to know ("no es que lo necesite ahora", "por si algun dia"),
# or taken back before the message ends ("...ah no, ya lo encontre, olvidalo").
# Spanish only: :mod:`.declines_es` (``ES_ONLY_ASKING``).
ONLY_ASKING = _phrases(*ES_ONLY_ASKING, negatable=False)
