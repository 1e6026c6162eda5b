"""`supportctl invoice`: render, --issue numbering and freezing, show, void, fees, templates."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

NOW = "2026-11-02T10:00:00Z"
BANKS = """
[bank.EUR]
iban = "FI21 1234 5600 0007 85"
bic = "NDEAFIHH"
bank_name = "Nordea"

[bank.CZK]
iban = "CZ65 0800 0000 1920 0014 5399"
bic = "GIBACZPX"
bank_name = "Česká spořitelna"
account = "19-2000145399/0800"
"""


def add_banks(workspace: Path, text: str = BANKS) -> None:
    config = workspace / "config.toml"
    config.write_text(config.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.fixture
def month(cli, initialized: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three customers with work in October 2026 and one fee; returns the workspace."""
    monkeypatch.setenv("SUPPORTCTL_NOW", NOW)
    add_banks(initialized)
    cli.ok("team", "add", "alice", "--name", "Alice Mäkinen", "--email", "alice@agency.example")
    cli.ok(
        "customer",
        "add",
        "acme",
        "--name",
        "Acme Oy",
        "--plan",
        "maintenance",
        "--rate",
        "75.00",
        "--included-minutes",
        "60",
        "--vat-id",
        "FI87654321",
        "--address",
        "Satamakatu 3\n00160 Helsinki",
    )
    cli.ok(
        "customer",
        "add",
        "kovo",
        "--name",
        "Kovošrot s.r.o.",
        "--plan",
        "hosting",
        "--currency",
        "CZK",
        "--rate",
        "1500.00",
        "--vat",
        "21",
        "--vat-id",
        "CZ12345678",
        "--billing-step",
        "15m",
    )
    cli.ok("customer", "add", "quiet", "--plan", "adhoc")
    for args in (
        ("acme", "2026-10-05", "09:00", "09:40", "Plugin updates"),
        ("acme", "2026-10-06", "10:00", "11:15", "Checkout <script>alert(1)</script>"),
        ("kovo", "2026-10-07", "13:00", "13:07", "DNS record"),
    ):
        slug, day, start, end, what = args
        cli.ok(
            "log", "add", "--customer", slug, "--date", day, "--start", start, "--end", end, what
        )
    cli.ok("invoice", "fee", "add", "acme", "120.00", "Expedited response", "--date", "2026-10-14")
    return initialized


def _db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path / "supportctl.db")
    conn.row_factory = sqlite3.Row
    return conn


