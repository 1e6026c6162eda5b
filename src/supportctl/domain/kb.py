"""Knowledge-base rules: languages, article text from the editor, and the words a
ticket is compared by.

Suggestions rank articles and resolved tickets with the full-text index (bm25). What
is asked of the index is decided here, without I/O: the ticket's words are folded the
way the index folds them (diacritics removed, lower case: `unicode61 remove_diacritics
2`), greetings and filler are dropped (Finnish, Czech, English), and each word is cut
to a stem searched as a prefix, so that "lomakkeen" finds "lomake" and "hesla" finds
"heslo" without a stemmer per language. The index only ranks; whether a candidate is
shown at all is decided by `is_relevant`: at least two different words of the ticket
must occur in it, one of them in its title (or three anywhere). No suggestion is better
than a wrong one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

LANGUAGES = ("fi", "cs", "en")
VISIBILITIES = ("internal", "shared")

# How many different ticket words must occur in a candidate: with one in its title, or
# anywhere. Tuned on the labelled set in tests/unit/test_kb_quality.py; change them only
# with that test. (bm25 only orders: its values depend on the size of the collection,
# so a threshold on them would mean nothing on a new desk with ten articles.)
MIN_MATCHED = 2
MIN_MATCHED_ANYWHERE = 3
MAX_TERMS = 24

_WORD = re.compile(r"[^\W_]+")

_STOP = {
    "fi": """
        hei moi terve moikka kiitos kiitokset terveisin ystavallisin yst t ja tai etta
        on ole ei en et emme ette eivat olen olet olemme olette ovat oli olivat ollut
        se sen siina sita sen ne niita niiden tama taman tassa tata nama naiden
        mina minun minulla minua sina sinun han hanen me meidan meilla meille meita
        te teidan teilla teille teita he heidan heilla
        kun jos niin kuin mutta myos vain viela jo nyt sitten siis kanssa ilman
        mita mika miksi miten missa milloin voisitteko voitteko voisitko voisiko voiko
        saisiko onko onkohan olisiko pitaisi pitais pitaa voi voin voisi voisin
        asia asiaa asiassa asiaan juttu tuo tuota tuolla joka jotka jota jonka
        mahdollista mahdollisimman pian tanaan huomenna eilen aamulla
        yksi kaksi kolme paljon vahan hyva hyvaa kiva apua auttaa
        sivu sivun sivulla sivuilla sivusto sivuston sivustolla sivustoa
        ongelma ongelmaa ongelmia homma
    """,
    "cs": """
        dobry den dobrou zdravim ahoj dekuji dekujeme diky prosim pozdravem hezky
        s a i nebo ale ze je jsou byl byla bylo byli jsem jsme jste bude budou
        to ten ta tu toho tom tim ty tech tento tato toto tyto tohle
        na v ve do od z ze k ke o u po pro pri za pred pod nad mezi bez
        se si sebe mi me mne mu jej ji jim nas vas jejich jeho jeji nase vase
        muj moje tvuj jak kde kdy proc co kdo jaky ktery ktera ktere ktery
        uz jeste take tak jen jiz nyni dnes zitra vcera rano
        muzete mohli mohl mohla muzu lze potreba potrebujeme potrebovali
        nejak nejaky neco nic vsechno vse hned co nejdrive nejrychleji
        web webu webove webovy stranka stranky strance strankach
        problem problemu problemem vec
    """,
    "en": """
        hi hello dear thanks thank thx regards best kind cheers please pls
        the a an and or but if then than that this these those there here
        is are was were be been being am do does did done have has had
        i me my we us our you your he she it its they them their
        to of in on at by for from with without into about as so not no yes
        can could would should will shall may might must
        what when where why how which who whom
        just also still already now today tomorrow yesterday morning asap soon
        some any all get got make made need needs help issue issues problem problems
        site website page pages web
    """,
}
STOP_WORDS = frozenset(w for words in _STOP.values() for w in words.split())
_LANG_WORDS = {lang: frozenset(words.split()) for lang, words in _STOP.items()}


def fold(text: str) -> str:
    """Lower case without diacritics, as the full-text index folds ("Výpadek" -> "vypadek")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The folded words of a text, in order (letters and digits; everything else separates)."""
    return _WORD.findall(fold(text))


def stem(word: str) -> str:
    """The prefix a folded word is searched by: short words whole, longer ones cut.

    Finnish and Czech inflect by changing the end of a word (and Finnish the consonant
    before it: "lomake", "lomakkeen"); five letters, or all but the last three of a long
    word, survive most inflections without running into unrelated words.
    """
    if len(word) <= 4:
        return word
    if len(word) == 5:
        return word[:4]
    return word[: max(5, len(word) - 3)]


def _folded_words(line: str) -> list[tuple[str, str]]:
    """(word as written, lower case; folded word) pairs, split as `words` splits."""
    out = []
    for raw in _WORD.findall(line):
        parts = _WORD.findall(fold(raw))
        if len(parts) == 1:
            out.append((raw.lower(), parts[0]))
        else:  # folding split it ("¼" -> "1", "4"): the folded parts are the words
            out.extend((part, part) for part in parts)
    return out


class Term:
    """One word of the ticket as searched: its stem and the word as it appeared.

    (A plain class: `ticket show` imports this module, and a dataclass costs a
    millisecond of start-up to build.)
    """

    __slots__ = ("stem", "word")

    def __init__(self, stem: str, word: str) -> None:
        self.stem = stem
        self.word = word

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Term) and (self.stem, self.word) == (other.stem, other.word)

    def __hash__(self) -> int:
        return hash((self.stem, self.word))

    def __repr__(self) -> str:
        return f"Term({self.stem!r}, {self.word!r})"


def terms(texts: Iterable[str], limit: int = MAX_TERMS) -> list[Term]:
    """The distinct searchable words of the texts, first come first: no stop words,
    numbers or words under three letters; quoted lines ("> ...") are skipped."""
    found: list[Term] = []
    seen: set[str] = set()
    for text in texts:
        for line in text.splitlines():
            if line.lstrip().startswith(">"):
                continue
            for raw, word in _folded_words(line):
                if len(word) < 3 or word.isdigit() or word in STOP_WORDS:
                    continue
                key = stem(word)
                # "salasana" and "salasanaa": one word (stems that prefix each other).
                if any(key.startswith(s) or s.startswith(key) for s in seen):
                    continue
                seen.add(key)
                found.append(Term(key, raw))
                if len(found) >= limit:
                    return found
    return found


def fts_query(found: Sequence[Term]) -> str | None:
    """An FTS5 query matching any of the terms as a prefix (None: nothing to search by)."""
    if not found:
        return None
    # Stems are folded letters and digits only, so quoting them is always safe.
    return " OR ".join(f'"{t.stem}"*' if len(t.stem) >= 4 else f'"{t.stem}"' for t in found)


def matched(found: Sequence[Term], text: str) -> list[str]:
    """The ticket words (as they appeared) whose stem occurs in `text`."""
    tokens = set(words(text))
    out = []
    for t in found:
        if len(t.stem) >= 4:
            if any(token.startswith(t.stem) for token in tokens):
                out.append(t.word)
        elif t.stem in tokens:
            out.append(t.word)
    return out


def is_relevant(matched_words: Sequence[str], title_words: Sequence[str]) -> bool:
    """Whether a ranked candidate is worth showing (see the module doc): enough of the
    ticket's words occur in it, and one of them in its title (or three anywhere)."""
    count = len(set(matched_words))
    return count >= MIN_MATCHED and (bool(title_words) or count >= MIN_MATCHED_ANYWHERE)


