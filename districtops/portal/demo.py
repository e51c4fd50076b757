"""The demo loaders, in order. Each module's ``load()`` is idempotent."""

DEMO_LOADERS = [
    "districtops.org.demo.load",
    "districtops.projects.demo.load",
    "districtops.supervision.demo.load",
    "districtops.citizen.demo.load",
    "districtops.hazards.demo.load",
    "districtops.deputies.demo.load",
    "districtops.economy.demo.load",
    "districtops.cockpit.demo.load",
]
