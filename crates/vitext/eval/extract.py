#!/usr/bin/env python3
"""Extracts Vietnamese sentences from Debian packages installed on this machine.

Usage: extract.py SOURCE [DIR] OUT_FILE [--max N] [--min-words N]

SOURCE is one of
  libreoffice-help   /usr/share/libreoffice/help/vi (package libreoffice-help-vi, MPL-2.0): training
  libreoffice-help-topics  the same pages but "shared", each sentence after its module and a tab
                     (sbasic, scalc, swriter, …): the topic-classification evaluation set
  libreoffice-ui     /usr/lib/libreoffice/program/resource/vi (libreoffice-l10n-vi, MPL-2.0): training
  mozilla DIR        langpack-vi@*.xpi under DIR (firefox-esr-l10n-vi, thunderbird-l10n-vi, MPL-2.0,
                     unpacked with `apt-get download` + `dpkg-deb -x`, nothing installed): training
  chromium DIR       locales/vi.pak under DIR (chromium-l10n, BSD-3-Clause; unpacked, not installed):
                     training
  messages DIR       Vietnamese gettext catalogues (*/locale/vi/LC_MESSAGES/*.mo) under DIR: the
                     permissively licensed programs fetch.sh unpacks (debconf, Django, sudo, Sphinx,
                     flex, dos2unix, ecpg, popt, xz, shadow; models/NOTICE.md): training
  mozilla-topics DIR the same language packs' sentences, each after a topic and a tab: the subject
                     of the file it comes from, by its path (calendar, chat, encryption,
                     developer tools, …: TOPICS below, files of other subjects left out): the
                     topic-classification evaluation set of distinct subjects
  chromium-polarity DIR  the same messages labelled `negative` or `positive` by their resource
                     names (…_ERROR, …_FAILED, …_BLOCKED / …_SUCCESS, …_SAVED, …_ALLOWED):
                     the direction evaluation set (a proxy: no opinion text with labels is
                     available)
  maint-guide        /usr/share/doc/maint-guide-vi/html (maint-guide-vi, GPL-2+): held out, test only
  manpages           /usr/share/man/vi (manpages-vi, GPL-3+): held out, test only

Markup is stripped (HTML tags, roff requests and escapes, gettext accelerators and
placeholders), text is split into sentences, and only sentences that are mostly Vietnamese
(at least 5 words or `--min-words`, at least 40 % of them carrying a Vietnamese letter or mark) are kept,
NFC, one per line, each once, in a stable order. Nothing here is vendored: the text is read
from the installed packages at run time and written outside the repository.
"""

import gettext
import glob
import gzip
import html
import os
import re
import sys
import unicodedata
from html.parser import HTMLParser

WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
SPLIT = re.compile(r"(?<=[.!?;:])\s+|\n+|\s*•\s*")
VIET = set("ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")


MIN_WORDS = 5


def vietnamese(sentence):
    words = WORD.findall(sentence)
    if len(words) < MIN_WORDS:
        return False
    marked = sum(1 for w in words if any(c in VIET for c in w.lower()))
    return marked >= 0.4 * len(words)


def sentences(text):
    text = unicodedata.normalize("NFC", html.unescape(text))
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    for s in SPLIT.split(text):
        s = s.strip(" -–—*·\t")
        if vietnamese(s):
            yield s


class Text(HTMLParser):
    """Text of block elements of an HTML page, without scripts, styles, code or pre blocks."""

    SKIP = {"script", "style", "pre", "code", "head", "footer", "header", "aside", "tt", "kbd", "samp"}
    BLOCK = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dt", "dd", "div", "br", "title", "tr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        if tag in self.BLOCK:
            self.out.append("\n")
        # LibreOffice's debug footer and hidden switch variants repeat text.
        if dict(attrs).get("hidden") is not None and tag == "span":
            pass

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        if tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def html_text(path):
    p = Text()
    with open(path, encoding="utf-8", errors="replace") as f:
        p.feed(f.read())
    return "".join(p.out)


