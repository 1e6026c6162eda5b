"""Suggestion quality on a labelled set: 30 articles (10 topics in Finnish, Czech and
English, translations linked) and 42 requests (14 per language), each labelled with the
topic it should surface, or with none (requests unrelated to any article).

precision@3: of all articles shown for the labelled requests (at most three each), the
share that are on the labelled topic. recall@3: the share of labelled requests whose
topic is among the three shown. Unrelated requests must get no suggestion at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from supportctl.config import load_config
from supportctl.services import kb, tickets
from supportctl.services.suggest import suggest
from supportctl.store.db import Store

NOW = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)

# topic -> {lang: (title, body)}
ARTICLES: dict[str, dict[str, tuple[str, str]]] = {
    "pw": {
        "fi": (
            "WordPressin salasanan palauttaminen",
            "Jos et pääse kirjautumaan WordPressin hallintaan, valitse kirjautumissivulta 'Unohditko salasanasi?'. Palautuslinkki lähetetään sähköpostiisi. Jos linkki ei tule, tarkista roskapostikansio tai pyydä meitä vaihtamaan salasana.",
        ),
        "cs": (
            "Obnovení hesla do WordPressu",
            "Pokud se nemůžete přihlásit do administrace WordPressu, klikněte na přihlašovací stránce na 'Zapomněli jste heslo?'. Odkaz pro obnovení hesla přijde e-mailem. Pokud nepřijde, zkontrolujte složku spam.",
        ),
        "en": (
            "Resetting a WordPress password",
            "If you cannot log in to the WordPress dashboard, click 'Lost your password?' on the login page. A reset link is sent to your email. If it does not arrive, check the spam folder or ask us to reset the password.",
        ),
    },
    "mx": {
        "fi": (
            "Sähköpostit eivät tule perille verkkotunnuksen siirron jälkeen",
            "Kun verkkotunnus siirretään, MX-tietueet pitää päivittää osoittamaan uuteen postipalvelimeen. DNS-muutokset näkyvät 24 tunnin kuluessa. Tarkista myös SPF-tietue.",
        ),
        "cs": (
            "E-maily nechodí po převodu domény",
            "Po převodu domény je nutné upravit MX záznamy, aby směřovaly na nový poštovní server. Změny DNS se projeví do 24 hodin. Zkontrolujte také SPF záznam.",
        ),
        "en": (
            "Email not arriving after a domain transfer",
            "After a domain transfer the MX records must point to the new mail server. DNS changes take up to 24 hours to propagate. Check the SPF record as well.",
        ),
    },
    "ssl": {
        "fi": (
            "SSL-varmenne vanhentunut",
            "Selain varoittaa, että yhteys ei ole suojattu, kun varmenne on vanhentunut. Uusimme Let's Encrypt -varmenteen automaattisesti; jos uusiminen epäonnistuu, tarkista että verkkotunnus osoittaa palvelimeemme.",
        ),
        "cs": (
            "Vypršel SSL certifikát",
            "Prohlížeč hlásí nezabezpečené připojení, když certifikát vyprší. Certifikát Let's Encrypt obnovujeme automaticky; pokud obnovení selže, ověřte, že doména směřuje na náš server.",
        ),
        "en": (
            "Expired SSL certificate",
            "Browsers warn that the connection is not secure when the certificate has expired. We renew Let's Encrypt certificates automatically; if renewal fails, check that the domain points to our server.",
        ),
    },
    "form": {
        "fi": (
            "Yhteydenottolomake ei lähetä viestejä",
            "Jos lomakkeen viestit eivät tule perille, tarkista lomakkeen vastaanottajan sähköpostiosoite ja SMTP-asetukset. Lomakeviestit voivat myös päätyä roskapostiin.",
        ),
        "cs": (
            "Kontaktní formulář neodesílá zprávy",
            "Pokud zprávy z formuláře nedorazí, zkontrolujte e-mailovou adresu příjemce a nastavení SMTP. Zprávy z formuláře mohou také skončit ve spamu.",
        ),
        "en": (
            "Contact form not sending messages",
            "If form submissions never arrive, check the recipient address of the form and the SMTP settings. Form messages may also land in spam.",
        ),
    },
    "slow": {
        "fi": (
            "Hidas sivusto: välimuisti ja kuvat",
            "Sivuston latautuminen hidastuu, jos välimuisti on pois päältä tai kuvat ovat suuria. Ota välimuistilisäosa käyttöön ja pienennä kuvat ennen lataamista.",
        ),
        "cs": (
            "Pomalý web: mezipaměť a obrázky",
            "Načítání webu se zpomalí, když je vypnutá mezipaměť (cache) nebo jsou obrázky příliš velké. Zapněte plugin pro cache a zmenšete obrázky před nahráním.",
        ),
        "en": (
            "Slow website: caching and images",
            "Pages load slowly when caching is off or images are huge. Enable a caching plugin and resize images before uploading.",
        ),
    },
    "backup": {
        "fi": (
            "Varmuuskopion palauttaminen",
            "Otamme varmuuskopiot joka yö ja säilytämme niitä 30 päivää. Kerro mikä päivä palautetaan; palautus kestää noin tunnin ja korvaa nykyisen sisällön.",
        ),
        "cs": (
            "Obnovení ze zálohy",
            "Zálohy děláme každou noc a uchováváme je 30 dní. Napište, ke kterému dni web obnovit; obnovení trvá asi hodinu a přepíše současný obsah.",
        ),
        "en": (
            "Restoring from a backup",
            "We take backups every night and keep them for 30 days. Tell us which day to restore; a restore takes about an hour and replaces the current content.",
        ),
    },
    "plugin": {
        "fi": (
            "Lisäosien päivittäminen turvallisesti",
            "Päivitä WordPressin lisäosat ensin testiympäristössä. Jos päivitys rikkoo sivuston, palautamme edellisen version lisäosasta.",
        ),
        "cs": (
            "Bezpečná aktualizace pluginů",
            "Aktualizujte pluginy WordPressu nejdříve na testovacím prostředí. Pokud aktualizace rozbije web, vrátíme předchozí verzi pluginu.",
        ),
        "en": (
            "Updating plugins safely",
            "Update WordPress plugins on the staging site first. If an update breaks the site, we roll the plugin back to its previous version.",
        ),
    },
    "eshop": {
        "fi": (
            "Verkkokaupan maksu epäonnistuu",
            "Jos asiakkaan maksu epäonnistuu kassalla, tarkista maksupalvelun rajapinta-avaimet ja että maksutapa on käytössä. Paytrailin tai Stripen hallinnasta näkee hylkäyksen syyn.",
        ),
        "cs": (
            "Platba v e-shopu selhává",
            "Pokud platba zákazníka v pokladně selže, zkontrolujte API klíče platební brány a zda je platební metoda zapnutá. Důvod zamítnutí najdete v administraci GoPay nebo Stripe.",
        ),
        "en": (
            "Payments failing in the online shop",
            "If a customer's payment fails at checkout, check the payment gateway API keys and that the payment method is enabled. The gateway dashboard (Stripe, PayPal) shows why a payment was declined.",
        ),
    },
    "user": {
        "fi": (
            "Uuden käyttäjätunnuksen lisääminen hallintaan",
            "Uuden käyttäjän voi lisätä kohdasta Käyttäjät → Lisää uusi. Anna käyttäjälle rooli toimittaja tai ylläpitäjä. Voimme myös luoda tunnuksen puolestanne.",
        ),
        "cs": (
            "Přidání nového uživatele do administrace",
            "Nového uživatele přidáte v části Uživatelé → Přidat nového. Přidělte mu roli editor nebo administrátor. Účet můžeme založit i za vás.",
        ),
        "en": (
            "Adding a new admin user",
            "Add a user under Users → Add New and give them the Editor or Administrator role. We can also create the account for you.",
        ),
    },
    "spam": {
        "fi": (
            "Roskaposti saapuvissa viesteissä",
            "Roskapostisuodatin merkitsee epäilyttävät viestit. Jos roskapostia tulee paljon, voimme kiristää suodatinta tai estää lähettäjän verkkotunnuksen.",
        ),
        "cs": (
            "Spam v doručené poště",
            "Spamový filtr označuje podezřelé zprávy. Pokud chodí hodně spamu, můžeme filtr zpřísnit nebo zablokovat doménu odesílatele.",
        ),
        "en": (
            "Spam in the inbox",
            "The spam filter flags suspicious messages. If a lot of spam gets through, we can tighten the filter or block the sender's domain.",
        ),
    },
}

# (customer, subject, text, topic or None)
REQUESTS: list[tuple[str, str, str, str | None]] = [
    (
        "fi",
        "En pääse kirjautumaan",
        "Unohdin salasanani enkä pääse WordPressin hallintaan kirjautumaan. Voitteko auttaa?",
        "pw",
    ),
    (
        "fi",
        "Sähköpostit eivät tule",
        "Siirsimme verkkotunnuksen uudelle palveluntarjoajalle ja nyt sähköpostit eivät tule perille.",
        "mx",
    ),
    (
        "fi",
        "Selain varoittaa",
        "Chrome sanoo että yhteys ei ole suojattu. Onko varmenne vanhentunut?",
        "ssl",
    ),
    (
        "fi",
        "Lomakkeen viestit eivät tule",
        "Yhteydenottolomakkeen kautta ei ole tullut yhtään viestiä viikkoon, vaikka lomake näyttää lähettävän.",
        "form",
    ),
    (
        "fi",
        "Tosi hidasta",
        "Etusivun latautuminen kestää yli 10 sekuntia, kuvat latautuvat hitaasti.",
        "slow",
    ),
    (
        "fi",
        "Tarvitsemme varmuuskopion",
        "Joku poisti vahingossa sivun, voitteko palauttaa eilisen varmuuskopion?",
        "backup",
    ),
    (
        "fi",
        "Päivitys rikkoi etusivun",
        "Päivitin lisäosat WordPressissä ja nyt etusivu näyttää virheen.",
        "plugin",
    ),
    (
        "fi",
        "Maksu ei mene läpi",
        "Asiakkaat valittavat että maksu epäonnistuu verkkokaupan kassalla.",
        "eshop",
    ),
    (
        "fi",
        "Uusi työntekijä",
        "Tarvitsemme uuden käyttäjätunnuksen uudelle työntekijälle hallintaan.",
        "user",
    ),
    (
        "fi",
        "Paljon roskapostia",
        "Saamme päivittäin kymmeniä roskapostiviestejä, voiko suodatinta kiristää?",
        "spam",
    ),
    ("fi", "MX-tietueet", "Pitääkö DNS:ssä muuttaa MX-tietue kun vaihdamme postipalvelinta?", "mx"),
    ("fi", "Joulukortit", "Lähetättekö tänä vuonna joulukortteja asiakkaille?", None),
    (
        "fi",
        "Tapaaminen ensi viikolla",
        "Sopisiko palaveri tiistaina kello kymmenen toimistollanne?",
        None,
    ),
    ("fi", "Lounaspaikka", "Tiedättekö hyvän lounasravintolan Tampereen keskustasta?", None),
    (
        "cs",
        "Nemůžu se přihlásit",
        "Zapomněl jsem heslo do WordPressu a nemohu se přihlásit do administrace.",
        "pw",
    ),
    (
        "cs",
        "Nechodí e-maily",
        "Po převodu domény k novému registrátorovi nám nechodí e-maily.",
        "mx",
    ),
    (
        "cs",
        "Nezabezpečené připojení",
        "Prohlížeč hlásí, že certifikát vypršel a připojení není zabezpečené.",
        "ssl",
    ),
    (
        "cs",
        "Formulář nefunguje",
        "Z kontaktního formuláře nám nepřišla žádná zpráva už týden.",
        "form",
    ),
    (
        "cs",
        "Web je pomalý",
        "Načítání stránek trvá dlouho, hlavně obrázky se načítají pomalu.",
        "slow",
    ),
    (
        "cs",
        "Obnova zálohy",
        "Omylem jsme smazali článek, můžete obnovit včerejší zálohu?",
        "backup",
    ),
    ("cs", "Po aktualizaci chyba", "Aktualizoval jsem pluginy a teď web hlásí chybu.", "plugin"),
    ("cs", "Platby nefungují", "Zákazníkům selhává platba kartou v pokladně e-shopu.", "eshop"),
    (
        "cs",
        "Nový uživatel",
        "Potřebujeme přidat nového uživatele do administrace pro kolegyni.",
        "user",
    ),
    ("cs", "Hodně spamu", "Dostáváme denně desítky spamových zpráv, dá se filtr zpřísnit?", "spam"),
    ("cs", "MX záznam", "Musíme změnit MX záznamy v DNS, když měníme poštovní server?", "mx"),
    ("cs", "Vánoční večírek", "Přijdete na náš vánoční večírek v pátek?", None),
    ("cs", "Faktura za říjen", "Posíláme fakturu za říjen k proplacení.", None),
    ("cs", "Parkování", "Kde se dá zaparkovat u vaší kanceláře?", None),
    (
        "en",
        "Can't log in",
        "I forgot my password and cannot log in to the WordPress dashboard.",
        "pw",
    ),
    (
        "en",
        "Emails not arriving",
        "Since we transferred our domain to a new registrar, emails are not arriving.",
        "mx",
    ),
    (
        "en",
        "Browser security warning",
        "Visitors see a warning that the connection is not secure; has the certificate expired?",
        "ssl",
    ),
    (
        "en",
        "Contact form broken",
        "We haven't received any messages from the contact form for a week.",
        "form",
    ),
    (
        "en",
        "Very slow pages",
        "The homepage takes over ten seconds to load and the images load slowly.",
        "slow",
    ),
    (
        "en",
        "Need a backup restored",
        "Someone deleted a page by accident; can you restore yesterday's backup?",
        "backup",
    ),
    (
        "en",
        "Broken after update",
        "I updated the plugins and now the homepage shows an error.",
        "plugin",
    ),
    (
        "en",
        "Checkout payments fail",
        "Customers report that their payment fails at checkout.",
        "eshop",
    ),
    (
        "en",
        "Account for a colleague",
        "Please add a new user account for our new colleague.",
        "user",
    ),
    (
        "en",
        "Lots of spam",
        "We get dozens of spam messages every day, can you filter them?",
        "spam",
    ),
    (
        "en",
        "MX records",
        "Do we need to change the MX records in DNS when we switch mail servers?",
        "mx",
    ),
    ("en", "Christmas party", "Are you coming to our Christmas party on Friday evening?", None),
    ("en", "Parking", "Where can we park near your office for the meeting?", None),
    ("en", "Conference talk", "Would you like to give a talk at our conference in March?", None),
]

# Resolved tickets a new request should surface: (customer, subject, text, topic)
RESOLVED: list[tuple[str, str, str, str]] = [
    (
        "fi",
        "Evästebanneri ei näy",
        "Evästeilmoitus eli evästebanneri ei näy etusivulla lainkaan, vaikka evästeasetukset on tallennettu.",
        "cookie",
    ),
    (
        "fi",
        "Uutiskirjeen tilaus antaa virheen",
        "Uutiskirjeen tilauslomake antaa virheen 500 kun tilaaja painaa Tilaa.",
        "news",
    ),
    (
        "fi",
        "Verkkotunnus vanhenee",
        "Saimme ilmoituksen että verkkotunnus vanhenee ensi kuussa, uusitteko verkkotunnuksen?",
        "domain",
    ),
    (
        "cs",
        "Cookie lišta se nezobrazuje",
        "Cookie lišta se na webu nezobrazuje, souhlas s cookies nejde udělit.",
        "cookie",
    ),
    (
        "cs",
        "Chyba při přihlášení k odběru newsletteru",
        "Přihlášení k odběru newsletteru hlásí chybu 500.",
        "news",
    ),
    (
        "cs",
        "Doména brzy vyprší",
        "Registrace domény brzy vyprší, prodloužíte registraci domény?",
        "domain",
    ),
    (
        "en",
        "Cookie banner missing",
        "The cookie consent banner does not show on the homepage any more.",
        "cookie",
    ),
    (
        "en",
        "Newsletter signup error",
        "The newsletter signup form returns a 500 error when people subscribe.",
        "news",
    ),
    (
        "en",
        "Domain registration expiring",
        "We got a notice that our domain registration expires next month; will you renew the domain?",
        "domain",
    ),
]

# Requests that should surface a resolved ticket (there is no article on these).
REQUESTS_FOR_TICKETS: list[tuple[str, str, str, str | None]] = [
    (
        "fi",
        "Evästebanneri puuttuu",
        "Evästebanneri on kadonnut sivustolta, evästeilmoitus ei näy.",
        "cookie",
    ),
    (
        "fi",
        "Uutiskirje ei toimi",
        "Uutiskirjeen tilaaminen ei onnistu, tilauslomake näyttää virheen.",
        "news",
    ),
    (
        "cs",
        "Nezobrazuje se cookie lišta",
        "Na webu chybí cookie lišta pro souhlas s cookies.",
        "cookie",
    ),
    ("cs", "Registrace domény", "Kdy vyprší registrace naší domény a prodloužíte ji?", "domain"),
    ("en", "No cookie banner", "Our cookie consent banner disappeared from the site.", "cookie"),
    ("en", "Renew our domain", "Please renew our domain registration before it expires.", "domain"),
]

CUSTOMERS = {"fi": ("acme", "fi_FI"), "cs": ("kovo", "cs_CZ"), "en": ("pixel", "en_GB")}


@pytest.fixture
def labelled(cli: Any, initialized: Path, store: Store) -> Iterator[tuple[Store, dict[int, str]]]:
    for slug, locale in CUSTOMERS.values():
        cli.ok("customer", "add", slug, "--name", slug, "--plan", "adhoc", "--rate", "75",
               "--locale", locale)  # fmt: skip
    topic_of: dict[int, str] = {}
    for topic, versions in ARTICLES.items():
        original = None
        for lang in ("fi", "cs", "en"):
            title, body = versions[lang]
            article_id = kb.add(
                store, title=title, body=body, lang=lang, tags=[], shared=True,
                translation_of=original, ticket_id=None, actor="alice", now=NOW,
            )  # fmt: skip
            original = original or article_id
            topic_of[article_id] = topic
    yield store, topic_of


def _requests(
    store: Store, config: Any, requests: list[tuple[str, str, str, str | None]]
) -> list[tuple[int, str | None]]:
    made = []
    for lang, subject, text, topic in requests:
        slug = CUSTOMERS[lang][0]
        ticket_id = tickets.new_by_hand(
            store, config, customer=slug, from_addr=f"someone@{slug}.example",
            subject=subject, text=text, actor="alice", now=NOW,
        )  # fmt: skip
        made.append((ticket_id, topic))
    return made


def test_kb_suggestion_quality_on_the_labelled_set(labelled: Any, initialized: Path) -> None:
    store, topic_of = labelled
    config = load_config(initialized / "config.toml")
    for ticket_id, topic in _requests(store, config, list(RESOLVED)):
        tickets.set_status(
            store, config, ticket_id=ticket_id, status="resolved", actor="alice", now=NOW
        )
        topic_of[-ticket_id] = str(topic)  # resolved tickets: negative keys
    requests = REQUESTS + REQUESTS_FOR_TICKETS
    assert len([a for a in topic_of if a > 0]) >= 30 and len(requests) >= 40
    assert {lang for lang, *_ in requests} == {"fi", "cs", "en"}
    shown = relevant_shown = found = labelled_count = 0
    wrong: list[str] = []
    for (ticket_id, topic), (lang, subject, _text, _t) in zip(
        _requests(store, config, requests), requests, strict=True
    ):
        result = suggest(store, ticket_id, articles=3, tickets=3)
        topics = [topic_of[s.id] for s in result.articles]
        topics += [topic_of[-s.id] for s in result.tickets]
        if topic is None:
            if topics:
                wrong.append(f"unrelated {subject!r} got {topics}")
            continue
        labelled_count += 1
        # precision@3: the first three shown (articles first, then tickets, as shown)
        top = topics[:3]
        shown += len(top)
        relevant_shown += top.count(topic)
        found += topic in top
        if result.articles and result.articles[0].lang != lang:
            wrong.append(f"{subject!r}: first suggestion in {result.articles[0].lang}")
        if topic not in top or top.count(topic) != len(top):
            wrong.append(f"{subject!r} ({topic}) got {topics}")
    precision = relevant_shown / shown
    recall = found / labelled_count
    unrelated = len([r for r in requests if r[3] is None])
    print(
        f"{len(requests)} requests ({labelled_count} labelled, {unrelated} unrelated), "
        f"{len([a for a in topic_of if a > 0])} articles, {len(RESOLVED)} resolved tickets: "
        f"precision@3 {precision:.2f}, recall@3 {recall:.2f}; misses: {wrong}"
    )
    assert not [w for w in wrong if w.startswith("unrelated")], wrong
    assert precision >= 0.8, wrong
    assert recall >= 0.8, wrong
