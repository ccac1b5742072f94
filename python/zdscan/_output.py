"""The output policy of every Python writer, the same as `zdscan scan`'s (docs/output.md, "Safety"): the checks
are the C++ ones (zdscan._core), so the CLI and Python refuse and replace the same things.

- The target must be new, or an output zdscan marked as its own (a limit file with `# creator: zdscan`, a JSON
  file with "creator": "zdscan", an archive whose gzip name starts with `zdscan-`, a directory holding
  `.zdscan-output`); any other regular file only with force. Inputs of the command, links, devices, FIFOs and
  foreign directories are always refused.
- Everything is written to `.<name>.zdscan-tmp.<host>.<pid>` beside the target, synced, checked again and
  renamed into place; on any error or interrupt the temporary is removed. Temporaries of dead processes (kill -9)
  are removed by the next write to the same target.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
from typing import Callable, Iterable, Iterator, Sequence

from . import _core

def check(target: str, kind: str, *, force: bool = False, inputs: Sequence[str] = (), option: str = "out=") -> None:
    """Raises FileExistsError (naming option) when target may not be written. kind: "result", "file", "directory"."""
    _core.check_output_target(os.fspath(target), kind, bool(force), [os.fspath(p) for p in inputs], option)


def _fsync_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def _temporary(target: str) -> Iterator[str]:
    """A temporary path beside target, removed (file or directory) unless the caller renamed it away."""
    tmp = _core.temporary_path_for(target)
    try:
        yield tmp
    finally:
        if os.path.isdir(tmp) and not os.path.islink(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.lexists(tmp):
            os.unlink(tmp)


def write_bytes(target: str, data: bytes, *, force: bool = False, inputs: Sequence[str] = (),
                option: str = "out=") -> None:
    """Writes data to target as one file, by the policy above."""
    target = os.fspath(target)
    check(target, "file", force=force, inputs=inputs, option=option)
    _core.clean_stale_temporaries(target)
    with _temporary(target) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _core.check_output_target_before_rename(target, "file", bool(force), [os.fspath(p) for p in inputs], option)
        os.replace(tmp, target)
    _fsync_directory(os.path.dirname(os.path.abspath(target)))


def write_text(target: str, text: str, **kw) -> None:
    write_bytes(target, text.encode("utf-8"), **kw)


def write_directory(target: str, fill: Callable[[str], None], *, inputs: Sequence[str] = (),
                    option: str = "out=", marker_file: bool = True) -> None:
    """Makes the directory target: fill(tmpdir) writes its files into a new temporary directory beside it, which is
    marked as zdscan's and renamed into place. An existing target is replaced only when zdscan made it (marker);
    the old one is moved aside first and removed after the rename, so the target is never missing a whole."""
    target = os.fspath(target).rstrip("/") or "/"
    check(target, "directory", inputs=inputs, option=option)
    _core.clean_stale_temporaries(target)
    with _temporary(target) as tmp:
        os.mkdir(tmp, 0o755)
        fill(tmp)  # before the marker: fill may check what it wrote (the HEPData validator sees only its files)
        if marker_file:  # else fill marked it in its own metadata (HEPData: submission.yaml's first line)
            with open(os.path.join(tmp, _core.directory_marker), "w", encoding="utf-8") as f:
                f.write("made by zdscan: the directory may be replaced by the next zdscan write to it\n")
        _core.check_output_target_before_rename(target, "directory", False, [os.fspath(p) for p in inputs], option)
        if os.path.isdir(target):
            with _temporary(target + ".old") as aside:
                os.rename(target, aside)
                try:
                    os.rename(tmp, target)
                except BaseException:
                    os.rename(aside, target)
                    raise
        else:
            os.rename(tmp, target)
    _fsync_directory(os.path.dirname(os.path.abspath(target)))


@contextlib.contextmanager
def signals_as_exceptions(signals: Iterable[int] = (signal.SIGTERM, signal.SIGHUP)) -> Iterator[None]:
    """For command-line use: SIGTERM and SIGHUP raise SystemExit(128 + signal) in the main thread, so that the
    writers above remove their temporaries on the way out (Python's default would end the process at once)."""
    def raise_exit(sig, _frame):
        raise SystemExit(128 + sig)

    old = {}
    for s in signals:
        with contextlib.suppress(ValueError, OSError):  # not the main thread: leave the handlers alone
            old[s] = signal.signal(s, raise_exit)
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
