"""The plan as code: model, YAML reading, validation."""
