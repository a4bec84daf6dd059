"""The environment is the lock: every package jixiao needs (with its dev and dask extras) is pinned in
requirements.lock and installed at exactly that version, so a fresh machine tests what was tested."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"


def pins() -> dict[str, str]:
    """Package → version pinned for this interpreter and platform (a line's marker decides)."""
    pinned: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith((" ", "#", "-")):
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate():
            (spec,) = req.specifier
            assert spec.operator == "==", line
            pinned[canonicalize_name(req.name)] = spec.version
    return pinned


def closure() -> set[str]:
    """jixiao's requirements with the extras it is installed with, and theirs, as installed."""
    env = default_environment()
    seen: set[str] = set()
    todo: list[tuple[str, frozenset[str]]] = [("jixiao", frozenset({"dev", "dask"}))]
    while todo:
        name, extras = todo.pop()
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is not None and not any(
                    req.marker.evaluate({**env, "extra": e}) for e in extras or {""}):
                continue
            dep = canonicalize_name(req.name)
            if dep == "jixiao":
                todo.append((dep, frozenset(req.extras)))
            elif dep not in seen:
                seen.add(dep)
                todo.append((dep, frozenset(req.extras)))
    return seen


def test_every_needed_package_is_pinned_and_installed_at_its_pin():
    pinned = pins()
    needed = closure()
    assert {"dask", "distributed", "dagster", "duckdb", "polars", "camelot-py"} <= needed
    unpinned = sorted(needed - pinned.keys())
    assert not unpinned, f"not in requirements.lock (run `make lock`): {unpinned}"
    drifted = {n: (metadata.version(n), pinned[n]) for n in needed
               if metadata.version(n) != pinned[n]}
    assert not drifted, f"installed ≠ locked (run `make install`): {drifted}"


def test_dask_and_distributed_are_one_release():
    """The pair a resolver once split (dask 2026.11 with distributed 2021.4: no import)."""
    pinned = pins()
    assert pinned["dask"] == pinned["distributed"]
    assert re.match(r"20\d\d\.", pinned["distributed"])
