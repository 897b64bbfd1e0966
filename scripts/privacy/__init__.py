"""``make privacy-export`` / ``make privacy-erase``: one customer's data, across every store.

A customer may ask what we hold about them, and that we erase it (issue 14,
item 6). What we hold is spread over the stores of four processes, each
owning its own tables, so answering by hand means knowing all of them::

    python -m scripts.privacy export --customer ID [--out FILE]
    python -m scripts.privacy erase --customer ID [--yes] [--include-opt-out]

``ID`` is a conversation (sender) id, a phone number (any spelling with its
country code: made E.164, as the SMS channel's sender ids are) or an e-mail
address. Who that is, and which conversations are theirs, is worked out
first (plumbing.privacy.subject); then each store's rows of the customer are
read and exported as one JSON document, or deleted, one transaction per
store (plumbing.privacy.orchestrate). ``erase`` without ``--yes`` only says
what it would delete (exit status 2).

The work is plumbing.privacy's, with each store's rules where its owner's
code is (bot.privacy, actions.privacy, handoff.privacy.stores): the handoff
service's admin route (``POST /api/privacy/export`` and ``/erase``) does the
same, asking the Rasa server and the action server for their stores. This
command reads every store itself, from the settings of every process
(:mod:`scripts.privacy.locations`), so it works with the servers stopped.
"""
