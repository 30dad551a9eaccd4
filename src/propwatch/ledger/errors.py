"""Domain errors of the ledger. Pages show the message; the API maps them to status codes."""


class LedgerError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(LedgerError):
    """The user's role or relation to the problem does not allow the action."""

    status = 403


class IllegalTransition(LedgerError):
    """The move is not in the transitions table from the current state."""

    status = 409


class Conflict(LedgerError):
    """Someone changed the problem since the user loaded it; nothing was overwritten."""

    status = 409
