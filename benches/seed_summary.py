#!/usr/bin/env python3
"""Grow a database seeded by seed_recognition.py (5,000 people, 1,000,000 kudos) to the
summary benchmark's scale: a plan of 4 strategic goals x 4 objectives, last year's closed
cycle and this year's, 50,000 goals (5 per person per cycle, last year's with their
outcomes) and 400,000 skill assessments (20 skills in three categories x 4 rounds per
person), with `skill_levels`, `skill_tallies` and the goal outcome tallies maintained as
the service maintains them. Written straight into the tables for speed.

    python3 benches/seed_recognition.py /tmp/summary.db path/to/staffdev
    python3 benches/seed_summary.py /tmp/summary.db
    # (benches/summary_load.sh does all of this and runs wrk)

Prints the two cycles' ids.
"""
import random
import sqlite3
import sys
from datetime import date, datetime, timedelta, timezone

GOALS_PER_CYCLE, SKILLS, ROUNDS = 5, 20, 4
db = sqlite3.connect(sys.argv[1])
random.seed(13)
now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
today = date.today()
cio = db.execute("SELECT id FROM people WHERE email = 'bench-cio@example.org'").fetchone()[0]
people = [r[0] for r in db.execute("SELECT id FROM people WHERE email LIKE 'p%@example.org' ORDER BY id")]

db.execute(
    "INSERT INTO plans (title, start_year, end_year, mission, vision, \"values\", status, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
    ("Bench plan", today.year - 1, today.year + 3, "Serve well.", "Known for service.", "Care", "active", now, now),
)
plan = db.execute("SELECT id FROM plans WHERE title = 'Bench plan'").fetchone()[0]
objectives = []
for g in range(1, 5):
    db.execute("INSERT INTO strategic_goals (plan_id, number, position, title, description) VALUES (?,?,?,?,?)",
               (plan, g, g, f"Strategic goal {g}", ""))
    goal = db.execute("SELECT last_insert_rowid()").fetchone()[0]
    for o in range(1, 5):
        db.execute(
            "INSERT INTO objectives (plan_id, strategic_goal_id, number, position, title, measure, retired) VALUES (?,?,?,?,?,?,0)",
            (plan, goal, o, o, f"Objective {g}.{o}", "A measure"))
        objectives.append(db.execute("SELECT last_insert_rowid()").fetchone()[0])

this_start = date(today.year, 1, 1)
last_start = date(today.year - 1, 1, 1)
cycles = []
for name, starts, ends, phase in [(f"{today.year - 1} reviews", last_start, this_start - timedelta(days=1), "closed"),
                                  (f"{today.year} reviews", this_start, date(today.year, 12, 31), "in_progress")]:
    db.execute("INSERT INTO review_cycles (name, plan_id, starts_on, ends_on, phase, created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
               (name, plan, starts.isoformat(), ends.isoformat(), phase, now, now))
    cycles.append(db.execute("SELECT last_insert_rowid()").fetchone()[0])

goals = []
for cycle, closed in [(cycles[0], True), (cycles[1], False)]:
    for person in people:
        for objective in random.sample(objectives[:-1], GOALS_PER_CYCLE):  # the last objective stays uncovered
            status = (random.choice(["achieved", "achieved", "partially_achieved", "not_achieved", "dropped"])
                      if closed else random.choice(["proposed", "agreed", "in_progress", "in_progress"]))
            goals.append((person, cycle, objective, "A goal", "", random.choice(["technical", "communication", "service"]), None, None, None,
                          100 if status == "achieved" else 40, status, cio, now, cio, now, now))
db.executemany(
    "INSERT INTO performance_goals (person_id, cycle_id, objective_id, title, description, category, skill_id, target_level, due_on, progress, status, agreed_by_id, agreed_at, created_by_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    goals)

categories = ["technical"] * 12 + ["communication"] * 5 + ["service"] * 3
db.executemany(
    "INSERT INTO skills (name, name_key, category, description, level1, level2, level3, level4, level5, retired, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    [(f"Bench skill {s}", f"bench skill {s}", categories[s], "", "1", "2", "3", "4", "5", 0, now, now) for s in range(SKILLS)],
)
skills = [r[0] for r in db.execute("SELECT id FROM skills WHERE name LIKE 'Bench skill %' ORDER BY id")]
first_id = (db.execute("SELECT COALESCE(MAX(id), 0) FROM skill_assessments").fetchone()[0]) + 1
rounds = [last_start + timedelta(days=30 + 120 * k) for k in range(ROUNDS)]
assessments, levels, targets, next_id = [], [], [], first_id
for person in people:
    for skill in skills:
        level = first = random.randint(1, 3)
        for k, day in enumerate(rounds):
            if k:
                level = max(1, min(5, level + random.choice([-1, 0, 1, 1])))
            assessments.append((next_id, person, skill, level, "manager" if k % 2 else "self", cio, day.isoformat(), "", now))
            next_id += 1
        levels.append((person, skill, first, rounds[0].isoformat(), level, rounds[-1].isoformat(), next_id - 1))
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
# Plan coverage by person and by group (migration m20261211_000025), which the service
# keeps with each goal it writes; goals written straight into the table need it counted here.
db.execute("DELETE FROM goal_outcome_tallies")
db.execute("DELETE FROM goal_outcome_shares")
db.execute("""INSERT INTO goal_outcome_shares (cycle_id, objective_id, person_id, linked, achieved, partially, not_achieved)
    SELECT cycle_id, objective_id, person_id, COUNT(*),
           SUM(CASE WHEN status = 'achieved' THEN 1 ELSE 0 END),
           SUM(CASE WHEN status = 'partially_achieved' THEN 1 ELSE 0 END),
           SUM(CASE WHEN status = 'not_achieved' THEN 1 ELSE 0 END)
    FROM performance_goals WHERE status <> 'dropped'
    GROUP BY cycle_id, objective_id, person_id""")
db.execute("""INSERT INTO goal_outcome_tallies (cycle_id, objective_id, linked, achieved, partially, not_achieved, people)
    SELECT cycle_id, objective_id, linked, achieved, partially, not_achieved, COUNT(*)
    FROM goal_outcome_shares GROUP BY cycle_id, objective_id, linked, achieved, partially, not_achieved""")
db.commit()
print(f"{len(goals)} goals, {len(assessments)} assessments, cycles {cycles[0]} {cycles[1]}")
