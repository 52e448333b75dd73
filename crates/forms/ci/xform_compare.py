#!/usr/bin/env python3
"""Compares duluan's XForm with pyxform's XForm of the same XLSForm.

Usage: xform_compare.py PYXFORM.xml DULUAN.xml

Compared, after normalising (the primary instance's root name, all whitespace inside
expressions, `true()`/`yes`/`true` and `false()`/`no`/absent):
- binds: nodeset -> type, required, relevant, constraint, calculate, readonly, `jr:preload`,
  `jr:preloadParams` and every `odk:`/`orx:` attribute (`../x` outside repeats read as the
  absolute path it names; a bind saying only `type="string"` counts as no bind, as XForms
  assumes it);
- literal defaults: pyxform's `YYYY-MM-DD 00:00:00` from an Excel date cell reads as
  `YYYY-MM-DD` (and `YYYY-MM-DD HH:MM:SS` as `YYYY-MM-DDTHH:MM:SS`), what duluan writes;
- the primary instance: every element's path and literal default, in order;
- body controls: ref -> tag, appearance, itemset nodeset and its value and label refs, jr:count, range start/end/step,
  mediatype, accuracyThreshold, unacceptableAccuracyThreshold, incremental;
- setvalue actions: (ref, event) -> value;
- secondary instances read from form media files (select from a file, pulldata): id -> src;
- the model's `submission` element (an encrypted form's `base64RsaPublicKey`): its attributes
  but `action` and `method` (`submission_url`, ignored by duluan on purpose);
- texts: each control's label and hint (with its guidance form) and each choice's label, per
  language, outputs included (a text pyxform writes as `-`, missing in that language, is not
  compared: duluan writes the default language's text there).
Prints every difference and exits 1 if there is any.
"""

import re
import sys
import xml.etree.ElementTree as ET

XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"
JR = "{http://openrosa.org/javarosa}"
ODK = "{http://www.opendatakit.org/xforms}"
ORX = "{http://openrosa.org/xforms}"
# pyxform writes an Excel date cell of a `default` as `YYYY-MM-DD 00:00:00` (a date and time as
# `YYYY-MM-DD HH:MM:SS`); duluan writes the value ODK reads, `YYYY-MM-DD` (`YYYY-MM-DDTHH:MM:SS`).
EXCEL_DATE = re.compile(r"^(\d{4}-\d\d-\d\d)(?: 00:00:00|[ T](\d\d:\d\d:\d\d))$")


def instance_value(text):
    m = EXCEL_DATE.match(text)
    if not m:
        return text
    return m.group(1) + ("T" + m.group(2) if m.group(2) else "")

TRUE = {"true()", "true", "yes"}
FALSE = {"false()", "false", "no", ""}


def load(path):
    tree = ET.parse(path)
    model = tree.getroot().find(f"{H}head/{XF}model")
    primary = next(i for i in model.findall(f"{XF}instance") if i.get("id") is None)
    root = list(primary)[0]
    return tree.getroot(), model, primary, root.tag.replace(XF, "")


def normaliser(root_name):
    pattern = re.compile(r"(?<![\w.\-])/" + re.escape(root_name) + r"(?=[/\s)\]',]|$)")

    def norm(value):
        if value is None:
            return None
        value = pattern.sub("/ROOT", value)
        return re.sub(r"\s+", "", value)

    return norm


def flag(value, norm):
    if value is None or value.strip() in FALSE:
        return None
    if value.strip() in TRUE:
        return "true()"
    return norm(value)


RELATIVE = re.compile(r"(?<![\w/.\])])((?:\.\./)+)([A-Za-z_][\w.\-]*)")


def absolute(expr, nodeset, repeats):
    """`../x` in the bind of `nodeset` as an absolute path, outside repeats only (inside a
    repeat a relative path means the current instance, which is compared as written)."""
    if expr is None or any(nodeset == r or nodeset.startswith(r + "/") for r in repeats):
        return expr

    def sub(m):
        up = m.group(1).count("../")
        parts = nodeset.split("/")
        return "/".join(parts[: len(parts) - up]) + "/" + m.group(2)

    return RELATIVE.sub(sub, expr)


def repeat_paths(html, norm):
    body = html.find(f"{H}body")
    return [norm(r.get("nodeset")) for r in body.iter(f"{XF}repeat")]


