"""Published JSON Schemas (plan, commitment, snapshot)."""
