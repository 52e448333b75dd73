//! XLSForm sheets as tables of text: the mapping between the survey/choices/settings sheets
//! and a [`Form`], independent of the spreadsheet file format.

use crate::check::check_form;
use crate::diag::{DiagKind, Diagnostic, Place};
use crate::model::{Choice, ChoiceList, Form, Group, Item, Question, QuestionType, Text};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A sheet: its name and its rows of cells (row 0 is the header row, spreadsheet row 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// Sheet name.
    pub name: String,
    /// Cells as text.
    pub rows: Vec<Vec<String>>,
}

/// A column of the survey sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Col {
    Type,
    Name,
    Label,
    InterviewerLabel,
    Hint,
    GuidanceHint,
    Required,
    RequiredMessage,
    Constraint,
    ConstraintMessage,
    Relevant,
    Calculation,
    Default,
    ReadOnly,
    ChoiceFilter,
    Appearance,
    Parameters,
    RepeatCount,
}

impl Col {
    const ALL: [Col; 18] = [
        Col::Type,
        Col::Name,
        Col::Label,
        Col::InterviewerLabel,
        Col::Hint,
        Col::GuidanceHint,
        Col::Required,
        Col::RequiredMessage,
        Col::Constraint,
        Col::ConstraintMessage,
        Col::Relevant,
        Col::Calculation,
        Col::Default,
        Col::ReadOnly,
        Col::ChoiceFilter,
        Col::Appearance,
        Col::Parameters,
        Col::RepeatCount,
    ];

    /// Canonical header (also the property name in diagnostics).
    fn header(self) -> &'static str {
        match self {
            Col::Type => "type",
            Col::Name => "name",
            Col::Label => "label",
            Col::InterviewerLabel => "interviewer_label",
            Col::Hint => "hint",
            Col::GuidanceHint => "guidance_hint",
            Col::Required => "required",
            Col::RequiredMessage => "required_message",
            Col::Constraint => "constraint",
            Col::ConstraintMessage => "constraint_message",
            Col::Relevant => "relevant",
            Col::Calculation => "calculation",
            Col::Default => "default",
            Col::ReadOnly => "read_only",
            Col::ChoiceFilter => "choice_filter",
            Col::Appearance => "appearance",
            Col::Parameters => "parameters",
            Col::RepeatCount => "repeat_count",
        }
    }

    fn translatable(self) -> bool {
        matches!(
            self,
            Col::Label
                | Col::InterviewerLabel
                | Col::Hint
                | Col::GuidanceHint
                | Col::RequiredMessage
                | Col::ConstraintMessage
        )
    }

    /// pyxform's survey header aliases (lower case, spaces and underscores as written).
    fn from_alias(h: &str) -> Option<Col> {
        Some(match h {
            "type" | "command" => Col::Type,
            "name" => Col::Name,
            "label" | "caption" => Col::Label,
            "interviewer_label" | "interviewer label" => Col::InterviewerLabel,
            "hint" => Col::Hint,
            "guidance_hint" | "guidance hint" => Col::GuidanceHint,
            "required" | "bind::required" => Col::Required,
            "required_message" | "required message" | "jr:requiredmsg" | "bind::jr:requiredmsg" => {
                Col::RequiredMessage
            }
            "constraint" | "bind::constraint" => Col::Constraint,
            "constraint_message"
            | "constraint message"
            | "constraining message"
            | "jr:constraintmsg"
            | "bind::jr:constraintmsg" => Col::ConstraintMessage,
            "relevant" | "relevance" | "bind::relevant" => Col::Relevant,
            "calculation" | "calculate" | "bind::calculate" => Col::Calculation,
            "default" => Col::Default,
            "read_only" | "readonly" | "read only" | "bind::readonly" => Col::ReadOnly,
            "choice_filter" | "choice filter" => Col::ChoiceFilter,
            "appearance" | "control::appearance" => Col::Appearance,
            "parameters" => Col::Parameters,
            "repeat_count" | "repeat count" | "jr:count" | "count" | "control::jr:count" => {
                Col::RepeatCount
            }
            _ => return None,
        })
    }
}

/// Splits a header into its lower-cased base and its language (`label::Tiếng Việt (vi)`).
fn split_header(h: &str) -> (String, Option<String>) {
    let h = h.trim();
    let lower = h.to_lowercase();
    for prefix in ["bind::", "control::"] {
        if lower.starts_with(prefix) {
            return (lower, None);
        }
    }
    match h.find("::") {
        Some(i) => (
            h[..i].trim().to_lowercase(),
            Some(h[i + 2..].trim().to_string()),
        ),
        None => (lower, None),
    }
}

fn diag(
    kind: DiagKind,
    sheet: &str,
    row: Option<usize>,
    column: Option<&str>,
    en: String,
    vi: String,
) -> Diagnostic {
    Diagnostic {
        kind,
        place: Place {
            sheet: Some(sheet.to_string()),
            row,
            column: column.map(str::to_string),
            ..Place::default()
        },
        message_en: en,
        message_vi: vi,
    }
}

fn find_sheet<'a>(sheets: &'a [Sheet], name: &str) -> Option<&'a Sheet> {
    sheets.iter().find(|s| s.name == name).or_else(|| {
        sheets
            .iter()
            .find(|s| s.name.trim().eq_ignore_ascii_case(name))
    })
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map_or("", |s| s.trim())
}

