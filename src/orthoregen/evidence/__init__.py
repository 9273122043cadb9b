"""The published-evidence library: seed studies from evidence.md and pooling of their arms."""
