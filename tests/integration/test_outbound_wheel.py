"""The wheel carries the mail templates: acknowledgements and canned replies render from it."""

from __future__ import annotations

from pathlib import Path

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


def test_outbound_templates_render_from_the_installed_wheel(
    installed_wheel, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    names = installed_wheel.names()
    for lang in ("fi", "cs", "en"):
        assert f"supportctl/templates/mail/ack.{lang}.txt.j2" in names
        for canned in ("investigating", "need-info", "resolved"):
            assert f"supportctl/templates/mail/canned/{canned}.{lang}.txt.j2" in names
    done = installed_wheel.run(RENDER_FROM_INSTALLED, str(tmp_path / "config"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "rendered from" in done.stdout
