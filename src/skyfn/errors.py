"""The one exception type the CLI turns into a clean message and a non-zero exit."""


class SkyfnError(Exception):
    """A user error: its message says what is wrong and how to fix it."""


class DefinitionError(SkyfnError):
    """The backend's definitions are invalid; the message names the function and key."""
