"""The monthly cost estimate of the captured resources (unit prices in ``gate/prices.yaml``), its change
against ``--base``, and the stack's budget policy."""