def binds(model, norm, repeats=()):
    out = {}
    for b in model.findall(f"{XF}bind"):
        nodeset = norm(b.get("nodeset"))
        entry = {
            "type": b.get("type"),
            "required": flag(b.get("required"), norm),
            "readonly": flag(b.get("readonly"), norm),
            "relevant": absolute(norm(b.get("relevant")), nodeset, repeats),
            "constraint": absolute(norm(b.get("constraint")), nodeset, repeats),
            "calculate": absolute(norm(b.get("calculate")), nodeset, repeats),
        }
        # Preloads (metadata) and ODK's own bind attributes (audit, max-pixels, quality, …).
        for k, v in b.attrib.items():
            if k in (f"{JR}preload", f"{JR}preloadParams") or k.startswith((ODK, ORX)):
                entry[k.replace(JR, "jr:").replace(ODK, "odk:").replace(ORX, "orx:")] = v
        # A bind that only says `string` says what XForms assumes without it (pyxform writes
        # none for `trigger`).
        if entry["type"] in (None, "string") and all(
            v is None for k, v in entry.items() if k != "type"
        ):
            continue
        out[nodeset] = entry
    return out


def instance_paths(primary, norm):
    out = []

    def walk(e, path):
        name = e.tag.replace(XF, "")
        here = f"{path}/{name}"
        template = e.get(f"{JR}template") is not None
        kids = list(e)
        text = (e.text or "").strip() if not kids else ""
        out.append((norm(here) + ("[template]" if template else ""), instance_value(text)))
        for k in kids:
            walk(k, here)

    walk(list(primary)[0], "")
    return out


def controls(html, norm):
    out = {}
    body = html.find(f"{H}body")
    tags = {"input", "select1", "select", "range", "trigger", "upload", "rank", "group", "repeat"}
    for e in body.iter():
        tag = e.tag.replace(XF, "").replace(ODK, "odk:")
        if tag.replace("odk:", "") not in tags:
            continue
        ref = e.get("ref") or e.get("nodeset")
        itemset = e.find(f"{XF}itemset")
        key = (tag if tag in ("group", "repeat") else "control", norm(ref))
        out[key] = {
            "tag": tag,
            "appearance": e.get("appearance"),
            "itemset": norm(itemset.get("nodeset")) if itemset is not None else None,
            "itemset refs": (
                (itemset.find(f"{XF}value").get("ref"), itemset.find(f"{XF}label").get("ref"))
                if itemset is not None
                else None
            ),
            "jr:count": norm(e.get(f"{JR}count")),
            "range": (e.get("start"), e.get("end"), e.get("step")) if tag == "range" else None,
            "mediatype": e.get("mediatype"),
            "geo": tuple(
                e.get(a)
                for a in ("accuracyThreshold", "unacceptableAccuracyThreshold", "incremental")
            ),
        }
    return out


def setvalues(html, norm):
    out = {}
    for e in html.iter(f"{XF}setvalue"):
        out[(norm(e.get("ref")), e.get("event"))] = norm(e.get("value"))
    return out


def render(value_el, norm):
    out = value_el.text or ""
    for c in value_el:
        out += "{" + (norm(c.get("value")) or "") + "}" + (c.tail or "")
    return re.sub(r"\s+", " ", out).strip()


def itext_table(model, norm):
    table = {}
    itext = model.find(f"{XF}itext")
    if itext is None:
        return table
    for tr in itext.findall(f"{XF}translation"):
        lang = tr.get("lang")
        for t in tr.findall(f"{XF}text"):
            for v in t.findall(f"{XF}value"):
                table[(norm(t.get("id")), v.get("form"), lang)] = render(v, norm)
    return table


def resolve(el, table, norm):
    """A label or hint element as {(form, lang): text}; plain text under (None, '*')."""
    if el is None:
        return {}
    ref = el.get("ref")
    if ref and ref.startswith("jr:itext("):
        tid = norm(ref[len("jr:itext('"):-2])
        return {(f, lang): v for (i, f, lang), v in table.items() if i == tid}
    return {(None, "*"): render(el, norm)}


