"""One customer's data across every process's stores: found, exported, erased (issue 14).

::

    plumbing.privacy.subject      who the customer is: every identifier, with how it was found
    plumbing.privacy.locations    where a store is (its URL, its owner's engine profile)
    plumbing.privacy.stores       which rows of a store are the customer's, by its owner's Rules
    plumbing.privacy.owners       one process's stores read and erased here (LocalStores), and
                                  the route through which a process asks another for its own
    plumbing.privacy.orchestrate  survey, export and erase across every owner, in order

The rules of each store live with the code of the process that owns it
(bot.privacy, actions.privacy, handoff.privacy.stores), so each process
imports only its own; this package imports none of them. Two front ends use
it: the operators' command (scripts.privacy), which reads every store
itself, and the handoff service's admin API (handoff.routes.privacy), which
reads its own database and asks the Rasa server and the action server for
theirs.
"""
