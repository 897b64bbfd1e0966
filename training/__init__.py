"""The trainers' workflow: check the data, evaluate the model, learn from real conversations.

Each step is a module with a ``main`` that the Makefile runs:

- ``make validate`` -> :mod:`training.validate`: ``rasa data validate`` plus the
  checks of :mod:`training.checks`, every finding as ``file:line``.
- ``make evaluate`` -> :mod:`training.evaluate`: the model on the held-out test
  set; :mod:`training.report` writes the tables and pictures under ``reports/``
  and compares them with the previous model's.
- ``make review`` -> :mod:`training.review`: the customer messages the bot did
  not handle well, read from the tracker store, scrubbed of personal data
  (:mod:`plumbing.scrub`), grouped, into a file the trainer labels.
- ``make review-apply`` -> :mod:`training.apply`: the labelled messages into
  ``data/nlu/<topic>.yml``, touching nothing else in those files.
- ``make reload`` -> :mod:`training.reload`: the running server loads the newly
  trained model (conversations live in the tracker store and carry on).

The NLU data is read with line numbers by :mod:`training.corpus`, so that
every message can point at the line to fix.
"""
