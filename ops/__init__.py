"""ChatPDD operations tool: pre-deploy snapshot, live verification, restore drill, snapshot cleanup.

Run as ``python -m ops <subcommand>``. It reads the stack outputs (``pulumi stack output --json``) and
the checklist's numbers (``stacks.checklist``); it is the only part of the repository that calls AWS.
"""
