//! Instances: [`read_instance`] reads what ODK Collect or Enketo submits, bounded before any
//! tree is built; [`write_instance`] writes one as a device would.

use super::paths::{Child, Layout, root_name};
use super::xml::Writer;
use super::{CASE_FIELD, Instance, InstanceError, XFormSettings};
use crate::check::{CheckedForm, NodeKind};
use crate::engine::{Answer, Record};
use crate::model::QuestionType;
use std::collections::HashMap;

/// Largest instance read, in bytes (10 MB).
pub const MAX_INSTANCE_BYTES: usize = 10 * 1024 * 1024;
/// Most elements in an instance.
pub const MAX_ELEMENTS: usize = 100_000;
/// Deepest nesting of elements in an instance.
pub const MAX_DEPTH: usize = 64;

/// The instance XML of `record` for `form`, as a device submits it: root element with the
/// form's id and version, groups nested, one element per repeat instance, `meta/instanceID`.
pub fn write_instance(form: &CheckedForm, record: &Record, instance_id: &str) -> String {
    write_instance_from(
        form,
        &Instance {
            form_id: form.form.id.clone(),
            version: Some(form.form.version.clone()),
            instance_id: instance_id.to_string(),
            deprecated_id: None,
            case: None,
            record: record.clone(),
            files: Vec::new(),
        },
    )
}

/// The instance XML of every field of `instance` (form id, version, case, deprecated id).
pub fn write_instance_from(form: &CheckedForm, instance: &Instance) -> String {
    let layout = Layout::new(form);
    let mut w = Writer::default();
    w.out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    w.open(
        &layout.root,
        &[
            ("xmlns:jr", Some("http://openrosa.org/javarosa")),
            ("xmlns:orx", Some("http://openrosa.org/xforms")),
            ("id", Some(&instance.form_id)),
            ("version", instance.version.as_deref()),
        ],
    );
    if let Some(case) = &instance.case {
        w.leaf(CASE_FIELD, &[], case);
    }
    write_children(&layout, &mut w, &layout.top, &instance.record);
    w.open("meta", &[]);
    if let Some(audit) = layout.audit {
        match instance.record.get(&form.nodes[audit as usize].name) {
            Some(Answer::Value(v)) => w.leaf("audit", &[], v),
            _ => w.empty("audit", &[]),
        }
    }
    w.leaf("instanceID", &[], &instance.instance_id);
    if let Some(d) = &instance.deprecated_id {
        w.leaf("deprecatedID", &[], d);
    }
    if form.instance_name.is_some() {
        w.empty("instanceName", &[]);
    }
    w.close("meta");
    w.close(&layout.root);
    w.out
}

fn write_children(layout: &Layout, w: &mut Writer, children: &[Child], record: &Record) {
    let form = layout.form;
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
            NodeKind::Question(_) => match record.get(&node.name) {
                Some(Answer::Value(v)) => w.leaf(&node.name, &[], v),
                _ => w.empty(&node.name, &[]),
            },
            NodeKind::Group => {
                w.open(&node.name, &[]);
                write_children(layout, w, &layout.inner[id as usize], record);
                w.close(&node.name);
            }
            NodeKind::Repeat => {
                if let Some(Answer::Repeat(instances)) = record.get(&node.name) {
                    for r in instances {
                        w.open(&node.name, &[]);
                        write_children(layout, w, &layout.inner[id as usize], r);
                        w.close(&node.name);
                    }
                }
            }
        }
    }
}

