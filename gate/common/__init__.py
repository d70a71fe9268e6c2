"""What every stage after the program shares: the findings vocabulary, where a finding points, the redactor
that keeps secrets out of every output, the ``--out`` folder, the check date and CI-safe printing."""
