"""Complaint errors share the ledger's: pages show the message, the API maps the status code."""

from propwatch.ledger.errors import Conflict, LedgerError, NotAllowed


class ComplaintError(LedgerError):
    """Bad input or a refused action on a complaint; the message says what to fix."""


__all__ = ["ComplaintError", "Conflict", "LedgerError", "NotAllowed"]
