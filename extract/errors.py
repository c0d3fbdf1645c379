"""Exceptions for input that cannot be used at all.

A reader raises one of these; the batch runner turns it into a ``documents`` row with
status ``failed`` and ``str(exc)`` as the one-line reason.  Anything else escaping a
reader is a bug, and the runner records it as such (``internal error: ...``).
"""


class ExtractError(Exception):
    """The input cannot be read as a report."""


class UnsupportedFormat(ExtractError):
    """The bytes are not a format nianbao reads (or no format could be recognised)."""


class EmptyDocument(ExtractError):
    """The file has no bytes, or no text at all."""


class CorruptDocument(ExtractError):
    """The container is damaged (truncated zip, broken XML, unreadable PDF)."""


class EncryptedDocument(ExtractError):
    """The file is password protected."""


class ScannedDocument(ExtractError):
    """A PDF without a text layer (needs OCR)."""
