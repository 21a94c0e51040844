"""The one exception the reader raises: a file that cannot be read, and what to do about it."""


class UnreadableFile(Exception):
    """Raised with a Chinese message that names the problem and what the sender should do."""

    def __init__(self, message: str, reason: str = "corrupt"):
        super().__init__(message)
        self.message = message
        self.reason = reason  # machine-readable: empty, corrupt, encrypted, html, bomb, too_large, entities, format
