"""The project's own Vietnamese catalogue of Wagtail's admin messages.

Wagtail ships Vietnamese for about a fifth of its admin. The project keeps a full catalogue in
`phongtrao/locale/vi/LC_MESSAGES/` (listed in LOCALE_PATHS, so it wins over Wagtail's own):
`django.po` for the server's messages and `djangojs.po` for the admin's JavaScript. The
messages to translate are those of Wagtail's English catalogues of the parts an editor meets
(`WAGTAIL_PACKAGES`); `catalogue_update` merges them into the project's files, keeping every
translation already made (and taking Wagtail's own Vietnamese as a first draft), then compiles
them with Django's `compilemessages`. The compiled `.mo` files are committed beside the `.po`
so that a checkout serves Vietnamese without gettext installed; a test checks they are fresh.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polib
import wagtail
from django.conf import settings

# The parts of Wagtail an editor meets, relative to the wagtail package.
WAGTAIL_PACKAGES = (
    "",
    "admin",
    "images",
    "documents",
    "snippets",
    "users",
    "sites",
    "search",
    "embeds",
    "contrib/settings",
    "contrib/forms",
    "contrib/redirects",
)
DOMAINS = ("django", "djangojs")
LANGUAGE = "vi"
HEADER = {
    "Project-Id-Version": "phongtrao",
    "Language": "vi",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}
# %(name)s, %s, %d, %% and {name}, {0}: what a translation must keep exactly.
_PLACEHOLDER = re.compile(r"%\([^)]+\)[sdifr]|%[sdifr]|\{[A-Za-z_0-9]*\}")


def catalogue_path(domain: str) -> Path:
    """The project's `.po` file of `domain` (django or djangojs)."""
    return Path(settings.LOCALE_PATHS[0]) / LANGUAGE / "LC_MESSAGES" / f"{domain}.po"


def _wagtail_po(package: str, language: str, domain: str) -> polib.POFile | None:
    path = Path(wagtail.__file__).parent / package / "locale" / language / "LC_MESSAGES"
    path = path / f"{domain}.po"
    return polib.pofile(str(path)) if path.exists() else None


def _key(entry: polib.POEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def wagtail_messages(domain: str) -> list[polib.POEntry]:
    """Every message of Wagtail's English catalogues of `domain` in the editor's parts, once."""
    seen: dict[tuple[str, str], polib.POEntry] = {}
    for package in WAGTAIL_PACKAGES:
        po = _wagtail_po(package, "en", domain)
        for entry in po or []:
            if not entry.obsolete and entry.msgid and _key(entry) not in seen:
                seen[_key(entry)] = entry
    return list(seen.values())


def _wagtail_drafts(domain: str) -> dict[tuple[str, str], polib.POEntry]:
    drafts: dict[tuple[str, str], polib.POEntry] = {}
    for package in WAGTAIL_PACKAGES:
        po = _wagtail_po(package, LANGUAGE, domain)
        for entry in po or []:
            if entry.translated() and "fuzzy" not in entry.flags:
                drafts.setdefault(_key(entry), entry)
    return drafts


def _translation(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural.get(0, "")]
    return [entry.msgstr]


def catalogue_merge(domain: str) -> polib.POFile:
    """The project's catalogue of `domain` with Wagtail's current messages: translations kept,
    Wagtail's Vietnamese as a draft where the project has none, the project's own extra
    messages (overrides of Django's) kept at the end."""
    path = catalogue_path(domain)
    current = polib.pofile(str(path)) if path.exists() else polib.POFile()
    mine = {_key(e): e for e in current if not e.obsolete}
    drafts = _wagtail_drafts(domain)
    po = polib.POFile(wrapwidth=100)
    po.metadata = dict(HEADER)
    keys = set()
    for source in wagtail_messages(domain):
        key = _key(source)
        keys.add(key)
        known = mine.get(key) or drafts.get(key)
        text = _translation(known) if known is not None else [""]
        entry = polib.POEntry(
            msgctxt=source.msgctxt,
            msgid=source.msgid,
            msgid_plural=source.msgid_plural,
            flags=[f for f in source.flags if f != "fuzzy"],
        )
        if source.msgid_plural:
            entry.msgstr_plural = {0: text[0]}
        else:
            entry.msgstr = text[0]
        po.append(entry)
    for key, extra in mine.items():
        if key not in keys:
            po.append(extra)
    return po


def catalogue_update() -> None:
    """Merge Wagtail's messages into the project's catalogues and compile them."""
    from django.core.management import call_command

    for domain in DOMAINS:
        path = catalogue_path(domain)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalogue_merge(domain).save(str(path))
    # "*": only LOCALE_PATHS, never a walk into the virtualenv's packages.
    call_command("compilemessages", locale=[LANGUAGE], ignore_patterns=["*"], verbosity=0)


def placeholders(text: str) -> Counter[str]:
    """The placeholders of a message, counted."""
    return Counter(_PLACEHOLDER.findall(text))


@dataclass(frozen=True)
class Coverage:
    total: int
    translated: int
    untranslated: list[str]
    placeholder_errors: list[str]

    @property
    def ratio(self) -> float:
        return self.translated / self.total if self.total else 1.0


def catalogue_coverage(domain: str) -> Coverage:
    """How many of Wagtail's messages of `domain` the project's catalogue translates, and the
    translations whose placeholders differ from the English."""
    path = catalogue_path(domain)
    mine = {_key(e): e for e in polib.pofile(str(path))} if path.exists() else {}
    messages = wagtail_messages(domain)
    untranslated, errors = [], []
    for source in messages:
        entry = mine.get(_key(source))
        text = _translation(entry)[0] if entry is not None else ""
        if not text or (entry is not None and "fuzzy" in entry.flags):
            untranslated.append(source.msgid)
            continue
        if source.msgid_plural:
            # One plural form: it must carry the plural's placeholders, and may carry the
            # singular's (a count written out in "1 page" is a placeholder in the plural).
            wanted = set(placeholders(source.msgid_plural))
            allowed = wanted | set(placeholders(source.msgid))
            got = set(placeholders(text))
            if not (wanted <= got <= allowed):
                errors.append(source.msgid)
        elif placeholders(text) != placeholders(source.msgid):
            errors.append(source.msgid)
    return Coverage(len(messages), len(messages) - len(untranslated), untranslated, errors)