def test_invoice_short_form_renders_one_report_per_customer_with_work(cli, month: Path) -> None:
    out = month / "out"
    result = cli.ok("invoice", "2026-10", "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == ["acme-2026-10.html", "kovo-2026-10.html"]
    assert "acme" in result.stdout and "kovo" in result.stdout and "quiet" not in result.stdout
    html = (out / "acme-2026-10.html").read_text(encoding="utf-8")
    assert "Acme Oy" in html and "Satamakatu 3" in html and "FI87654321" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Expedited response" in html
    # the long form is the same command
    again = month / "again"
    cli.ok("invoice", "render", "2026-10", "--out", str(again))
    assert (again / "acme-2026-10.html").read_bytes() == (out / "acme-2026-10.html").read_bytes()


def test_invoice_default_out_dir_is_invoices_month(
    cli, month: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(month)
    cli.ok("invoice", "2026-10", "--customer", "kovo", "--format", "md")
    assert (month / "invoices" / "2026-10" / "kovo-2026-10.md").is_file()


def test_invoice_json_summary_has_totals_and_the_plan_hint(cli, month: Path) -> None:
    data = cli.json("invoice", "2026-10", "--out", str(month / "o"), "--json")
    reports = {r["customer"]: r for r in data["reports"]}
    acme, kovo = reports["acme"], reports["kovo"]
    assert next(iter(acme)) == "id"
    # acme: 115 minutes, 60 included, 55 billable at 75.00 = 68.75, plus the 120.00 fee
    assert acme["billable_minutes"] == 55
    assert (acme["included_used_minutes"], acme["included_left_minutes"]) == (60, 0)
    assert acme["net"] == {"amount_minor": 18875, "currency": "EUR"}
    assert acme["vat"] == {"amount_minor": 4813, "currency": "EUR"}  # 25.5 % of 188.75, half-up
    assert acme["gross"]["amount_minor"] == 23688
    assert acme["report"]["lines"][2]["is_extra"] is True  # 55 minutes past the quota
    # kovo: 7 minutes billed as 15 (step), reverse charge (CZ business, FI agency)
    assert kovo["billable_minutes"] == 15
    assert kovo["net"] == {"amount_minor": 37500, "currency": "CZK"}
    assert kovo["vat"]["amount_minor"] == 0 and kovo["report"]["is_reverse_charge"] is True
    assert kovo["plan_hint_minutes"] == 60  # would have fitted acme's 60-minute plan
    assert acme["plan_hint_minutes"] is None


def test_invoice_issue_numbers_records_and_show_reproduces_bytes(cli, month: Path) -> None:
    out = month / "issued"
    result = cli.ok("invoice", "2026-10", "--issue", "--out", str(out), "--format", "md")
    assert "2026-0001" in result.stdout and "2026-0002" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "acme-2026-10-2026-0001.md",
        "kovo-2026-10-2026-0002.md",
    ]
    md = (out / "acme-2026-10-2026-0001.md").read_bytes()
    assert b"2026-0001" in md
    shown = cli.ok("invoice", "show", "2026-0001", "--format", "md")
    assert shown.stdout_bytes == md
    html = cli.ok("invoice", "show", "2026-0001", "--format", "html").stdout_bytes
    assert b"<!DOCTYPE html>" in html and b"2026-0001" in html
    with _db(month) as conn:
        inv = conn.execute("SELECT * FROM invoices WHERE number = '2026-0001'").fetchone()
        assert (inv["status"], inv["month"], inv["net_minor"]) == ("issued", "2026-10", 18875)
        kinds = [
            r[0]
            for r in conn.execute(
                "SELECT class FROM invoice_lines WHERE invoice_id = ? ORDER BY id", (inv["id"],)
            )
        ]
        assert kinds == ["included", "included", "billable", "fee"]
        formats = {
            r[0]
            for r in conn.execute(
                "SELECT format FROM invoice_documents WHERE invoice_id = ?", (inv["id"],)
            )
        }
        assert formats == {"html", "md", "txt", "csv"}
        assert (
            conn.execute("SELECT last_seq FROM invoice_sequences WHERE year = 2026").fetchone()[0]
            == 2
        )
    info = cli.json("invoice", "show", "2026-0001", "--json")
    assert (
        info["id"] == "2026-0001"
        and info["status"] == "issued"
        and info["gross"]["amount_minor"] == 23688
    )


def test_invoice_issued_month_is_frozen_for_time_and_fees(cli, month: Path, snapshot) -> None:
    cli.ok("invoice", "2026-10", "--issue", "--customer", "acme", "--out", str(month / "o"))
    before = snapshot()
    refused = cli.fails(
        2,
        "log",
        "add",
        "--customer",
        "acme",
        "--date",
        "2026-10-20",
        "--start",
        "09:00",
        "--end",
        "09:30",
        "late entry",
    )
    assert "2026-0001" in refused.stderr
    assert "2026-0001" in cli.fails(2, "log", "rm", "1").stderr
    assert "2026-0001" in cli.fails(2, "log", "edit", "2", "--description", "changed").stderr
    refused = cli.fails(
        2, "invoice", "fee", "add", "acme", "50.00", "Late fee", "--date", "2026-10-30"
    )
    assert "2026-0001" in refused.stderr and "frozen" in refused.stderr
    assert snapshot() == before
    # other customers and later months stay open
    cli.ok(
        "log",
        "add",
        "--customer",
        "kovo",
        "--date",
        "2026-10-20",
        "--start",
        "09:00",
        "--end",
        "09:30",
        "still open",
    )
    cli.ok("invoice", "fee", "add", "acme", "50.00", "Next month fee", "--date", "1.11.2026")


def test_invoice_render_after_issue_writes_the_stored_bytes(cli, month: Path) -> None:
    cli.ok("invoice", "2026-10", "--issue", "--customer", "acme", "--out", str(month / "a"))
    issued = (month / "a" / "acme-2026-10-2026-0001.html").read_bytes()
    cli.ok("customer", "edit", "acme", "--rate", "99.00")
    result = cli.ok("invoice", "2026-10", "--out", str(month / "b"))
    assert (month / "b" / "acme-2026-10-2026-0001.html").read_bytes() == issued
    assert "already issued" in result.stdout
    # a second --issue run numbers only what is still open
    cli.ok("invoice", "2026-10", "--issue", "--out", str(month / "c"))
    assert sorted(p.name for p in (month / "c").iterdir()) == [
        "acme-2026-10-2026-0001.html",
        "kovo-2026-10-2026-0002.html",
    ]


def test_invoice_void_reopens_the_month_and_never_reuses_the_number(cli, month: Path) -> None:
    cli.ok("invoice", "2026-10", "--issue", "--customer", "acme", "--out", str(month / "o"))
    cli.ok("invoice", "void", "2026-0001", "--reason", "wrong rate")
    info = cli.json("invoice", "show", "2026-0001", "--json")
    assert info["status"] == "void" and info["void_reason"] == "wrong rate"
    cli.ok(
        "log",
        "add",
        "--customer",
        "acme",
        "--date",
        "2026-10-20",
        "--start",
        "09:00",
        "--end",
        "09:30",
        "now allowed",
    )
    result = cli.ok(
        "invoice", "2026-10", "--issue", "--customer", "acme", "--out", str(month / "p")
    )
    assert "2026-0002" in result.stdout
    listed = cli.json("invoice", "list", "--json")
    assert [(i["id"], i["status"]) for i in listed] == [
        ("2026-0001", "void"),
        ("2026-0002", "issued"),
    ]
    with _db(month) as conn:
        event = conn.execute("SELECT * FROM events WHERE kind = 'invoice.voided'").fetchone()
        assert json.loads(event["data"])["reason"] == "wrong rate" and event["actor"] == "alice"
    # the voided invoice's documents stay available, byte for byte
    assert b"2026-0001" in cli.ok("invoice", "show", "2026-0001", "--format", "html").stdout_bytes


def test_invoice_void_refusals_change_nothing(cli, month: Path, snapshot) -> None:
    cli.ok("invoice", "2026-10", "--issue", "--customer", "acme", "--out", str(month / "o"))
    cli.ok("invoice", "void", "2026-0001", "--reason", "mistake")
    before = snapshot()
    assert (
        "already void" in cli.fails(2, "invoice", "void", "2026-0001", "--reason", "again").stderr
    )
    assert "no invoice" in cli.fails(2, "invoice", "void", "2099-0001", "--reason", "x").stderr
    cli.fails(2, "invoice", "void", "2026-0001", "--reason", "  ")
    cli.fails(2, "invoice", "void", "2026-0001")
    assert snapshot() == before


def test_invoice_issue_without_work_is_refused(cli, month: Path, snapshot) -> None:
    before = snapshot()
    result = cli.fails(
        2, "invoice", "2026-10", "--issue", "--customer", "quiet", "--out", str(month / "o")
    )
    assert "nothing to issue" in result.stderr
    assert snapshot() == before
    assert not (month / "o").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("invoice", "2026-13"), "must look like 2026-10"),
        (("invoice", "october"), "must look like 2026-10"),
        (("invoice", "2026-10", "--format", "docx"), "unknown format"),
        (("invoice", "2026-10", "--customer", "nobody"), "no customer 'nobody'"),
        (("invoice", "show", "2026-9999"), "no invoice"),
        (("invoice", "fee", "add", "acme", "12.345", "x"), "decimals"),
        (("invoice", "fee", "add", "acme", "0", "x"), "more than zero"),
        (
            ("invoice", "fee", "add", "acme", "5", "x", "--date", "14.10"),
            "write 2026-11-13, 13.11.2026",
        ),
        (("invoice", "fee", "add", "acme", "5", "x", "--date", "10/14/2026"), "is not a date"),
        (("invoice", "fee", "add", "nobody", "5", "x"), "no customer"),
        (("invoice", "fee", "rm", "999"), "no fee 999"),
    ],
)
def test_invoice_bad_input_is_exit_2_with_one_line(
    cli, month: Path, snapshot, args, message
) -> None:
    before = snapshot()
    result = cli.fails(2, *args)
    assert message in result.stderr
    assert snapshot() == before


