"""The wheel carries the mail templates: acknowledgements and canned replies render from it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

RENDER_FROM_INSTALLED = r"""
import sys
from pathlib import Path

import supportctl
from supportctl.render import mail

target = Path(sys.argv[1]).resolve()
assert Path(supportctl.__file__).resolve().is_relative_to(target), supportctl.__file__
assert mail.packaged_templates_dir() == target / "supportctl" / "templates"
config_dir = Path(sys.argv[2])
ticket = {"id": 3, "tag": "[#3]", "subject": "Výpadek", "status": "new"}
agency = {"name": "Agency", "support_address": "support@agency.example"}
for lang, word in (("fi", "Hei,"), ("cs", "Dobrý den,"), ("en", "Hello,")):
    text = mail.render(config_dir, "ack", lang, {"ticket": ticket, "customer": None, "due_response": None,
                                                 "timezone": "Europe/Helsinki", "agency": agency, "lang": lang})
    assert text.startswith(word), text
names = [t.name for t in mail.canned_templates(config_dir)]
assert names == ["investigating", "need-info", "resolved"], names
print("rendered from", mail.packaged_templates_dir())
"""


def test_outbound_templates_render_from_the_installed_wheel(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{done.stdout}\n{done.stderr}")
    [wheel] = list((tmp_path / "dist").glob("supportctl-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for lang in ("fi", "cs", "en"):
        assert f"supportctl/templates/mail/ack.{lang}.txt.j2" in names
        for canned in ("investigating", "need-info", "resolved"):
            assert f"supportctl/templates/mail/canned/{canned}.{lang}.txt.j2" in names
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    done = subprocess.run(
        [sys.executable, "-c", RENDER_FROM_INSTALLED, str(target), str(tmp_path / "config")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        # The installed copy comes first on the path; jinja2 and babel from the venv.
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "rendered from" in done.stdout
