"""The captured resources written for other tools: ``stack-export.json`` (``pulumi stack export`` form) and a
Terraform plan that checkov scans (its findings and its skip list, ``gate/checkov-skips.yaml``)."""
