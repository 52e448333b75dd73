//! [`to_xform`]: the document and its model (primary and choice instances, `itext`
//! translations, binds, `setvalue`s); the body is written by `body.rs`.

use super::paths::{Child, Layout};
use super::xml::{self, Writer};
use super::{CASE_FIELD, CASE_INSTANCE, XFormSettings};
use crate::check::{CheckedForm, DefaultValue, Flag, NodeKind};
use crate::engine::Mode;
use crate::model::{QuestionType, Text, language_matches};

const NAMESPACES: &[(&str, Option<&str>)] = &[
    ("xmlns", Some("http://www.w3.org/2002/xforms")),
    ("xmlns:h", Some("http://www.w3.org/1999/xhtml")),
    ("xmlns:ev", Some("http://www.w3.org/2001/xml-events")),
    ("xmlns:xsd", Some("http://www.w3.org/2001/XMLSchema")),
    ("xmlns:jr", Some("http://openrosa.org/javarosa")),
    ("xmlns:orx", Some("http://openrosa.org/xforms")),
    ("xmlns:odk", Some("http://www.opendatakit.org/xforms")),
];

/// The XForm (XML text, UTF-8) of a checked form, in the self-completion wording.
pub fn to_xform(form: &CheckedForm, settings: &XFormSettings) -> String {
    to_xform_in_mode(form, settings, Mode::SelfCompletion)
}

/// The XForm of a checked form in the wording of `mode`: [`Mode::Interviewer`] writes each
/// item's `interviewer_label` where it has one (as the response engine shows it).
pub fn to_xform_in_mode(form: &CheckedForm, settings: &XFormSettings, mode: Mode) -> String {
    let mut g = Gen {
        l: Layout::new(form),
        settings,
        mode,
        itext: Vec::new(),
    };
    let body = g.body();
    let (binds, instance) = (g.binds(), g.primary_instance());
    let mut w = Writer::default();
    w.out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    w.open("h:html", NAMESPACES);
    w.open("h:head", &[]);
    w.leaf("h:title", &[], &settings.title);
    w.open("model", &[("odk:xforms-version", Some("1.0.0"))]);
    // An encrypted form: devices encrypt each finished instance with this key (first in the
    // model, where pyxform writes it).
    if let Some(key) = &form.form.public_key {
        w.empty("submission", &[("base64RsaPublicKey", Some(key))]);
    }
    g.write_itext(&mut w);
    w.out.push_str(&instance);
    // pyxform writes the media files' instances before the choice lists'.
    write_media_instances(&form.form, &mut w);
    g.write_choice_instances(&mut w);
    if let Some(cases) = &settings.case_list {
        let src = format!("jr://file-csv/{}", cases.file);
        w.empty(
            "instance",
            &[("id", Some(CASE_INSTANCE)), ("src", Some(&src))],
        );
    }
    w.out.push_str(&binds);
    w.close("model");
    w.close("h:head");
    w.raw_leaf("h:body", &[], &body);
    w.close("h:html");
    w.out
}

/// One secondary instance per form media file the form reads, as pyxform writes them:
/// `jr://file-csv/NAME.csv` for CSV, `jr://file/NAME` for XML and GeoJSON, the id being the
/// name without its extension.
fn write_media_instances(form: &crate::model::Form, w: &mut Writer) {
    for need in crate::media::media_needs(form) {
        let src = match crate::media::MediaKind::of(&need.file) {
            Some(crate::media::MediaKind::Csv) => format!("jr://file-csv/{}", need.file),
            _ => format!("jr://file/{}", need.file),
        };
        w.empty(
            "instance",
            &[
                ("id", Some(crate::media::instance_id(&need.file))),
                ("src", Some(&src)),
            ],
        );
    }
}

/// A text of the `itext` block: its id and its values (`None`: the default form).
#[derive(Clone)]
struct Entry {
    id: String,
    values: Vec<(Option<&'static str>, Text)>,
    context: Vec<u32>,
}

pub(super) struct Gen<'a> {
    pub(super) l: Layout<'a>,
    pub(super) settings: &'a XFormSettings,
    pub(super) mode: Mode,
    itext: Vec<Entry>,
}

/// True when a text has a language (so it goes through `itext`).
fn translated(t: &Text) -> bool {
    t.0.iter().any(|(k, v)| !k.is_empty() && !v.is_empty())
}

