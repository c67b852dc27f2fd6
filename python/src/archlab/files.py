"""Opening archlab HDF5 files: checks, the SWMR fallback for killed runs, string decoding."""
from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from .errors import FormatVersionError, NotArchlabFileError, NotHDF5Error

#: ``format_version`` values this package reads. Adding new groups (``/study``, ``/workload``)
#: does not need a new version; renaming or reshaping existing datasets does.
FORMAT_VERSIONS = (1,)


def open_hdf5(path: str | os.PathLike) -> tuple[h5py.File, bool]:
    """Opens ``path`` read-only and returns ``(file, opened_with_swmr)``.

    A run killed midway leaves its superblock marked "open for SWMR writing", which a plain open
    refuses; such a file (and one whose run is still going) opens with ``swmr=True``.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise IsADirectoryError(f"{path}: is a folder, not an archlab HDF5 file")
    if not h5py.is_hdf5(path):
        raise NotHDF5Error(f"{path}: not an HDF5 file (no HDF5 signature); archlab writes HDF5 files "
                           "with `archlab run ... -o FILE.h5`")
    try:
        return h5py.File(path, "r"), False
    except OSError as plain_error:
        try:
            return h5py.File(path, "r", swmr=True), True
        except OSError as swmr_error:
            raise NotHDF5Error(f"{path}: HDF5 cannot open it: {plain_error}; with swmr=True: {swmr_error}") from None


def check_archlab_file(file: h5py.File, path: str | os.PathLike) -> int:
    """Returns the file's ``format_version``, or raises when it is not a readable archlab file."""
    attrs = file.attrs
    if "format_version" not in attrs:
        found = ", ".join(sorted(file.keys())) or "nothing"
        raise NotArchlabFileError(
            f"{path}: an HDF5 file, but not an archlab file (no 'format_version' root attribute; "
            f"top level holds: {found})")
    version = attrs["format_version"]
    try:
        version = int(np.asarray(version).item())
    except (TypeError, ValueError):
        raise NotArchlabFileError(f"{path}: 'format_version' is {version!r}, not an integer") from None
    if version not in FORMAT_VERSIONS:
        writer = text_attr(file, "archlab_version", "an unknown archlab version")
        readable = ", ".join(str(v) for v in FORMAT_VERSIONS)
        advice = ("a newer archlab Python package (pip install --upgrade ./python from that archlab's source)"
                  if version > max(FORMAT_VERSIONS) else "an older archlab Python package")
        raise FormatVersionError(
            f"{path}: file format_version {version} (written by archlab {writer}); this package "
            f"(archlab-analyze) reads format_version {readable}; read it with {advice}")
    return version


def decode(value) -> str:
    """An HDF5 string (bytes, numpy bytes, str, or a one-element array of those) as ``str``."""
    if isinstance(value, np.ndarray):
        value = value.item() if value.size == 1 else value.tolist()
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).rstrip(b"\0").decode("utf-8", errors="replace")
    return str(value)


def text_attr(obj, name: str, default: str = "") -> str:
    return decode(obj.attrs[name]) if name in obj.attrs else default


def string_list_attr(obj, name: str) -> list[str] | None:
    """A string-array attribute (or one string) as a list, or None when absent."""
    if name not in obj.attrs:
        return None
    value = obj.attrs[name]
    if isinstance(value, (str, bytes, np.bytes_)):
        return [decode(value)]
    return [decode(v) for v in np.asarray(value).ravel()]


def decode_columns(table: np.ndarray) -> dict[str, np.ndarray]:
    """A compound array as columns, with fixed-length and variable-length strings decoded."""
    columns = {}
    for name in table.dtype.names or ():
        column = table[name]
        if column.dtype.kind == "S":
            column = np.char.decode(column, "utf-8")
        elif column.dtype.kind == "O":
            column = np.array([decode(v) for v in column], dtype=object)
        columns[name] = column
    return columns
