"""Handing a conversation over from the bot to a person.

The package is split by concern, so that a reader can follow a conversation
from "should a person take over?" to "which agent sees it, and where":

- ``handoff.escalation``: the rules that decide when to escalate (an explicit
  request, anger, a conversation the bot cannot resolve, a sensitive matter),
  how urgent the escalation is, and why. Pure decision logic: no I/O, no Rasa.

Still to come, each in its own module: storage of handoff requests and their
queue, the handoff service's HTTP routes, the agents' desk, and adapters to
external contact-center platforms.
"""