/// A number as pyxform writes range parameters: `1`, `0.5`.
pub(super) fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn flag(f: &Flag, src: Option<&str>, g: &Gen, ctx: &[u32]) -> Option<String> {
    match f {
        Flag::No => None,
        Flag::Yes => Some("true()".into()),
        Flag::When(_) => src.map(|s| g.l.expression(s, ctx, false)),
    }
}

impl Gen<'_> {
    pub(super) fn form(&self) -> &CheckedForm {
        self.l.form
    }

    /// The wording shown for an item in this XForm's mode.
    pub(super) fn wording<'t>(&self, label: &'t Text, interviewer: &'t Text) -> &'t Text {
        if self.mode == Mode::Interviewer && !interviewer.is_empty() {
            interviewer
        } else {
            label
        }
    }

    /// A `<label>` or `<hint>` element: an `itext` reference when the text is translated (or
    /// carries a guidance hint), else the text itself. Empty when there is nothing to show.
    pub(super) fn text_element(
        &mut self,
        tag: &str,
        path: &str,
        text: &Text,
        guidance: Option<&Text>,
        context: &[u32],
    ) -> String {
        let guidance = guidance.filter(|t| !t.is_empty());
        if text.is_empty() && guidance.is_none() {
            return String::new();
        }
        if translated(text) || guidance.is_some() {
            let id = format!("{path}:{tag}");
            let mut values = Vec::new();
            if !text.is_empty() {
                values.push((None, text.clone()));
            }
            if let Some(gt) = guidance {
                values.push((Some("guidance"), gt.clone()));
            }
            let r = format!("<{tag} ref=\"jr:itext('{}')\"/>", xml::attr(&id));
            self.itext.push(Entry {
                id,
                values,
                context: context.to_vec(),
            });
            r
        } else {
            let plain = text.get("", None).unwrap_or("");
            format!("<{tag}>{}</{tag}>", self.l.label_markup(plain, context))
        }
    }

    /// A message attribute (`jr:constraintMsg`, `jr:requiredMsg`).
    fn message(&mut self, path: &str, kind: &str, text: &Text, context: &[u32]) -> Option<String> {
        if text.is_empty() {
            return None;
        }
        if translated(text) {
            let id = format!("{path}:{kind}");
            let r = format!("jr:itext('{id}')");
            self.itext.push(Entry {
                id,
                values: vec![(None, text.clone())],
                context: context.to_vec(),
            });
            Some(r)
        } else {
            text.get("", None).map(str::to_string)
        }
    }

    /// Lists whose choice labels go through `itext` (translated or with `${name}`).
    pub(super) fn list_uses_itext(&self, list: usize) -> bool {
        self.form().form.choices[list].choices.iter().any(|c| {
            translated(&c.label)
                || c.label.0.values().any(|v| {
                    crate::expr::split_template(v)
                        .iter()
                        .any(|(_, n)| n.is_some())
                })
        })
    }

    /// Every choice list, in the order of the choices sheet (pyxform writes unused ones too).
    fn used_lists(&self) -> Vec<usize> {
        (0..self.form().form.choices.len()).collect()
    }

    fn write_itext(&self, w: &mut Writer) {
        let form = self.form();
        let mut entries: Vec<Entry> = Vec::new();
        for list in self.used_lists() {
            if !self.list_uses_itext(list) {
                continue;
            }
            let l = &form.form.choices[list];
            for (i, c) in l.choices.iter().enumerate() {
                entries.push(Entry {
                    id: format!("{}-{i}", l.name),
                    values: vec![(None, c.label.clone())],
                    context: Vec::new(),
                });
            }
        }
        entries.extend(self.itext.iter().cloned());
        if entries.is_empty() {
            return;
        }
        // The languages of the texts written here. Text without a language belongs to the
        // form's default language when it has one (as pyxform reads the `label` column next to
        // `default_language`), else to a translation called `default`.
        let mut langs: std::collections::BTreeSet<String> = entries
            .iter()
            .flat_map(|e| e.values.iter())
            .flat_map(|(_, t)| t.0.iter())
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, _)| k.clone())
            .collect();
        let fallback = form.form.default_language.clone();
        let default_name = fallback.as_deref().map(|d| {
            langs
                .iter()
                .find(|l| !l.is_empty() && language_matches(l, d))
                .cloned()
                .unwrap_or_else(|| d.to_string())
        });
        if let Some(d) = &default_name
            && langs.remove("")
        {
            langs.insert(d.clone());
        }
        let langs: Vec<String> = langs.into_iter().collect();
        let default = default_name
            .as_deref()
            .and_then(|d| langs.iter().position(|l| l == d))
            .or_else(|| langs.iter().position(|l| l.is_empty()))
            .unwrap_or(0);
        w.open("itext", &[]);
        for (i, lang) in langs.iter().enumerate() {
            let name = if lang.is_empty() { "default" } else { lang };
            let is_default = (i == default).then_some("true()");
            w.open(
                "translation",
                &[("lang", Some(name)), ("default", is_default)],
            );
            for Entry {
                id,
                values,
                context: ctx,
            } in &entries
            {
                w.open("text", &[("id", Some(id))]);
                for (form_name, t) in values {
                    let s = t.get(lang, fallback.as_deref()).unwrap_or("-");
                    let markup = self.l.label_markup(s, ctx);
                    w.raw_leaf("value", &[("form", *form_name)], &markup);
                }
                w.close("text");
            }
            w.close("translation");
        }
        w.close("itext");
    }

    fn write_choice_instances(&self, w: &mut Writer) {
        let form = self.form();
        for list in self.used_lists() {
            let itext = self.list_uses_itext(list);
            let l = &form.form.choices[list];
            w.open("instance", &[("id", Some(&l.name))]);
            w.open("root", &[]);
            for (i, c) in l.choices.iter().enumerate() {
                w.open("item", &[]);
                if itext {
                    w.leaf("itextId", &[], &format!("{}-{i}", l.name));
                }
                w.leaf("name", &[], &c.name);
                if !itext {
                    w.leaf("label", &[], c.label.get("", None).unwrap_or(""));
                }
                for (k, v) in &c.columns {
                    if crate::check::is_valid_name(k) && !matches!(k.as_str(), "name" | "label") {
                        w.leaf(k, &[], v);
                    }
                }
                w.close("item");
            }
            w.close("root");
            w.close("instance");
        }
    }

    /// The primary instance: the data tree with literal defaults, repeats as a template and
    /// one instance, and `meta`.
    fn primary_instance(&self) -> String {
        let mut w = Writer::default();
        let root = self.l.root.clone();
        w.open("instance", &[]);
        w.open(
            &root,
            &[
                ("id", Some(&self.settings.form_id)),
                ("version", Some(&self.settings.version)),
            ],
        );
        if self.settings.case_list.is_some() {
            w.empty(CASE_FIELD, &[]);
        }
        self.instance_children(&mut w, &self.l.top, None);
        w.open("meta", &[]);
        if self.l.audit.is_some() {
            w.empty("audit", &[]);
        }
        w.empty("instanceID", &[]);
        if self.form().instance_name.is_some() {
            w.empty("instanceName", &[]);
        }
        w.close("meta");
        w.close(&root);
        w.close("instance");
        w.out
    }

    /// `in_template`: `None` outside repeats (a repeat is written as its template and one
    /// instance), `Some(true)` inside a template (nested repeats as templates only),
    /// `Some(false)` inside an instance (nested repeats as one instance only).
    fn instance_children(&self, w: &mut Writer, children: &[Child], in_template: Option<bool>) {
        let form = self.form();
        for c in children {
            let id = match c {
                Child::Node(id) => *id,
                Child::TableLabel { name, .. }
                | Child::TableHeader { name, .. }
                | Child::RepeatCount { name, .. } => {
                    w.empty(name, &[]);
                    continue;
                }
            };
            let node = &form.nodes[id as usize];
            match node.kind {
                NodeKind::Question(_) => match &node.default {
                    Some(DefaultValue::Literal(v)) => w.leaf(&node.name, &[], v),
                    _ => w.empty(&node.name, &[]),
                },
                NodeKind::Group => {
                    w.open(&node.name, &[]);
                    self.instance_children(w, &self.l.inner[id as usize], in_template);
                    w.close(&node.name);
                }
                NodeKind::Repeat => {
                    let copies: &[bool] = match in_template {
                        None => &[true, false],
                        Some(true) => &[true],
                        Some(false) => &[false],
                    };
                    for &template in copies {
                        w.open(&node.name, &[("jr:template", template.then_some(""))]);
                        self.instance_children(w, &self.l.inner[id as usize], Some(template));
                        w.close(&node.name);
                    }
                }
            }
        }
    }

    /// Every bind (and model `setvalue`), in document order.
    fn binds(&mut self) -> String {
        let mut w = Writer::default();
        let root = format!("/{}", self.l.root);
        if self.settings.case_list.is_some() {
            let path = format!("{root}/{CASE_FIELD}");
            w.empty(
                "bind",
                &[
                    ("nodeset", Some(&path)),
                    ("type", Some("string")),
                    ("required", Some("true()")),
                ],
            );
        }
        let top = self.l.top.clone();
        self.binds_of(&mut w, &top);
        if let Some(audit) = self.l.audit {
            self.binds_of(&mut w, &[Child::Node(audit)]);
        }
        let id_path = format!("{root}/meta/instanceID");
        w.empty(
            "bind",
            &[
                ("nodeset", Some(&id_path)),
                ("type", Some("string")),
                ("readonly", Some("true()")),
                ("jr:preload", Some("uid")),
            ],
        );
        if let Some(src) = self.form().form.instance_name.clone() {
            let path = format!("{root}/meta/instanceName");
            let calc = self.l.expression(&src, &[], false);
            w.empty(
                "bind",
                &[
                    ("nodeset", Some(&path)),
                    ("type", Some("string")),
                    ("calculate", Some(&calc)),
                ],
            );
        }
        w.out
    }

    fn binds_of(&mut self, w: &mut Writer, children: &[Child]) {
        let form = self.l.form;
        for c in children {
            let path = self.l.child_path(c);
            let id = match c {
                Child::Node(id) => *id,
                Child::TableLabel { .. } => {
                    let attrs = [
                        ("nodeset", Some(path.as_str())),
                        ("readonly", Some("true()")),
                        ("type", Some("string")),
                    ];
                    w.empty("bind", &attrs);
                    continue;
                }
                Child::TableHeader { select, .. } => {
                    let ty = match &form.nodes[*select as usize].kind {
                        NodeKind::Question(QuestionType::Rank(_)) => "odk:rank",
                        _ => "string",
                    };
                    w.empty("bind", &[("nodeset", Some(&path)), ("type", Some(ty))]);
                    continue;
                }
                Child::RepeatCount { repeat, .. } => {
                    let src = form
                        .group(*repeat)
                        .and_then(|g| g.repeat_count.clone())
                        .unwrap_or_default();
                    let calc = self.l.expression(&src, &self.l.context_of(*repeat), false);
                    let attrs = [
                        ("nodeset", Some(path.as_str())),
                        ("readonly", Some("true()")),
                        ("type", Some("string")),
                        ("calculate", Some(calc.as_str())),
                    ];
                    w.empty("bind", &attrs);
                    continue;
                }
            };
            let node = &form.nodes[id as usize];
            let ctx = self.l.context_of(id);
            let kind = match &node.kind {
                NodeKind::Question(k) => k,
                NodeKind::Group | NodeKind::Repeat => {
                    let relevant = form
                        .group(id)
                        .and_then(|g| g.relevant.as_deref())
                        .map(|s| self.l.expression(s, &ctx, false));
                    if relevant.is_some() {
                        w.empty(
                            "bind",
                            &[("nodeset", Some(&path)), ("relevant", relevant.as_deref())],
                        );
                    }
                    let inner = self.l.inner[id as usize].clone();
                    self.binds_of(w, &inner);
                    continue;
                }
            };
            let Some(q) = form.question(id) else { continue };
            let ty = match kind {
                QuestionType::Integer => "int",
                QuestionType::Decimal => "decimal",
                QuestionType::Rank(_) => "odk:rank",
                QuestionType::Range => match node.range {
                    Some((a, b, c)) if [a, b, c].iter().any(|x| x.fract() != 0.0) => "decimal",
                    _ => "int",
                },
                QuestionType::Date => "date",
                QuestionType::Time => "time",
                QuestionType::DateTime | QuestionType::Start | QuestionType::End => "dateTime",
                QuestionType::Today => "date",
                QuestionType::Geopoint | QuestionType::StartGeopoint => "geopoint",
                QuestionType::Geotrace => "geotrace",
                QuestionType::Geoshape => "geoshape",
                QuestionType::Barcode => "barcode",
                k if k.is_media() => "binary",
                QuestionType::BackgroundAudio => "binary",
                _ => "string",
            };
            let readonly = if *kind == QuestionType::Note {
                // pyxform: a note is read-only unless its `read_only` cell says when.
                match &node.read_only {
                    Flag::When(_) => flag(&node.read_only, q.read_only.as_deref(), self, &ctx),
                    _ => Some("true()".to_string()),
                }
            } else {
                flag(&node.read_only, q.read_only.as_deref(), self, &ctx)
            };
            let required = flag(&node.required, q.required.as_deref(), self, &ctx);
            let ex = |s: &Option<String>| s.as_deref().map(|s| self.l.expression(s, &ctx, false));
            let (constraint, relevant, calculate) =
                (ex(&q.constraint), ex(&q.relevant), ex(&q.calculation));
            // Written whenever given, as pyxform does (clients read them only with their flag).
            let constraint_msg =
                self.message(&path, "jr:constraintMsg", &q.constraint_message, &ctx);
            let required_msg = self.message(&path, "jr:requiredMsg", &q.required_message, &ctx);
            let (preload, preload_params) = match kind {
                QuestionType::Start => (Some("timestamp"), Some("start")),
                QuestionType::End => (Some("timestamp"), Some("end")),
                QuestionType::Today => (Some("date"), Some("today")),
                QuestionType::DeviceId => (Some("property"), Some("deviceid")),
                QuestionType::Username => (Some("property"), Some("username")),
                QuestionType::PhoneNumber => (Some("property"), Some("phonenumber")),
                QuestionType::SimSerial => (Some("property"), Some("simserial")),
                QuestionType::SubscriberId => (Some("property"), Some("subscriberid")),
                QuestionType::Email => (Some("property"), Some("email")),
                _ => (None, None),
            };
            let extra = parameter_attributes(kind, q.parameters.as_deref());
            let mut attrs: Vec<(&str, Option<&str>)> = vec![
                ("nodeset", Some(&path)),
                ("type", Some(ty)),
                ("readonly", readonly.as_deref()),
                ("required", required.as_deref()),
                ("jr:requiredMsg", required_msg.as_deref()),
                ("constraint", constraint.as_deref()),
                ("jr:constraintMsg", constraint_msg.as_deref()),
                ("relevant", relevant.as_deref()),
                ("calculate", calculate.as_deref()),
                ("jr:preload", preload),
                ("jr:preloadParams", preload_params),
            ];
            attrs.extend(extra.iter().map(|(k, v)| (k.as_str(), Some(v.as_str()))));
            w.empty("bind", &attrs);
            // pyxform: the device takes its location when the form is first opened. (A
            // background recording's `odk:recordaudio` is left out on purpose: duluan does not
            // record interviews.)
            if *kind == QuestionType::StartGeopoint {
                w.empty(
                    "odk:setgeopoint",
                    &[
                        ("ref", Some(&path)),
                        ("event", Some("odk-instance-first-load")),
                    ],
                );
            }
            if let Some(value) = self.dynamic_default(id) {
                w.empty(
                    "setvalue",
                    &[
                        ("ref", Some(&path)),
                        ("event", Some("odk-instance-first-load")),
                        ("value", Some(&value)),
                    ],
                );
            }
        }
    }

    /// A dynamic default's expression with paths.
    pub(super) fn dynamic_default(&self, id: u32) -> Option<String> {
        let node = &self.form().nodes[id as usize];
        if !matches!(node.default, Some(DefaultValue::Dynamic(_))) {
            return None;
        }
        let src = self.form().question(id)?.default.clone()?;
        Some(self.l.expression(&src, &self.l.context_of(id), false))
    }
}

