"""checkov, warmed up: run in checkov's own virtualenv (``.venv-checkov/bin/python gate/export/checkov_warm.py``), import
checkov while the gate is still running the program, then scan the plan the gate names on stdin.

Why: ``import checkov.main`` is most of checkov's time (2.4 of 3.1 s on the production plan, 2 cores), and it
does not depend on the plan. :func:`gate.export.checkov.prestart_checkov` starts this script when the gate starts;
:func:`gate.export.checkov.start_checkov` then writes one JSON line, ``{"cwd": <folder>, "args": [<checkov's CLI
arguments>]}``, and closes stdin. What runs then is checkov's own console entry point (``Checkov().run()``, as
``.venv-checkov/bin/checkov`` runs it) with those arguments (passed as ``argv``: checkov's default is
``sys.argv`` as it was at import): the same scan, the same report. Without a line
(the gate stopped before it wrote the plan) the script exits 3 having scanned nothing.

It runs in checkov's interpreter (checkov pins its own dependencies): only checkov and the standard library.
"""

import json
import os
import sys
import warnings

NO_PLAN = 3


def main() -> int:
    """Import checkov, wait for the arguments, run it; checkov's exit code."""
    # Run as a script, this file's folder (gate/export/) leads sys.path, and gate/export/checkov.py would shadow checkov.
    here = os.path.dirname(os.path.realpath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != here]
    with warnings.catch_warnings():  # as checkov's console script does
        warnings.simplefilter("ignore", category=SyntaxWarning)
        from checkov.main import Checkov
    line = sys.stdin.readline()
    if not line.strip():
        return NO_PLAN
    request = json.loads(line)
    os.chdir(request["cwd"])
    sys.argv = ["checkov", *request["args"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=SyntaxWarning)
        # explicitly: Checkov's default argv is sys.argv[1:] as it was when checkov.main was imported
        code = Checkov(argv=request["args"]).run()
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
