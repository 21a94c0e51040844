"""Errors the user fixes: the message, in Chinese, says what and how; the command prints it and exits 2."""


class UserError(Exception):
    """A problem with what the user asked for (an option, an address, a folder); ``str()`` is the Chinese message."""
