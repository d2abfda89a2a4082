"""What is refused, as error kinds every layer can raise and every front door maps to its words.

The plan raises ``UnknownCode`` for a unit or duty code it does not hold; the services raise
``Refused`` (and ``Conflict``, ``InvalidInput`` in ``htx_tasks.services.errors``); what a person
typed or gave that cannot be used (a date that is no date, a file of the wrong kind, options that
do not go together) is ``BadInput``. Each is raised once, where it is found, with its Vietnamese
reason: nobody translates a ``KeyError`` or a ``ValueError`` by hand, and a ``ValueError`` that
reaches a front door is a bug, never a person's mistake. The command line maps them to exit codes
(``BadInput`` and ``UnknownCode`` 2, any other ``Refused`` 1), the web app to 4xx pages, the
flows to Failed states.
"""

from __future__ import annotations


class Refused(Exception):
    """An action that is not allowed, with the reason in Vietnamese. Nothing was written."""


class Conflict(Refused):
    """Somebody else decided first: the item is no longer in the state this action expects."""


class UnknownCode(Refused):
    """A unit or duty code the plan does not hold: what was typed or sent names nothing."""


class BadInput(Refused):
    """What a person typed or gave cannot be used: the message names the option, field or file."""
