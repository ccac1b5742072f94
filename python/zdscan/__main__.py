"""The `zdscan` command of the Python package: `zdscan limits ...` runs zdscan.limit_curves.main and `zdscan plot ...`
zdscan.plot.main; every other command runs the C++ executable shipped inside the package (the same program
`cmake --install` puts on PATH)."""
from __future__ import annotations

import os
import shutil
import sys
from typing import Optional, Sequence


def executable() -> str:
    """The C++ zdscan: $ZDSCAN_EXE, else the one in the package (pip install), else zdscan on PATH."""
    forced = os.environ.get("ZDSCAN_EXE")
    if forced:
        return forced
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "zdscan")
    if os.path.isfile(here) and os.access(here, os.X_OK):
        return here
    found = shutil.which("zdscan")
    if found and os.path.realpath(found) != os.path.realpath(sys.argv[0]):
        return found
    raise FileNotFoundError("zdscan: the C++ executable is not in this package and not on PATH")


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "limits":
        from .limit_curves import main as limits_main

        return limits_main(args[1:])
    if args and args[0] == "plot":
        from .plot import main as plot_main

        return plot_main(args[1:])
    try:
        exe = executable()
    except FileNotFoundError as e:
        print(e, file=sys.stderr)
        return 1
    os.execv(exe, [exe] + args)
    return 1  # not reached


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C during start-up (the commands handle their own): one line, no traceback
        print("zdscan: interrupted", file=sys.stderr)
        sys.exit(130)
