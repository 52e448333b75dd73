//! Fuzzes locating and reading a page on arbitrary grey bitmaps (the first two bytes give the
//! width in tens of pixels, the rest is tiled over the page): nothing may panic.
#![no_main]

use duluan_forms::{Form, Item, Question, QuestionType, Text};
use duluan_paper::{Bitmap, LayoutOptions, layout, read_bitmap};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let w = 400 + u32::from(data[0]) * 5;
    let h = 400 + u32::from(data[1]) * 7;
    let body = &data[2..];
    let px: Vec<u8> = (0..(w * h) as usize).map(|i| body[i % body.len()]).collect();
    let form = Form {
        id: "f".into(),
        version: "1".into(),
        items: vec![Item::Question(Question {
            name: "q".into(),
            kind: QuestionType::Integer,
            label: Text::plain("Tuổi"),
            ..Question::default()
        })],
        ..Form::default()
    };
    let l = layout(&form, &LayoutOptions::default()).unwrap();
    let _ = read_bitmap(&Bitmap::new(w, h, px).unwrap(), &l);
});