/// Reads a submitted instance XML against the form: the root element must be the form's
/// ([`root_name`]), every element a node of the form; groups are flattened into the record,
/// each repeat element is one instance (`jr:template` ones are skipped), empty elements give no
/// answer. Refused before parsing: more than [`MAX_INSTANCE_BYTES`], a DTD; while parsing: more
/// than [`MAX_ELEMENTS`] elements or nesting deeper than [`MAX_DEPTH`]. The `id` attribute is
/// returned, not checked: [`read_instance_for`] checks it against the id the server served.
pub fn read_instance(form: &CheckedForm, xml: &[u8]) -> Result<Instance, InstanceError> {
    if xml.len() > MAX_INSTANCE_BYTES {
        return Err(InstanceError::new(
            format!(
                "the instance is {} bytes; at most {MAX_INSTANCE_BYTES} are read",
                xml.len()
            ),
            format!(
                "bản ghi dài {} byte; chỉ đọc tối đa {MAX_INSTANCE_BYTES} byte",
                xml.len()
            ),
        ));
    }
    let text = std::str::from_utf8(xml).map_err(|e| {
        InstanceError::new(
            format!("the instance is not UTF-8 text (byte {})", e.valid_up_to()),
            format!(
                "bản ghi không phải văn bản UTF-8 (byte {})",
                e.valid_up_to()
            ),
        )
    })?;
    if text.contains("<!DOCTYPE") || text.contains("<!ENTITY") {
        return Err(dtd_error());
    }
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        // Elements, their text and the whitespace between them.
        nodes_limit: (MAX_ELEMENTS * 3) as u32,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => too_many(),
        roxmltree::Error::DtdDetected => dtd_error(),
        e => InstanceError::new(
            format!("the instance is not well-formed XML: {e}"),
            format!("bản ghi không phải XML hợp lệ: {e}"),
        ),
    })?;
    check_shape(&doc)?;
    let root = doc.root_element();
    let layout = Layout::new(form);
    let expected = root_name(form);
    let got = root.tag_name().name();
    let form_id = root.attribute("id").unwrap_or("").to_string();
    if got != expected {
        return Err(InstanceError::new(
            format!(
                "this instance is for another form: expected `{}` (root element `{expected}`), got root element `{got}` (form id `{form_id}`)",
                form.form.id
            ),
            format!(
                "bản ghi thuộc biểu mẫu khác: cần biểu mẫu `{}` (phần tử gốc `{expected}`), nhận được phần tử gốc `{got}` (mã biểu mẫu `{form_id}`)",
                form.form.id
            ),
        )
        .at(format!("/{got}")));
    }
    if form_id.is_empty() {
        return Err(InstanceError::new(
            "the root element has no form id (`id` attribute)",
            "phần tử gốc không có mã biểu mẫu (thuộc tính `id`)",
        )
        .at(format!("/{got}")));
    }
    let mut reader = Reader {
        layout: &layout,
        instance_id: None,
        deprecated_id: None,
        case: None,
        audit: None,
        files: Vec::new(),
    };
    let mut record = Record::new();
    let path = format!("/{got}");
    reader.read_children(root, &layout.top, &path, &mut record, true)?;
    if let (Some(id), Some(v)) = (layout.audit, reader.audit.take()) {
        if !crate::engine::is_plain_file_name(&v) {
            return Err(not_a_file_name(&format!("{path}/meta/audit")));
        }
        reader.files.push(v.clone());
        record.insert(form.nodes[id as usize].name.clone(), Answer::Value(v));
    }
    let Some(instance_id) = reader.instance_id.filter(|s| !s.is_empty()) else {
        return Err(InstanceError::new(
            "the instance has no `meta/instanceID`",
            "bản ghi không có `meta/instanceID`",
        )
        .at(format!("{path}/meta/instanceID")));
    };
    Ok(Instance {
        form_id,
        version: root.attribute("version").map(str::to_string),
        instance_id,
        deprecated_id: reader.deprecated_id.filter(|s| !s.is_empty()),
        case: reader.case.filter(|s| !s.is_empty()),
        record,
        files: reader.files,
    })
}

