"""The published-evidence library: seed studies (docs/evidence.md) and pooling of their arms."""
