"""The demo loaders, in order. Each module's ``load()`` is idempotent."""

DEMO_LOADERS = [
    "districtops.org.demo.load",
    "districtops.economy.demo.load",
]
