"""Offline analysis of archlab HDF5 files.

>>> import archlab
>>> with archlab.open("run.h5") as run:          # a Run, or a Study when the file has /study
...     print(run.totals())
...     run.stats_frame("workload.phold", "events")

Plots live in :mod:`archlab.plots`, the Perfetto export in :mod:`archlab.perfetto`, the command
line in :mod:`archlab.cli` (``archlab-analyze``).
"""
from __future__ import annotations

import os

from .errors import (ArchlabError, FormatVersionError, MissingDataError, NoOperatorsError, NoStudyError, NoTraceError,
                     NotArchlabFileError, NotHDF5Error, PanelsLeftOutWarning, UnfinishedRunWarning)
from .files import FORMAT_VERSIONS
from .run import Run
from .study import Study, pareto_mask

__version__ = "0.1.0"

__all__ = ["open", "Run", "Study", "pareto_mask", "FORMAT_VERSIONS", "ArchlabError", "NotHDF5Error",
           "NotArchlabFileError", "FormatVersionError", "MissingDataError", "NoStudyError", "NoOperatorsError",
           "NoTraceError", "UnfinishedRunWarning", "PanelsLeftOutWarning"]


def open(path: str | os.PathLike) -> Run:  # noqa: A001 - archlab.open reads like h5py.File / pandas.read_*
    """Opens an archlab HDF5 file: a :class:`Study` when it holds ``/study``, else a :class:`Run`.

    Raises FileNotFoundError, :class:`NotHDF5Error`, :class:`NotArchlabFileError` or
    :class:`FormatVersionError`. A file whose run did not finish (killed, or still running) opens
    too, with an :class:`UnfinishedRunWarning`; ``run.finished`` is then False.
    """
    from .files import check_archlab_file, open_hdf5

    file, swmr = open_hdf5(path)
    try:
        version = check_archlab_file(file, path)
        cls = Study if "study" in file else Run
        return cls(file, path, version, swmr)
    except BaseException:
        file.close()
        raise
