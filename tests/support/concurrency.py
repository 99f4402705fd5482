"""Running one piece of test code in several threads at once, as racing workers would."""
from __future__ import annotations

import threading
from typing import Callable


def run_together(target: Callable[[], None], count: int) -> None:
    """Start ``count`` threads running ``target`` and wait for them all; ``target`` collects its own results
    (and usually waits on a barrier, so that the threads really race)."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
