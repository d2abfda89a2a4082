"""What is refused, as error kinds every layer can raise and every front door maps to its words.

The plan raises ``UnknownCode`` for a unit or duty code it does not hold; the services raise
``Refused`` (and ``Conflict``, ``InvalidInput`` in ``htx_tasks.services.errors``). Each is raised
once, where it is found, with its Vietnamese reason: nobody translates a ``KeyError`` by hand.
The command line maps them to exit codes, the web app to 4xx pages, the flows to Failed states.
"""

from __future__ import annotations


class Refused(Exception):
    """An action that is not allowed, with the reason in Vietnamese. Nothing was written."""


class Conflict(Refused):
    """Somebody else decided first: the item is no longer in the state this action expects."""


class UnknownCode(Refused):
    """A unit or duty code the plan does not hold: what was typed or sent names nothing."""
