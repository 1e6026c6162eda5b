"""Every table view fits the terminal: one line per row at 80, 100, 120 and 200 columns.

One desk with more rows than a screen holds and long Finnish and Czech text in
decomposed form (NFD), emoji and CJK; each view runs as on a terminal (`--color`,
COLUMNS=width). Every line fits in the width (measured in terminal cells), each row
is one line, and the ids and times of every row are there whole.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

NOW = "2026-11-25T10:00:00Z"  # a Wednesday, 12:00 in Helsinki
WIDTHS = (80, 100, 120, 200)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


SUBJECTS = [
    nfd("Yhteydenottolomake ei lähetä viestejä ylläpitäjälle eikä asiakkaalle, kiireellinen"),
    nfd("Příliš žluťoučký kůň úpěl ďábelské ódy – e-shop nefunguje od včerejšího večera"),
    nfd("Käyttäjätunnusten hallinta: lisää kolme uutta ylläpitäjää ennen joulukuuta"),
    nfd("Změna otevírací doby na webu a v patičce všech stránek včetně anglické verze"),
    "Checkout 🔥 broken on mobile Safari after the last theme update, customers complain",
    "日本語のお問い合わせフォームが動作しません。至急確認してください。",
    nfd("Sähköpostit menevät roskapostiin – SPF, DKIM ja DMARC tarkistettava"),
    nfd("Certifikát vyprší za tři dny, prosíme o obnovení a kontrolu přesměrování"),
]


def lines_of(text: str) -> list[str]:
    return ANSI.sub("", text).splitlines()


def whole(token: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\S)" + re.escape(token) + r"(?!\S)")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Any]:
    """A workspace built through the real commands; returns a runner bound to it."""
    from typer.testing import CliRunner

    from supportctl.cli import app

    base = tmp_path_factory.mktemp("wide")
    env = {
        "SUPPORTCTL_DB": str(base / "supportctl.db"),
        "SUPPORTCTL_CONFIG": str(base / "config.toml"),
        "SUPPORTCTL_NOW": NOW,
        "SUPPORTCTL_USER": "",
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    runner = CliRunner()

    def run(*args: str, columns: int = 200, now: str = NOW, no_color: str = "1") -> str:
        result = runner.invoke(
            app,
            list(args),
            env={**env, "COLUMNS": str(columns), "SUPPORTCTL_NOW": now, "NO_COLOR": no_color},
        )
        assert result.exit_code == 0, f"{args}: {result.stdout}{result.stderr}"
        return str(result.stdout)

    run("init", "--user", "alice")
    from tests.cli.test_invoice_cli import add_banks

    add_banks(base)  # invoices say where to pay
    run(
        "customer", "add", "kovosrot-zdar", "--name", nfd("Kovošrot Žďár nad Sázavou s.r.o."),
        "--plan", "maintenance", "--level", "premium", "--included-minutes", "120",
        "--rate", "1500", "--currency", "CZK", "--domain", "kovosrot-zdar.example",
    )  # fmt: skip
    run(
        "customer", "add", "jarvenpaan-kukka", "--name", nfd("Järvenpään Kukka ja Puutarha Oy"),
        "--plan", "adhoc", "--level", "light", "--rate", "75",
        "--domain", "jarvenpaan-kukka.example", "--domain", "kukka-puutarha.example",
    )  # fmt: skip
    for n, name in enumerate(("Žluťoučký kůň a.s.", "Äänekosken Sähkö Oy", "Řeznictví U Čápa")):
        run("customer", "add", f"asiakas-{n}", "--name", nfd(name), "--plan", "adhoc")
    slugs = ("kovosrot-zdar", "jarvenpaan-kukka", "asiakas-0", "asiakas-1", "asiakas-2")
    for slug in slugs:
        run("contact", "add", slug, f"yhteys@{slug}.example", "--name", nfd("Jiří Šťastný-Äijälä"))
    people = (
        ("alice", "Alice Mäkinen-Väänänen"),
        ("bob", "Bořivoj Dvořáček"),
        ("cecilie", "Cecílie Nováková"),
        ("eero", "Eero Ylä-Mäkelä"),
    )
    for handle, name in people:
        run(
            "team", "add", handle, "--name", nfd(name), "--email", f"{handle}@agency.example",
            "--skill", "wordpress:5", "--skill", "dns:4", "--skill", "linux:3", "--skill", "css:2",
            "--away", "2026-12-21..2027-01-06",
        )  # fmt: skip
    run("rota", "set", *(h for h, _n in people), "--start", "2026-W40")
    for n in range(60):  # more than fit on a screen, and more than the 50-row cap
        day = 16 + n % 9
        slug = ("kovosrot-zdar", "jarvenpaan-kukka")[n % 2]
        run(
            "ticket", "new", "--customer", slug, "--from", f"yhteys@{slug}.example",
            f"{SUBJECTS[n % len(SUBJECTS)]} ({n})",
            now=f"2026-11-{day:02d}T{7 + n % 8:02d}:{n % 60:02d}:00Z",
        )  # fmt: skip
    task = nfd("Zkontrolovat DNS záznamy, přesměrování a certifikát – Tarkista myös lomake")
    for n in range(1, 13):
        run("delegate", "new", str(n), f"{task} {n}", "--to", ("alice", "bob", "cecilie")[n % 3])
        if n == 6:
            run("delegated", "--review", "--as", "alice")
    for day in range(1, 29):
        run(
            "log", "add", "--customer", "kovosrot-zdar", "25m",
            nfd(f"Päivitetty WordPress ja liitännäiset, záloha databáze ověřena ({day})"),
            "--date", f"2026-10-{day:02d}", "--start", "09:10",
        )  # fmt: skip
    for slug in slugs[1:]:
        run(
            "log", "add", "--customer", slug, "90m", "Lomake 🌷 kukka.example",
            "--date", "2026-10-05", "--start", "13:00", "--allow-overlap",
        )  # fmt: skip
    for n in range(3):
        run(
            "invoice", "fee", "add", "kovosrot-zdar", "1250000.00",
            nfd(f"Expresní zásah v neděli v noci, obnovení serveru ze zálohy ({n})"),
            "--date", "2026-10-14",
        )  # fmt: skip
    run("invoice", "2026-10", "--issue", "--out", str(base / "invoices"))
    for n in range(8):
        run("block", "add", f"@roskaposti-{n}.example")
    for n in range(6):
        run(
            "kb", "add", f"{SUBJECTS[n]} – ohje {n}", "--lang", ("fi", "cs")[n % 2],
            "--tag", "wordpress", "--tag", "dns", "--tag", "mail-delivery",
            "-m", nfd(f"Tarkista lomakkeen asetukset ja DNS-tietueet, pak ověřte přesměrování {n}."),
        )  # fmt: skip
    return run


def ids(key: str = "id") -> Callable[[Any], list[tuple[str, ...]]]:
    return lambda doc: [(str(item[key]),) for item in doc]


def inbox_tokens(doc: Any) -> list[tuple[str, ...]]:
    return [(str(r["id"]), r["status"]) for r in doc[:50]]


def log_tokens(doc: Any) -> list[tuple[str, ...]]:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Helsinki")
    out = []
    for r in doc:
        start = datetime.fromisoformat(r["start"].replace("Z", "+00:00")).astimezone(zone)
        end = datetime.fromisoformat(r["end"].replace("Z", "+00:00")).astimezone(zone)
        span = f"{start:%H:%M}–{end:%H:%M}"
        first = r["part"] == 0
        out.append(((str(r["id"]), r["date"]) if first else ()) + (span, str(r["minutes"])))
    return out


def review_tokens(doc: Any) -> list[tuple[str, ...]]:
    return [(str(r["id"]), f"{r['age_business_days']}d") for r in doc]


# view name -> (table argv, JSON argv or None, tokens of each row from the JSON)
VIEWS: dict[str, tuple[list[str], list[str] | None, Callable[[Any], list[tuple[str, ...]]]]] = {
    "inbox": (["inbox", "--no-fetch"], ["inbox", "--no-fetch", "--json"], inbox_tokens),
    "delegated": (["delegated"], ["delegated", "--json"], review_tokens),
    "delegated --mine": (
        ["delegated", "--mine", "--as", "bob"],
        ["delegated", "--mine", "--as", "bob", "--json"],
        review_tokens,
    ),
    "delegated summary": (  # more tasks than --limit: one row per person
        ["delegated", "--limit", "5"],
        ["delegated", "--json"],
        lambda doc: [(h,) for h in sorted({r["to"] for r in doc})],
    ),
    "delegated --since-last": (
        ["delegated", "--since-last"],
        ["delegated", "--since-last", "--json"],
        lambda doc: [("task", str(t["id"]), f"#{t['ticket']}") for t in doc["new"]],
    ),
    "log list": (
        ["log", "list", "--month", "2026-10", "--limit", "100"],
        ["log", "list", "--month", "2026-10", "--json"],
        log_tokens,
    ),
    "search": (
        ["search", "checkout"],
        ["search", "checkout", "--json"],
        lambda doc: [(str(h["id"]),) for h in doc],
    ),
    "customer list": (["customer", "list"], ["customer", "list", "--json"], ids()),
    "contact list": (["contact", "list"], ["contact", "list", "--json"], ids()),
    "team list": (["team", "list"], ["team", "list", "--json"], ids()),
    "rota show": (
        ["rota", "show", "--weeks", "30"],
        ["rota", "show", "--weeks", "30", "--json"],
        ids(),
    ),
    "invoice list": (["invoice", "list"], ["invoice", "list", "--json"], ids()),
    "fee list": (
        ["invoice", "fee", "list"],
        ["invoice", "fee", "list", "--json"],
        lambda doc: [(str(f["id"]), f["date"], "1250000.00") for f in doc],
    ),
    "block list": (["block", "list"], ["block", "list", "--json"], ids()),
    "kb list": (["kb", "list"], ["kb", "list", "--json"], ids()),
    "kb search": (["kb", "search", "dns"], ["kb", "search", "dns", "--json"], ids()),
    "invoice month": (
        ["invoice", "2026-10"],
        ["invoice", "2026-10", "--json"],
        lambda doc: [
            (r["customer"], r["number"], str(r["billable_minutes"])) for r in doc["reports"]
        ],
    ),
    "report": (
        ["report", "2026-11"],
        ["report", "2026-11", "--json"],
        lambda doc: (
            [
                (b["id"], str(b["tickets"]), str(b["response"]), str(b["resolution"]))
                for b in doc["breaches_by_customer"] + doc["breaches_by_level"]
            ]
            + [(w["id"], str(w["tickets"])) for w in doc["tickets_per_week"]]
        ),
    ),
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("view", list(VIEWS))
def test_view_fits_the_terminal_one_line_per_row(
    desk: Callable[..., str], view: str, width: int, tmp_path: Path
) -> None:
    import json

    argv, json_argv, tokens_of = VIEWS[view]
    if view == "invoice month":  # written again from the stored documents
        argv = [*argv, "--out", str(tmp_path / "a")]
        json_argv = [*(json_argv or []), "--out", str(tmp_path / "b")]
    out = lines_of(desk("--color", *argv, columns=width))
    too_wide = [line for line in out if cell_len(line) > width]
    assert not too_wide, f"{view} at {width}: {too_wide}"
    assert json_argv is not None
    rows = tokens_of(json.loads(desk(*json_argv)))
    assert len(rows) >= 3, f"{view}: the desk should give it several rows"
    seen: set[int] = set()
    for tokens in rows:
        where = [
            n
            for n, line in enumerate(out)
            if n not in seen and all(whole(t).search(line) for t in tokens)
        ]
        assert where, f"{view} at {width}: no line holds {tokens} whole:\n" + "\n".join(out)
        seen.add(where[0])
    # One line per row: besides the rows, only a title, the header, legends and notes.
    assert len(out) <= len(rows) + 12, f"{view} at {width}: rows wrapped:\n" + "\n".join(out)


def test_free_text_is_cut_with_an_ellipsis_and_the_subject_starts_whole(
    desk: Callable[..., str],
) -> None:
    out = lines_of(desk("--color", "inbox", "--no-fetch", columns=80))
    assert any(line.endswith("…") or "… " in line for line in out)
    wide = lines_of(desk("--color", "inbox", "--no-fetch", columns=200))
    cut = [line for line in wide[1:] if "…" in line and "more" not in line]
    assert not cut, cut


def test_low_value_columns_give_way_with_a_legend(desk: Callable[..., str]) -> None:
    narrow = lines_of(desk("--color", "inbox", "--no-fetch", columns=80))
    header = narrow[0].split()
    assert header[:3] == ["#", "age", "customer"]
    assert "level" not in header and "l" in header  # a letter instead of the word
    assert any(line.startswith("flags: D delegated") for line in narrow)
    wide = lines_of(desk("--color", "inbox", "--no-fetch", columns=200))
    assert "level" in wide[0].split() and "flags" in wide[0].split()
    assert not any(line.startswith("flags:") for line in wide)


def test_columns_stay_aligned_with_decomposed_and_wide_text(desk: Callable[..., str]) -> None:
    out = lines_of(desk("--color", "inbox", "--no-fetch", columns=120))
    header = out[0]
    sla_at = cell_len(header[: header.index("SLA")])
    for line in out[1:51]:
        match = re.search(r"(reply|fix) ", line)
        assert match, line
        assert cell_len(line[: match.start()]) == sla_at, line


def test_piped_output_is_never_cut_or_wrapped(desk: Callable[..., str], tmp_path: Path) -> None:
    out = lines_of(desk("inbox", "--no-fetch", columns=80))
    assert out[0].split()[:4] == ["#", "age", "customer", "level"]
    assert any(
        unicodedata.normalize("NFC", SUBJECTS[0]) in unicodedata.normalize("NFC", line)
        for line in out
    )
    assert not any("…" in line for line in out[1:51])
    fees = lines_of(desk("invoice", "fee", "list", columns=80))
    assert "┃" not in "".join(fees) and "│" not in "".join(fees)  # no box when piped
    assert all("1250000.00" in line for line in fees[1:])
    month = lines_of(desk("invoice", "2026-10", "--out", str(tmp_path), columns=80))
    assert not any(ch in "".join(month) for ch in "┃│┏")


LINK = "https://kovosrot-zdar.example/administrace/objednavky?stav=nevyrizene&razeni=datum"


def test_ticket_show_wraps_on_words_and_keeps_urls_and_addresses_whole(
    desk: Callable[..., str],
) -> None:
    text = nfd(
        "Dobrý den, objednávky se od včerejška nezobrazují v administraci, viz "
        f"{LINK} – prosím o kontrolu. Kopie šla na jiri.stastny-aijala@kovosrot-zdar.example "
        "a také na vedení. Děkujeme za rychlou pomoc, je to pro nás velmi důležité."
    )
    created = desk(
        "ticket", "new", "--customer", "kovosrot-zdar", "--from", "yhteys@kovosrot-zdar.example",
        nfd("Objednávky se nezobrazují v administraci e-shopu"), text,
    )  # fmt: skip
    number = re.search(r"#(\d+)", created)
    assert number
    out = lines_of(desk("--color", "ticket", "show", number.group(1), columns=60))
    assert any(line.strip() == LINK for line in out)  # on a line of its own, whole
    assert any("jiri.stastny-aijala@kovosrot-zdar.example" in line for line in out)
    assert all(cell_len(line) <= 60 for line in out if LINK not in line), out
    words = [w for line in out for w in line.split()]
    assert nfd("důležité.") in words and nfd("Děkujeme") in words  # no word broken
    header = [line for line in out[1:12] if line and line[0].isalpha()]
    starts = {len(line) - len(line[10:].lstrip()) for line in header}
    assert len(starts) == 1, header  # the values of the header block line up
    piped = lines_of(desk("ticket", "show", number.group(1), columns=60))
    assert any(LINK in line and "Dobr" in line for line in piped)  # piped: not wrapped


def test_piped_columns_align_in_terminal_cells(desk: Callable[..., str]) -> None:
    """Decomposed, wide and emoji subjects still line up the column after them."""
    from supportctl.render.tables import cell_width

    out = lines_of(desk("inbox", "--no-fetch", columns=80))
    header = out[0]
    sla_at = cell_width(header[: header.index("SLA")])
    for line in out[1:51]:
        match = re.search(r"  (reply|fix) ", line)
        assert match, line
        assert cell_width(line[: match.start() + 2]) == sla_at, line


def test_colours_mean_the_same_and_no_color_is_respected(desk: Callable[..., str]) -> None:
    late = "\x1b[1;31m"  # bold red: urgent and late SLA, in every view
    inbox = desk("--color", "inbox", "--no-fetch", columns=120, no_color="")
    review = desk("--color", "delegated", columns=120, no_color="")
    assert late + "!" in inbox and late + "reply late" in inbox
    assert late + "late" in review
    for view in (["inbox", "--no-fetch"], ["delegated"], ["log", "list", "--month", "2026-10"]):
        plain = desk("--color", *view, columns=120, no_color="1")
        assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", plain), view  # NO_COLOR: no colour
