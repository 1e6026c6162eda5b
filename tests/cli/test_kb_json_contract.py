"""The `--json` documents of the kb commands: the whole shape, so a renamed field is a
decision, not an accident."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ARTICLE_KEYS = {
    "id", "title", "lang", "visibility", "tags", "translation_of", "ticket", "created_by",
    "created_at", "changed_by", "changed_at", "uses", "last_used_at",
}  # fmt: skip
SUGGESTION_KEYS = {"kind", "id", "title", "lang", "relevance", "words", "open"}


def test_kb_json_documents_have_their_documented_shape(cli: Any, initialized: Path) -> None:
    env = {"SUPPORTCTL_NOW": "2026-10-14T08:30:00Z"}
    cli.ok("customer", "add", "acme", "--name", "Acme", "--plan", "adhoc", "--rate", "75",
           "--locale", "fi_FI")  # fmt: skip
    cli.ok("ticket", "new", "--customer", "acme", "--from", "m@acme.fi", "Salasana unohtui",
           "En muista WordPressin salasanaa", env=env)  # fmt: skip
    added = cli.json("kb", "add", "Salasanan vaihto WordPressissä", "--lang", "fi", "--tag", "wp",
                     "-m", "Vaihda salasana.", "--shared", "--json", env=env)  # fmt: skip
    assert set(added) == ARTICLE_KEYS
    assert added["id"] == 1 and added["created_at"] == "2026-10-14T08:30:00Z"
    [listed] = cli.json("kb", "list", "--json")
    assert set(listed) == ARTICLE_KEYS and listed == added
    shown = cli.json("kb", "show", "1", "--json")
    assert set(shown) == ARTICLE_KEYS | {"body", "translations", "history"}
    assert set(shown["history"][0]) == {
        "at", "actor", "action", "title", "lang", "visibility", "tags", "body",
    }  # fmt: skip
    [hit] = cli.json("kb", "search", "salasana", "--json")
    assert set(hit) == {"id", "title", "lang", "visibility", "changed_at", "snippet"}
    found = cli.json("kb", "suggest", "1", "--json")
    assert set(found) == {"id", "lang", "written", "articles", "tickets"}
    [article] = found["articles"]
    assert set(article) == SUGGESTION_KEYS | {"visibility"}
    assert (article["id"], article["title"]) == (1, "Salasanan vaihto WordPressissä")
