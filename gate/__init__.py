"""The offline policy gate: ``python -m gate preview --stack <stack>`` (see gate/pipeline.py)."""
