"""`delegate` and `delegated` through the real CLI: choice, history, refusals, the review."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from supportctl.config import load_config
from supportctl.services import delegation
from supportctl.services.tickets import create_ticket

pytestmark = pytest.mark.both_engines

MON = "2026-10-12T07:00:00Z"  # Monday 10:00 Helsinki
WED = "2026-10-14T08:30:00Z"
NEXT_MON = "2026-10-19T08:00:00Z"
NEXT_WED = "2026-10-21T08:00:00Z"


def at(text: str) -> dict[str, str]:
    return {"SUPPORTCTL_NOW": text}


@pytest.fixture
def desk(workspace, store):
    """A team of four, two customers, three tickets; returns the ticket ids."""
    workspace.customer("acme", "maintenance", name="Acme Oy", level="premium", domain="acme.fi")
    workspace.customer("pixel", "adhoc", name="Pixel", level="light", domain="pixel.example")
    workspace.person("alice", "Alice", "alice@agency.example", skill=["dns:5", "wordpress:5"])
    workspace.person("bob", "Bob", "bob@agency.example", skill=["dns:5", "linux:4"])
    workspace.person("carol", "Carol", "carol@agency.example", skill=["dns:3", "css:5"])
    workspace.person("dave", "Dave", "dave@agency.example", skill=["dns-records:4", "linux:5"])
    config = load_config(workspace.config_path)
    acme = store.scalar("SELECT id FROM customers WHERE slug = 'acme'")
    pixel = store.scalar("SELECT id FROM customers WHERE slug = 'pixel'")
    arrived = datetime(2026, 10, 12, 6, 0, tzinfo=UTC)
    ids = []
    for customer, subject in ((acme, "DNS broken"), (pixel, "Logo change"), (acme, "Mail bounces")):
        ids.append(
            create_ticket(
                store,
                config,
                customer_id=customer,
                requester="someone@acme.fi",
                subject=subject,
                body="text",
                arrived_at=arrived,
                classification="human",
                importance=None,
                is_triage=False,
                needs_approval=False,
                actor=None,
                now=arrived,
            )
        )
    with store.transaction():
        # answered, and due far ahead: each test sets the SLA state it needs
        store.execute(
            "UPDATE tickets SET first_response_at = created_at, due_resolution_at = '2026-12-31T10:00:00Z'"
        )
    return ids


def test_delegate_by_skill_picks_best_and_records_history(cli, store, desk):
    result = cli.ok(
        "delegate",
        str(desk[0]),
        "renew the DNS records",
        "--skill",
        "dns",
        "--estimate",
        "45m",
        env=at(MON),
    )
    # alice delegates, so bob (dns:5) is chosen over carol (dns:3)
    assert "→ bob" in result.stdout
    assert "why: bob — dns:5, 0 open tasks, never delegated to before" in result.stdout
    event = store.one("SELECT kind, actor, data FROM events WHERE kind = 'delegation.created'")
    data = json.loads(event["data"])
    assert event["actor"] == "alice"
    assert data["to"] == "bob" and data["by"] == "alice" and data["chosen_by"] == "skill"
    assert data["reason"].startswith("bob — dns:5")
    assert data["estimate_minutes"] == 45
    assert delegation.open_task_counts(store, desk) == {desk[0]: 1}


def test_delegate_short_form_equals_new_and_json(cli, desk):
    doc = cli.json(
        "delegate", "new", str(desk[0]), "check MX", "--skill", "dns", "--json", env=at(MON)
    )
    assert next(iter(doc)) == "id"
    assert doc["ticket"] == desk[0] and doc["to"] == "bob" and doc["status"] == "open"
    assert doc["created"] == MON


def test_delegate_ties_broken_by_open_work_then_waiting_time(cli, desk):
    # carol delegates; alice and bob are both dns:5
    first = cli.json(
        "delegate", str(desk[0]), "one", "--skill", "dns", "--as", "carol", "--json", env=at(MON)
    )
    assert first["to"] == "alice"  # full tie: by handle
    second = cli.json(
        "delegate", str(desk[1]), "two", "--skill", "dns", "--as", "carol", "--json", env=at(WED)
    )
    assert second["to"] == "bob"  # alice has one open task, bob none
    third = cli.json(
        "delegate",
        str(desk[2]),
        "three",
        "--skill",
        "dns",
        "--as",
        "carol",
        "--json",
        env=at(NEXT_MON),
    )
    assert third["to"] == "alice"  # one task each; alice has waited since Monday
    assert third["reason"] == "alice — dns:5, 1 open task, last delegated 7 days ago"


def test_delegate_to_absent_needs_force(cli, store, desk, snapshot):
    cli.ok("team", "edit", "dave", "--away", "2026-10-12..2026-10-16")
    before = snapshot()
    result = cli.fails(2, "delegate", str(desk[0]), "reboot", "--to", "dave", env=at(WED))
    assert "dave is absent until 2026-10-16" in result.stderr
    assert "--force" in result.stderr
    assert snapshot() == before
    doc = cli.json(
        "delegate", str(desk[0]), "reboot", "--to", "dave", "--force", "--json", env=at(WED)
    )
    assert doc["to"] == "dave" and "(--force)" in doc["reason"]


def test_delegate_skips_absent_and_left_people(cli, desk):
    cli.ok("team", "edit", "bob", "--away", "2026-10-14")
    cli.ok("team", "edit", "alice", "--left")
    doc = cli.json(
        "delegate", str(desk[0]), "dns", "--skill", "dns", "--as", "dave", "--json", env=at(WED)
    )
    assert doc["to"] == "carol"


def test_delegate_to_person_who_left_is_refused(cli, desk, snapshot):
    cli.ok("team", "edit", "carol", "--left")
    before = snapshot()
    result = cli.fails(2, "delegate", str(desk[0]), "x", "--to", "carol", "--force", env=at(WED))
    assert "carol has left the team" in result.stderr
    assert snapshot() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999", "do it", "--skill", "dns"], "no ticket #999"),
        (["{t}", "   ", "--skill", "dns"], "the task text is empty"),
        (["{t}", "", "--skill", "dns"], "the task text is empty"),
        (["{t}", "do it", "--skill", "dns:5"], "is not a skill name"),
        (["{t}", "do it", "--skill", "DNS Records"], "is not a skill name"),
        (["{t}", "do it"], "say who should do it"),
        (["{t}", "do it", "--skill", "dns", "--estimate", "soon"], "--estimate"),
        (["{t}", "do it", "--skill", "dns", "--estimate", "0m"], "at least one minute"),
        (["{t}", "do it", "--skill", "dns", "--force"], "--force goes with --to"),
        (["{t}", "do it", "--to", "zed"], "no team member 'zed'"),
        (["{t}", "do it", "--skill", "cobol"], "nobody has skill 'cobol'"),
    ],
)
def test_delegate_bad_input_exit_2_nothing_written(cli, desk, snapshot, args, message):
    before = snapshot()
    argv = [a.replace("{t}", str(desk[0])) for a in args]
    result = cli.fails(2, "delegate", *argv, env=at(WED))
    assert message in result.stderr
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) <= 2
    assert snapshot() == before


def test_delegate_unknown_skill_lists_related(cli, desk):
    result = cli.fails(2, "delegate", str(desk[0]), "zone", "--skill", "dns-record", env=at(WED))
    assert "nobody has skill 'dns-record'" in result.stderr
    assert "dave (dns-records:4)" in result.stderr


def test_delegate_non_number_ticket_or_task_is_usage_error(cli, desk, snapshot):
    before = snapshot()
    cli.fails(2, "delegate", "abc", "x", "--skill", "dns")
    cli.fails(2, "delegate", "done", "abc")
    assert snapshot() == before


def test_done_and_reassign_unknown_task(cli, desk, snapshot):
    before = snapshot()
    assert "no task 42" in cli.fails(2, "delegate", "done", "42").stderr
    assert "no task 42" in cli.fails(2, "delegate", "reassign", "42", "--to", "bob").stderr
    assert snapshot() == before


def test_done_twice_and_reassign_done_refused(cli, store, desk, snapshot):
    task = cli.json("delegate", str(desk[0]), "x", "--skill", "dns", "--json", env=at(MON))["id"]
    done = cli.json("delegate", "done", str(task), "--json", env=at(WED))
    assert done["status"] == "done" and done["done"] == WED
    before = snapshot()
    # the time as the tables show it (Helsinki), not the stored UTC text
    assert (
        "already done (since 2026-10-14 11:30)"
        in cli.fails(2, "delegate", "done", str(task)).stderr
    )
    assert "already done" in cli.fails(2, "delegate", "reassign", str(task), "--to", "carol").stderr
    assert snapshot() == before
    kinds = [
        r[0]
        for r in store.all("SELECT kind FROM events WHERE ticket_id = ? ORDER BY id", (desk[0],))
    ]
    assert kinds[-2:] == ["delegation.created", "delegation.done"]
    assert delegation.open_task_counts(store, desk) == {}


def test_reassign_records_history_and_refuses_same_person(cli, store, desk, snapshot):
    task = cli.json("delegate", str(desk[0]), "x", "--skill", "dns", "--json", env=at(MON))["id"]
    before = snapshot()
    assert "already bob's" in cli.fails(2, "delegate", "reassign", str(task), "--to", "bob").stderr
    assert snapshot() == before
    doc = cli.json("delegate", "reassign", str(task), "--to", "carol", "--json", env=at(WED))
    assert doc["to"] == "carol" and "reassigned from bob by alice" in doc["reason"]
    event = store.one("SELECT data FROM events WHERE kind = 'delegation.reassigned'")
    assert json.loads(event["data"])["from"] == "bob"


def _log_time(store, ticket_id, start, end, minutes):
    with store.transaction():
        store.execute(
            "INSERT INTO time_entries (uuid, person_id, ticket_id, customer_id, start_at, end_at, minutes, description, created_at)"
            " SELECT ?, 2, ?, customer_id, ?, ?, ?, 'work', ? FROM tickets WHERE id = ?",
            (f"u-{ticket_id}-{start}", ticket_id, start, end, minutes, end, ticket_id),
        )


def test_review_json_ages_minutes_and_flags(cli, store, desk):
    t1 = cli.json("delegate", str(desk[0]), "renew DNS", "--skill", "dns", "--json", env=at(MON))[
        "id"
    ]
    t2 = cli.json("delegate", str(desk[1]), "new logo", "--to", "carol", "--json", env=at(MON))[
        "id"
    ]
    _log_time(store, desk[0], "2026-10-12T06:00:00Z", "2026-10-12T06:30:00Z", 30)  # before the task
    _log_time(store, desk[0], "2026-10-13T08:00:00Z", "2026-10-13T08:25:00Z", 25)
    with store.transaction():
        store.execute(
            "UPDATE tickets SET due_resolution_at = '2026-10-20T14:00:00Z', first_response_at = ? WHERE id = ?",
            (MON, desk[1]),
        )
    rows = cli.json("delegated", "--json", env=at(NEXT_WED))
    assert [r["id"] for r in rows] == [t1, t2]  # grouped by person: bob, carol
    for key in ("id", "ticket", "task", "to", "by", "created", "age_business_days", "flags"):
        assert key in rows[0]
    assert next(iter(rows[0])) == "id"
    by_id = {r["id"]: r for r in rows}
    assert by_id[t1]["age_business_days"] == 7
    assert by_id[t1]["minutes_logged"] == 25
    assert by_id[t1]["flags"] == ["untouched"]  # last touched Tue 13th: 6 business days
    assert by_id[t1]["untouched_business_days"] == 6
    assert by_id[t2]["flags"] == ["untouched", "past-sla"]
    assert by_id[t2]["sla"]["target"] == "resolution" and by_id[t2]["sla"]["breached"] is True
    assert by_id[t2]["by"] == "alice" and by_id[t2]["to"] == "carol"
    # four business days after the delegation nothing is untouched yet
    rows = cli.json("delegated", "--json", env=at("2026-10-16T08:00:00Z"))
    assert all(r["flags"] == [] for r in rows)


def test_review_mail_counts_as_a_touch(cli, store, desk):
    cli.ok("delegate", str(desk[0]), "renew DNS", "--skill", "dns", env=at(MON))
    with store.transaction():
        store.execute(
            "INSERT INTO messages (ticket_id, direction, body_hash, arrived_at, raw) VALUES (?, 'in', 'h', '2026-10-16T10:00:00Z', ?)",
            (desk[0], b"\x00"),
        )
    rows = cli.json("delegated", "--json", env=at(NEXT_WED))
    assert rows[0]["flags"] == [] and rows[0]["untouched_business_days"] == 3


def test_review_note_counts_as_a_touch(cli, store, desk):
    from supportctl.store import events

    cli.ok("delegate", str(desk[0]), "renew DNS", "--skill", "dns", env=at(MON))
    with store.transaction():
        events.record(
            store,
            "ticket.note",
            at=datetime(2026, 10, 15, 9, 0, tzinfo=UTC),
            actor="bob",
            ticket_id=desk[0],
            data={"text": "on it"},
        )
    rows = cli.json("delegated", "--json", env=at(NEXT_WED))
    assert rows[0]["flags"] == [] and rows[0]["last_touched"] == "2026-10-15T09:00:00Z"


def test_mine_in_queue_order(cli, store, desk):
    # bob gets: light ticket (oldest), premium ticket, then an urgent premium one
    light = cli.json("delegate", str(desk[1]), "logo", "--to", "bob", "--json", env=at(MON))["id"]
    premium = cli.json("delegate", str(desk[0]), "dns", "--to", "bob", "--json", env=at(WED))["id"]
    urgent = cli.json("delegate", str(desk[2]), "mail", "--to", "bob", "--json", env=at(NEXT_MON))[
        "id"
    ]
    cli.ok("delegate", str(desk[2]), "other", "--to", "carol", env=at(NEXT_MON))
    with store.transaction():
        store.execute("UPDATE tickets SET urgency = 'urgent' WHERE id = ?", (desk[2],))
    rows = cli.json("delegated", "--mine", "--as", "bob", "--json", env=at(NEXT_WED))
    assert [r["id"] for r in rows] == [urgent, premium, light]
    assert [r["level"] for r in rows] == ["premium", "premium", "light"]
    text = cli.ok("delegated", "--mine", "--as", "bob", env=at(NEXT_WED)).stdout
    assert "Delegated to bob" in text and "carol" not in text


def test_review_table_and_markdown(cli, desk):
    cli.ok("delegate", str(desk[0]), "renew DNS", "--skill", "dns", env=at(MON))
    cli.ok("delegate", str(desk[1]), "new *logo*", "--to", "carol", env=at(MON))
    table = cli.ok("delegated", env=at(NEXT_WED)).stdout
    assert "2 open" in table and "bob" in table and "carol" in table and "untouched" in table
    md = cli.ok("delegated", "--format", "md", env=at(NEXT_WED)).stdout
    assert md.startswith("**Delegated tasks")
    assert "**bob** (1 open)" in md
    assert "new \\*logo\\*" in md
    assert "**untouched**" in md


def test_review_refuses_conflicting_options(cli, desk, snapshot):
    before = snapshot()
    cli.fails(2, "delegated", "--json", "--format", "md")
    cli.fails(2, "delegated", "--format", "html")
    cli.fails(2, "delegated", "--mine", "--review")
    assert "no review has been recorded" in cli.fails(2, "delegated", "--since-last").stderr
    assert snapshot() == before


def test_review_recorded_and_since_last(cli, store, desk):
    t1 = cli.json("delegate", str(desk[0]), "one", "--skill", "dns", "--json", env=at(MON))["id"]
    t2 = cli.json("delegate", str(desk[1]), "two", "--to", "carol", "--json", env=at(MON))["id"]
    result = cli.ok("delegated", "--review", env=at(WED))
    assert "review recorded: 2 open tasks seen by alice" in result.stderr
    review = store.one("SELECT at, by_person, data FROM reviews")
    assert review["by_person"] == "alice" and review["at"] == WED
    assert json.loads(review["data"])["task_ids"] == [t1, t2]
    cli.ok("delegate", "done", str(t1), env=at(NEXT_MON))
    cli.ok("delegate", "reassign", str(t2), "--to", "dave", env=at(NEXT_MON))
    t3 = cli.json(
        "delegate", str(desk[2]), "three", "--skill", "linux", "--json", env=at(NEXT_MON)
    )["id"]
    changes = cli.json("delegated", "--since-last", "--json", env=at(NEXT_WED))
    assert changes["since"] == WED and changes["since_by"] == "alice"
    assert [t["id"] for t in changes["new"]] == [t3]
    assert [t["id"] for t in changes["done"]] == [t1]
    assert [(r["id"], r["from"], r["to"]) for r in changes["reassigned"]] == [(t2, "carol", "dave")]
    text = cli.ok("delegated", "--since-last", "--review", env=at(NEXT_WED))
    assert (
        "new (1)" in text.stdout and "done (1)" in text.stdout and "reassigned (1)" in text.stdout
    )
    assert store.scalar("SELECT COUNT(*) FROM reviews") == 2
    assert (
        cli.json("delegated", "--since-last", "--json", env=at("2026-10-22T08:00:00Z"))["new"] == []
    )


def test_delegated_empty(cli, desk):
    assert "no open delegated tasks" in cli.ok("delegated").stdout
    assert cli.json("delegated", "--json") == []


def test_tasks_for_ticket_and_merged_ticket(cli, store, desk):
    with store.transaction():
        store.execute("UPDATE tickets SET merged_into = ? WHERE id = ?", (desk[0], desk[2]))
    doc = cli.json(
        "delegate", str(desk[2]), "on the merged one", "--skill", "dns", "--json", env=at(MON)
    )
    assert doc["ticket"] == desk[0]
    assert [t.task for t in delegation.tasks_for_ticket(store, desk[0])] == ["on the merged one"]


def test_closed_ticket_refused(cli, store, desk, snapshot):
    with store.transaction():
        store.execute("UPDATE tickets SET status = 'closed' WHERE id = ?", (desk[0],))
    before = snapshot()
    assert "is closed" in cli.fails(2, "delegate", str(desk[0]), "x", "--skill", "dns").stderr
    assert snapshot() == before


def test_long_queue_becomes_one_row_per_person_with_the_oldest_task(cli, desk):
    first = cli.json(
        "delegate", str(desk[0]), "oldest of bob", "--to", "bob", "--json", env=at(MON)
    )["id"]
    cli.ok("delegate", str(desk[1]), "newer of bob", "--to", "bob", env=at(WED))
    cli.ok("delegate", str(desk[2]), "carol task", "--to", "carol", env=at(WED))
    text = cli.ok("delegated", "--limit", "2", env=at(NEXT_WED)).stdout
    assert "3 open" in text
    assert f"{first} #{desk[0]} acme: oldest of bob" in text
    assert "newer of bob" not in text
    assert "carol task" in text
    assert "… and 1 more open tasks" in text
    # the full list is still one flag away
    assert len(cli.json("delegated", "--json", env=at(NEXT_WED))) == 3
    assert "newer of bob" in cli.ok("delegated", "--format", "md", env=at(NEXT_WED)).stdout


def test_mine_with_limit_shows_the_head_of_my_queue(cli, store, desk):
    cli.ok("delegate", str(desk[1]), "old light", "--to", "bob", env=at(MON))
    cli.ok("delegate", str(desk[0]), "premium", "--to", "bob", env=at(WED))
    cli.ok("delegate", str(desk[2]), "premium newer", "--to", "bob", env=at(NEXT_MON))
    text = cli.ok("delegated", "--mine", "--as", "bob", "--limit", "1", env=at(NEXT_WED)).stdout
    assert "premium" in text and "old light" not in text and "premium newer" not in text
    assert "… and 2 more open tasks" in text


def test_review_is_fifo_within_a_person(cli, store, desk):
    light = cli.json("delegate", str(desk[1]), "light first", "--to", "bob", "--json", env=at(MON))[
        "id"
    ]
    premium = cli.json(
        "delegate", str(desk[0]), "premium later", "--to", "bob", "--json", env=at(WED)
    )["id"]
    assert [r["id"] for r in cli.json("delegated", "--json", env=at(NEXT_WED))] == [light, premium]
    assert [
        r["id"] for r in cli.json("delegated", "--mine", "--as", "bob", "--json", env=at(NEXT_WED))
    ] == [premium, light]


def test_reassign_to_absent_needs_force(cli, desk, snapshot):
    task = cli.json("delegate", str(desk[0]), "x", "--skill", "dns", "--json", env=at(MON))["id"]
    cli.ok("team", "edit", "carol", "--away", "2026-10-14..2026-10-15")
    before = snapshot()
    result = cli.fails(2, "delegate", "reassign", str(task), "--to", "carol", env=at(WED))
    assert "carol is absent until 2026-10-15" in result.stderr
    assert snapshot() == before
    doc = cli.json(
        "delegate", "reassign", str(task), "--to", "carol", "--force", "--json", env=at(WED)
    )
    assert doc["to"] == "carol" and "(--force)" in doc["reason"]


def test_since_last_markdown(cli, desk):
    cli.ok("delegate", str(desk[0]), "one", "--skill", "dns", env=at(MON))
    cli.ok("delegated", "--review", env=at(WED))
    cli.ok("delegate", str(desk[1]), "two *new*", "--to", "carol", env=at(NEXT_MON))
    md = cli.ok("delegated", "--since-last", "--format", "md", env=at(NEXT_WED)).stdout
    assert md.startswith("**Since the review of 2026-10-14 11:30 by alice**")
    assert "**new** (1)" in md and "two \\*new\\*" in md and "**done** (0)" in md


def test_merging_a_ticket_moves_its_tasks_to_the_target(cli, store, desk):
    task = cli.json("delegate", str(desk[2]), "fix the form", "--to", "bob", "--json", env=at(MON))[
        "id"
    ]
    cli.ok("ticket", "merge", str(desk[2]), str(desk[0]), env=at(WED))
    assert (
        f"#{desk[2]} merged in with 1 delegated tasks"
        in cli.ok("ticket", "show", str(desk[0])).stdout
    )
    assert [t.task for t in delegation.tasks_for_ticket(store, desk[0])] == ["fix the form"]
    assert delegation.tasks_for_ticket(store, desk[2]) == []
    review = cli.json("delegated", "--json", env=at(NEXT_WED))
    assert [(t["id"], t["ticket"]) for t in review] == [(task, desk[0])]
    # the task is finished on the ticket that is left
    cli.ok("delegate", "done", str(task), "--as", "bob", env=at(NEXT_WED))
    assert cli.json("delegated", "--json", env=at(NEXT_WED)) == []
