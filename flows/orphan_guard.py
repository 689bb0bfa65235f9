"""``python -m flows.orphan_guard MODULE ARGS…``: run ``python -m MODULE ARGS…`` (a server a command
starts: Prefect's temporary API, ``hoi serve``'s local Prefect server) so that it exits as soon as the
command that started it is gone — also when that command was killed outright (``kill -9``, the
out-of-memory killer) and its clean-up at exit never ran."""

from __future__ import annotations

import os
import runpy
import sys
import threading
import time

CHECK_S = 0.5


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(CHECK_S)
    os._exit(0)  # the command is gone: nobody will use or stop this server


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m flows.orphan_guard MODULE [ARGS...]")
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