/// Where items and choices came from, to place the checker's diagnostics.
#[derive(Default)]
struct Origins {
    items: HashMap<Vec<usize>, usize>,
    choices: HashMap<(String, usize), usize>,
    survey_headers: HashMap<&'static str, String>,
    choice_headers: HashMap<String, String>,
}

/// Deepest nesting of groups and repeats accepted.
pub const MAX_NESTING: usize = 32;

struct Frame {
    group: Group,
    row: usize,
    path_index: usize,
}

/// Reads a form from its sheets. Every error is reported, each with its place; no form is
/// produced if there is one.
pub fn import_sheets(sheets: &[Sheet]) -> Result<Form, Vec<Diagnostic>> {
    import_sheets_with_warnings(sheets).map(|(form, _)| form)
}

/// [`import_sheets`], also returning the warnings (kind [`DiagKind::Warning`]): what pyxform
/// accepts with a warning, and settings duluan does not keep.
pub fn import_sheets_with_warnings(
    sheets: &[Sheet],
) -> Result<(Form, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut or_other_lists: Vec<String> = Vec::new();
    let mut origins = Origins::default();
    let Some(survey) = find_sheet(sheets, "survey") else {
        let found: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        let found = if found.is_empty() {
            "none".to_string()
        } else {
            found.join(", ")
        };
        errors.push(diag(
            DiagKind::Sheet,
            "survey",
            None,
            None,
            format!("there is no `survey` sheet (sheets found: {found})"),
            format!("không có trang tính `survey` (các trang tìm thấy: {found})"),
        ));
        return Err(errors);
    };
    let mut form = Form::default();
    if let Some(settings) = find_sheet(sheets, "settings") {
        read_settings(settings, &mut form, &mut errors, &mut warnings);
    }
    if let Some(choices) = find_sheet(sheets, "choices") {
        form.choices = read_choices(choices, &mut origins, &mut errors);
    }
    form.items = read_survey(
        survey,
        &mut origins,
        &mut errors,
        &mut warnings,
        &mut or_other_lists,
    );
    add_other_choices(&mut form, &or_other_lists, &mut warnings);
    choice_label_warnings(&form, sheets, &origins, &mut warnings);
    // ODK entities (a list of things kept across forms: households, wells) are not kept: the
    // form imports and collects its answers; the survey's cases play that part in duluan.
    if let Some(entities) = find_sheet(sheets, "entities")
        && entities.rows.len() > 1
    {
        warnings.push(diag(
            DiagKind::Warning,
            &entities.name,
            Some(2),
            None,
            "the `entities` sheet is not used: duluan does not create or update ODK entity lists (its survey cases play that part); the answers are collected as usual and `save_to` is ignored".into(),
            "không dùng trang tính `entities`: duluan không tạo hay cập nhật danh sách thực thể của ODK (việc này do các trường hợp của cuộc khảo sát đảm nhận); câu trả lời vẫn được thu như thường và cột `save_to` bị bỏ qua".into(),
        ));
    }
    if find_sheet(sheets, "choices").is_none()
        && form.questions().iter().any(|q| q.kind.list().is_some())
    {
        let found: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        errors.push(diag(
            DiagKind::Sheet,
            "choices",
            None,
            None,
            format!("the form has select questions but no `choices` sheet (sheets found: {})", found.join(", ")),
            format!("biểu mẫu có câu hỏi lựa chọn nhưng không có trang tính `choices` (các trang tìm thấy: {})", found.join(", ")),
        ));
    }
    // Without the type or name column nothing else can be checked.
    let unreadable = errors.iter().any(|d| {
        d.kind == DiagKind::Column
            && d.place.column.is_none()
            && d.place.sheet.as_deref() == Some(survey.name.as_str())
    });
    match check_form(&form) {
        _ if unreadable => {}
        Ok(_) => {}
        Err(diags) => {
            for mut d in diags {
                place_diagnostic(&mut d, &survey.name, sheets, &origins);
                errors.push(d);
            }
        }
    }
    if errors.is_empty() {
        warnings.sort_by_key(|d| (d.place.sheet.clone(), d.place.row));
        Ok((form, warnings))
    } else {
        errors.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                (
                    d.place.sheet.clone().unwrap_or_default() != "survey",
                    d.place.sheet.clone(),
                    d.place.row,
                    d.place.column.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        errors.dedup();
        Err(errors)
    }
}

fn place_diagnostic(d: &mut Diagnostic, survey_name: &str, sheets: &[Sheet], origins: &Origins) {
    if let Some((list, idx)) = d.place.choice.clone() {
        let choices =
            find_sheet(sheets, "choices").map_or("choices".to_string(), |s| s.name.clone());
        d.place.sheet = Some(choices);
        d.place.row = origins.choices.get(&(list, idx)).copied();
        d.place.column = d
            .place
            .property
            .as_ref()
            .map(|p| {
                origins
                    .choice_headers
                    .get(p)
                    .cloned()
                    .unwrap_or_else(|| p.clone())
            })
            .or(Some("list_name".to_string()));
        return;
    }
    if !d.place.path.is_empty() {
        d.place.sheet = Some(survey_name.to_string());
        d.place.row = origins.items.get(&d.place.path).copied();
        if let Some(p) = &d.place.property {
            let col = Col::ALL
                .iter()
                .find(|c| c.header() == p)
                .and_then(|c| origins.survey_headers.get(c.header()).cloned())
                .unwrap_or_else(|| p.clone());
            d.place.column = Some(col);
        }
        return;
    }
    if d.place.property.as_deref() == Some("instance_name") {
        d.place.sheet = Some("settings".to_string());
        d.place.row = Some(2);
        d.place.column = Some("instance_name".to_string());
    }
}

fn read_settings(
    sheet: &Sheet,
    form: &mut Form,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    let Some(header) = sheet.rows.first() else {
        return;
    };
    let values: Vec<&str> = sheet
        .rows
        .get(1)
        .map(|r| (0..header.len()).map(|i| cell(r, i)).collect())
        .unwrap_or_default();
    for (i, h) in header.iter().enumerate() {
        let v = values.get(i).copied().unwrap_or("");
        match h.trim().to_lowercase().as_str() {
            "form_title" | "title" => form.title = v.to_string(),
            "form_id" | "id_string" => form.id = v.to_string(),
            "version" => form.version = v.to_string(),
            "default_language" => {
                form.default_language = Some(v.to_string()).filter(|s| !s.is_empty())
            }
            "instance_name" => form.instance_name = Some(v.to_string()).filter(|s| !s.is_empty()),
            "public_key" if !v.trim().is_empty() => match crate::public_key::check_public_key(v) {
                Ok((key, _)) => form.public_key = Some(key),
                Err(e) => errors.push(diag(
                    DiagKind::Type,
                    &sheet.name,
                    Some(2),
                    Some(h.trim()),
                    format!("`public_key`: {}", e.en),
                    format!("`public_key`: {}", e.vi),
                )),
            },
            "submission_url" if !v.is_empty() => warnings.push(diag(
                DiagKind::Warning,
                &sheet.name,
                Some(2),
                Some(h.trim()),
                "`submission_url` is ignored: devices send their submissions to this duluan server"
                    .into(),
                "bỏ qua `submission_url`: thiết bị gửi phiếu về chính máy chủ duluan này".into(),
            )),
            "published" => match v.to_lowercase().as_str() {
                "" | "no" | "false" => form.published = false,
                "yes" | "true" => form.published = true,
                _ => errors.push(diag(
                    DiagKind::Type,
                    &sheet.name,
                    Some(2),
                    Some(h),
                    format!("`published` must be yes or no, not `{v}`"),
                    format!("`published` phải là yes hoặc no, không phải `{v}`"),
                )),
            },
            _ => {}
        }
    }
}

fn read_choices(
    sheet: &Sheet,
    origins: &mut Origins,
    errors: &mut Vec<Diagnostic>,
) -> Vec<ChoiceList> {
    let Some(header) = sheet.rows.first() else {
        return Vec::new();
    };
    let mut list_col = None;
    let mut name_col = None;
    let mut labels = Vec::new();
    let mut extra = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if h.trim().is_empty() {
            continue;
        }
        let (base, lang) = split_header(h);
        match base.as_str() {
            "list_name" | "list name" if lang.is_none() => {
                list_col = Some(i);
                origins
                    .choice_headers
                    .insert("list_name".into(), h.trim().to_string());
            }
            "name" | "value" if lang.is_none() => {
                name_col = Some(i);
                origins
                    .choice_headers
                    .insert("name".into(), h.trim().to_string());
            }
            "label" => {
                labels.push((i, lang.unwrap_or_default()));
                origins
                    .choice_headers
                    .entry("label".into())
                    .or_insert_with(|| h.trim().to_string());
            }
            _ => extra.push((i, h.trim().to_string())),
        }
    }
    let missing = |col: &str, errors: &mut Vec<Diagnostic>| {
        errors.push(diag(
            DiagKind::Column,
            &sheet.name,
            Some(1),
            None,
            format!("the `{col}` column is missing"),
            format!("thiếu cột `{col}`"),
        ))
    };
    let (Some(lc), Some(nc)) = (list_col, name_col) else {
        if list_col.is_none() {
            missing("list_name", errors);
        }
        if name_col.is_none() {
            missing("name", errors);
        }
        return Vec::new();
    };
    let mut lists: Vec<ChoiceList> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (r, row) in sheet.rows.iter().enumerate().skip(1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let list = cell(row, lc);
        if list.is_empty() {
            errors.push(diag(
                DiagKind::Missing,
                &sheet.name,
                Some(r + 1),
                Some(header[lc].trim()),
                "the list name is missing".into(),
                "thiếu tên danh sách".into(),
            ));
            continue;
        }
        let li = *index.entry(list.to_string()).or_insert_with(|| {
            lists.push(ChoiceList {
                name: list.to_string(),
                choices: Vec::new(),
            });
            lists.len() - 1
        });
        let mut label = Text::default();
        for (i, lang) in &labels {
            let v = cell(row, *i);
            if !v.is_empty() {
                label.0.insert(lang.clone(), v.to_string());
            }
        }
        let mut columns = BTreeMap::new();
        for (i, h) in &extra {
            let v = cell(row, *i);
            if !v.is_empty() {
                columns.insert(h.clone(), v.to_string());
            }
        }
        origins
            .choices
            .insert((list.to_string(), lists[li].choices.len()), r + 1);
        lists[li].choices.push(Choice {
            name: cell(row, nc).to_string(),
            label,
            columns,
        });
    }
    lists
}

