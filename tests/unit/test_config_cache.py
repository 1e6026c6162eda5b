"""The validated-config cache beside the config file: used while the file is unchanged,
rebuilt after any edit, ignored when damaged, never hiding an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportctl import config_spec
from supportctl.config import load_config
from supportctl.errors import ConfigError

TEXT = """user = "alice"

[agency]
name = "Kovo s.r.o."
timezone = "Europe/Prague"
vat = "21"

[[imap]]
name = "support"
host = "127.0.0.1"
tls = "none"
user = "support@kovo.example"
password_env = "IMAP_PASSWORD"
"""


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_second_load_comes_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    _write(path, TEXT)
    first = load_config(path)
    assert (tmp_path / ".config.toml.cache").exists()

    def no_parsing(_: Path) -> None:
        raise AssertionError("the file was parsed again")

    monkeypatch.setattr(config_spec, "read_values", no_parsing)
    again = load_config(path)
    assert again == first
    assert again.agency.timezone == "Europe/Prague"
    assert again.imap[0].port == 143
    assert again.user == "alice"


def test_an_edit_of_the_same_size_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    _write(path, TEXT)
    assert load_config(path).user == "alice"
    _write(path, TEXT.replace('"alice"', '"bruno"'))
    assert load_config(path).user == "bruno"


def test_a_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    _write(path, TEXT)
    expected = load_config(path)
    cache = tmp_path / ".config.toml.cache"
    for junk in (b"", b"\x00garbage", cache.read_bytes()[:-7]):
        cache.write_bytes(junk)
        assert load_config(path) == expected
    assert cache.read_bytes() != junk


def test_errors_are_never_cached(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    _write(path, TEXT.replace('"Europe/Prague"', '"Mars/Olympus"'))
    for _ in range(2):
        with pytest.raises(ConfigError, match="time zone"):
            load_config(path)
    assert not (tmp_path / ".config.toml.cache").exists()


def test_a_missing_file_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "none.toml")
    assert not config.exists
    assert config.agency.timezone == "Europe/Helsinki"
