#!/usr/bin/env python3
"""Grow a running staffdev (loaded with `--demo`) to a given number of goals, for
benchmarking the plan page and the team view at scale.

    staffdev serve --demo --database-url sqlite:///tmp/bench.db --bind 127.0.0.1:8090 &
    python3 benches/seed_goals.py http://127.0.0.1:8090 5000

It adds staff under the Service Desk lead and gives each of them goals in the current
cycle through the JSON API (group assignment, 500 people at a time), then prints a token
for the lead and the cio so wrk can be pointed at /api/v1/team and /plan.
"""
import json
import sys
import urllib.request

BASE = sys.argv[1].rstrip("/")
TARGET = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
PASSWORD = "staffdev-demo"


def call(method, path, token=None, body=None):
    request = urllib.request.Request(BASE + path, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(request, data) as response:
        text = response.read()
        return json.loads(text) if text else None


def token(email):
    return call("POST", "/api/v1/auth/tokens", body={"email": email, "password": PASSWORD, "name": "bench"})["token"]


cio = token("morgan.reyes@example.org")
lead_token = token("priya.shah@example.org")
lead = call("GET", "/api/v1/me", lead_token)["id"]
cycles = call("GET", "/api/v1/cycles", cio)
cycle = next(c for c in cycles if c["phase"] != "closed")
plan = call("GET", f"/api/v1/plans/{cycle['plan_id']}", cio)
objectives = [o["id"] for g in plan["goals"] for o in g["objectives"] if not o["retired"]]

people = 500
goals_each = max(1, TARGET // people)
ids = []
for n in range(people):
    person = call("POST", "/api/v1/people", cio, {
        "email": f"bench{n}@example.org", "name": f"Bench Person {n:04}", "role": "staff",
        "team": "Service Desk", "manager_id": lead,
    })
    ids.append(person["id"])
for k in range(goals_each):
    call("POST", f"/api/v1/cycles/{cycle['id']}/goals/assign", lead_token, {
        "person_ids": ids, "objective_id": objectives[k % len(objectives)],
        "title": f"Benchmark goal {k}", "category": "service",
    })
print(json.dumps({"cio_token": cio, "lead_token": lead_token, "plan_id": plan["id"],
                  "goals_added": people * goals_each}))
