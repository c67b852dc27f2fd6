"""Files archlab.open must refuse, each with its own exception type and a message that says why."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

import archlab
from archlab.cli import main
from synthetic import write_root_attributes


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        archlab.open(tmp_path / "nope.h5")


def test_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError):
        archlab.open(tmp_path)


@pytest.mark.parametrize("content", [b"", b"engine = 'sequential'\n", b"\x89HDF\r\n" + bytes(100)])
def test_not_hdf5(tmp_path, content):
    path = tmp_path / "run.h5"
    path.write_bytes(content)
    with pytest.raises(archlab.NotHDF5Error, match="not an HDF5 file"):
        archlab.open(path)


def test_hdf5_but_not_archlab(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.arange(3)
        f.create_group("results")
    with pytest.raises(archlab.NotArchlabFileError, match=r"not an archlab file.*'format_version'.*data, results"):
        archlab.open(path)


@pytest.mark.parametrize("version, advice", [(2, "newer"), (0, "older")])
def test_incompatible_format_version(tmp_path, version, advice):
    path = tmp_path / "future.h5"
    with h5py.File(path, "w") as f:
        write_root_attributes(f, format_version=version)
    expected = rf"format_version {version} .*reads format_version 1.*{advice}"
    with pytest.raises(archlab.FormatVersionError, match=expected):
        archlab.open(path)


def test_format_version_that_is_no_number(tmp_path):
    path = tmp_path / "odd.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format_version"] = "one"
    with pytest.raises(archlab.NotArchlabFileError, match="not an integer"):
        archlab.open(path)


def test_errors_share_a_base_class():
    for error in (archlab.NotHDF5Error, archlab.NotArchlabFileError, archlab.FormatVersionError,
                  archlab.NoStudyError, archlab.NoOperatorsError, archlab.NoTraceError):
        assert issubclass(error, archlab.ArchlabError)


def test_minimal_archlab_file_opens_with_empty_tables(tmp_path):
    path = tmp_path / "bare.h5"
    with h5py.File(path, "w") as f:
        write_root_attributes(f)
    with archlab.open(path) as run:
        assert run.components.empty and run.links.empty and run.stats.empty
        assert len(run.times) == 0 and run.types == []
        with pytest.raises(archlab.NoTraceError):
            run.trace()


def test_cli_reports_bad_files_with_exit_status_2(tmp_path, capsys):
    path = tmp_path / "text.h5"
    path.write_text("not hdf5")
    assert main(["summary", str(path)]) == 2
    assert "archlab-analyze: error:" in capsys.readouterr().err
    assert main(["summary", str(tmp_path / "missing.h5")]) == 2