fn read_survey(
    sheet: &Sheet,
    origins: &mut Origins,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
    or_other_lists: &mut Vec<String>,
) -> Vec<Item> {
    let Some(header) = sheet.rows.first() else {
        errors.push(diag(
            DiagKind::Sheet,
            &sheet.name,
            None,
            None,
            "the survey sheet is empty".into(),
            "trang tính survey trống".into(),
        ));
        return Vec::new();
    };
    let mut cols: Vec<(usize, Col, Option<String>)> = Vec::new();
    // Media label columns (ignored, each with a warning): a row labelled only by a media file
    // shows the file's name instead.
    let mut media_cols: Vec<usize> = Vec::new();
    // pyxform's `trigger` column (a calculation or location taken when another question
    // changes): not used, each row that fills it gets a warning.
    let mut trigger_col: Option<(usize, String)> = None;
    let mut seen = BTreeSet::new();
    for (i, h) in header.iter().enumerate() {
        if h.trim().is_empty() {
            continue;
        }
        let (base, lang) = split_header(h);
        let lower = h.trim().to_lowercase();
        let media = lower.strip_prefix("media::").unwrap_or(&base);
        let media = media.split("::").next().unwrap_or("");
        if matches!(media, "image" | "audio" | "video" | "big-image") {
            warnings.push(diag(
                DiagKind::Warning,
                &sheet.name,
                Some(1),
                Some(h.trim()),
                format!(
                    "column `{}` is ignored: duluan does not store form media files yet",
                    h.trim()
                ),
                format!(
                    "bỏ qua cột `{}`: duluan chưa lưu được tệp phương tiện của biểu mẫu",
                    h.trim()
                ),
            ));
            media_cols.push(i);
            continue;
        }
        if lower == "trigger" {
            trigger_col = Some((i, h.trim().to_string()));
            continue;
        }
        let Some(col) = Col::from_alias(&base) else {
            // Unknown columns are ignored as pyxform does (media, `$kuid`, …), except a near miss
            // of a known one, which would silently drop logic (`relevent`, `lable::English (en)`).
            if let Some(near) = near_miss(&base) {
                errors.push(diag(
                    DiagKind::Column,
                    &sheet.name,
                    Some(1),
                    Some(h.trim()),
                    format!("unknown column `{}`: did you mean `{near}`?", h.trim()),
                    format!("không có cột `{}`: có phải là `{near}`?", h.trim()),
                ));
            }
            continue;
        };
        if lang.is_some() && !col.translatable() {
            errors.push(diag(
                DiagKind::Column,
                &sheet.name,
                Some(1),
                Some(h.trim()),
                format!("column `{}` cannot have a language", col.header()),
                format!("cột `{}` không thể có ngôn ngữ", col.header()),
            ));
            continue;
        }
        if !seen.insert((col, lang.clone())) {
            errors.push(diag(
                DiagKind::Column,
                &sheet.name,
                Some(1),
                Some(h.trim()),
                format!("column `{}` appears twice", h.trim()),
                format!("cột `{}` xuất hiện hai lần", h.trim()),
            ));
            continue;
        }
        origins
            .survey_headers
            .entry(col.header())
            .or_insert_with(|| h.trim().to_string());
        cols.push((i, col, lang));
    }
    let mut missing = false;
    for need in [Col::Type, Col::Name] {
        if !cols.iter().any(|c| c.1 == need) {
            missing = true;
            errors.push(diag(
                DiagKind::Column,
                &sheet.name,
                Some(1),
                None,
                format!("the `{}` column is missing", need.header()),
                format!("thiếu cột `{}`", need.header()),
            ));
        }
    }
    if missing {
        return Vec::new();
    }
    let type_header = origins
        .survey_headers
        .get("type")
        .cloned()
        .unwrap_or_else(|| "type".into());
    let name_header = origins
        .survey_headers
        .get("name")
        .cloned()
        .unwrap_or_else(|| "name".into());
    let mut stack: Vec<Frame> = Vec::new();
    let mut top: Vec<Item> = Vec::new();
    for (r, row) in sheet.rows.iter().enumerate().skip(1) {
        let row_no = r + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut single: HashMap<Col, String> = HashMap::new();
        let mut texts: HashMap<Col, Text> = HashMap::new();
        for (i, col, lang) in &cols {
            let v = cell(row, *i);
            if v.is_empty() {
                continue;
            }
            if col.translatable() {
                texts
                    .entry(*col)
                    .or_default()
                    .0
                    .insert(lang.clone().unwrap_or_default(), v.to_string());
            } else {
                single.insert(*col, v.to_string());
            }
        }
        if let Some((i, header)) = &trigger_col
            && !cell(row, *i).is_empty()
        {
            warnings.push(diag(
                DiagKind::Warning,
                &sheet.name,
                Some(row_no),
                Some(header),
                "the `trigger` column is not used: the calculation is kept up to date with every answer instead of being taken when the trigger question changes".into(),
                "không dùng cột `trigger`: phép tính được cập nhật theo mọi câu trả lời thay vì chỉ khi câu hỏi kích hoạt thay đổi".into(),
            ));
        }
        // pyxform takes a media file as a label: with no label or hint in text, the file's name
        // is shown in brackets, with a warning.
        let no_text = |c: Col| {
            texts
                .get(&c)
                .is_none_or(|t| t.0.values().all(|v| v.is_empty()))
        };
        if no_text(Col::Label)
            && no_text(Col::Hint)
            && let Some(file) = media_cols
                .iter()
                .map(|i| cell(row, *i))
                .find(|v| !v.is_empty())
        {
            warnings.push(diag(
                DiagKind::Warning,
                &sheet.name,
                Some(row_no),
                None,
                format!(
                    "this row is labelled only by the media file `{file}`, which duluan does not show: its label is the file's name in brackets"
                ),
                format!(
                    "dòng này chỉ có nhãn là tệp phương tiện `{file}`, mà duluan không hiển thị: nhãn của nó là tên tệp trong ngoặc vuông"
                ),
            ));
            texts
                .entry(Col::Label)
                .or_default()
                .0
                .insert(String::new(), format!("[{file}]"));
        }
        let get = |c: Col| single.get(&c).cloned();
        let text = |c: Col| texts.get(&c).cloned().unwrap_or_default();
        let ty = get(Col::Type).unwrap_or_default();
        let norm = ty
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
            .replace('_', " ");
        let path_index = stack.last().map_or(top.len(), |f| f.group.items.len());
        let mut path: Vec<usize> = stack.iter().map(|f| f.path_index).collect();
        path.push(path_index);
        if ty.is_empty() {
            if single.keys().any(|c| *c != Col::Type) || !texts.is_empty() {
                errors.push(diag(
                    DiagKind::UnknownType,
                    &sheet.name,
                    Some(row_no),
                    Some(&type_header),
                    "the type is missing".into(),
                    "thiếu kiểu câu hỏi".into(),
                ));
            }
            continue;
        }
        match norm.as_str() {
            "begin group" | "begin repeat" | "begin lgroup" | "begin looped group"
                if stack.len() >= MAX_NESTING =>
            {
                errors.push(diag(
                    DiagKind::Structure,
                    &sheet.name,
                    Some(row_no),
                    Some(&type_header),
                    format!("groups are nested more than {MAX_NESTING} deep"),
                    format!("các nhóm lồng nhau quá {MAX_NESTING} cấp"),
                ));
                return top;
            }
            "begin group" | "begin repeat" | "begin lgroup" | "begin looped group" => {
                origins.items.insert(path, row_no);
                stack.push(Frame {
                    group: Group {
                        name: get(Col::Name).unwrap_or_default(),
                        repeat: norm != "begin group",
                        label: text(Col::Label),
                        interviewer_label: text(Col::InterviewerLabel),
                        relevant: get(Col::Relevant),
                        appearance: get(Col::Appearance),
                        repeat_count: get(Col::RepeatCount),
                        items: Vec::new(),
                    },
                    row: row_no,
                    path_index,
                });
            }
            "end group" | "end repeat" | "end lgroup" | "end looped group" => {
                let repeat = norm != "end group";
                match stack.pop() {
                    None => errors.push(diag(
                        DiagKind::Structure,
                        &sheet.name,
                        Some(row_no),
                        Some(&type_header),
                        format!("`{ty}` without a matching begin"),
                        format!("`{ty}` không có dòng begin tương ứng"),
                    )),
                    Some(frame) => {
                        if frame.group.repeat != repeat {
                            errors.push(diag(
                                DiagKind::Structure,
                                &sheet.name,
                                Some(row_no),
                                Some(&type_header),
                                format!(
                                    "`{ty}` closes the {} begun on row {}",
                                    if frame.group.repeat {
                                        "repeat"
                                    } else {
                                        "group"
                                    },
                                    frame.row
                                ),
                                format!(
                                    "`{ty}` đóng {} mở ở dòng {}",
                                    if frame.group.repeat {
                                        "nhóm lặp"
                                    } else {
                                        "nhóm"
                                    },
                                    frame.row
                                ),
                            ));
                        }
                        let item = Item::Group(frame.group);
                        match stack.last_mut() {
                            Some(parent) => parent.group.items.push(item),
                            None => top.push(item),
                        }
                    }
                }
            }
            _ if (norm.starts_with("select one from file ")
                || norm.starts_with("select multiple from file "))
                && QuestionType::parse(&ty)
                    .and_then(|k| k.file().map(|f| crate::media::MediaKind::of(f).is_none()))
                    .unwrap_or(true) =>
            {
                // pyxform: the file of a select from a file ends in .csv, .xml or .geojson.
                errors.push(diag(
                    DiagKind::UnknownType,
                    &sheet.name,
                    Some(row_no),
                    Some(&type_header),
                    format!("`{ty}`: the file of a select from a file must end in .csv, .xml or .geojson"),
                    format!("`{ty}`: tệp của câu hỏi chọn từ tệp phải có đuôi .csv, .xml hoặc .geojson"),
                ));
            }
            _ if norm.starts_with("select one external")
                || norm.starts_with("select one from external")
                || norm == "csv-external"
                || norm == "xml-external" =>
            {
                errors.push(diag(
                    DiagKind::UnknownType,
                    &sheet.name,
                    Some(row_no),
                    Some(&type_header),
                    format!(
                        "`{ty}` is not supported yet: use `select_one_from_file` with a CSV or XML media file instead"
                    ),
                    format!(
                        "chưa hỗ trợ `{ty}`: hãy dùng `select_one_from_file` với một tệp phương tiện CSV hoặc XML"
                    ),
                ));
            }
            _ => {
                // pyxform: `select_one LIST or_other` adds a choice `other` to LIST and a text
                // question `NAME_other` asked when it is chosen.
                let or_other = norm.ends_with(" or other")
                    && (norm.starts_with("select one ")
                        || norm.starts_with("select multiple ")
                        || norm.starts_with("select all that apply ")
                        || norm.starts_with("select1 "));
                let ty = if or_other {
                    let t = ty.trim_end();
                    t[..t.len() - "or_other".len()].trim_end().to_string()
                } else {
                    ty.clone()
                };
                let kind = match QuestionType::parse(&ty) {
                    Some(k) => k,
                    None => {
                        let (en, vi) = (
                            format!("unknown question type `{ty}`"),
                            format!("kiểu câu hỏi `{ty}` không tồn tại"),
                        );
                        errors.push(diag(
                            DiagKind::UnknownType,
                            &sheet.name,
                            Some(row_no),
                            Some(&type_header),
                            en,
                            vi,
                        ));
                        // A placeholder keeps references to it from being reported as unknown.
                        QuestionType::Hidden
                    }
                };
                if kind.is_never_kept() {
                    let (en, vi) = if kind == QuestionType::BackgroundAudio {
                        (
                            format!(
                                "`{ty}` is imported but not published: duluan does not record interviews, so devices are not asked to record and the value stays empty"
                            ),
                            format!(
                                "`{ty}` được nhập nhưng không đưa lên thiết bị: duluan không ghi âm cuộc phỏng vấn, nên thiết bị không ghi âm và giá trị luôn để trống"
                            ),
                        )
                    } else {
                        (
                            format!(
                                "`{ty}` is not kept: it identifies a phone or a person, not an opinion, so the value a device sends is dropped on receipt"
                            ),
                            format!(
                                "không lưu `{ty}`: thông tin này nhận diện điện thoại hoặc con người chứ không phải ý kiến, nên giá trị thiết bị gửi về bị bỏ khi nhận"
                            ),
                        )
                    };
                    warnings.push(diag(
                        DiagKind::Warning,
                        &sheet.name,
                        Some(row_no),
                        Some(&type_header),
                        en,
                        vi,
                    ));
                }
                let mut name = get(Col::Name);
                if kind == QuestionType::Audit {
                    // pyxform: the audit is always called `audit`; its name cell stays blank.
                    match name.as_deref() {
                        None | Some("audit") => name = Some("audit".into()),
                        Some(_) => errors.push(diag(
                            DiagKind::InvalidName,
                            &sheet.name,
                            Some(row_no),
                            Some(&name_header),
                            "an audit must be named `audit`: leave the name blank".into(),
                            "nhật ký audit phải có tên `audit`: hãy để trống cột tên".into(),
                        )),
                    }
                }
                if kind == QuestionType::Note && name.is_none() {
                    // pyxform names a note without a name itself.
                    name = Some(format!("generated_note_name_{row_no}"));
                }
                if kind == QuestionType::Image
                    && !crate::check::parse_parameters(&get(Col::Parameters).unwrap_or_default())
                        .iter()
                        .any(|(k, _)| k == "max-pixels")
                {
                    warnings.push(diag(
                        DiagKind::Warning,
                        &sheet.name,
                        Some(row_no),
                        Some(&type_header),
                        "use the `max-pixels` parameter to make photos smaller: they are sent and stored faster".into(),
                        "hãy dùng tham số `max-pixels` để giảm kích thước ảnh: ảnh được gửi và lưu nhanh hơn".into(),
                    ));
                }
                if name.is_none() {
                    errors.push(diag(
                        DiagKind::InvalidName,
                        &sheet.name,
                        Some(row_no),
                        Some(&name_header),
                        "the name is missing".into(),
                        "thiếu tên".into(),
                    ));
                }
                origins.items.insert(path, row_no);
                let q = Question {
                    name: name.unwrap_or_else(|| format!("_row{row_no}")),
                    kind,
                    label: text(Col::Label),
                    interviewer_label: text(Col::InterviewerLabel),
                    hint: text(Col::Hint),
                    guidance_hint: text(Col::GuidanceHint),
                    required: get(Col::Required),
                    required_message: text(Col::RequiredMessage),
                    constraint: get(Col::Constraint),
                    constraint_message: text(Col::ConstraintMessage),
                    relevant: get(Col::Relevant),
                    calculation: get(Col::Calculation),
                    default: get(Col::Default),
                    read_only: get(Col::ReadOnly),
                    choice_filter: get(Col::ChoiceFilter),
                    appearance: get(Col::Appearance),
                    parameters: get(Col::Parameters),
                };
                let other = if or_other {
                    if get(Col::ChoiceFilter).is_some() {
                        let h = origins
                            .survey_headers
                            .get("choice_filter")
                            .cloned()
                            .unwrap_or_else(|| "choice_filter".into());
                        errors.push(diag(
                            DiagKind::Type,
                            &sheet.name,
                            Some(row_no),
                            Some(&h),
                            "a choice filter cannot be used with `or_other`".into(),
                            "không thể dùng bộ lọc lựa chọn cùng với `or_other`".into(),
                        ));
                    }
                    if let Some(l) = q.kind.list()
                        && !or_other_lists.iter().any(|x| x == l)
                    {
                        or_other_lists.push(l.to_string());
                    }
                    Some(Question {
                        name: format!("{}_other", q.name),
                        kind: QuestionType::Text,
                        label: Text::plain("Specify other."),
                        relevant: Some(format!("selected(${{{}}}, 'other')", q.name)),
                        ..Question::default()
                    })
                } else {
                    None
                };
                let items = std::iter::once(Item::Question(q)).chain(other.map(Item::Question));
                for (k, item) in items.enumerate() {
                    if k > 0 {
                        let mut p: Vec<usize> = stack.iter().map(|f| f.path_index).collect();
                        p.push(path_index + k);
                        origins.items.insert(p, row_no);
                    }
                    match stack.last_mut() {
                        Some(parent) => parent.group.items.push(item),
                        None => top.push(item),
                    }
                }
            }
        }
    }
    while let Some(frame) = stack.pop() {
        errors.push(diag(
            DiagKind::Structure,
            &sheet.name,
            Some(frame.row),
            Some(&type_header),
            format!(
                "{} `{}` is never closed",
                if frame.group.repeat {
                    "repeat"
                } else {
                    "group"
                },
                frame.group.name
            ),
            format!(
                "{} `{}` không được đóng",
                if frame.group.repeat {
                    "nhóm lặp"
                } else {
                    "nhóm"
                },
                frame.group.name
            ),
        ));
        let item = Item::Group(frame.group);
        match stack.last_mut() {
            Some(parent) => parent.group.items.push(item),
            None => top.push(item),
        }
    }
    top
}

