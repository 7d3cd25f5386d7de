"""Named points in the indexer where the crash tests kill it (SIGKILL), to prove the index survives.

`STUDYQA_TEST_KILL_AT=name` kills the process the first time it reaches `checkpoint(name)`;
`name:n` kills it the n-th time. Unset (always, outside tests), a checkpoint costs one dict lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

KILL_VARIABLE = "STUDYQA_TEST_KILL_AT"
_passed: Counter[str] = Counter()


def checkpoint(name: str) -> None:
    """Die here, at once and without cleanup, when the crash tests ask for it."""
    target = os.environ.get(KILL_VARIABLE)
    if not target:
        return
    wanted, _, nth = target.partition(":")
    if wanted != name:
        return
    _passed[name] += 1
    if _passed[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