/// The bind attributes pyxform writes from a question's `parameters`: `orx:max-pixels` on an
/// image, `odk:quality` on audio, `odk:allow-mock-accuracy` on geo questions, and the audit log's `odk:` settings (`track-changes`,
/// `track-changes-reasons`, `identify-user`, `location-priority`, `location-min-interval`,
/// `location-max-age`). Other parameters write nothing here.
pub(crate) fn parameter_attributes(
    kind: &QuestionType,
    parameters: Option<&str>,
) -> Vec<(String, String)> {
    let accepted: &[(&str, &str)] = match kind {
        QuestionType::Image => &[("max-pixels", "orx")],
        QuestionType::Audio => &[("quality", "odk")],
        QuestionType::Geopoint | QuestionType::Geotrace | QuestionType::Geoshape => {
            &[("allow-mock-accuracy", "odk")]
        }
        QuestionType::Audit => &[
            ("track-changes", "odk"),
            ("track-changes-reasons", "odk"),
            ("identify-user", "odk"),
            ("location-priority", "odk"),
            ("location-min-interval", "odk"),
            ("location-max-age", "odk"),
        ],
        _ => return Vec::new(),
    };
    crate::check::parse_parameters(parameters.unwrap_or(""))
        .into_iter()
        .filter_map(|(k, v)| {
            accepted
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(name, ns)| (format!("{ns}:{name}"), v))
        })
        .collect()
}
