"""What a change does: ``--base`` (the program at another ref, diffed by URN: creates, deletes, replacements),
``--head`` (the rule files a pull request changes, against the one list of rule paths) and the summary of a
real ``pulumi preview`` for the pull request's comment (``python -m gate preview-summary``)."""
