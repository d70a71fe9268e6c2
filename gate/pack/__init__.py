"""Stage 3, the policies: the policy pack started in its own process and driven over the Analyzer gRPC
protocol as ``pulumi preview --policy-pack`` drives it (``pack_memo`` is its launcher), and the resource
options the pack cannot see, judged by the gate against the same classification table (``options``)."""
