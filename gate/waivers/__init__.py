"""The reviewed "yes, we know": ``gate/exemptions.yaml`` applied to the findings (expired ones block), and
every waiver (exemptions and checkov skips) with its expiry (``python -m gate waivers``)."""