/// Edit distance counting a swap of two neighbours as one edit (optimal string alignment).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The known survey column an unknown header is a likely misspelling of.
fn near_miss(base: &str) -> Option<&'static str> {
    if base.chars().count() > 40 {
        return None;
    }
    let limit = if base.chars().count() <= 6 { 1 } else { 2 };
    Col::ALL
        .iter()
        .map(|c| c.header())
        .find(|h| distance(base, h) <= limit)
}

fn lang_header(base: &str, lang: &str) -> String {
    if lang.is_empty() {
        base.to_string()
    } else {
        format!("{base}::{lang}")
    }
}

/// Writes a form as XLSForm sheets (`survey`, `choices`, `settings`), with only the columns
/// the form uses.
pub fn export_sheets(form: &Form) -> Vec<Sheet> {
    // Which (column, language) pairs are used.
    let mut used: BTreeSet<(Col, String)> = BTreeSet::new();
    fn scan(items: &[Item], used: &mut BTreeSet<(Col, String)>) {
        let text = |c: Col, t: &Text, used: &mut BTreeSet<(Col, String)>| {
            for (k, v) in &t.0 {
                if !v.is_empty() {
                    used.insert((c, k.clone()));
                }
            }
        };
        for it in items {
            match it {
                Item::Question(q) => {
                    text(Col::Label, &q.label, used);
                    text(Col::InterviewerLabel, &q.interviewer_label, used);
                    text(Col::Hint, &q.hint, used);
                    text(Col::GuidanceHint, &q.guidance_hint, used);
                    text(Col::RequiredMessage, &q.required_message, used);
                    text(Col::ConstraintMessage, &q.constraint_message, used);
                    for (c, v) in [
                        (Col::Required, &q.required),
                        (Col::Constraint, &q.constraint),
                        (Col::Relevant, &q.relevant),
                        (Col::Calculation, &q.calculation),
                        (Col::Default, &q.default),
                        (Col::ReadOnly, &q.read_only),
                        (Col::ChoiceFilter, &q.choice_filter),
                        (Col::Appearance, &q.appearance),
                        (Col::Parameters, &q.parameters),
                    ] {
                        if v.is_some() {
                            used.insert((c, String::new()));
                        }
                    }
                }
                Item::Group(g) => {
                    text(Col::Label, &g.label, used);
                    text(Col::InterviewerLabel, &g.interviewer_label, used);
                    for (c, v) in [
                        (Col::Relevant, &g.relevant),
                        (Col::Appearance, &g.appearance),
                        (Col::RepeatCount, &g.repeat_count),
                    ] {
                        if v.is_some() {
                            used.insert((c, String::new()));
                        }
                    }
                    scan(&g.items, used);
                }
            }
        }
    }
    scan(&form.items, &mut used);
    used.insert((Col::Type, String::new()));
    used.insert((Col::Name, String::new()));
    let columns: Vec<(Col, String)> = used.into_iter().collect();
    let mut survey = vec![
        columns
            .iter()
            .map(|(c, l)| lang_header(c.header(), l))
            .collect::<Vec<_>>(),
    ];
    fn rows(items: &[Item], columns: &[(Col, String)], out: &mut Vec<Vec<String>>) {
        for it in items {
            match it {
                Item::Question(q) => {
                    out.push(
                        columns
                            .iter()
                            .map(|(c, l)| {
                                let t = |t: &Text| t.0.get(l).cloned().unwrap_or_default();
                                let o = |o: &Option<String>| o.clone().unwrap_or_default();
                                match c {
                                    Col::Type => q.kind.to_string(),
                                    Col::Name => q.name.clone(),
                                    Col::Label => t(&q.label),
                                    Col::InterviewerLabel => t(&q.interviewer_label),
                                    Col::Hint => t(&q.hint),
                                    Col::GuidanceHint => t(&q.guidance_hint),
                                    Col::RequiredMessage => t(&q.required_message),
                                    Col::ConstraintMessage => t(&q.constraint_message),
                                    Col::Required => o(&q.required),
                                    Col::Constraint => o(&q.constraint),
                                    Col::Relevant => o(&q.relevant),
                                    Col::Calculation => o(&q.calculation),
                                    Col::Default => o(&q.default),
                                    Col::ReadOnly => o(&q.read_only),
                                    Col::ChoiceFilter => o(&q.choice_filter),
                                    Col::Appearance => o(&q.appearance),
                                    Col::Parameters => o(&q.parameters),
                                    Col::RepeatCount => String::new(),
                                }
                            })
                            .collect(),
                    );
                }
                Item::Group(g) => {
                    let kind = if g.repeat { "repeat" } else { "group" };
                    out.push(
                        columns
                            .iter()
                            .map(|(c, l)| {
                                let t = |t: &Text| t.0.get(l).cloned().unwrap_or_default();
                                let o = |o: &Option<String>| o.clone().unwrap_or_default();
                                match c {
                                    Col::Type => format!("begin {kind}"),
                                    Col::Name => g.name.clone(),
                                    Col::Label => t(&g.label),
                                    Col::InterviewerLabel => t(&g.interviewer_label),
                                    Col::Relevant => o(&g.relevant),
                                    Col::Appearance => o(&g.appearance),
                                    Col::RepeatCount => o(&g.repeat_count),
                                    _ => String::new(),
                                }
                            })
                            .collect(),
                    );
                    rows(&g.items, columns, out);
                    let mut end = vec![String::new(); columns.len()];
                    end[0] = format!("end {kind}");
                    out.push(end);
                }
            }
        }
    }
    rows(&form.items, &columns, &mut survey);
    let mut sheets = vec![Sheet {
        name: "survey".into(),
        rows: survey,
    }];

    if !form.choices.is_empty() {
        let mut langs = BTreeSet::new();
        let mut extra = BTreeSet::new();
        for l in &form.choices {
            for c in &l.choices {
                langs.extend(
                    c.label
                        .0
                        .iter()
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(k, _)| k.clone()),
                );
                extra.extend(c.columns.keys().cloned());
            }
        }
        let mut header = vec!["list_name".to_string(), "name".to_string()];
        header.extend(langs.iter().map(|l| lang_header("label", l)));
        header.extend(extra.iter().cloned());
        let mut rows = vec![header];
        for l in &form.choices {
            for c in &l.choices {
                let mut row = vec![l.name.clone(), c.name.clone()];
                row.extend(
                    langs
                        .iter()
                        .map(|lang| c.label.0.get(lang).cloned().unwrap_or_default()),
                );
                row.extend(
                    extra
                        .iter()
                        .map(|k| c.columns.get(k).cloned().unwrap_or_default()),
                );
                rows.push(row);
            }
        }
        sheets.push(Sheet {
            name: "choices".into(),
            rows,
        });
    }

    let mut settings: Vec<(&str, String)> = vec![
        ("form_title", form.title.clone()),
        ("form_id", form.id.clone()),
        ("version", form.version.clone()),
    ];
    if let Some(l) = &form.default_language {
        settings.push(("default_language", l.clone()));
    }
    if let Some(n) = &form.instance_name {
        settings.push(("instance_name", n.clone()));
    }
    if let Some(k) = &form.public_key {
        settings.push(("public_key", k.clone()));
    }
    if form.published {
        settings.push(("published", "yes".into()));
    }
    sheets.push(Sheet {
        name: "settings".into(),
        rows: vec![
            settings.iter().map(|(k, _)| k.to_string()).collect(),
            settings.into_iter().map(|(_, v)| v).collect(),
        ],
    });
    sheets
}

