#!/usr/bin/env python3
"""Fill an SQLite staffdev database with the portal benchmark's scale: 5,000 people,
1,000,000 kudos (1 to 3 recipients each), a trophy with 200,000 notebook entries, 1,000
compliments and 100 announcements, written straight into the tables for speed.

    staffdev migrate up --database-url sqlite:///tmp/portal.db
    python3 benches/seed_recognition.py /tmp/portal.db [path/to/staffdev]
    staffdev serve --database-url sqlite:///tmp/portal.db --bind 127.0.0.1:8092 &
    # sign in as bench-staff@example.org / "bench password" for a session cookie
    # (see benches/portal_load.sh, which does all of this and runs wrk)

Timestamps are written as sqlx writes them (RFC 3339 with a "T"), so that the service's
comparisons on them order seeded rows and its own alike.
"""
import random
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone

PEOPLE, KUDOS, ENTRIES, COMPLIMENTS, ANNOUNCEMENTS = 5000, 1_000_000, 200_000, 1000, 100
path = sys.argv[1]
staffdev = sys.argv[2] if len(sys.argv) > 2 else "staffdev"
db = sqlite3.connect(path)
random.seed(11)
now = datetime.now(timezone.utc).replace(microsecond=0)


def stamp(t):
    return t.isoformat()


for email, name, role in [("bench-cio@example.org", "Bench CIO", "cio"), ("bench-staff@example.org", "Bench Staff", "staff"),
                          ("bench-advisor@example.org", "Bench Advisor", "advisor")]:
    subprocess.run([staffdev, "create-user", "--database-url", f"sqlite://{path}", "--email", email, "--name", name,
                    "--role", role], input=b"bench password\n", check=True)
cio = db.execute("SELECT id FROM people WHERE email = 'bench-cio@example.org'").fetchone()[0]

db.executemany(
    "INSERT INTO people (email, name, job_title, team, role, manager_id, active, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
    [(f"p{n}@example.org", f"Person {n:05}", "Engineer", f"Team {n % 50}", "staff", cio, 1, stamp(now), stamp(now))
     for n in range(PEOPLE)],
)
people = [r[0] for r in db.execute("SELECT id FROM people WHERE email LIKE 'p%@example.org' ORDER BY id")]

# Kudos over the past two years, ids in time order as the service writes them.
start = now - timedelta(days=730)
step = timedelta(days=730) / KUDOS
messages = ["Thanks for staying late on the cutover!", "You explained it without a single acronym.",
            "The printer whisperer strikes again.", "Thank you for the runbook <b>and</b> the coffee.",
            "Calm, kind and fast with a panicked professor."]
batch_k, batch_r = [], []
for i in range(1, KUDOS + 1):
    giver = random.choice(people)
    batch_k.append((i, giver, random.choice(messages), "", stamp(start + step * i)))
    # One to three recipients, never the giver (every kudos has someone to thank).
    receivers = [r for r in random.sample(people, 4) if r != giver][:random.randint(1, 3)]
    batch_r.extend((i, receiver) for receiver in receivers)
    if len(batch_k) == 50_000:
        db.executemany("INSERT INTO kudos (id, giver_id, message, value_tags, created_at) VALUES (?,?,?,?,?)", batch_k)
        db.executemany("INSERT OR IGNORE INTO kudos_recipients (kudos_id, person_id) VALUES (?,?)", batch_r)
        batch_k, batch_r = [], []
db.executemany("INSERT INTO kudos (id, giver_id, message, value_tags, created_at) VALUES (?,?,?,?,?)", batch_k)
db.executemany("INSERT OR IGNORE INTO kudos_recipients (kudos_id, person_id) VALUES (?,?)", batch_r)

# One trophy, passed 200,000 times: an unbroken chain.
first = people[0]
db.execute("INSERT INTO trophies (id, name, description, holder_id, held_since, entries, created_at) VALUES (1, 'The Big Ugly Trophy', 'Inflatable.', ?, ?, 0, ?)",
           (first, stamp(start), stamp(start)))
entries, holder = [(1, 1, 1, "created", None, first, "The Big Ugly Trophy starts here.", cio, stamp(start))], first
estep = timedelta(days=730) / ENTRIES
for seq in range(2, ENTRIES + 1):
    receiver = random.choice(people)
    while receiver == holder:
        receiver = random.choice(people)
    entries.append((seq, 1, seq, "pass", holder, receiver, "For keeping the lights on, again.", holder, stamp(start + estep * seq)))
    holder = receiver
db.executemany("INSERT INTO notebook_entries (id, trophy_id, seq, kind, giver_id, receiver_id, message, recorded_by_id, created_at) VALUES (?,?,?,?,?,?,?,?,?)", entries)
db.execute("UPDATE trophies SET holder_id = ?, held_since = ?, entries = ? WHERE id = 1", (holder, entries[-1][-1], ENTRIES))

db.executemany(
    "INSERT INTO compliments (person_id, giver_name, giver_affiliation, channel, received_on, message, posted_by_id, created_at) VALUES (?,?,?,?,?,?,?,?)",
    [(random.choice(people), "Prof. Alvarez", "History", "email", (start + timedelta(days=i % 700)).date().isoformat(),
      "Fixed my laptop before the lecture.", cio, stamp(start + timedelta(days=i % 700, hours=2))) for i in range(COMPLIMENTS)],
)
db.executemany(
    "INSERT INTO announcements (kind, title, body, posted_by_id, created_at) VALUES (?,?,?,?,?)",
    [("proactive_work", f"Batch {i}: batteries replaced before they failed", "", cio, stamp(start + timedelta(days=7 * i)))
     for i in range(ANNOUNCEMENTS)],
)
# The summaries' tallies (migration m20261206_000016), which the service keeps with each
# kudos it writes; rows written straight into the tables need them counted here.
db.execute("DELETE FROM kudos_days")
db.execute("DELETE FROM kudos_people_months")
db.execute("INSERT INTO kudos_days (day, kudos) SELECT substr(created_at, 1, 10), COUNT(*) FROM kudos WHERE hidden_at IS NULL GROUP BY 1")
db.execute("""INSERT INTO kudos_people_months (month, person_id, given, received, first_given_at, last_given_at, first_received_at, last_received_at)
    SELECT month, person_id, SUM(given), SUM(received), MIN(fg), MAX(lg), MIN(fr), MAX(lr) FROM (
        SELECT substr(created_at, 1, 7) AS month, giver_id AS person_id, 1 AS given, 0 AS received, created_at AS fg, created_at AS lg, NULL AS fr, NULL AS lr
        FROM kudos WHERE hidden_at IS NULL
        UNION ALL
        SELECT substr(k.created_at, 1, 7), r.person_id, 0, 1, NULL, NULL, k.created_at, k.created_at
        FROM kudos_recipients r JOIN kudos k ON k.id = r.kudos_id WHERE k.hidden_at IS NULL)
    GROUP BY month, person_id""")
db.commit()
db.execute("ANALYZE")
print(f"{len(people)} people, {KUDOS} kudos, {ENTRIES} notebook entries, {COMPLIMENTS} compliments, {ANNOUNCEMENTS} announcements")
