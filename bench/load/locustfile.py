"""The load-test scenario: leaders read the cockpit, staff read their to-do lists and report
progress, statisticians read the indicators and import the power company's monthly file.
Personas come from prepare.py (LOAD_PERSONAS). Every write the load test sends is counted, per
matter, with what came back — accepted (200), refused (409: someone reported first), failed
(another HTTP status) or no answer at all (connection reset, time-out, cut off at the stop) —
into LOAD_WRITES at the end, for the no-loss check against the database (prepare.py verify).
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from pathlib import Path

from locust import HttpUser, between, events, task

PERSONAS = json.loads(Path(os.environ["LOAD_PERSONAS"]).read_text())
# Progress reports per matter id, by outcome: sent, accepted, refused, failed, unanswered.
PROGRESS: dict[str, Counter] = {k: Counter() for k in ("sent", "accepted", "refused", "failed", "unanswered")}
IMPORTS: Counter = Counter()  # files by outcome, and the rows of the accepted ones


def _outcome(status_code: int) -> str:
    if status_code == 200:
        return "accepted"
    if status_code == 409:
        return "refused"
    return "unanswered" if not status_code else "failed"  # locust reports no answer as status 0


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class Leader(HttpUser):
    weight = 2
    wait_time = between(1, 3)

    def on_start(self):
        self.persona = random.choice(PERSONAS["leaders"])

    @task(5)
    def cockpit(self):
        code = self.persona["district"]
        self.client.get(
            f"/api/v1/cockpit/{code}", headers=_auth(self.persona["token"]), name="/cockpit/{code}"
        )

    @task(1)
    def cockpit_last_month(self):
        code = self.persona["district"]
        self.client.get(
            f"/api/v1/cockpit/{code}?period=2021-02",
            headers=_auth(self.persona["token"]),
            name="/cockpit/{code}?period",
        )


class Staff(HttpUser):
    weight = 6
    wait_time = between(1, 3)

    def on_start(self):
        self.persona = random.choice(PERSONAS["staff"])
        self.headers = _auth(self.persona["token"])

    @task(3)
    def todo(self):
        self.client.get("/api/v1/supervision/todo", headers=self.headers, name="/supervision/todo")
        self.client.get(
            "/api/v1/supervision/todo/lead?limit=20", headers=self.headers, name="/supervision/todo/lead"
        )

    @task(2)
    def report_progress(self):
        matter_id = random.choice(self.persona["matters"])
        current = self.client.get(
            f"/api/v1/supervision/matters/{matter_id}", headers=self.headers, name="/supervision/matters/{id}"
        )
        if current.status_code != 200:
            return
        body = {"version": current.json()["version"], "progress": random.randint(1, 99), "note": "压测进展"}
        PROGRESS["sent"][matter_id] += 1
        with self.client.post(
            f"/api/v1/supervision/matters/{matter_id}/actions/report_progress",
            json=body,
            headers=self.headers,
            name="/supervision/matters/{id}/report_progress",
            catch_response=True,
        ) as response:
            outcome = _outcome(response.status_code)
            PROGRESS[outcome][matter_id] += 1
            if outcome in ("accepted", "refused"):
                # 409: someone else reported first, a refused write (the client re-reads), not an error.
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")


class Statistician(HttpUser):
    weight = 1
    wait_time = between(2, 5)

    def on_start(self):
        self.persona = random.choice(PERSONAS["statisticians"])
        self.headers = _auth(self.persona["token"])
        self.workbook = Path(self.persona["workbook"]).read_bytes()

    @task(3)
    def indicators(self):
        self.client.get("/api/v1/economy/indicators", headers=self.headers, name="/economy/indicators")

    @task(1)
    def import_electricity(self):
        IMPORTS["sent"] += 1
        with self.client.post(
            "/api/v1/economy/imports/electricity",
            files={"file": ("用电量.xlsx", self.workbook, XLSX)},
            headers=self.headers,
            name="/economy/imports/electricity",
            catch_response=True,
        ) as response:
            outcome = _outcome(response.status_code)
            IMPORTS[outcome] += 1
            if outcome == "accepted":
                IMPORTS["rows"] += response.json().get("rows", 0)
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")


@events.quitting.add_listener
def _dump_writes(environment, **_):
    target = os.environ.get("LOAD_WRITES")
    if target:
        Path(target).write_text(json.dumps({"progress": PROGRESS, "imports": IMPORTS}))