def guess_language(text: str, default: str = "en") -> str:
    """fi, cs or en by the most common filler words of each (the stop lists)."""
    counts = {lang: 0 for lang in LANGUAGES}
    for word in words(text[:4000]):
        for lang in LANGUAGES:
            if word in _LANG_WORDS[lang]:
                counts[lang] += 1
    best = max(LANGUAGES, key=lambda lang: counts[lang])
    return best if counts[best] > 0 else default


def ticket_language(locale: str | None, text: str) -> str:
    """The customer's language when their locale names one of ours, else guessed."""
    if locale:
        lang = locale.replace("-", "_").split("_")[0].lower()
        if lang in LANGUAGES:
            return lang
    return guess_language(text)


# -- article text -------------------------------------------------------------------


class ArticleTextError(ValueError):
    """What a person wrote cannot be saved as an article (the message says why)."""


def parse_language(value: str) -> str:
    lang = value.strip().lower()
    if lang not in LANGUAGES:
        raise ArticleTextError(f"unknown language '{value}'; use one of {', '.join(LANGUAGES)}")
    return lang


def parse_title(value: str) -> str:
    title = " ".join(value.split())
    if not title:
        raise ArticleTextError("an article needs a title")
    if len(title) > 200:
        raise ArticleTextError(f"the title is {len(title)} characters; keep it under 200")
    return title