/// Adds pyxform's `other` choice (label `Other`, without a language) to each list used by an
/// `or_other` select, and its warning when the form has translations.
fn add_other_choices(form: &mut Form, lists: &[String], warnings: &mut Vec<Diagnostic>) {
    if lists.is_empty() {
        return;
    }
    // pyxform writes `Other` in every language of a translated list.
    let languages = form.languages();
    let mut label = Text::default();
    for l in languages.iter().filter(|l| !l.is_empty()) {
        label = label.with(l, "Other");
    }
    if label.is_empty() {
        label = Text::plain("Other");
    }
    for l in &mut form.choices {
        if lists.contains(&l.name) && !l.choices.iter().any(|c| c.name == "other") {
            l.choices.push(Choice {
                name: "other".into(),
                label: label.clone(),
                columns: BTreeMap::new(),
            });
        }
    }
    if languages.iter().any(|l| !l.is_empty()) {
        warnings.push(Diagnostic::new(
            DiagKind::Warning,
            "this form uses `or_other` and translations: the label of the `other` choice (`Other`) and of the question `…_other` (`Specify other.`) are not translated",
            "biểu mẫu dùng `or_other` cùng với bản dịch: nhãn của lựa chọn `other` (`Other`) và của câu hỏi `…_other` (`Specify other.`) không được dịch",
        ));
    }
}

/// pyxform's warning for a choice without a label (the choice's name is shown instead).
fn choice_label_warnings(
    form: &Form,
    sheets: &[Sheet],
    origins: &Origins,
    warnings: &mut Vec<Diagnostic>,
) {
    let sheet = find_sheet(sheets, "choices").map_or("choices".to_string(), |s| s.name.clone());
    let column = origins
        .choice_headers
        .get("label")
        .cloned()
        .unwrap_or_else(|| "label".into());
    for l in &form.choices {
        for (i, c) in l.choices.iter().enumerate() {
            if c.label.is_empty()
                && let Some(&row) = origins.choices.get(&(l.name.clone(), i))
            {
                warnings.push(diag(
                    DiagKind::Warning,
                    &sheet,
                    Some(row),
                    Some(&column),
                    format!(
                        "choice `{}` of list `{}` has no label: its name is shown",
                        c.name, l.name
                    ),
                    format!(
                        "lựa chọn `{}` của danh sách `{}` không có nhãn: tên của nó được hiển thị",
                        c.name, l.name
                    ),
                ));
            }
        }
    }
}