def test_invoice_pdf_without_weasyprint_says_how_to_install(
    cli, month: Path, monkeypatch: pytest.MonkeyPatch, snapshot
) -> None:
    from supportctl.render import invoice as render

    monkeypatch.setattr(render, "pdf_available", lambda: False)
    before = snapshot()
    result = cli.fails(
        2, "invoice", "2026-10", "--format", "pdf", "--issue", "--out", str(month / "o")
    )
    assert "pip install 'supportctl[pdf]'" in result.stderr
    assert snapshot() == before and not (month / "o").exists()


def test_invoice_fee_list_and_rm(cli, month: Path) -> None:
    fees = cli.json("invoice", "fee", "list", "--customer", "acme", "--json")
    assert fees == [
        {
            "id": 1,
            "customer": "acme",
            "date": "2026-10-14",
            "amount": {"amount_minor": 12000, "currency": "EUR"},
            "description": "Expedited response",
            "invoice": None,
        }
    ]
    cli.ok("invoice", "fee", "rm", "1")
    assert cli.json("invoice", "fee", "list", "--json") == []


def test_invoice_templates_copy_and_override(cli, month: Path) -> None:
    result = cli.ok("invoice", "templates", "--copy")
    user = month / "templates" / "invoice"
    assert (user / "report.html.j2").is_file() and "copied" in result.stdout
    (user / "report.md.j2").write_text("custom {{ r.customer.name }}\n", encoding="utf-8")
    assert "kept" in cli.ok("invoice", "templates", "--copy").stdout
    assert (user / "report.md.j2").read_text(encoding="utf-8") == "custom {{ r.customer.name }}\n"
    cli.ok("invoice", "2026-10", "--customer", "acme", "--format", "md", "--out", str(month / "o"))
    assert (month / "o" / "acme-2026-10.md").read_text(encoding="utf-8") == "custom Acme Oy\n"
    listing = cli.ok("invoice", "templates").stdout
    assert str(user / "report.md.j2") in listing


