//! Small XLSForms written for the verdict corpus: each exercises one thing ODK/KoboToolbox
//! forms use (geo, media, metadata, barcode, `or_other`, translated-only labels, Excel dates,
//! settings, …) and records pyxform 4.x's verdict on it. `tests/all/verdicts.rs` checks that
//! duluan gives the same verdict; `ci/xlsform-verdicts.sh` checks the recorded verdicts against
//! pyxform itself and compares the XForms of the forms both accept.
//!
//! Cells are text, except `=date:YYYY-MM-DD`, `=time:HH:MM:SS` and
//! `=datetime:YYYY-MM-DD HH:MM:SS`, written as Excel dates and times (number cells with a date
//! format), as a spreadsheet program writes a date typed into a cell.

/// pyxform's verdict (and duluan's, when they differ on purpose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// pyxform converts it (maybe with warnings); duluan imports it. `warnings`: how many
    /// warnings duluan gives.
    Accept { warnings: usize },
    /// pyxform refuses it; duluan refuses it with an error at this sheet, row and column.
    Refuse {
        sheet: &'static str,
        row: usize,
        column: &'static str,
    },
    /// pyxform converts it, duluan refuses it on purpose (not supported yet), with an error here.
    Unsupported {
        sheet: &'static str,
        row: usize,
        column: &'static str,
    },
}

/// One XLSForm of the corpus.
pub struct VerdictForm {
    /// File stem.
    pub name: &'static str,
    /// The verdict.
    pub expect: Expect,
    /// Sheets: name and rows of cells (first row: headers).
    pub sheets: Vec<(&'static str, Vec<Vec<&'static str>>)>,
    /// Why the XForms are not compared (duluan drops something on purpose), if so.
    pub no_compare: Option<&'static str>,
}

