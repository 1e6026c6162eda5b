"""Foundation commands through the real CLI: init, customer, contact, team, backup, demo."""

import json
import os
import sqlite3
import stat

import pytest


def test_init_creates_config_and_private_database(cli, workspace_env):
    result = cli.ok("init", "--user", "alice")
    assert "created" in result.stdout
    db = workspace_env / "supportctl.db"
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    text = (workspace_env / "config.toml").read_text()
    assert "[agency]" in text and "# [[imap]]" in text and "# [smtp]" in text
    assert 'user = "alice"' in text


def test_init_is_idempotent(cli, workspace_env):
    cli.ok("init")
    before = (workspace_env / "config.toml").read_text()
    result = cli.ok("init")
    assert "already there" in result.stdout
    assert (workspace_env / "config.toml").read_text() == before


def test_missing_database_is_exit_3_with_hint(cli):
    result = cli.fails(3, "customer", "list")
    assert "supportctl init" in result.stderr
    assert result.stderr.count("\n") <= 2


def test_customer_add_list_show_json(cli, initialized):
    cli.ok(
        "customer",
        "add",
        "acme",
        "--name",
        "Acme Oy",
        "--plan",
        "maintenance",
        "--level",
        "premium",
        "--rate",
        "75.50",
        "--included-minutes",
        "600",
        "--domain",
        "acme.fi",
        "--reaction",
        "15m",
        "--billing-step",
        "15m",
        "--carry-over",
        "--vat-id",
        "FI87654321",
    )
    rows = cli.json("customer", "list", "--json")
    assert [r["id"] for r in rows] == ["acme"]
    acme = cli.json("customer", "show", "acme", "--json")
    assert acme["rate"] == {"amount_minor": 7550, "currency": "EUR"}
    assert acme["vat"] == "25.5"
    assert acme["locale"] == "fi_FI"
    assert acme["reaction_minutes"] == 15
    assert acme["billing_step_minutes"] == 15
    assert acme["carry_over"] is True
    assert acme["domains"] == ["acme.fi"]
    assert acme["country"] == "FI"


def test_czech_customer_defaults_locale_from_vat_id(cli, initialized):
    cli.ok(
        "customer",
        "add",
        "kovo",
        "--plan",
        "hosting",
        "--currency",
        "CZK",
        "--rate",
        "1500",
        "--vat",
        "21",
        "--vat-id",
        "CZ12345678",
    )
    kovo = cli.json("customer", "show", "kovo", "--json")
    assert kovo["locale"] == "cs_CZ"
    assert kovo["rate"] == {"amount_minor": 150000, "currency": "CZK"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["customer", "add", "acme", "--plan", "gold"], "unknown plan"),
        (["customer", "add", "acme", "--plan", "adhoc", "--rate", "-1"], "negative"),
        (["customer", "add", "acme", "--plan", "adhoc", "--rate", "1.234"], "decimals"),
        (["customer", "add", "acme", "--plan", "adhoc", "--rate", "abc"], "not an amount"),
        (["customer", "add", "Acme!", "--plan", "adhoc"], "slug"),
        (["customer", "add", "acme", "--plan", "adhoc", "--level", "gold"], "unknown level"),
        (["customer", "add", "acme", "--plan", "adhoc", "--vat", "150"], "VAT"),
        (["customer", "add", "acme", "--plan", "adhoc", "--domain", "not a domain"], "domain"),
        (["customer", "add", "acme", "--plan", "adhoc", "--reaction", "soon"], "reaction"),
        (["customer", "add", "acme", "--plan", "adhoc", "--locale", "de_DE"], "no 'de' texts"),
        (["customer", "add", "acme", "--plan", "adhoc", "--locale", "fi_XX"], "not a known locale"),
        (["customer", "add", "acme", "--plan", "adhoc", "--locale", "suomi"], "not a locale"),
        (["customer", "edit", "dup", "--locale", "sv_SE"], "no 'sv' texts"),
        (["customer", "add", "acme"], "--plan"),
        (["customer", "add", "dup", "--plan", "adhoc"], "already exists"),
        (
            ["customer", "add", "other", "--plan", "adhoc", "--domain", "taken.fi"],
            "already belongs",
        ),
        (["customer", "edit", "nobody", "--level", "premium"], "no customer"),
        (["customer", "edit", "dup"], "nothing to change"),
        (["customer", "edit", "dup", "--level", "premium", "--until", "2020-01-01"], "in the past"),
        (["contact", "add", "dup", "not-an-email"], "e-mail"),
        (["contact", "add", "nobody", "a@b.fi"], "no customer"),
        (["contact", "remove", "dup", "nobody@b.fi"], "not a contact"),
        (["team", "add", "Bob!", "--name", "Bob", "--email", "bob@x.fi"], "handle"),
        (["team", "add", "bob", "--name", "Bob", "--email", "bob"], "e-mail"),
        (
            ["team", "add", "bob", "--name", "Bob", "--email", "bob@x.fi", "--skill", "dns:9"],
            "level",
        ),
        (
            [
                "team",
                "add",
                "bob",
                "--name",
                "Bob",
                "--email",
                "bob@x.fi",
                "--away",
                "2026-12-24..2026-12-01",
            ],
            "ends before",
        ),
        (["team", "add", "alice", "--name", "Alice", "--email", "alice@x.fi"], "already exists"),
        (["team", "edit", "nobody", "--name", "X"], "no team member"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    cli, initialized, snapshot, args, message
):
    cli.ok("customer", "add", "dup", "--plan", "adhoc", "--domain", "taken.fi")
    cli.ok("team", "add", "alice", "--name", "Alice", "--email", "alice@x.fi")
    before = snapshot()
    result = cli.fails(2, *args)
    assert message in result.stderr
    assert result.stderr.startswith("error: ")
    assert snapshot() == before