def test_invoice_csv_is_parseable(cli, month: Path) -> None:
    import csv

    cli.ok("invoice", "2026-10", "--customer", "acme", "--format", "csv", "--out", str(month / "o"))
    with (month / "o" / "acme-2026-10.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["class"] for r in rows if r["section"] == "work"] == [
        "included",
        "included",
        "billable",
    ]
    assert [r["amount"] for r in rows if r["section"] == "total"] == ["188.75", "48.13", "236.88"]


def test_invoice_pdf_is_rendered_and_issued_bytes_are_kept(cli, month: Path) -> None:
    out = month / "pdf"
    cli.ok("invoice", "2026-10", "--customer", "acme", "--format", "pdf", "--out", str(out))
    draft = (out / "acme-2026-10.pdf").read_bytes()
    assert draft.startswith(b"%PDF-")
    cli.ok(
        "invoice", "2026-10", "--customer", "acme", "--format", "pdf", "--issue", "--out", str(out)
    )
    issued = (out / "acme-2026-10-2026-0001.pdf").read_bytes()
    assert issued.startswith(b"%PDF-")
    assert cli.ok("invoice", "show", "2026-0001", "--format", "pdf").stdout_bytes == issued


def test_invoice_numbers_follow_the_issue_year_and_the_configured_format(
    cli, month: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = month / "config.toml"
    text = config.read_text(encoding="utf-8")
    assert 'invoice_number_format = "{year}-{seq:04d}"' in text
    config.write_text(
        text.replace(
            'invoice_number_format = "{year}-{seq:04d}"',
            'invoice_number_format = "KV/{year}/{seq:03d}"',
        ),
        encoding="utf-8",
    )
    out = month / "o"
    cli.ok("invoice", "2026-10", "--issue", "--customer", "acme", "--out", str(out))
    monkeypatch.setenv("SUPPORTCTL_NOW", "2027-01-05T10:00:00Z")
    result = cli.ok("invoice", "2026-10", "--issue", "--customer", "kovo", "--out", str(out))
    assert "KV/2027/001" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "acme-2026-10-KV-2026-001.html",
        "kovo-2026-10-KV-2027-001.html",
    ]
    assert cli.json("invoice", "show", "KV/2027/001", "--json")["customer"] == "kovo"


