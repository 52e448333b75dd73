//! The `survey` sheet: its columns, each row as a question or the start or end of a group or
//! repeat, and pyxform's type aliases.

use super::columns::{Col, near_miss, split_header};
use super::{Origins, Sheet, cell, diag};
use crate::diag::{DiagKind, Diagnostic};
use crate::model::{Group, Item, Question, QuestionType, Text};
use std::collections::{BTreeSet, HashMap};

/// Deepest nesting of groups and repeats accepted.
pub const MAX_NESTING: usize = 32;

struct Frame {
    group: Group,
    row: usize,
    path_index: usize,
}

pub(super) fn read_survey(
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