def test_customer_edit_temporary_raise_and_domains(cli, initialized):
    cli.ok("customer", "add", "acme", "--plan", "maintenance", "--domain", "acme.fi")
    cli.ok(
        "customer",
        "edit",
        "acme",
        "--level",
        "premium",
        "--until",
        "2099-12-31",
        "--domain",
        "acme.com",
        "--remove-domain",
        "acme.fi",
        "--rate",
        "80",
    )
    acme = cli.json("customer", "show", "acme", "--json")
    assert acme["level"] == "standard"
    assert acme["raise"] == {"level": "premium", "hours": None, "until": "2099-12-31"}
    assert acme["domains"] == ["acme.com"]
    assert acme["rate"]["amount_minor"] == 8000


def test_customer_edit_writes_history(cli, initialized):
    cli.ok("customer", "add", "acme", "--plan", "maintenance")
    cli.ok("customer", "edit", "acme", "--included-minutes", "300")
    conn = sqlite3.connect(initialized / "supportctl.db")
    kinds = [r[0] for r in conn.execute("SELECT kind FROM events ORDER BY id")]
    data = json.loads(
        conn.execute("SELECT data FROM events WHERE kind = 'customer.edited'").fetchone()[0]
    )
    assert kinds == ["customer.added", "customer.edited"]
    assert data["new"] == {"included_minutes": 300}
    assert data["old"] == {"included_minutes": "0"}


def test_contacts_designated_and_removal(cli, initialized):
    cli.ok("customer", "add", "acme", "--plan", "maintenance")
    cli.ok("contact", "add", "acme", "Matti@Acme.FI", "--name", "Matti", "--can-order")
    cli.ok("contact", "add", "acme", "liisa@acme.fi")
    contacts = cli.json("contact", "list", "acme", "--json")
    assert [(c["id"], c["can_order"]) for c in contacts] == [
        ("liisa@acme.fi", False),
        ("matti@acme.fi", True),
    ]
    cli.ok("contact", "remove", "acme", "liisa@acme.fi")
    assert [c["id"] for c in cli.json("contact", "list", "--json")] == ["matti@acme.fi"]
    cli.fails(2, "contact", "add", "acme", "matti@acme.fi")