_TAG = re.compile(r"[a-z0-9][a-z0-9._+-]{0,39}\Z")


def parse_tag(value: str) -> str:
    tag = value.strip().lower()
    if not _TAG.match(tag):
        raise ArticleTextError(
            f"bad tag '{value}'; tags are skill-like names: letters, digits, . _ + - (up to 40)"
        )
    return tag


def editor_text(title: str, body: str) -> str:
    """What the editor opens with: the title as a Markdown heading, then the body."""
    return f"# {title}\n\n{body.strip()}\n"


def from_editor(text: str) -> tuple[str, str]:
    """(title, body) from the editor: the first line "# Title", then the body."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines or not lines[0].startswith("# "):
        raise ArticleTextError("the first line must be the title as '# Title'; nothing was saved")
    title = parse_title(lines[0][2:])
    body = "\n".join(lines[1:]).strip("\n")
    if not body.strip():
        raise ArticleTextError("the article is empty; nothing was saved")
    return title, body + "\n"


def parse_body(text: str) -> str:
    if not text.strip():
        raise ArticleTextError("the article is empty; nothing was saved")
    return text.strip("\n") + "\n"


class TicketFacts:
    """What an article drafted from a ticket is made of."""

    __slots__ = ("id", "last_reply", "notes", "question", "skills", "subject")

    def __init__(
        self,
        id: int,
        subject: str,
        question: str,  # the customer's first message (new text)
        last_reply: str,  # the team's last reply ("" when none)
        notes: tuple[str, ...],
        skills: tuple[str, ...],  # of the ticket's delegated tasks
    ) -> None:
        self.id = id
        self.subject = subject
        self.question = question
        self.last_reply = last_reply
        self.notes = notes
        self.skills = skills


def draft_from_ticket(facts: TicketFacts, lang: str) -> tuple[str, str, tuple[str, ...]]:
    """(title, Markdown body, tags) of an article drafted from a ticket."""
    heads = {
        "fi": ("Kysymys", "Vastaus", "Muistiinpanot", "Tiketistä"),
        "cs": ("Dotaz", "Odpověď", "Poznámky", "Z tiketu"),
        "en": ("Question", "Answer", "Notes", "From ticket"),
    }[lang]

    def quote(text: str) -> str:
        return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())

    parts = [f"## {heads[0]}\n\n{quote(facts.question) if facts.question.strip() else '-'}"]
    parts.append(f"## {heads[1]}\n\n{facts.last_reply.strip() or '-'}")
    if facts.notes:
        parts.append(f"## {heads[2]}\n\n" + "\n".join(f"- {n.strip()}" for n in facts.notes))
    parts.append(f"_{heads[3]} #{facts.id}_")
    title = " ".join(facts.subject.split()) or f"#{facts.id}"
    tags: list[str] = []
    for skill in facts.skills:
        try:
            tag = parse_tag(skill)
        except ArticleTextError:
            continue
        if tag not in tags:
            tags.append(tag)
    return title[:200], "\n\n".join(parts) + "\n", tuple(tags)
