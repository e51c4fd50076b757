"""The gate (who may see or touch what: permissions.py) and the one write path (services.py),
with the API, import and view helpers built on them. Above ``org`` and ``audit``; below the apps."""
