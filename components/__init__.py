"""One ComponentResource per concern. See docs/architecture.md for the resource contract."""