def texts(html, model, norm):
    table = itext_table(model, norm)
    out = {}
    body = html.find(f"{H}body")
    for e in body.iter():
        ref = e.get("ref")
        if not ref or "reserved_name_for_field_list_labels" in ref or e.tag == f"{XF}itemset":
            continue
        key = norm(ref)
        out[("label", key)] = resolve(e.find(f"{XF}label"), table, norm)
        out[("hint", key)] = resolve(e.find(f"{XF}hint"), table, norm)
    for inst in model.findall(f"{XF}instance"):
        if inst.get("id") is None or inst.get("src"):
            continue
        for i, item in enumerate(inst.iter(f"{XF}item")):
            name = item.findtext(f"{XF}name")
            itext_id = item.findtext(f"{XF}itextId")
            if itext_id is not None:
                labels = {(f, lang): v for (t, f, lang), v in table.items() if t == itext_id}
            else:
                labels = {(None, "*"): (item.findtext(f"{XF}label") or "").strip()}
            out[("choice", inst.get("id"), name)] = labels
    for b in model.findall(f"{XF}bind"):
        for attr in (f"{JR}constraintMsg", f"{JR}requiredMsg"):
            msg = b.get(attr)
            if msg is None:
                continue
            if msg.startswith("jr:itext("):
                tid = norm(msg[len("jr:itext('"):-2])
                value = {(f, lang): v for (i, f, lang), v in table.items() if i == tid}
            else:
                value = {(None, "*"): re.sub(r"\s+", " ", msg).strip()}
            out[(attr.replace(JR, "jr:"), norm(b.get("nodeset")))] = value
    return out


def compare_texts(a, b, problems):
    for k in sorted(set(a) | set(b), key=str):
        pa, du = a.get(k, {}), b.get(k, {})
        if not pa and not du:
            continue
        for fk in sorted(set(pa) | set(du), key=str):
            va, vb = pa.get(fk), du.get(fk)
            if va == "-" or va == vb or (not va and not vb):
                continue
            problems.append(f"text {k} {fk}: pyxform {va!r}, duluan {vb!r}")


def compare_maps(what, a, b, problems):
    for k in sorted(set(a) | set(b), key=str):
        if k not in b:
            problems.append(f"{what} {k}: only in pyxform: {a[k]}")
        elif k not in a:
            problems.append(f"{what} {k}: only in duluan: {b[k]}")
        elif a[k] != b[k]:
            if isinstance(a[k], dict):
                for f in sorted(set(a[k]) | set(b[k])):
                    if a[k].get(f) != b[k].get(f):
                        problems.append(
                            f"{what} {k} {f}: pyxform {a[k].get(f)!r}, duluan {b[k].get(f)!r}"
                        )
            else:
                problems.append(f"{what} {k}: pyxform {a[k]!r}, duluan {b[k]!r}")


def media_instances(model):
    """Secondary instances read from form media files: id -> src (the case list excepted)."""
    return {
        i.get("id"): i.get("src")
        for i in model.findall(f"{XF}instance")
        if i.get("src") is not None and i.get("id") != "cases"
    }
def submission(model):
    """The attributes of the model's `submission` element (None without one or without any
    compared attribute): `action` and `method` (XLSForm `submission_url`) are not compared, as
    duluan ignores `submission_url` on purpose (devices send to the server they downloaded from)."""
    el = model.find(f"{XF}submission")
    if el is None:
        return None
    attrs = {k: v for k, v in el.attrib.items() if k not in ("action", "method")}
    return attrs or None


def main():
    py_html, py_model, py_primary, py_root = load(sys.argv[1])
    du_html, du_model, du_primary, du_root = load(sys.argv[2])
    py_norm, du_norm = normaliser(py_root), normaliser(du_root)
    problems = []
    py_binds = binds(py_model, py_norm, repeat_paths(py_html, py_norm))
    du_binds = binds(du_model, du_norm, repeat_paths(du_html, du_norm))
    compare_maps("bind", py_binds, du_binds, problems)
    py_inst, du_inst = instance_paths(py_primary, py_norm), instance_paths(du_primary, du_norm)
    if py_inst != du_inst:
        problems.append(f"primary instance: pyxform {py_inst}\n    duluan  {du_inst}")
    compare_maps("media instance", media_instances(py_model), media_instances(du_model), problems)
    compare_maps("control", controls(py_html, py_norm), controls(du_html, du_norm), problems)
    compare_maps("setvalue", setvalues(py_html, py_norm), setvalues(du_html, du_norm), problems)
    compare_texts(texts(py_html, py_model, py_norm), texts(du_html, du_model, du_norm), problems)
    py_sub, du_sub = submission(py_model), submission(du_model)
    if py_sub != du_sub:
        problems.append(f"submission: pyxform {py_sub!r}, duluan {du_sub!r}")
    for p in problems:
        print("  " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
