"""Reading input paths: directory search, hidden entries, symlink loops, limits, errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.app.sources import MAX_FILE_BYTES, read_sources
from reconciler.core.errors import InputError


def write(path: Path, text: str = "schedules: []\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def labels(paths: list[str | os.PathLike[str]]) -> list[str]:
    return [source.label for source in read_sources(paths)]


def test_directories_are_searched_recursively_in_sorted_order(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "sub/c.yaml", "sub/deeper/d.YAML", "notes.txt"):
        write(tmp_path / name)
    found = labels([tmp_path])
    assert found == [
        str(tmp_path / "a.yml"),
        str(tmp_path / "b.yaml"),
        str(tmp_path / "sub" / "c.yaml"),
        str(tmp_path / "sub" / "deeper" / "d.YAML"),
    ]


def test_hidden_directories_and_files_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / "kept.yaml")
    write(tmp_path / ".git" / "config.yaml")
    write(tmp_path / ".hidden.yaml")
    assert labels([tmp_path]) == [str(tmp_path / "kept.yaml")]


def test_label_is_the_path_as_given_and_data_is_the_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "x.yaml", "runs: []\n")
    monkeypatch.chdir(tmp_path)
    (source,) = read_sources(["x.yaml"])
    assert source.label == "x.yaml"
    assert source.data == b"runs: []\n"


def test_a_file_named_directly_is_read_whatever_its_extension(tmp_path: Path) -> None:
    path = write(tmp_path / "schedules.conf")
    assert labels([path]) == [str(path)]


def test_symlink_loops_terminate_and_each_file_is_read_once(tmp_path: Path) -> None:
    write(tmp_path / "root" / "a.yaml")
    (tmp_path / "root" / "loop").symlink_to(tmp_path / "root", target_is_directory=True)
    (tmp_path / "root" / "alias.yaml").symlink_to(tmp_path / "root" / "a.yaml")
    found = labels([tmp_path / "root", tmp_path / "root" / "a.yaml"])
    assert found == [str(tmp_path / "root" / "a.yaml")]


def test_missing_paths_and_empty_directories_are_all_reported(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty" / "readme.md")
    with pytest.raises(InputError) as raised:
        read_sources([tmp_path / "nope.yaml", tmp_path / "empty"])
    text = raised.value.message
    assert f"{tmp_path / 'nope.yaml'}: error: cannot read: no such file or directory" in text
    assert f"{tmp_path / 'empty'}: error: no *.yaml or *.yml files in this directory" in text


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(InputError, match=r"huge\.yaml: error: file is larger than 5 MiB"):
        read_sources([path])
    path.write_bytes(b"#" * MAX_FILE_BYTES)
    assert len(read_sources([path])[0].data) == MAX_FILE_BYTES


def test_a_fifo_is_refused_rather_than_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    # opening a FIFO for reading blocks until a writer appears; give it one
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    try:
        with pytest.raises(InputError, match="not a regular file"):
            read_sources([fifo])
    finally:
        os.close(writer)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "secret.yaml")
    path.chmod(0)
    with pytest.raises(InputError, match=r"secret\.yaml: error: cannot read: permission denied"):
        read_sources([path])
