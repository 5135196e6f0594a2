#!/usr/bin/env python3
"""Fill an SQLite staffdev database with the skills benchmark's scale: 2,000 people x 20
skills x 10 assessments each (400,000 assessments), their per-skill levels and targets,
written straight into the tables for speed.

    staffdev migrate up --database-url sqlite:///tmp/skills.db
    python3 benches/seed_skills.py /tmp/skills.db
    staffdev serve --database-url sqlite:///tmp/skills.db --bind 127.0.0.1:8091 &
    # a cio token: POST /api/v1/auth/tokens as bench-cio@example.org / "bench password"
    wrk -t2 -c8 -d10s --latency -H "authorization: Bearer $TOKEN" http://127.0.0.1:8091/api/v1/skills/department
"""
import random
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

PEOPLE, SKILLS, PER_SKILL = 2000, 20, 10
db = sqlite3.connect(sys.argv[1])
now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00:00")
random.seed(7)

# The cio can sign in; the password hash comes from the real hasher via the CLI.
staffdev = sys.argv[2] if len(sys.argv) > 2 else "staffdev"
subprocess.run([staffdev, "create-user", "--database-url", f"sqlite://{sys.argv[1]}", "--email", "bench-cio@example.org",
                "--name", "Bench CIO", "--role", "cio"], input=b"bench password\n", check=True)
cio = db.execute("SELECT id FROM people WHERE email = 'bench-cio@example.org'").fetchone()[0]

db.executemany(
    "INSERT INTO people (email, name, job_title, team, role, manager_id, active, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
    [(f"p{n}@example.org", f"Person {n:05}", "Engineer", f"Team {n % 40}", "staff", cio, 1, now, now) for n in range(PEOPLE)],
)
people = [r[0] for r in db.execute("SELECT id FROM people WHERE email LIKE 'p%@example.org'")]
db.executemany(
    "INSERT INTO skills (name, name_key, category, description, level1, level2, level3, level4, level5, retired, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    [(f"Skill {s}", f"skill {s}", "technical", "", "1", "2", "3", "4", "5", 0, now, now) for s in range(SKILLS)],
)
skills = [r[0] for r in db.execute("SELECT id FROM skills")]
start = date.today() - timedelta(days=PER_SKILL * 30)
assessments, levels, targets = [], [], []
next_id = 1
for person in people:
    for skill in skills:
        level = random.randint(1, 3)
        first = level
        for k in range(PER_SKILL):
            level = max(1, min(5, level + random.choice([-1, 0, 0, 1])))
            day = start + timedelta(days=30 * k)
            assessments.append((next_id, person, skill, level, "manager" if k % 2 else "self", cio, day.isoformat(), "", now))
            next_id += 1
        levels.append((person, skill, first, start.isoformat(), level, day.isoformat(), next_id - 1))
        if random.random() < 0.5:
            targets.append((person, skill, random.randint(3, 5), None, cio, 0, now))
db.executemany("INSERT INTO skill_assessments (id, person_id, skill_id, level, source, assessor_id, assessed_on, note, created_at) VALUES (?,?,?,?,?,?,?,?,?)", assessments)
db.executemany("INSERT INTO skill_levels (person_id, skill_id, baseline, baseline_on, current, current_on, current_assessment_id) VALUES (?,?,?,?,?,?,?)", levels)
db.executemany("INSERT INTO skill_targets (person_id, skill_id, level, target_date, set_by_id, proposed, updated_at) VALUES (?,?,?,?,?,?,?)", targets)
# The department's skill tallies (migration m20261206_000017), which the service keeps with
# each assessment; levels written straight into the tables need them counted here.
db.execute("DELETE FROM skill_tallies")
db.execute("""INSERT INTO skill_tallies (skill_id, level, target, people, baseline_sum)
    SELECT l.skill_id, l.current, COALESCE(t.level, 0), COUNT(*), SUM(l.baseline)
    FROM skill_levels l JOIN people p ON p.id = l.person_id AND p.active = 1
    LEFT JOIN skill_targets t ON t.person_id = l.person_id AND t.skill_id = l.skill_id
    GROUP BY l.skill_id, l.current, COALESCE(t.level, 0)""")
# The skill standings kept per review cycle (migration m20261211_000024), which the service
# keeps with each assessment, target, change of active state and cycle's dates: rebuilt here
# for every cycle from the rows written above.
db.execute("DELETE FROM skill_cycle_tallies")
db.execute("DELETE FROM skill_cycle_standings")
db.execute("""INSERT INTO skill_cycle_standings (cycle_id, person_id, skill_id, baseline, eve, end_level, target)
    SELECT s.cycle_id, s.person_id, s.skill_id, s.baseline, COALESCE(s.eve, 0), COALESCE(s.end_level, 0), s.target
    FROM (SELECT c.id AS cycle_id, l.person_id, l.skill_id, l.baseline,
                 (SELECT e.level FROM skill_assessments e WHERE e.person_id = l.person_id AND e.skill_id = l.skill_id
                    AND e.assessed_on < c.starts_on ORDER BY e.assessed_on DESC, e.id DESC LIMIT 1) AS eve,
                 (SELECT e.level FROM skill_assessments e WHERE e.person_id = l.person_id AND e.skill_id = l.skill_id
                    AND e.assessed_on <= c.ends_on ORDER BY e.assessed_on DESC, e.id DESC LIMIT 1) AS end_level,
                 COALESCE(t.level, 0) AS target
          FROM review_cycles c CROSS JOIN skill_levels l JOIN people p ON p.id = l.person_id AND p.active = 1
          LEFT JOIN skill_targets t ON t.person_id = l.person_id AND t.skill_id = l.skill_id) s
    WHERE s.eve IS NOT NULL OR s.end_level IS NOT NULL""")
db.execute("""INSERT INTO skill_cycle_tallies (cycle_id, skill_id, baseline, eve, end_level, target, people)
    SELECT cycle_id, skill_id, baseline, eve, end_level, target, COUNT(*) FROM skill_cycle_standings
    GROUP BY cycle_id, skill_id, baseline, eve, end_level, target""")
db.commit()
print(f"{len(people)} people, {len(skills)} skills, {len(assessments)} assessments, {len(targets)} targets")
