"""Errors whose messages are written for users: one line, what went wrong and what to do."""

from __future__ import annotations


class StudyQAError(Exception):
    """Base class for every error the assistant reports to users."""


class UnreadableSource(StudyQAError):
    """A source file that cannot be turned into text; indexing skips it."""


class ConfigError(StudyQAError):
    """A setting that cannot work (unknown model, unreachable server, bad value)."""


class ModelIntegrityError(ConfigError):
    """The packaged embedding model does not match its published checksum."""


class IndexBusyError(StudyQAError):
    """Another indexer holds the index lock."""


class EmptyIndexError(StudyQAError):
    """There is nothing indexed to answer from."""


class InvalidQuestion(StudyQAError):
    """A question that cannot be answered as given (empty, too long)."""