def test_contact_edit_renames_readdresses_and_designates(cli, initialized, snapshot):
    cli.ok("customer", "add", "acme", "--plan", "maintenance")
    cli.ok("contact", "add", "acme", "liisa@acme.fi", "--name", "Lisa")
    cli.ok("contact", "add", "acme", "matti@acme.fi", "--can-order")
    out = cli.ok(
        "contact", "edit", "acme", "Liisa@acme.fi", "--name", "Liisa Korhonen", "--can-order"
    )
    assert out.stdout == "updated designated contact liisa@acme.fi of acme\n"
    cli.ok(
        "contact", "edit", "acme", "matti@acme.fi", "--no-can-order", "--email", "matti.v@acme.fi"
    )
    contacts = cli.json("contact", "list", "acme", "--json")
    assert [(c["id"], c["name"], c["can_order"]) for c in contacts] == [
        ("liisa@acme.fi", "Liisa Korhonen", True),
        ("matti.v@acme.fi", "", False),
    ]
    before = snapshot()
    assert "nothing to change" in cli.fails(2, "contact", "edit", "acme", "liisa@acme.fi").stderr
    assert (
        "not a contact"
        in cli.fails(2, "contact", "edit", "acme", "x@acme.fi", "--name", "X").stderr
    )
    assert (
        "already a contact"
        in cli.fails(
            2, "contact", "edit", "acme", "liisa@acme.fi", "--email", "matti.v@acme.fi"
        ).stderr
    )
    cli.fails(2, "contact", "edit", "acme", "liisa@acme.fi", "--email", "not-an-address")
    assert snapshot() == before


def test_team_skills_absences_and_leaving(cli, initialized):
    cli.ok(
        "team",
        "add",
        "bob",
        "--name",
        "Bob Lindqvist",
        "--email",
        "bob@agency.fi",
        "--skill",
        "dns:5",
        "--skill",
        "linux:4",
        "--away",
        "2026-12-21..2027-01-06",
    )
    cli.ok(
        "team",
        "edit",
        "bob",
        "--skill",
        "dns:4",
        "--remove-skill",
        "linux",
        "--away",
        "2027-02-02",
        "--left",
    )
    [bob] = cli.json("team", "list", "--json")
    assert bob["id"] == "bob"
    assert bob["skills"] == {"dns": 4}
    assert bob["away"] == [
        {"start": "2026-12-21", "end": "2027-01-06"},
        {"start": "2027-02-02", "end": "2027-02-02"},
    ]
    assert bob["active"] is False


def test_backup_is_a_complete_copy_and_refuses_to_overwrite(cli, initialized, tmp_path):
    cli.ok("customer", "add", "acme", "--plan", "maintenance")
    target = tmp_path / "copies" / "backup.db"
    cli.ok("backup", str(target))
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT slug FROM customers").fetchall() == [("acme",)]
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    cli.fails(2, "backup", str(target))


def test_table_output_for_people(cli, initialized):
    cli.ok("customer", "add", "acme", "--name", "Acme Oy", "--plan", "maintenance", "--rate", "75")
    out = cli.ok("customer", "list").stdout
    assert "Acme Oy" in out and "75.00 EUR" in out
    assert "\x1b[" not in out  # NO_COLOR
    assert "no customers yet" not in out


def test_empty_listing_says_so(cli, initialized):
    assert "no customers yet" in cli.ok("customer", "list").stdout


def test_config_errors_name_file_key_and_allowed(cli, workspace_env):
    (workspace_env / "config.toml").write_text('[agency]\ntimezone = "Mars/Olympus"\n')
    result = cli.fails(3, "config", "show")
    assert "config.toml" in result.stderr and "timezone" in result.stderr
    (workspace_env / "config.toml").write_text('[agency]\ncolour = "red"\n')
    result = cli.fails(3, "config", "show")
    assert "unknown key 'colour'" in result.stderr and "allowed" in result.stderr
    (workspace_env / "config.toml").write_text(
        '[[imap]]\nname = "x"\nhost = "h"\nuser = "u"\npassword = "hunter2"\n'
    )
    result = cli.fails(3, "config", "show")
    assert "password" in result.stderr and "hunter2" not in result.stderr


