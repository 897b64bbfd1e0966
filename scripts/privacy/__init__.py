"""``make privacy-export`` / ``make privacy-erase``: one customer's data, across every store.

A customer may ask what we hold about them, and that we erase it (issue 14,
item 6). What we hold is spread over the stores of four processes, each
owning its own tables, so answering by hand means knowing all of them::

    python -m scripts.privacy export --customer ID [--out FILE]
    python -m scripts.privacy erase --customer ID [--yes] [--include-opt-out]

``ID`` is a conversation (sender) id, a phone number (any spelling with its
country code: made E.164, as the SMS channel's sender ids are) or an e-mail
address. Who that is, and which conversations are theirs, is worked out
first (:mod:`scripts.privacy.subject`); then each store's rows of the
customer are read (:mod:`scripts.privacy.stores`, where each store is:
:mod:`scripts.privacy.locations`) and exported as one JSON document, or
deleted, one transaction per store (:mod:`scripts.privacy.run`). ``erase``
without ``--yes`` only says what it would delete (exit status 2).

A package rather than one module: the stores' rules alone are a module's
worth, and each part is read on its own (which rows, where, what is done).
"""
