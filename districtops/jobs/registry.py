"""The jobs the platform knows, by name. Explicit: each entry names its function.

A job function takes ``(job_logger, **params)`` and returns a JSON-able result; it may
call ``job_logger.attach(filename, bytes)`` to leave a result file.
"""

JOBS = {
    "audit.verify_chain": "districtops.audit.jobs.verify_chain",
}

# Run once a day by `districtops run-periodic daily` (cron or a systemd timer, see docs/operations.md).
DAILY = ["audit.verify_chain"]
# Run every few minutes by `districtops run-periodic frequent` (a 5-minute timer): retries.
FREQUENT: list[str] = []


def register(name: str, dotted_path: str, *, daily: bool = False, frequent: bool = False) -> None:
    """For apps to add their jobs from their AppConfig.ready()."""
    JOBS[name] = dotted_path
    if daily and name not in DAILY:
        DAILY.append(name)
    if frequent and name not in FREQUENT:
        FREQUENT.append(name)