def test_imap_plaintext_only_to_loopback(cli, workspace_env):
    (workspace_env / "config.toml").write_text(
        '[[imap]]\nname = "x"\nhost = "imap.example.com"\nuser = "u"\ntls = "none"\n'
    )
    assert "loopback" in cli.fails(3, "config", "show").stderr
    (workspace_env / "config.toml").write_text(
        '[[imap]]\nname = "x"\nhost = "127.0.0.1"\nport = 10143\nuser = "u"\ntls = "none"\npassword_env = "P"\n'
    )
    shown = cli.json("config", "show", "--json")
    assert shown["imap"][0]["port"] == 10143


def test_sample_config_documents_every_key_and_loads(tmp_path):
    from supportctl.config import load_config
    from supportctl.config_spec import AGENCY_SPEC, IMAP_SPEC, SMTP_SPEC, render_config
    from tests.conftest import REPO

    sample = (REPO / "docs" / "config.sample.toml").read_text()
    assert sample == render_config(full=True), (
        "docs/config.sample.toml is stale: regenerate it from config_spec.render_config(full=True)"
    )
    for key in (*AGENCY_SPEC, *IMAP_SPEC, *SMTP_SPEC):
        assert f"\n{key.name} = " in sample or f"\n# {key.name} = " in sample
    path = tmp_path / "sample.toml"
    path.write_text(sample)
    cfg = load_config(path)
    assert cfg.imap[0].name == "support" and cfg.smtp is not None


def test_acting_person_precedence(cli, initialized, monkeypatch):
    from supportctl.context import AppContext

    ctx = AppContext(config_path=initialized / "config.toml", db_path=initialized / "supportctl.db")
    assert ctx.actor() == "alice"
    monkeypatch.setenv("SUPPORTCTL_USER", "bob")
    assert ctx.actor() == "bob"
    assert ctx.actor("carol") == "carol"


def test_unexpected_error_writes_crash_log(cli, initialized, monkeypatch):
    from supportctl.services import customers

    def boom(*_a, **_k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(customers, "list_customers", boom)
    result = cli.fails(1, "customer", "list")
    assert "internal error" in result.stderr and "crash-" in result.stderr
    logs = list(initialized.glob("crash-*.log"))
    assert len(logs) == 1 and "kaboom" in logs[0].read_text()


def test_demo_builds_workspace(cli, tmp_path):
    target = tmp_path / "demo"
    result = cli.ok("demo", "--dir", str(target))
    assert "acme" in result.stdout and "SUPPORTCTL_DB=" in result.stdout
    env = {
        "SUPPORTCTL_DB": str(target / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(target / "config.toml"),
    }
    slugs = [c["id"] for c in cli.json("customer", "list", "--json", env=env)]
    assert slugs == ["acme", "kovo", "pixel"]
    assert len(cli.json("team", "list", "--json", env=env)) == 4
    cli.fails(2, "demo", "--dir", str(target))


def test_init_group_makes_database_group_writable(cli, workspace_env):
    import grp

    group = grp.getgrgid(os.getgid()).gr_name
    cli.ok("init", "--group", group)
    mode = stat.S_IMODE(os.stat(workspace_env / "supportctl.db").st_mode)
    assert mode == 0o660
    result = cli.fails(3, "init", "--group", "no-such-group-xyz")
    assert "no such group" in result.stderr


def test_version_and_debug_flags(cli, initialized):
    assert cli.ok("--version").stdout.startswith("supportctl ")
    result = cli("--debug", "customer", "show", "nobody")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


@pytest.mark.parametrize(
    "key, value",
    [
        ("business_hours", '"9:00-17:00"'),
        ("business_hours", '"17:00-09:00"'),
        ("business_hours", '"09:60-10:00"'),
        ("business_hours", '"24:30-24:40"'),
        ("country", '"F1"'),
        ("country", '"fi"'),
        ("currency", '"EURO"'),
        ("support_address", '"a@b"'),
        ("support_address", '"a b@c.fi"'),
        ("vat", '"120"'),
    ],
)
def test_agency_values_are_validated(cli, workspace_env, key, value):
    (workspace_env / "config.toml").write_text(f"[agency]\n{key} = {value}\n")
    result = cli.fails(3, "config", "show")
    assert key in result.stderr and "config.toml" in result.stderr
