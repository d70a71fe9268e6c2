"""``moto.server`` whose RDS clock can be turned back: run as a script by ``servers.moto_server``.

moto stamps snapshots with the wall clock and its server mode has no time control, so a test could only
make a snapshot "old" by passing a ``--now`` in the future -- which ``ops cleanup-snapshots`` now refuses,
rightly. Instead, RDS's clock in this server process reads an offset in seconds from the file named by
``MOTO_CLOCK_FILE`` (absent: no offset): a test turns the clock back, creates snapshots, and restores it.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import moto.rds.models as rds_models
from moto.core import utils
from moto.server import main

_wall_clock = utils.utcnow


def shifted_utcnow() -> dt.datetime:
    clock = os.environ.get("MOTO_CLOCK_FILE")
    offset = float(Path(clock).read_text()) if clock and Path(clock).is_file() else 0.0
    return _wall_clock() + dt.timedelta(seconds=offset)


rds_models.utcnow = shifted_utcnow  # the name rds/models.py imported

if __name__ == "__main__":
    main(sys.argv[1:])