def roff_text(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        raw = f.read()
    out = []
    for line in raw.splitlines():
        if line.startswith(('.\\"', "'\\\"")):
            continue
        if line.startswith((".", "'")):
            m = re.match(r"[.'](SH|SS|B|I|BI|IB|BR|RB|IR|RI|TP|IP|UR|TH)\b\s*(.*)", line)
            if not m or m.group(1) in ("TH",):
                out.append("\n")
                continue
            line = m.group(2).replace('"', "")
            out.append("\n")
        line = re.sub(r"\\f(\[[^\]]*\]|\(..|.)", "", line)
        line = re.sub(r"\\\(em|\\\(en", "—", line)
        line = re.sub(r"\\\((..)", " ", line)
        line = re.sub(r"\\[-&e|^ ]", lambda m: {"\\-": "-", "\\e": "\\", "\\ ": " "}.get(m.group(0), ""), line)
        line = re.sub(r"\\.", "", line)
        if not line.strip():
            out.append("\n")
            continue
        out.append(line + " ")
    return "".join(out)


def mo_text(path):
    with open(path, "rb") as f:
        t = gettext.GNUTranslations(f)
    parts = []
    for key, value in t._catalog.items():
        if isinstance(value, str):
            v = value.replace("~", "")
            v = re.sub(r"%[0-9]*[a-zA-Z]|\$\([A-Za-z0-9_]+\)|\{[^}]*\}|%[A-Z0-9_]+%?", " ", v)
            parts.append(v)
    return "\n".join(parts)


def mozilla_text(path, only=None):
    import zipfile

    parts = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            if not name.endswith((".ftl", ".properties", ".dtd")) or only and name != only:
                continue
            raw = z.read(name).decode("utf-8", "replace")
            if name.endswith(".dtd"):
                values = re.findall(r'<!ENTITY\s+\S+\s+"([^"]*)"', raw)
            elif name.endswith(".properties"):
                values = [l.split("=", 1)[1] for l in raw.splitlines() if "=" in l and not l.startswith("#")]
            else:
                values = []
                for l in raw.splitlines():
                    if l.startswith("#") or not l.strip():
                        continue
                    if re.match(r"^-?[A-Za-z][\w-]*\s*=", l):
                        values.append("\n" + l.split("=", 1)[1])
                    elif re.match(r"^\s+\.[\w-]+\s*=", l):
                        values.append("\n" + l.split("=", 1)[1])
                    elif l.startswith((" ", "\t")) and not l.strip().startswith(("[", "*[", "}")):
                        values.append(" " + l.strip())
            for v in values:
                v = re.sub(r"\{[^{}]*\}", " ", v)
                v = re.sub(r"<[^>]+>|&[a-zA-Z.]+;|%[0-9]*\$?[sSd]|#[0-9]", " ", v)
                parts.append(v.replace("\\n", "\n"))
    return "\n".join(parts)


# Subjects of the Firefox and Thunderbird language packs' files, from their paths (outside
# labels: the files' own organisation), the first rule that matches. Generic files (settings,
# menus, the browser window) are left out: they speak of every subject. Written before any
# classifier was run on them.
TOPICS = [
    ("calendar", r"calendar"),
    ("chat", r"/chat/|irc|xmpp|matrix"),
    ("encryption", r"openpgp|/otr|certificates|pippki|certError|e2e"),
    ("devtools", r"devtools"),
    ("network-errors", r"neterror"),
    ("pdf-viewer", r"pdfviewer"),
    ("mail-accounts", r"accountcreation|accountCentral|aboutImport|accountManager|accountWizard|am-"),
    ("address-book", r"addressbook|abMainWindow|abCard|vcard"),
    ("mail-compose", r"compose"),
    ("add-ons", r"aboutAddons|addon|extension"),
    ("new-tab", r"newtab|activity-stream"),
]


def mozilla_topics(folder):
    import zipfile

    for x in sorted(glob.glob(os.path.join(folder, "**/langpack-vi@*.xpi"), recursive=True)):
        with zipfile.ZipFile(x) as z:
            for name in sorted(z.namelist()):
                if not name.endswith((".ftl", ".properties", ".dtd")) or "preferences" in name:
                    continue
                topic = next((t for t, r in TOPICS if re.search(r, name)), None)
                if topic:
                    yield (topic, mozilla_text(x, only=name))


def chromium_text(path):
    import struct

    with open(path, "rb") as f:
        b = f.read()
    version, encoding, count, _aliases = struct.unpack("<IIHH", b[:12])
    if version != 5 or encoding != 1:
        sys.exit(f"{path}: unsupported .pak version {version} or encoding {encoding}")
    offsets = [struct.unpack("<HI", b[12 + 6 * i : 18 + 6 * i])[1] for i in range(count + 1)]
    parts = []
    for i in range(count):
        v = b[offsets[i] : offsets[i + 1]].decode("utf-8", "replace")
        v = re.sub(r"<[^>]+>|\$[0-9]+|&[a-z]+;|\{[^{}]*\}", " ", v)
        parts.append(v)
    return "\n".join(parts)


# Polarity of a Chromium message from its resource name (outside labels, not from the text):
# something went wrong or is refused, or something went right or is allowed.
NEGATIVE = re.compile(
    r"ERROR|FAIL|INVALID|UNABLE|CANNOT|CANT_|BLOCKED|DENIED|UNSAFE|DANGER|MALWARE|CRASH|"
    r"BROKEN|NOT_FOUND|UNAVAILABLE|TIMED?_?OUT|EXPIRED|DISCONNECTED|WRONG|MISMATCH|"
    r"UNSUPPORTED|INSECURE|COMPROMISED|LEAKED|REJECT|NOT_ALLOWED|DISALLOWED|NOT_SUPPORTED"
)
POSITIVE = re.compile(
    r"SUCCESS|SUCCEEDED|SAVED|COMPLETE|DONE|CONNECTED|VERIFIED|UP_TO_DATE|INSTALLED|"
    r"RESTORED|ALLOWED|READY|FIXED|PROTECTED|ENABLED"
)


def chromium_polarity(path):
    import struct

    names = {}
    with open(path + ".info", encoding="utf-8") as f:
        for line in f:
            p = line.strip().split(",")
            if len(p) >= 2 and p[1].isdigit():
                names[int(p[1])] = p[0]
    with open(path, "rb") as f:
        b = f.read()
    count = struct.unpack("<IIHH", b[:12])[2]
    entries = [struct.unpack("<HI", b[12 + 6 * i : 18 + 6 * i]) for i in range(count + 1)]
    for i in range(count):
        name = names.get(entries[i][0], "")
        neg = bool(NEGATIVE.search(name))
        pos = bool(POSITIVE.search(name)) and "NOT_ALLOWED" not in name and "DISALLOWED" not in name
        if neg == pos:
            continue
        v = b[entries[i][1] : entries[i + 1][1]].decode("utf-8", "replace")
        v = re.sub(r"<[^>]+>|\$[0-9]+|&[a-z]+;|\{[^{}]*\}", " ", v)
        yield ("negative" if neg else "positive", v)


def main():
    global MIN_WORDS
    args = sys.argv[1:]
    if "--min-words" in args:
        i = args.index("--min-words")
        MIN_WORDS = int(args[i + 1])
        del args[i : i + 2]
    limit = None
    if "--max" in args:
        i = args.index("--max")
        limit = int(args[i + 1])
        del args[i : i + 2]
    source = args[0]
    folder = args[1] if source in ("mozilla", "mozilla-topics", "chromium", "chromium-polarity", "messages") else None
    out = args[-1]
    if source in ("libreoffice-help", "libreoffice-help-topics"):
        files = sorted(glob.glob("/usr/share/libreoffice/help/vi/text/**/*.html", recursive=True))
        if source == "libreoffice-help-topics":
            # Topic labels for the classifier's evaluation: the help module of each page
            # (Calc, Writer, Impress, …), generic pages ("shared") left out.
            files = [p for p in files if p.split("/text/")[1].split("/")[0] != "shared"]
        texts = ((p.split("/text/")[1].split("/")[0], html_text(p)) for p in files)
    elif source == "libreoffice-ui":
        files = sorted(glob.glob("/usr/lib/libreoffice/program/resource/vi/LC_MESSAGES/*.mo"))
        texts = (mo_text(p) for p in files)
    elif source == "mozilla":
        files = sorted(glob.glob(os.path.join(folder, "**/langpack-vi@*.xpi"), recursive=True))
        texts = (mozilla_text(p) for p in files)
    elif source == "mozilla-topics":
        files = sorted(glob.glob(os.path.join(folder, "**/langpack-vi@*.xpi"), recursive=True))
        texts = mozilla_topics(folder)
    elif source == "messages":
        files = sorted(glob.glob(os.path.join(folder, "**/locale/vi/LC_MESSAGES/*.mo"), recursive=True))
        texts = (mo_text(p) for p in files)
    elif source == "chromium":
        files = sorted(glob.glob(os.path.join(folder, "**/locales/vi.pak"), recursive=True))
        texts = (chromium_text(p) for p in files)
    elif source == "chromium-polarity":
        files = sorted(glob.glob(os.path.join(folder, "**/locales/vi.pak"), recursive=True))
        texts = (x for p in files for x in chromium_polarity(p))
    elif source == "maint-guide":
        files = sorted(glob.glob("/usr/share/doc/maint-guide-vi/html/*.vi.html"))
        texts = (html_text(p) for p in files)
    elif source == "manpages":
        files = sorted(glob.glob("/usr/share/man/vi/man*/*"))
        texts = (roff_text(p) for p in files)
    else:
        sys.exit(f"unknown source {source}")
    if not files:
        sys.exit(f"{source}: no files found; is its Debian package installed?")
    seen, n = set(), 0
    with open(out, "w", encoding="utf-8") as f:
        for text in texts:
            label = None
            if isinstance(text, tuple):
                label, text = text
                if source not in ("libreoffice-help-topics", "mozilla-topics", "chromium-polarity"):
                    label = None
            for s in sentences(text):
                if s in seen:
                    continue
                seen.add(s)
                f.write((f"{label}\t" if label else "") + s + "\n")
                n += 1
                if limit and n >= limit:
                    break
            if limit and n >= limit:
                break
    print(f"{source}: {len(files)} files, {n} sentences -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
