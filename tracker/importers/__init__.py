"""Importers: bring real action plans (Etalab Markdown, Canada's CKAN tables) into plan YAML.

Each importer reads its source files safely, builds plain documents shaped like the published
schemas and writes them with :mod:`tracker.plan.dump`, so a second import changes no byte.
"""
