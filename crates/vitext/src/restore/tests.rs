//! Unit tests of the restoration model: training, decoding, serialisation and the built-in model.

#[test]
fn only_text_typed_without_marks_gets_a_reading() {
    assert!(lacks_marks("nguoi dan phan anh gia dien tang cao"));
    assert!(!lacks_marks("người dân phản ánh giá điện tăng cao"));
    assert!(!lacks_marks("ok 123"));
    assert!(!lacks_marks("人民反映电价上涨很高"));
    let r = reading("nguoi dan phan anh gia dien tang cao").unwrap();
    assert!(r.contains("người dân"), "{r}");
    assert_eq!(reading("Người dân phản ánh giá điện tăng cao"), None);
}

use super::*;

fn toy() -> Model {
    Model::train([
        "Người dân phản ánh về giá điện tăng cao.",
        "Người dân lo lắng về giá xăng.",
        "Cán bộ xã tiếp nhận ý kiến của người dân.",
        "Ma túy là mối lo của gia đình.",
        "Mùa lũ năm nay nước lên cao.",
    ])
}

fn check(model: &Model, input: &str, expected: &str) {
    assert_eq!(model.restore(input), expected, "{input}");
}

#[test]
fn restores_with_context_and_keeps_the_rest() {
    let m = toy();
    check(
        &m,
        "nguoi dan phan anh ve gia dien",
        "người dân phản ánh về giá điện",
    );
    check(
        &m,
        "NGUOI DAN lo lang, gia xang!",
        "NGƯỜI DÂN lo lắng, giá xăng!",
    );
    check(
        &m,
        "Can bo xa 123 tiep nhan y kien",
        "Cán bộ xã 123 tiếp nhận ý kiến",
    );
    check(&m, "người dan xyz  abc", "người dân xyz  abc");
    check(&m, "nguoi_dan phan-anh, - gia", "người_dân phản-ánh, - giá");
    check(&m, "", "");
    check(&m, "…", "…");
}

#[test]
fn serialisation_round_trip_and_errors() {
    let m = toy();
    let bytes = m.to_bytes();
    let back = Model::from_bytes(&bytes).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.restore("nguoi dan lo lang"), "người dân lo lắng");
    assert_eq!(back.vocabulary_size(), m.vocabulary_size());
    assert!(Model::from_bytes(b"").is_err());
    assert!(Model::from_bytes(&bytes[..bytes.len() / 2]).is_err());
    for cut in [6, 7, 20, 100] {
        let _ = Model::from_bytes(&bytes[..cut.min(bytes.len())]);
    }
}

#[test]
fn a_mixture_leans_on_the_part_that_fits_the_text() {
    let general = [
        "Gói phần mềm được cài đặt.",
        "Gói này phụ thuộc vào gói khác.",
        "Bạn có thể gọi hàm này.",
    ];
    let domain = [
        "Người dân gọi điện phản ánh.",
        "Người dân gọi đường dây nóng.",
    ];
    let m = Model::train_with_corpus(&general, &domain);
    assert_eq!(m.order(), ORDER);
    check(&m, "goi phan mem", "gói phần mềm");
    check(&m, "nguoi dan goi dien", "người dân gọi điện");
    let back = Model::from_bytes(&m.to_bytes()).unwrap();
    assert_eq!(back, m);
    check(&back, "goi nay phu thuoc", "gói này phụ thuộc");
    assert!(format!("{m:?}").contains("0.9"));
}

#[test]
fn the_built_in_model_reads_and_restores() {
    let m = Model::default_model();
    assert!(m.vocabulary_size() > 5000, "{m:?}");
    check(
        m,
        "Tiep nhan y kien cua nguoi dan",
        "Tiếp nhận ý kiến của người dân",
    );
    check(m, "Mo tep tin", "Mở tệp tin");
}

#[test]
fn a_deployment_text_adds_to_a_model() {
    let base = Model::default_model();
    let input = "ong Tu Sang mo quan hu tieu o cho Xom Cui";
    let expected = "ông Tư Sang mở quán hủ tiếu ở chợ Xóm Củi";
    assert_ne!(base.restore(input), expected);
    let own = base.with_text(["Ông Tư Sang mở quán hủ tiếu ở chợ Xóm Củi."], 0.3);
    check(&own, input, expected);
    assert_eq!(own.parts.len(), base.parts.len() + 1);
    let sum: f32 = own.parts.iter().map(|p| p.weight.exp()).sum();
    assert!((sum - 1.0).abs() < 1e-4, "{sum}");
    check(
        &own,
        "Tiep nhan y kien cua nguoi dan",
        "Tiếp nhận ý kiến của người dân",
    );
    let back = Model::from_bytes(&own.to_bytes()).unwrap();
    check(&back, input, expected);
    let mut m = Model::default().with_text(["Người dân lo lắng."], 0.5);
    check(&m, "nguoi dan lo lang", "người dân lo lắng");
    for _ in 0..10 {
        m = m.with_text(["Giá điện tăng."], 0.2);
    }
    assert_eq!(m.parts.len(), MAX_PARTS);
    check(&m, "gia dien tang", "giá điện tăng");
}

#[test]
fn evaluation_counts_words() {
    let m = toy();
    assert_eq!(evaluate(&m, ["Người dân lo lắng."]), (4, 4));
}

proptest::proptest! {
    #[test]
    fn restore_never_panics_and_keeps_folded_text(s in "\\PC{0,60}") {
        let m = toy();
        let r = m.restore(&s);
        proptest::prop_assert_eq!(crate::chars::fold(&r).to_lowercase(), crate::chars::fold(&s).to_lowercase());
    }

    #[test]
    fn from_bytes_never_panics(b in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
        let _ = Model::from_bytes(&b);
        let mut v = b"VTRS2".to_vec();
        v.extend(b);
        let _ = Model::from_bytes(&v);
    }
}