/// [`read_instance`], and the instance must carry the form id the server served
/// (`settings.form_id`); its version may differ (an instance filled in on an earlier version),
/// which the caller sees in [`Instance::version`].
pub fn read_instance_for(
    form: &CheckedForm,
    settings: &XFormSettings,
    xml: &[u8],
) -> Result<Instance, InstanceError> {
    let instance = read_instance(form, xml)?;
    if instance.form_id != settings.form_id {
        return Err(InstanceError::new(
            format!(
                "this instance is for form `{}`, expected `{}`",
                instance.form_id, settings.form_id
            ),
            format!(
                "bản ghi thuộc biểu mẫu `{}`, cần biểu mẫu `{}`",
                instance.form_id, settings.form_id
            ),
        )
        .at(format!("/{}", root_name(form))));
    }
    Ok(instance)
}

fn dtd_error() -> InstanceError {
    InstanceError::new(
        "the instance declares a DTD or entities, which are refused",
        "bản ghi khai báo DTD hoặc thực thể (entity), không được chấp nhận",
    )
}

fn too_many() -> InstanceError {
    InstanceError::new(
        format!("the instance has more than {MAX_ELEMENTS} elements"),
        format!("bản ghi có hơn {MAX_ELEMENTS} phần tử"),
    )
}

/// Counts elements and measures nesting without recursion.
fn check_shape(doc: &roxmltree::Document) -> Result<(), InstanceError> {
    let mut count = 0usize;
    let mut stack = vec![(doc.root_element(), 1usize)];
    while let Some((node, depth)) = stack.pop() {
        count += 1;
        if count > MAX_ELEMENTS {
            return Err(too_many());
        }
        if depth > MAX_DEPTH {
            let mut names: Vec<&str> = node
                .ancestors()
                .filter(|a| a.is_element())
                .map(|a| a.tag_name().name())
                .take(MAX_DEPTH + 1)
                .collect();
            names.reverse();
            return Err(InstanceError::new(
                format!("the instance nests elements deeper than {MAX_DEPTH} levels"),
                format!("bản ghi lồng các phần tử sâu hơn {MAX_DEPTH} cấp"),
            )
            .at(format!("/{}", names.join("/"))));
        }
        stack.extend(
            node.children()
                .filter(|c| c.is_element())
                .map(|c| (c, depth + 1)),
        );
    }
    Ok(())
}

struct Reader<'a, 'f> {
    layout: &'a Layout<'f>,
    instance_id: Option<String>,
    deprecated_id: Option<String>,
    case: Option<String>,
    /// `meta/audit`, when the form has an audit log.
    audit: Option<String>,
    /// Media answers (attachment file names), in document order.
    files: Vec<String>,
}

fn not_a_file_name(path: &str) -> InstanceError {
    InstanceError::new(
        "a media answer must be a plain file name (letters, digits, `.`, `-`, `_`), without a path",
        "câu trả lời đa phương tiện phải là một tên tệp đơn giản (chữ, số, `.`, `-`, `_`), không có đường dẫn",
    )
    .at(path)
}

fn unknown(path: &str) -> InstanceError {
    InstanceError::new(
        "this element is not in the form",
        "phần tử này không có trong biểu mẫu",
    )
    .at(path)
}

fn stray_text(path: &str) -> InstanceError {
    InstanceError::new(
        "text where the form has a group",
        "có văn bản ở chỗ biểu mẫu là một nhóm",
    )
    .at(path)
}

/// The text of an element that must not contain elements.
fn leaf_text(e: roxmltree::Node, path: &str) -> Result<String, InstanceError> {
    if e.children().any(|c| c.is_element()) {
        return Err(InstanceError::new(
            "a question's element contains elements",
            "phần tử của câu hỏi lại chứa phần tử khác",
        )
        .at(path));
    }
    Ok(e.children().filter_map(|c| c.text()).collect())
}