def test_invoice_number_format_without_year_cannot_reuse_a_number(
    cli, month: Path, monkeypatch: pytest.MonkeyPatch, snapshot
) -> None:
    config = month / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            'invoice_number_format = "{year}-{seq:04d}"', 'invoice_number_format = "{seq}"'
        ),
        encoding="utf-8",
    )
    cli.ok("invoice", "2026-10", "--issue", "--customer", "acme", "--out", str(month / "o"))
    monkeypatch.setenv("SUPPORTCTL_NOW", "2027-01-05T10:00:00Z")
    before = snapshot()
    result = cli.fails(
        2, "invoice", "2026-10", "--issue", "--customer", "kovo", "--out", str(month / "o")
    )
    assert "never reused" in result.stderr
    assert snapshot() == before


def test_invoice_work_awaiting_approval_is_listed_apart_and_not_billed(cli, month: Path) -> None:
    with _db(month) as conn:
        conn.execute(
            "INSERT INTO tickets (id, customer_id, requester, subject, needs_approval, created_at, updated_at) "
            "VALUES (77, (SELECT id FROM customers WHERE slug = 'kovo'), 'petra@kovosrot.cz', 'New banner', 1, "
            "'2026-10-01T08:00:00Z', '2026-10-01T08:00:00Z')"
        )
    cli.ok(
        "log",
        "add",
        "77",
        "--date",
        "2026-10-08",
        "--start",
        "09:00",
        "--end",
        "09:50",
        "Banner draft",
    )
    data = cli.json("invoice", "2026-10", "--customer", "kovo", "--out", str(month / "o"), "--json")
    report = data["reports"][0]["report"]
    assert [ln["description"] for ln in report["awaiting"]] == ["Banner draft"]
    assert all(ln["description"] != "Banner draft" for ln in report["lines"])
    assert data["reports"][0]["net"]["amount_minor"] == 37500  # only the DNS record, as before
    html = (month / "o" / "kovo-2026-10.html").read_text(encoding="utf-8")
    assert html.index("Banner draft") > html.index('<section class="awaiting">')