fn rows(r: &[&[&'static str]]) -> Vec<Vec<&'static str>> {
    r.iter().map(|row| row.to_vec()).collect()
}

fn form(
    name: &'static str,
    expect: Expect,
    survey: &[&[&'static str]],
    choices: &[&[&'static str]],
    settings: &[&[&'static str]],
) -> VerdictForm {
    let mut sheets = vec![("survey", rows(survey))];
    if !choices.is_empty() {
        sheets.push(("choices", rows(choices)));
    }
    let settings = if settings.is_empty() {
        vec![
            vec!["form_title", "form_id", "version"],
            vec![name, name, "1"],
        ]
    } else {
        rows(settings)
    };
    sheets.push(("settings", settings));
    VerdictForm {
        name,
        expect,
        sheets,
        no_compare: None,
    }
}

const fn accept(warnings: usize) -> Expect {
    Expect::Accept { warnings }
}

const fn refuse(row: usize, column: &'static str) -> Expect {
    Expect::Refuse {
        sheet: "survey",
        row,
        column,
    }
}

/// A 2048-bit RSA public key made for the corpus (`openssl genrsa 2048 | openssl rsa -pubout`;
/// its private key was not kept).
const KEY_2048: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAi7AHqlylloWAmXgCZr9yLyCFmzvNxS1Wq9VF9vFQciY2QPbmjZ5/oYXQiiJbOte0+kNRy+TYCN9JBE/VGWdyLZdmo4i1T3qtGg+ok1+6bhxPbND1C7UR19FjyAckYam77sppDw7GgJw23nJq2GV7NHztBVbY0xHlBCEKaAWdWtzbQrCxfMDk5ONYNY824okJuS1kKeZHKZ2i9r0fRYiNAaskcysm0V9cyBwThoTJP/TMjJiIRuEh6BPa/uvqiIjPxq8ry0UiRjo3cT4HNRf2iuM2Db025GNqiJr8MIwLm+psb2aBsn5p66P2wY0dnGKOgi/6vpv0Bdllo84nfz27BwIDAQAB";

const YN: &[&[&str]] = &[
    &["list_name", "name", "label"],
    &["yn", "yes", "Yes"],
    &["yn", "no", "No"],
];

/// Every form of the corpus.
pub fn forms() -> Vec<VerdictForm> {
    vec![
        form(
            "geo_types",
            accept(0),
            &[
                &["type", "name", "label", "required", "relevant"],
                &["geopoint", "where", "Where are you?", "yes", ""],
                &["geotrace", "road", "Walk the road", "", "${where} != ''"],
                &["geoshape", "field", "Walk around the field", "", ""],
                &["gps", "where2", "Alias gps", "", ""],
                &["location", "where3", "Alias location", "", ""],
                &["q geotrace", "road2", "Alias q geotrace", "", ""],
            ],
            &[],
            &[],
        ),
        form(
            "geo_default",
            accept(0),
            &[
                &["type", "name", "label", "default"],
                &["geopoint", "home", "Home", "21.0285 105.8542 12 5"],
            ],
            &[],
            &[],
        ),
        form(
            "geo_parameters",
            accept(0),
            &[
                &["type", "name", "label", "parameters"],
                &[
                    "geopoint",
                    "gp",
                    "Where",
                    "capture-accuracy=10 warning-accuracy=20 allow-mock-accuracy=true",
                ],
                &["geotrace", "gt", "Line", "incremental=true"],
                &["geoshape", "gs", "Shape", "allow-mock-accuracy=false"],
            ],
            &[],
            &[],
        ),
        form(
            "geo_bad_parameter",
            refuse(2, "parameters"),
            &[
                &["type", "name", "label", "parameters"],
                &["geopoint", "gp", "Where", "capture-accuracy=close"],
            ],
            &[],
            &[],
        ),
        form(
            "media_types",
            accept(0),
            &[
                &["type", "name", "label", "parameters", "hint"],
                &[
                    "image",
                    "photo",
                    "Photo of the house",
                    "max-pixels=1024",
                    "",
                ],
                &["audio", "voice", "Record the answer", "quality=normal", ""],
                &["video", "clip", "A short video", "", "At most 30 seconds"],
                &["file", "doc", "A document", "", ""],
                &["photo", "photo2", "Alias photo", "max-pixels=800", ""],
            ],
            &[],
            &[],
        ),
        form(
            "image_without_max_pixels",
            accept(1),
            &[&["type", "name", "label"], &["image", "photo", "Photo"]],
            &[],
            &[],
        ),
        form(
            "media_in_groups_and_repeats",
            accept(0),
            &[
                &["type", "name", "label", "parameters"],
                &["begin group", "house", "House", ""],
                &["image", "front", "Front", "max-pixels=1024"],
                &["geopoint", "door", "Door", ""],
                &["end group", "", "", ""],
                &["begin repeat", "member", "Member", ""],
                &["text", "mname", "Name", ""],
                &["image", "mphoto", "Photo", "max-pixels=640"],
                &["end repeat", "", "", ""],
            ],
            &[],
            &[],
        ),
        form(
            "barcode",
            accept(0),
            &[
                &["type", "name", "label", "constraint"],
                &["barcode", "code", "Scan the code", "string-length(.) > 3"],
                &["add barcode prompt", "code2", "Alias", ""],
            ],
            &[],
            &[],
        ),
        form(
            "metadata",
            accept(0),
            &[
                &["type", "name", "label", "parameters"],
                &["start", "start", "", ""],
                &["end", "end", "", ""],
                &["today", "today", "", ""],
                &["deviceid", "deviceid", "", ""],
                &["username", "username", "", ""],
                &[
                    "audit",
                    "",
                    "",
                    "location-priority=balanced location-min-interval=60 location-max-age=120 track-changes=true",
                ],
                &["text", "q1", "Question", ""],
            ],
            &[],
            &[],
        ),
        form(
            "metadata_aliases",
            accept(0),
            &[
                &["type", "name", "label"],
                &["start time", "started", ""],
                &["end time", "ended", ""],
                &["get today", "day", ""],
                &["imei", "imei", ""],
                &["audit", "audit", ""],
                &["integer", "n", "N"],
            ],
            &[],
            &[],
        ),
        form(
            "audit_in_group",
            accept(0),
            &[
                &["type", "name", "label"],
                &["begin group", "g", "G"],
                &["audit", "", ""],
                &["text", "t", "T"],
                &["end group", "", ""],
            ],
            &[],
            &[],
        ),
        form(
            "audit_named",
            refuse(2, "name"),
            &[
                &["type", "name", "label"],
                &["audit", "my_audit", ""],
                &["text", "t", "T"],
            ],
            &[],
            &[],
        ),
        form(
            "audit_bad_parameter",
            refuse(2, "parameters"),
            &[
                &["type", "name", "label", "parameters"],
                &["audit", "", "", "track-changes=maybe"],
                &["text", "t", "T", ""],
            ],
            &[],
            &[],
        ),
        form(
            "audit_partial_location",
            refuse(2, "parameters"),
            &[
                &["type", "name", "label", "parameters"],
                &["audit", "", "", "location-priority=balanced"],
                &["text", "t", "T", ""],
            ],
            &[],
            &[],
        ),
        form(
            "audio_bad_quality",
            refuse(2, "parameters"),
            &[
                &["type", "name", "label", "parameters"],
                &["audio", "a", "A", "quality=best"],
            ],
            &[],
            &[],
        ),
        form(
            "label_translated_only",
            accept(0),
            &[
                &[
                    "type",
                    "name",
                    "label::English (en)",
                    "hint::English (en)",
                    "constraint_message::English (en)",
                    "constraint",
                ],
                &["integer", "age", "Age", "In years", "Too old", ". < 120"],
                &["select_one yn", "ok", "Agree?", "", "", ""],
                &["begin group", "g", "Group", "", "", ""],
                &["geopoint", "gp", "Where", "", "", ""],
                &["end group", "", "", "", "", ""],
            ],
            &[
                &["list_name", "name", "label::English (en)"],
                &["yn", "yes", "Yes"],
                &["yn", "no", "No"],
            ],
            &[],
        ),
        form(
            "label_two_languages",
            accept(1),
            &[
                &[
                    "type",
                    "name",
                    "label::Tiếng Việt (vi)",
                    "label::English (en)",
                ],
                &["text", "name", "Họ tên", "Name"],
                &["select_one yn", "ok", "Đồng ý?", "Agree?"],
                &["image", "pic", "Ảnh", "Photo"],
            ],
            &[
                &[
                    "list_name",
                    "name",
                    "label::Tiếng Việt (vi)",
                    "label::English (en)",
                ],
                &["yn", "yes", "Có", "Yes"],
                &["yn", "no", "Không", "No"],
            ],
            &[
                &["form_title", "form_id", "version", "default_language"],
                &[
                    "Two languages",
                    "label_two_languages",
                    "1",
                    "Tiếng Việt (vi)",
                ],
            ],
        ),
        form(
            "question_without_label",
            refuse(2, "label"),
            &[&["type", "name", "label"], &["text", "a", ""]],
            &[],
            &[],
        ),
        form(
            "geopoint_without_label",
            refuse(2, "label"),
            &[&["type", "name", "label"], &["geopoint", "a", ""]],
            &[],
            &[],
        ),
        VerdictForm {
            no_compare: Some("media columns are dropped (with a warning each)"),
            ..form(
                "media_columns",
                accept(2),
                &[
                    &[
                        "type",
                        "name",
                        "label",
                        "media::image",
                        "audio::English (en)",
                    ],
                    &["text", "a", "A", "a.png", "a.mp3"],
                ],
                &[],
                &[],
            )
        },
        form(
            "question_with_hint_only",
            accept(0),
            &[
                &["type", "name", "label", "hint"],
                &["text", "a", "", "Only a hint"],
            ],
            &[],
            &[],
        ),
        form(
            "group_without_label",
            accept(0),
            &[
                &["type", "name", "label"],
                &["begin group", "g", ""],
                &["text", "a", "A"],
                &["end group", "", ""],
            ],
            &[],
            &[],
        ),
        form(
            "choice_without_label",
            accept(1),
            &[&["type", "name", "label"], &["select_one yn", "ok", "OK?"]],
            &[
                &["list_name", "name", "label"],
                &["yn", "yes", "Yes"],
                &["yn", "no", ""],
            ],
            &[],
        ),
        form(
            "choice_name_with_space",
            accept(0),
            &[&["type", "name", "label"], &["select_one yn", "a", "A"]],
            &[
                &["list_name", "name", "label"],
                &["yn", "y y", "Yes"],
                &["yn", "n", "No"],
            ],
            &[],
        ),
        form(
            "choice_name_with_space_multiple",
            Expect::Refuse {
                sheet: "choices",
                row: 2,
                column: "name",
            },
            &[
                &["type", "name", "label"],
                &["select_multiple yn", "a", "A"],
            ],
            &[&["list_name", "name", "label"], &["yn", "y y", "Yes"]],
            &[],
        ),
        form(
            "or_other",
            accept(0),
            &[
                &["type", "name", "label"],
                &["select_one fruit or_other", "fruit", "Favourite fruit"],
                &["select_multiple fruit or_other", "fruits", "Fruits you eat"],
                &["text", "after", "After"],
            ],
            &[
                &["list_name", "name", "label"],
                &["fruit", "mango", "Mango"],
                &["fruit", "durian", "Durian"],
            ],
            &[],
        ),
        form(
            "or_other_translated",
            accept(1),
            &[
                &[
                    "type",
                    "name",
                    "label::English (en)",
                    "label::Tiếng Việt (vi)",
                ],
                &["select_one fruit or_other", "fruit", "Fruit", "Trái cây"],
            ],
            &[
                &[
                    "list_name",
                    "name",
                    "label::English (en)",
                    "label::Tiếng Việt (vi)",
                ],
                &["fruit", "mango", "Mango", "Xoài"],
            ],
            &[],
        ),
        form(
            "or_other_with_choice_filter",
            refuse(2, "choice_filter"),
            &[
                &["type", "name", "label", "choice_filter"],
                &["select_one fruit or_other", "fruit", "Fruit", "name != 'x'"],
            ],
            &[
                &["list_name", "name", "label"],
                &["fruit", "mango", "Mango"],
            ],
            &[],
        ),
        form(
            "excel_dates_in_default",
            accept(0),
            &[
                &["type", "name", "label", "default"],
                &["date", "visit", "Visit date", "=date:2024-01-05"],
                &["time", "at", "Time", "=time:08:30:00"],
                &["dateTime", "when", "When", "=datetime:2024-01-05 08:30:00"],
                &["date", "typed", "Typed date", "2024-02-29"],
            ],
            &[],
            &[],
        ),
        form(
            "settings_all",
            accept(1),
            &[
                &["type", "name", "label"],
                &["text", "hh", "Household head"],
                &["geopoint", "gp", "Where"],
            ],
            &[],
            &[
                &[
                    "form_title",
                    "form_id",
                    "version",
                    "instance_name",
                    "default_language",
                    "public_key",
                    "submission_url",
                ],
                &[
                    "All settings",
                    "settings_all",
                    "2026120501",
                    "concat('HH-', ${hh})",
                    "English (en)",
                    KEY_2048,
                    "https://example.org/submission",
                ],
            ],
        ),
        // pyxform copies any `public_key`; duluan refuses one devices could not encrypt with.
        form(
            "public_key_truncated",
            Expect::Unsupported {
                sheet: "settings",
                row: 2,
                column: "public_key",
            },
            &[&["type", "name", "label"], &["text", "a", "A"]],
            &[],
            &[
                &["form_title", "form_id", "version", "public_key"],
                &[
                    "Truncated key",
                    "public_key_truncated",
                    "1",
                    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqd",
                ],
            ],
        ),
        form(
            "note_without_name",
            accept(0),
            &[
                &["type", "name", "label"],
                &["note", "", "Welcome"],
                &["text", "a", "A"],
            ],
            &[],
            &[],
        ),
        form(
            "other_types",
            accept(0),
            &[
                &["type", "name", "label", "parameters", "appearance"],
                &["range", "score", "Score", "start=0 end=10 step=1", ""],
                &["rank prio", "prio", "Rank", "", ""],
                &["acknowledge", "ack", "I agree", "", ""],
                &["trigger", "trig", "Tap", "", ""],
                &["note", "nt", "A note", "", ""],
                &["select_one yn", "lik", "Likert", "", "likert"],
            ],
            &[
                &["list_name", "name", "label"],
                &["prio", "a", "A"],
                &["prio", "b", "B"],
                &["yn", "yes", "Yes"],
                &["yn", "no", "No"],
            ],
            &[],
        ),
        form(
            "unknown_type",
            refuse(2, "type"),
            &[&["type", "name", "label"], &["geopont", "a", "A"]],
            &[],
            &[],
        ),
        form(
            "duplicate_name",
            refuse(3, "name"),
            &[
                &["type", "name", "label"],
                &["image", "a", "A"],
                &["geopoint", "a", "B"],
            ],
            &[],
            &[],
        ),
        form(
            "missing_list",
            refuse(2, "type"),
            &[
                &["type", "name", "label"],
                &["select_one nope or_other", "a", "A"],
            ],
            YN,
            &[],
        ),
        form(
            "select_one_from_file",
            accept(0),
            &[
                &["type", "name", "label"],
                &["select_one_from_file villages.csv", "village", "Village"],
            ],
            &[],
            &[],
        ),
        form(
            "select_multiple_from_file",
            accept(0),
            &[
                &["type", "name", "label"],
                &["select_multiple_from_file crops.xml", "crops", "Crops"],
            ],
            &[],
            &[],
        ),
        form(
            "pulldata",
            accept(0),
            &[
                &["type", "name", "label", "calculation"],
                &["text", "id", "ID", ""],
                &[
                    "calculate",
                    "age",
                    "",
                    "pulldata('people', 'age', 'id', ${id})",
                ],
            ],
            &[],
            &[],
        ),
        form(
            "from_file_choice_filter",
            accept(0),
            &[
                &["type", "name", "label", "choice_filter"],
                &["select_one yn", "rural", "Rural?", ""],
                &["text", "district", "District", ""],
                &[
                    "select_one_from_file villages.csv",
                    "village",
                    "Village",
                    "district=${district} and rural=${rural}",
                ],
            ],
            YN,
            &[],
        ),
        form(
            "from_file_value_label",
            accept(0),
            &[
                &["type", "name", "label", "parameters"],
                &[
                    "select_one_from_file wards.csv",
                    "ward",
                    "Ward",
                    "value=code label=title",
                ],
                &["select_one_from_file wells.geojson", "well", "Well", ""],
            ],
            &[],
            &[],
        ),
        form(
            "pulldata_with_select",
            accept(0),
            &[
                &["type", "name", "label", "relevant", "calculation"],
                &[
                    "select_one_from_file villages.csv",
                    "village",
                    "Village",
                    "",
                    "",
                ],
                &[
                    "calculate",
                    "head",
                    "",
                    "",
                    "pulldata('villages', 'head', 'name', ${village})",
                ],
                &[
                    "integer",
                    "households",
                    "Households (${head})",
                    "pulldata('people', 'age', 'id', ${village}) > 18",
                    "",
                ],
            ],
            &[],
            &[],
        ),
        form(
            "from_file_bad_extension",
            refuse(2, "type"),
            &[
                &["type", "name", "label"],
                &["select_one_from_file villages.txt", "village", "Village"],
            ],
            &[],
            &[],
        ),
        VerdictForm {
            no_compare: Some("media labels are not kept: the note shows the file's name instead"),
            ..form(
                "media_only_label",
                accept(2),
                &[
                    &["type", "name", "label", "media::image"],
                    &["note", "map", "", "ban_do.png"],
                    &["text", "q", "Q", ""],
                ],
                &[],
                &[],
            )
        },
        VerdictForm {
            no_compare: Some(
                "the `trigger` column is not used (a warning): the calculation is a bind, not a `setvalue` on the trigger",
            ),
            ..form(
                "trigger_column",
                accept(1),
                &[
                    &["type", "name", "label", "trigger", "calculation"],
                    &["text", "a", "A", "", ""],
                    &["calculate", "stamp", "", "${a}", "now()"],
                ],
                &[],
                &[],
            )
        },
        form(
            "odk_functions",
            accept(0),
            &[
                &["type", "name", "label", "calculation"],
                &["geoshape", "plot", "Plot", ""],
                &["geotrace", "path", "Path", ""],
                &["calculate", "key", "", "once(uuid())"],
                &["calculate", "code", "", "uuid(8)"],
                &["calculate", "draw", "", "random()"],
                &[
                    "calculate",
                    "hashed",
                    "",
                    "digest(${key}, 'SHA-256', 'hex')",
                ],
                &["calculate", "size", "", "area(${plot})"],
                &["calculate", "length", "", "distance(${path})"],
                &["note", "show", "Area ${size} m², length ${length} m", ""],
            ],
            &[],
            &[],
        ),
        {
            let mut f = form(
                "entities_sheet",
                accept(1),
                &[
                    &["type", "name", "label", "save_to"],
                    &["text", "hh_name", "Household name", "hh"],
                    &["integer", "members", "Members", "members"],
                ],
                &[],
                &[],
            );
            f.sheets.push((
                "entities",
                vec![vec!["list_name", "label"], vec!["households", "${hh_name}"]],
            ));
            f.no_compare = Some(
                "the `entities` sheet is not used (a warning): the entity declarations and `save_to` are not written",
            );
            f
        },
        form(
            "device_metadata",
            // One warning each for the values never kept and the recording never published.
            Expect::Accept { warnings: 5 },
            &[
                &["type", "name", "label"],
                &["phonenumber", "phone", ""],
                &["simserial", "sim", ""],
                &["subscriberid", "sub", ""],
                &["email", "mail", ""],
                &["start-geopoint", "where", ""],
                &["background-audio", "rec", ""],
                &["text", "a", "A"],
            ],
            &[],
            &[],
        ),
        VerdictForm {
            no_compare: Some(
                "`uri:` metadata is published without the prefix (`deviceid`, `username`): the same value, not as a URI",
            ),
            ..form(
                "uri_metadata",
                accept(1),
                &[
                    &["type", "name", "label"],
                    &["uri:deviceid", "dev", ""],
                    &["uri:username", "user", ""],
                    &["uri:email", "mail", ""],
                    &["text", "a", "A"],
                ],
                &[],
                &[],
            )
        },
    ]
}

/// The `.xlsx` bytes of a form.
pub fn xlsx(f: &VerdictForm) -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    for (name, rows) in &f.sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                if cell.is_empty() {
                    continue;
                }
                let ymd = |s: &str| {
                    let p: Vec<u16> = s.split('-').map(|x| x.parse().unwrap()).collect();
                    ExcelDateTime::from_ymd(p[0], p[1] as u8, p[2] as u8).unwrap()
                };
                let hms = |s: &str| {
                    let p: Vec<u16> = s.split(':').map(|x| x.parse().unwrap()).collect();
                    (p[0], p[1] as u8, p[2])
                };
                if let Some(d) = cell.strip_prefix("=date:") {
                    let fmt = Format::new().set_num_format("yyyy-mm-dd");
                    ws.write_datetime_with_format(r, c, ymd(d), &fmt).unwrap();
                } else if let Some(t) = cell.strip_prefix("=time:") {
                    let (h, m, s) = hms(t);
                    let fmt = Format::new().set_num_format("hh:mm:ss");
                    let t = ExcelDateTime::from_hms(h, m, s).unwrap();
                    ws.write_datetime_with_format(r, c, t, &fmt).unwrap();
                } else if let Some(dt) = cell.strip_prefix("=datetime:") {
                    let (d, t) = dt.split_once(' ').unwrap();
                    let (h, m, s) = hms(t);
                    let fmt = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
                    let v = ymd(d).and_hms(h, m, s).unwrap();
                    ws.write_datetime_with_format(r, c, v, &fmt).unwrap();
                } else {
                    ws.write_string(r, c, *cell).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}