impl Reader<'_, '_> {
    fn read_children(
        &mut self,
        elem: roxmltree::Node,
        children: &[Child],
        path: &str,
        record: &mut Record,
        top: bool,
    ) -> Result<(), InstanceError> {
        let layout = self.layout;
        let form = layout.form;
        let mut by_name: HashMap<&str, &Child> = HashMap::new();
        for c in children {
            let name = match c {
                Child::Node(id) => form.nodes[*id as usize].name.as_str(),
                Child::TableLabel { name, .. }
                | Child::TableHeader { name, .. }
                | Child::RepeatCount { name, .. } => name.as_str(),
            };
            by_name.insert(name, c);
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for e in elem.children() {
            if e.is_text() {
                if e.text().is_some_and(|t| !t.trim().is_empty()) {
                    return Err(stray_text(path));
                }
                continue;
            }
            if !e.is_element() {
                continue;
            }
            let name = e.tag_name().name();
            let count = seen.entry(name).or_insert(0);
            *count += 1;
            let here = format!("{path}/{name}");
            let Some(child) = by_name.get(name) else {
                if top && name == "meta" && *count == 1 {
                    self.read_meta(e, &here)?;
                    continue;
                }
                if top && name == CASE_FIELD && *count == 1 {
                    self.case = Some(leaf_text(e, &here)?.trim().to_string());
                    continue;
                }
                return Err(unknown(&here));
            };
            let Child::Node(id) = child else {
                // pyxform's own nodes: labels, headers, repeat counts; nothing to keep.
                continue;
            };
            let node = &form.nodes[*id as usize];
            match &node.kind {
                NodeKind::Repeat => {
                    if e.attributes().any(|a| a.name() == "template") {
                        *count -= 1;
                        continue;
                    }
                    let indexed = format!("{here}[{count}]");
                    let mut inner = Record::new();
                    self.read_children(
                        e,
                        &layout.inner[*id as usize],
                        &indexed,
                        &mut inner,
                        false,
                    )?;
                    match record
                        .entry(node.name.clone())
                        .or_insert_with(|| Answer::Repeat(Vec::new()))
                    {
                        Answer::Repeat(v) => v.push(inner),
                        Answer::Value(_) => return Err(unknown(&here)),
                    }
                }
                _ if *count > 1 => {
                    return Err(InstanceError::new(
                        "this element appears more than once",
                        "phần tử này xuất hiện nhiều lần",
                    )
                    .at(here));
                }
                NodeKind::Group => {
                    self.read_children(e, &layout.inner[*id as usize], &here, record, false)?;
                }
                NodeKind::Question(kind) => {
                    let raw = leaf_text(e, &here)?;
                    let value = match kind {
                        QuestionType::Text | QuestionType::Note => raw,
                        _ => raw.trim().to_string(),
                    };
                    // Values duluan never keeps (a phone's number, SIM, subscriber id, e-mail
                    // address; a background recording) are dropped here, before anything else
                    // sees them.
                    if !value.is_empty() && !kind.is_never_kept() {
                        if kind.is_media() {
                            if !crate::engine::is_plain_file_name(&value) {
                                return Err(not_a_file_name(&here));
                            }
                            self.files.push(value.clone());
                        }
                        record.insert(node.name.clone(), Answer::Value(value));
                    }
                }
            }
        }
        Ok(())
    }

    fn read_meta(&mut self, meta: roxmltree::Node, path: &str) -> Result<(), InstanceError> {
        for e in meta.children() {
            if e.is_text() {
                if e.text().is_some_and(|t| !t.trim().is_empty()) {
                    return Err(stray_text(path));
                }
                continue;
            }
            if !e.is_element() {
                continue;
            }
            let here = format!("{path}/{}", e.tag_name().name());
            let value = Some(leaf_text(e, &here)?.trim().to_string());
            match e.tag_name().name() {
                "instanceID" if self.instance_id.is_none() => self.instance_id = value,
                "deprecatedID" if self.deprecated_id.is_none() => self.deprecated_id = value,
                "instanceName" => {}
                "audit" if self.layout.audit.is_some() && self.audit.is_none() => {
                    self.audit = value.filter(|v| !v.is_empty());
                }
                _ => return Err(unknown(&here)),
            }
        }
        Ok(())
    }
}
