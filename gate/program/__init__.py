"""Stage 2, the program: ``__main__.py`` run under the gate's mocks, in its own process and box, and every
resource it registers captured (``program.CapturedResource``); ``children`` keeps every child process of the
gate (the program's, the pack's, checkov's) from outliving it. Imports no other room of the gate."""
