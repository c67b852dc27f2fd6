"""The exceptions and warnings the package raises.

Every error says which file, what was wrong, and what would have been valid. They share the base
class :class:`ArchlabError`, so ``except archlab.ArchlabError`` catches any problem with a file.
"""
from __future__ import annotations


class ArchlabError(Exception):
    """Base class of every error about an archlab file."""


class NotHDF5Error(ArchlabError):
    """The file exists but is not an HDF5 file at all."""


class NotArchlabFileError(ArchlabError):
    """The file is HDF5 but was not written by archlab (no ``format_version`` root attribute)."""


class FormatVersionError(ArchlabError):
    """The file was written in a ``format_version`` this package cannot read."""


class MissingDataError(ArchlabError, LookupError):
    """The file is a valid archlab file but lacks what was asked for."""


class NoStudyError(MissingDataError):
    """The file holds a run, not a tuning study (no ``/study`` group)."""


class NoOperatorsError(MissingDataError):
    """The file has no workload operator tables (no ``/workload/<name>/operators``)."""


class NoTraceError(MissingDataError):
    """The run was not traced (no ``/trace/events``; run with ``trace = true``)."""


class UnfinishedRunWarning(UserWarning):
    """The run that wrote the file did not finish (it was killed, or is still running)."""


class PanelsLeftOutWarning(UserWarning):
    """A plot left out some of what it could have drawn (too many panels, statistics that are zero
    throughout, histograms); the message names them and the parameter that brings them back."""
