"""Suggestions and knowledge-base search at scale: `ticket show` (which ends with up to
three articles and three similar resolved tickets) and `kb search` on a desk of 100,000
tickets and 5,000 articles, against `watson add` and against the same desk with no
articles, same run.

Targets (issue 21): each <= 1.2x `watson add`, and within 10 % of itself on the desk
with no articles.

    .venv/bin/python bench/kb.py [--runs 10] [--keep DIR]

The tickets come from bench/inbox.py's builder (direct SQL inserts; 3 messages a
ticket here, as only subjects and first messages are searched); the resolved tickets
are indexed for suggestions with `store.kb_search.REINDEX_SOLVED`. The desk with
articles is a copy of the one without, plus 5,000 articles in Finnish, Czech and
English (translations linked) inserted through the same triggers the CLI uses.
`--keep DIR` builds both once and reuses them.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import inbox
from _common import Watson, compile_sources, print_table, tool

from supportctl.store.kb_search import REINDEX_SOLVED

TICKETS = 100_000
OPEN = 20_000
ARTICLES = 5_000

TOPICS = {
    "fi": [
        (
            "Yhteydenottolomake ei lähetä viestejä",
            "Tarkista lomakkeen vastaanottaja ja SMTP-asetukset.",
        ),
        (
            "Sivusto alhaalla: levy täynnä",
            "Palvelimen levy täyttyi lokeista; siivoa ja käynnistä uudelleen.",
        ),
        ("Uuden käyttäjätunnuksen lisääminen", "Käyttäjät → Lisää uusi, valitse rooli."),
        ("Bannerin vaihto etusivulle", "Vaihda kuva mukautusnäkymässä, koko 1920×600."),
        ("Laskutuskysymykset", "Lasku lähtee kuun alussa, maksuaika 14 päivää."),
    ],
    "cs": [
        ("Výpadek e-shopu", "Zkontrolujte místo na disku a restartujte PHP-FPM."),
        ("Formulář nefunguje", "Zkontrolujte příjemce formuláře a nastavení SMTP."),
        ("Změna otevírací doby", "Otevírací doba se mění v patičce webu."),
        ("Certifikát vyprší", "Certifikát obnovujeme automaticky, ověřte DNS."),
        ("Nový uživatel do administrace", "Uživatelé → Přidat nového, zvolte roli."),
    ],
    "en": [
        ("Checkout broken on mobile", "Clear the cache and check the payment plugin."),
        ("Updating the privacy policy", "Edit the page under Settings → Privacy."),
        ("New staff accounts", "Users → Add New, choose the role."),
        ("Newsletter signup error", "A 500 from the signup form: check the API key."),
        ("DNS change for a new domain", "Point the A and MX records at our servers."),
    ],
}
WORDS = [
    "palvelin",
    "levy",
    "loki",
    "varmuuskopio",
    "lisäosa",
    "teema",
    "välimuisti",
    "server",
    "disk",
    "backup",
    "plugin",
    "theme",
    "cache",
    "záloha",
    "šablona",
    "mezipaměť",
    "doména",
    "certifikát",
    "hosting",
    "databáze",
    "database",
    "tietokanta",
    "päivitys",
    "update",
    "aktualizace",
]


def add_articles(db_path: Path, count: int) -> None:
    rng = random.Random(21)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA synchronous = OFF")
    rows = []
    article_id = 0
    at = inbox.NOW
    while article_id < count:
        group = article_id + 1
        for lang, topics in TOPICS.items():
            if article_id >= count:
                break
            article_id += 1
            title, body = rng.choice(topics)
            extra = " ".join(rng.choice(WORDS) for _ in range(40))
            rows.append(
                (
                    article_id,
                    f"{title} ({article_id})",
                    f"{body}\n\n{extra}\n",
                    lang,
                    "shared" if article_id % 2 else "internal",
                    None if article_id == group else group,
                    at,
                    at,
                )
            )
    with conn:
        conn.executemany(
            "INSERT INTO articles (id, title, body, lang, visibility, translation_of, "
            "created_by, created_at, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, 'bench', ?, 'bench', ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO article_history (article_id, at, action, title, body, lang, visibility, tags) "
            "SELECT id, created_at, 'created', title, body, lang, visibility, '' FROM articles WHERE id = ?",
            [(r[0],) for r in rows],
        )
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the databases here.")
    args = parser.parse_args()
    if args.runs < 5:
        raise SystemExit("use at least 5 runs")
    compile_sources()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-kb-"))
    bare, full = base / "no-articles", base / "articles"
    if not (bare / "supportctl.db").exists():
        started = time.perf_counter()
        inbox.MESSAGES_PER_TICKET = 3
        inbox.setup(bare, customers=30, people=8)
        inbox.fill(bare / "supportctl.db", TICKETS, OPEN, customers=30, people=8)
        conn = sqlite3.connect(bare / "supportctl.db")
        with conn:
            conn.execute(REINDEX_SOLVED)
        conn.close()
        print(f"built {TICKETS:,} tickets in {time.perf_counter() - started:.0f} s: {bare}")
    if not (full / "supportctl.db").exists():
        full.mkdir(parents=True, exist_ok=True)
        shutil.copy(bare / "config.toml", full / "config.toml")
        src = sqlite3.connect(bare / "supportctl.db")
        src.execute(f"VACUUM INTO '{full / 'supportctl.db'}'")
        src.close()
        add_articles(full / "supportctl.db", ARTICLES)
    exe = tool("supportctl")
    bare_env, full_env = inbox.workspace_env(bare), inbox.workspace_env(full)
    ticket = str(TICKETS - 5)  # open; its subject shares words with many resolved tickets
    commands = {
        "ticket show": [exe, "ticket", "show", ticket],
        'kb search "lomake"': [exe, "kb", "search", "lomake"],
        "kb search vypadek": [exe, "kb", "search", "vypadek"],
    }
    watson = Watson()
    jobs: list[tuple[str, list[str], dict[str, str]]] = [("watson add", watson.argv, watson.env)]
    for name, argv in commands.items():
        jobs.append((f"{name} (no articles)", argv, bare_env))
        jobs.append((f"{name} (5,000 articles)", argv, full_env))
    medians = inbox.interleaved(jobs, runs=args.runs)
    reference = medians["watson add"]
    print(f"median of {args.runs} runs each, same machine, same run; {TICKETS:,} tickets")
    print_table([(name, medians[name]) for name, _a, _e in jobs], reference)
    print()
    print("command               articles/none   articles/watson   (targets <= 1.10, <= 1.20)")
    for name in commands:
        large = medians[f"{name} (5,000 articles)"]
        small = medians[f"{name} (no articles)"]
        print(f"{name.ljust(21)} {large / small:13.2f}   {large / reference:15.2f}")


if __name__ == "__main__":
    main()