def test_invoice_correction_entry_names_the_invoice_it_corrects(
    cli, month: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.ok("invoice", "2026-10", "--issue", "--customer", "acme", "--out", str(month / "o"))
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-11-20T12:00:00Z")
    cli.ok(
        "log",
        "add",
        "--customer",
        "acme",
        "--date",
        "2026-11-03",
        "--start",
        "09:00",
        "--end",
        "09:20",
        "Rate correction",
        "--corrects",
        "2026-0001",
    )
    cli.ok(
        "invoice", "2026-11", "--customer", "acme", "--format", "md", "--out", str(month / "nov")
    )
    md = (month / "nov" / "acme-2026-11.md").read_text(encoding="utf-8")
    assert "Rate correction (korjaa laskua 2026-0001)" in md


def test_a_correction_never_uses_the_next_months_included_minutes(
    cli, month: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.ok("invoice", "2026-10", "--issue", "--customer", "acme", "--out", str(month / "o"))
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-12-01T12:00:00Z")
    log = ("log", "add", "--customer", "acme", "--date")
    cli.ok(
        *log,
        "2026-11-02",
        "--start",
        "09:00",
        "--end",
        "09:40",
        "Missed",
        "--corrects",
        "2026-0001",
    )
    cli.ok(*log, "2026-11-03", "--start", "09:00", "--end", "10:00", "Plugin updates")
    run = cli.json("invoice", "2026-11", "--customer", "acme", "--out", str(month / "n"), "--json")
    report = run["reports"][0]["report"]
    classes = [(ln["description"], ln["cls"], ln["minutes"]) for ln in report["lines"]]
    # the correction is billed; November's own 60 included minutes are all still there
    assert classes == [("Missed", "billable", 40), ("Plugin updates", "included", 60)]
    assert report["quota"]["used_minutes"] == 60 and report["quota"]["left_minutes"] == 0
    assert report["lines"][0]["corrects"] == "2026-0001"


def test_approval_after_the_month_was_issued_names_the_unbilled_time(
    cli, month: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _db(month) as conn:
        conn.execute(
            "INSERT INTO tickets (id, customer_id, requester, subject, needs_approval, created_at, updated_at) "
            "VALUES (78, (SELECT id FROM customers WHERE slug = 'kovo'), 'petra@kovosrot.cz', 'Banner', 1, "
            "'2026-10-01T08:00:00Z', '2026-10-01T08:00:00Z')"
        )
    cli.ok(
        "log", "add", "78", "--date", "2026-10-08", "--start", "09:00", "--end", "09:50", "Banner"
    )
    cli.ok("invoice", "2026-10", "--issue", "--customer", "kovo", "--out", str(month / "o"))
    number = cli.json("invoice", "list", "--json")[0]["number"]
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-11-20T12:00:00Z")
    done = cli.ok("ticket", "approve", "78", "--override", "agreed on the phone in October")
    assert (
        f"note: 50 min of #78 in 2026-10 were not billed on invoice {number} (frozen)"
        in done.stderr
    )
    # an approval with nothing invoiced says nothing more
    with _db(month) as conn:
        conn.execute(
            "INSERT INTO tickets (id, customer_id, requester, subject, needs_approval, created_at, updated_at) "
            "VALUES (79, (SELECT id FROM customers WHERE slug = 'kovo'), 'petra@kovosrot.cz', 'Logo', 1, "
            "'2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z')"
        )
    cli.ok("log", "add", "79", "--date", "2026-11-10", "--start", "09:00", "--end", "09:30", "Logo")
    quiet = cli.ok("ticket", "approve", "79", "--override", "ok by mail", "--json")
    assert json.loads(quiet.stdout)["unbilled"] == []
    assert "note:" not in quiet.stderr


# --- bank accounts, payment references, the plan's monthly fee, the running month -------


def test_invoice_in_a_currency_without_a_bank_account_is_refused(
    cli, month: Path, snapshot
) -> None:
    config = month / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").split("\n[bank.CZK]")[0] + "\n")
    before = snapshot()
    result = cli.fails(2, "invoice", "2026-10", "--issue", "--out", str(month / "o"))
    assert "CZK" in result.stderr and "[bank.CZK]" in result.stderr
    assert snapshot() == before  # nothing issued, not even acme's EUR invoice
    assert not (month / "o").exists()


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('[bank.EUR]\niban = "FI21 1234 5600 0007 86"\nbic = "NDEAFIHH"\n', "iban"),
        ('[bank.EUR]\niban = "FI21 1234 5600 0007 85"\nbic = "NDEA"\n', "bic"),
        (
            '[bank.CZK]\niban = "CZ6508000000192000145399"\nbic = "GIBACZPX"\n'
            'account = "2000145399/0800"\n',
            "account",
        ),
    ],
)
def test_a_bad_bank_account_is_a_config_error_naming_the_key(
    cli, initialized: Path, table: str, key: str
) -> None:
    add_banks(initialized, "\n" + table)
    result = cli.fails(3, "invoice", "2026-10", "--out", str(initialized / "o"))  # config error
    assert f"key '{key}'" in result.stderr and "[bank." in result.stderr


def test_the_old_free_text_bank_line_is_refused_with_a_hint(cli, initialized: Path) -> None:
    config = initialized / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[agency]\n", '[agency]\nbank = "IBAN FI00"\n', 1))
    result = cli.fails(3, "invoice", "2026-10", "--out", str(initialized / "o"))  # config error
    assert "key 'bank'" in result.stderr and "[bank.EUR]" in result.stderr


def test_issued_invoices_carry_their_payment_reference(cli, month: Path) -> None:
    out = month / "o"
    run = cli.json("invoice", "2026-10", "--issue", "--out", str(out), "--json")
    by_customer = {r["customer"]: r for r in run["reports"]}
    acme = by_customer["acme"]["report"]["payment"]
    kovo = by_customer["kovo"]["report"]["payment"]
    assert acme["reference"] == "202600017" and acme["reference_kind"] == "fi"
    assert acme["qr_kind"] == "epc" and len(acme["barcode"]) == 54
    assert kovo["reference"] == kovo["variable_symbol"] == "20260002"
    assert kovo["qr_kind"] == "spd" and "X-VS:20260002" in kovo["qr_payload"]
    with _db(month) as conn:
        stored = dict(conn.execute("SELECT number, reference FROM invoices").fetchall())
    assert stored == {"2026-0001": "202600017", "2026-0002": "20260002"}
    for fmt in ("html", "md", "txt"):
        doc = cli.ok("invoice", "show", "2026-0001", "--format", fmt).stdout
        assert "2026 00017" in doc, fmt  # printed in groups of five


def test_a_draft_shows_draft_instead_of_a_reference(cli, month: Path) -> None:
    run = cli.json("invoice", "2026-10", "--customer", "acme", "--out", str(month / "d"), "--json")
    pay = run["reports"][0]["report"]["payment"]
    assert pay["reference"] is None and pay["qr_payload"] is None
    txt = cli.ok("invoice", "2026-10", "--customer", "acme", "-f", "txt", "--out", str(month / "d"))
    assert txt.exit_code == 0
    text = (month / "d" / "acme-2026-10.txt").read_text(encoding="utf-8")
    assert "Viitenumero" in text and "luonnos" in text


def test_issuing_a_month_that_has_not_ended_needs_force(
    cli, month: Path, monkeypatch: pytest.MonkeyPatch, snapshot
) -> None:
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-10-31T20:00:00Z")  # 22:00 in Helsinki
    before = snapshot()
    result = cli.fails(2, "invoice", "2026-10", "--issue", "--out", str(month / "o"))
    assert "has not ended" in result.stderr and "--force" in result.stderr
    assert snapshot() == before
    cli.ok("invoice", "2026-10", "--customer", "acme", "--out", str(month / "o"))  # a draft is fine
    cli.ok(
        "invoice", "2026-10", "--issue", "--force", "--customer", "acme", "--out", str(month / "o")
    )
    assert cli.json("invoice", "list", "--json")[0]["customer"] == "acme"


def test_a_maintenance_month_of_included_work_bills_the_monthly_fee(
    cli, month: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-12-01T10:00:00Z")
    cli.ok("customer", "edit", "acme", "--monthly-fee", "290.00")
    shown = cli.json("customer", "show", "acme", "--json")
    assert shown["monthly_fee"] == {"amount_minor": 29000, "currency": "EUR"}
    cli.ok(
        "log",
        "add",
        "--customer",
        "acme",
        "--date",
        "2026-11-03",
        "--start",
        "09:00",
        "--end",
        "09:30",
        "Plugin updates",
    )
    run = cli.json("invoice", "2026-11", "--customer", "acme", "--out", str(month / "n"), "--json")
    report = run["reports"][0]["report"]
    assert [ln["cls"] for ln in report["lines"]] == ["included"]
    assert report["plan_fee"]["amount_minor"] == 29000
    assert report["net_minor"] == 29000 and report["gross_minor"] == 29000 + 7395
    md = cli.ok("invoice", "2026-11", "--customer", "acme", "-f", "md", "--out", str(month / "n"))
    assert md.exit_code == 0
    assert "Kuukausimaksu (maintenance)" in (month / "n" / "acme-2026-11.md").read_text()


def test_a_plan_starting_on_the_16th_bills_half_the_fee(
    cli, month: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORTCTL_NOW", "2026-12-01T10:00:00Z")
    cli.ok(
        "customer",
        "add",
        "newco",
        "--plan",
        "hosting",
        "--monthly-fee",
        "100.00",
        "--plan-start",
        "2026-11-16",
    )
    run = cli.json("invoice", "2026-11", "--customer", "newco", "--out", str(month / "n"), "--json")
    fee = run["reports"][0]["report"]["plan_fee"]
    assert (fee["days"], fee["month_days"], fee["amount_minor"]) == (15, 30, 5000)
    before = cli.json(
        "invoice", "2026-10", "--customer", "newco", "--out", str(month / "n"), "--json"
    )
    assert before["reports"][0]["report"]["plan_fee"] is None  # before the plan: no fee
    # a month with only the fee is issued too (all customers with a fee are in the run)
    monthly = cli.json("invoice", "2026-11", "--out", str(month / "m"), "--json")
    assert "newco" in {r["customer"] for r in monthly["reports"]}


def test_invoice_times_are_in_the_customers_time_zone_and_say_so(cli, month: Path) -> None:
    out = month / "tz"
    cli.ok("invoice", "2026-10", "--customer", "kovo", "-f", "md", "--out", str(out))
    md = (out / "kovo-2026-10.md").read_text(encoding="utf-8")
    # logged 13:00-13:07 Helsinki time: 12:00-12:07 in Prague, the customer's country
    assert "| 12:00 | 12:07 |" in md and "Europe/Prague" in md
    cli.ok("customer", "edit", "kovo", "--timezone", "Europe/Helsinki")
    cli.ok("invoice", "2026-10", "--customer", "kovo", "-f", "md", "--out", str(out))
    md = (out / "kovo-2026-10.md").read_text(encoding="utf-8")
    assert "| 13:00 | 13:07 |" in md and "Europe/Helsinki" in md
    bad = cli.fails(2, "customer", "edit", "kovo", "--timezone", "Mars/Olympus")
    assert "--timezone" in bad.stderr


def test_plan_dates_and_fee_are_checked(cli, month: Path, snapshot) -> None:
    before = snapshot()
    assert (
        "before"
        in cli.fails(
            2, "customer", "edit", "acme", "--plan-start", "2026-11-16", "--plan-end", "2026-11-01"
        ).stderr
    )
    assert (
        "2026-13-01"
        in cli.fails(2, "customer", "edit", "acme", "--plan-start", "2026-13-01").stderr
    )
    assert "monthly fee" in cli.fails(2, "customer", "edit", "acme", "--monthly-fee", "-5").stderr
    assert snapshot() == before
