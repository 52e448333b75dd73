//! Fuzzes the page reader on arbitrary files (PNG, JPEG, TIFF, PDF or anything): nothing may
//! panic, and every failure is a typed error. Small limits keep each run short.
#![no_main]

use duluan_forms::{Choice, ChoiceList, Form, Item, Question, QuestionType, Text};
use duluan_paper::{Layout, LayoutOptions, Limits, layout, read_scan};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn test_layout() -> &'static Layout {
    static L: OnceLock<Layout> = OnceLock::new();
    L.get_or_init(|| {
        let form = Form {
            id: "f".into(),
            version: "1".into(),
            items: vec![Item::Question(Question {
                name: "q".into(),
                kind: QuestionType::SelectOne("yn".into()),
                label: Text::plain("Có không?"),
                ..Question::default()
            })],
            choices: vec![ChoiceList {
                name: "yn".into(),
                choices: ["1", "2"]
                    .map(|v| Choice { name: v.into(), label: Text::plain(v), ..Choice::default() })
                    .to_vec(),
            }],
            ..Form::default()
        };
        layout(&form, &LayoutOptions::default()).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_bytes: 1 << 20,
        max_width: 1300,
        max_height: 1800,
        max_pdf_pages: 4,
        pdf_dpi: 150.0,
        max_total_pixels: 4 * 1300 * 1800,
    };
    let _ = read_scan(data, test_layout(), &limits);
});
