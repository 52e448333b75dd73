//! The questionnaire the tests and the benchmark print: Vietnamese wording, every printed kind
//! of question, a grid and a skip.

use duluan_forms::{Choice, ChoiceList, Form, Group, Item, Question, QuestionType, Text};

fn vi(s: &str) -> Text {
    Text::default().with("Tiếng Việt (vi)", s)
}

fn q(name: &str, kind: QuestionType, label: &str) -> Question {
    Question {
        name: name.into(),
        kind,
        label: vi(label),
        ..Question::default()
    }
}

fn list(name: &str, choices: &[(&str, &str)]) -> ChoiceList {
    ChoiceList {
        name: name.into(),
        choices: choices
            .iter()
            .map(|(v, l)| Choice {
                name: (*v).into(),
                label: vi(l),
                ..Choice::default()
            })
            .collect(),
    }
}

/// The test questionnaire (two pages).
pub fn form() -> Form {
    let one = |l: &str| QuestionType::SelectOne(l.into());
    let mut age = q(
        "tuoi",
        QuestionType::Integer,
        "Năm nay ông/bà bao nhiêu tuổi?",
    );
    age.constraint = Some(". >= 15 and . <= 120".into());
    let mut channels = q(
        "kenh",
        QuestionType::SelectMultiple("kenh".into()),
        "Ông/bà thường nhận thông tin về hoạt động của tổ dân phố qua những kênh nào?",
    );
    channels.relevant = Some("${hop} = '1'".into());
    let mut when = q(
        "ngay_hop",
        QuestionType::Date,
        "Lần họp gần nhất vào ngày nào?",
    );
    when.relevant = Some("${hop} = '1'".into());
    let mut opinion = q(
        "kien_nghi",
        QuestionType::Text,
        "Ông/bà có kiến nghị gì với chính quyền địa phương không? Xin ghi rõ.",
    );
    opinion.hint = vi("Viết chữ in hoa nếu có thể.");
    let grid = Group {
        name: "danh_gia".into(),
        label: vi("Đánh giá về dịch vụ công tại phường"),
        appearance: Some("field-list".into()),
        items: [
            ("dg_thu_tuc", "Thủ tục hành chính"),
            ("dg_thai_do", "Thái độ của cán bộ tiếp dân"),
            ("dg_thoi_gian", "Thời gian giải quyết hồ sơ"),
            ("dg_chi_phi", "Chi phí phải trả ngoài quy định"),
        ]
        .iter()
        .map(|(n, l)| Item::Question(q(n, one("muc_do"), l)))
        .collect(),
        ..Group::default()
    };
    Form {
        id: "khao_sat_phuong".into(),
        version: "2026-12".into(),
        title: "Phiếu khảo sát ý kiến người dân về chính quyền phường".into(),
        items: vec![
            Item::Question(q("batdau", QuestionType::Start, "")),
            Item::Question(q("gioi_tinh", one("gioi_tinh"), "Giới tính của ông/bà?")),
            Item::Question(age),
            Item::Question(q(
                "hop",
                one("co_khong"),
                "Trong 12 tháng qua, ông/bà có tham gia họp tổ dân phố không?",
            )),
            Item::Question(channels),
            Item::Question(when),
            Item::Group(grid),
            Item::Question(q("diem", QuestionType::Calculate, "")),
            Item::Group(Group {
                name: "thanh_vien".into(),
                repeat: true,
                label: vi("Thành viên trong hộ"),
                items: vec![
                    Item::Question(q("quan_he", one("quan_he"), "Quan hệ với chủ hộ")),
                    Item::Question({
                        let mut a = q("tuoi_tv", QuestionType::Integer, "Tuổi");
                        a.constraint = Some(". <= 120".into());
                        a
                    }),
                ],
                ..Group::default()
            }),
            Item::Question(q("vi_tri", QuestionType::Geopoint, "Vị trí")),
            Item::Question(opinion),
            Item::Question(q(
                "cam_on",
                QuestionType::Note,
                "Xin chân thành cảm ơn ông/bà đã trả lời phiếu khảo sát này.",
            )),
        ],
        choices: vec![
            list("gioi_tinh", &[("1", "Nam"), ("2", "Nữ")]),
            list("co_khong", &[("1", "Có"), ("2", "Không")]),
            list(
                "quan_he",
                &[
                    ("1", "Chủ hộ"),
                    ("2", "Vợ/chồng"),
                    ("3", "Con"),
                    ("4", "Khác"),
                ],
            ),
            list(
                "kenh",
                &[
                    ("loa", "Loa phát thanh của phường"),
                    ("hop", "Họp tổ dân phố"),
                    ("zalo", "Nhóm Zalo, mạng xã hội"),
                    ("bao", "Báo, truyền hình"),
                    ("khac", "Khác"),
                ],
            ),
            list(
                "muc_do",
                &[
                    ("1", "Rất không hài lòng"),
                    ("2", "Không hài lòng"),
                    ("3", "Bình thường"),
                    ("4", "Hài lòng"),
                    ("5", "Rất hài lòng"),
                ],
            ),
        ],
        ..Form::default()
    }
}
