"""The parser tables' cache file against another account: planted links, shared directories,
files that are not the user's own (issue 13)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import autodiff.grammar.build as build
from autodiff.core.builder import GraphBuilder
from autodiff.grammar import cache

pytestmark = pytest.mark.skipif(not cache.SUPPORTED, reason="no dir_fd or O_NOFOLLOW here")

_NOBODY = 65534


def _sum_of_product(parser: build._Driver) -> int:
    """The id ``x*y + 2`` ends in (x, y, then the product: ids before numbering)."""
    return parser.parse("x*y + 2", build._Callbacks(GraphBuilder()))[0]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "autodiff" / "grammar.json"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """Another file of the user's, which the cache must never write."""
    victim = tmp_path / "precious.txt"
    victim.write_text("precious", encoding="utf-8")
    return victim


def _plausible_temporary_names(path: Path) -> list[Path]:
    """The name the cache used to write through (``<cache>.<pid>.tmp``) and its neighbours."""
    pid = os.getpid()
    names = [f"{path.name}.{n}.tmp" for n in (pid, pid + 1, pid - 1, 0, 1)]
    return [path.with_name(name) for name in (*names, f"{path.name}.tmp", f"{path.name}~")]


def test_links_planted_at_the_temporary_names_are_not_followed(path: Path, victim: Path) -> None:
    path.parent.mkdir(mode=0o700)
    for name in _plausible_temporary_names(path):
        name.symlink_to(victim)
    assert _sum_of_product(build._make_parser(path)) == 3
    assert victim.read_text(encoding="utf-8") == "precious"
    assert stat.S_ISREG(path.lstat().st_mode)  # the tables were written, beside the links


def test_a_link_planted_at_the_cache_file_is_neither_read_nor_written_through(
    path: Path, victim: Path
) -> None:
    path.parent.mkdir(mode=0o700)
    path.symlink_to(victim)
    assert cache.read(path) is None
    assert _sum_of_product(build._make_parser(path)) == 3
    assert victim.read_text(encoding="utf-8") == "precious"
    assert stat.S_ISREG(path.lstat().st_mode)  # the link itself was replaced


def test_the_cache_directory_is_created_private(path: Path) -> None:
    build._make_parser(path)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cache.read(path) is not None
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left behind


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777, 0o722])
def test_a_directory_others_may_write_is_not_used(path: Path, mode: int) -> None:
    path.parent.mkdir()
    os.chmod(path.parent, mode)
    assert _sum_of_product(build._make_parser(path)) == 3  # built in memory
    assert list(path.parent.iterdir()) == []  # nothing written there
    os.chmod(path.parent, 0o700)
    build._make_parser(path)
    assert cache.read(path) is not None
    os.chmod(path.parent, mode)
    assert cache.read(path) is None  # nor read from there


@pytest.mark.parametrize("mode", [0o660, 0o646, 0o666])
def test_a_file_others_may_write_is_not_read(path: Path, mode: int) -> None:
    build._make_parser(path)
    os.chmod(path, mode)
    assert cache.read(path) is None


def test_a_linked_cache_directory_is_not_used(tmp_path: Path, path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    path.parent.symlink_to(elsewhere)
    assert _sum_of_product(build._make_parser(path)) == 3
    assert list(elsewhere.iterdir()) == []


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file away needs root")
def test_a_directory_or_file_of_another_account_is_not_used(path: Path) -> None:
    build._make_parser(path)
    os.chown(path, _NOBODY, _NOBODY)
    assert cache.read(path) is None
    os.chown(path, 0, 0)
    assert cache.read(path) is not None
    os.chown(path.parent, _NOBODY, _NOBODY)
    assert cache.read(path) is None
    path.unlink()
    assert _sum_of_product(build._make_parser(path)) == 3
    assert not path.exists()  # not written into another account's directory either


def test_a_fifo_at_the_cache_file_does_not_block(path: Path) -> None:
    path.parent.mkdir(mode=0o700)
    os.mkfifo(path, 0o600)
    assert cache.read(path) is None  # opened without blocking, then refused by fstat
    assert _sum_of_product(build._make_parser(path)) == 3
    assert stat.S_ISREG(path.lstat().st_mode)
