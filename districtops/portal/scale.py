"""City-scale data for the benchmarks: `districtops generate-scale`.

Each module appends its generator to ``SCALE_GENERATORS``; each takes the organisation
built by ``districtops.org.scale.generate`` and a ``size`` factor (1.0 = the sizes
the issues name) and returns a dict of counts. Generators write with bulk inserts and
leave one audit record each (action ``bulk_load``) saying what they created.
"""

SCALE_GENERATORS = [
    "districtops.org.scale.generate",
    "districtops.projects.scale.generate",
    "districtops.supervision.scale.generate",
    "districtops.hazards.scale.generate",
    "districtops.deputies.scale.generate",
    "districtops.economy.scale.generate",
    "districtops.cockpit.scale.generate",
]
