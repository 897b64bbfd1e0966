"""A customer's export and erasure, from the handoff service's admin API (issue 14).

::

    handoff.privacy.stores   the handoff database's share: which rows are the customer's,
                             and the links (handoffs, customer_links) to more of them
    handoff.privacy.remote   the Rasa server's and the action server's shares, asked over
                             HTTP (each reads its own stores with its own secrets)
    handoff.routes.privacy   POST /api/privacy/export and /api/privacy/erase (admin)

The work is plumbing.privacy's, the same as the operators' command
(``make privacy-export``/``privacy-erase``, scripts.privacy) does with every
store read locally.
"""
