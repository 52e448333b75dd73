//! Reports as the information centre writes them, for the tests and the benchmark.
//!
//! `report` is a short one with every kind of block; `bulletin` a leaders' bulletin in the
//! brief layout, with neither recipients nor a signer; `synthesis` is the size of a monthly
//! synthesis (about 60 headings and paragraphs, 5 tables of 20 rows, 3 charts).

#![allow(dead_code)] // each user of this module takes part of it

use duluan_documents::{Block, Document, Header, Layout, Signature};

/// The title of the sample reports.
pub const TITLE: &str = "Tình hình dư luận xã hội tháng 11 năm 2026";
/// A body paragraph with the letters that most need their marks.
pub const PARAGRAPH: &str = "Tình hình dư luận xã hội trên địa bàn Thành phố trong tháng cơ bản ổn định. \
Nhân dân đồng tình với việc triển khai Nghị quyết của Thành ủy về phát triển kinh tế - xã hội; \
một số ý kiến ở Quảng Ngãi và Hà Nội quan tâm tới tiến độ mở rộng đường Vành đai 4, đề nghị Ưu tiên \
giải phóng mặt bằng, bảo đảm quyền lợi của người dân (các dấu ỹ ự ặ ễ ữ ở đầy đủ).";
/// A paragraph full of typst markup and XML specials, which must come out as written.
pub const MARKUP: &str =
    "*not bold* #set [x] $y$ \\ // comment @ref <lab> _u_ `raw` = - + / ~ \"q\" & <w:t>";
/// The signer.
pub const NAME: &str = "Nguyễn Thị Quỳnh Hương";
/// The recipients, as the caller gives them.
pub const RECIPIENTS: [&str; 4] = [
    "Thường trực Thành ủy (để báo cáo)",
    "Ban Tuyên giáo và Dân vận Trung ương (để báo cáo)",
    "Các đồng chí Ủy viên Ban Thường vụ Thành ủy",
    "Lưu Văn phòng",
];
/// The recipients as printed.
pub const RECIPIENT_LINES: [&str; 4] = [
    "- Thường trực Thành ủy (để báo cáo),",
    "- Ban Tuyên giáo và Dân vận Trung ương (để báo cáo),",
    "- Các đồng chí Ủy viên Ban Thường vụ Thành ủy,",
    "- Lưu Văn phòng.",
];
/// The title of the sample bulletin.
pub const BULLETIN_TITLE: &str = "Điểm tin dư luận xã hội tuần 49 năm 2026";
/// A results chart as the app draws it (from `duluan-render`'s tests).
pub const CHART: &str = include_str!("../fixtures/results-bars.svg");

/// The header of the centre's reports.
pub fn header(layout: Layout, draft: bool) -> Header {
    match layout {
        Layout::Party | Layout::Brief => Header {
            layout,
            superior_body: "Thành ủy Hà Nội".into(),
            issuing_body: "Ban Tuyên giáo và Dân vận".into(),
            number: (!draft).then_some(125),
            symbol: "BC/BTGDVTU".into(),
            place: "Hà Nội".into(),
            date: (!draft).then_some((5, 12, 2026)),
            draft_year: 2026,
        },
        Layout::State => Header {
            layout,
            superior_body: "Ủy ban nhân dân\nthành phố Hà Nội".into(),
            issuing_body: "Trung tâm Thông tin và Dư luận xã hội".into(),
            number: (!draft).then_some(47),
            symbol: "BC-TTTT".into(),
            place: "Hà Nội".into(),
            date: (!draft).then_some((5, 2, 2026)),
            draft_year: 2026,
        },
    }
}

fn table(rows: usize) -> Block {
    table_captioned("Số luồng ý kiến theo khuynh hướng và đơn vị", rows)
}

fn table_captioned(caption: &str, rows: usize) -> Block {
    let units = [
        "Phường Ba Đình",
        "Phường Hoàn Kiếm",
        "Xã Sóc Sơn",
        "Phường Cầu Giấy",
        "Xã Ứng Hòa",
    ];
    Block::Table {
        caption: caption.into(),
        columns: vec![
            "Đơn vị".into(),
            "Đồng tình".into(),
            "Băn khoăn, lo lắng".into(),
            "Bức xúc".into(),
            "Tỷ lệ (%)".into(),
        ],
        rows: (0..rows)
            .map(|i| {
                vec![
                    format!("{} {}", units[i % units.len()], i / units.len() + 1),
                    (12 + i * 3 % 17).to_string(),
                    (4 + i * 5 % 11).to_string(),
                    (i % 4).to_string(),
                    format!("{},{}", 40 + i % 50, i % 10),
                ]
            })
            .collect(),
        note: "Nguồn: báo cáo của các đơn vị gửi Trung tâm đến ngày 15/11/2026.".into(),
    }
}

fn signature(layout: Layout) -> Signature {
    match layout {
        Layout::Party | Layout::Brief => Signature {
            authority: "K/T Trưởng ban".into(),
            position: "Phó Trưởng ban".into(),
            name: NAME.into(),
        },
        Layout::State => Signature {
            authority: "KT. Giám đốc".into(),
            position: "Phó Giám đốc".into(),
            name: NAME.into(),
        },
    }
}

/// A short report with a heading of each level, paragraphs, a table and a chart.
pub fn report(layout: Layout, draft: bool) -> Document {
    Document {
        header: header(layout, draft),
        kind: "Báo cáo".into(),
        title: TITLE.into(),
        blocks: vec![
            Block::Heading {
                level: 1,
                text: "I. TÌNH HÌNH DƯ LUẬN XÃ HỘI".into(),
            },
            Block::Heading {
                level: 2,
                text: "1. Dư luận về các vấn đề kinh tế - xã hội".into(),
            },
            Block::Paragraph {
                text: PARAGRAPH.into(),
            },
            Block::Heading {
                level: 3,
                text: "a) Về giải phóng mặt bằng".into(),
            },
            Block::Paragraph {
                text: "Một số ý kiến băn khoăn về giá bồi thường, hỗ trợ tái định cư; đề nghị \
                       các cấp công khai, minh bạch phương án."
                    .into(),
            },
            Block::Paragraph {
                text: MARKUP.into(),
            },
            table(6),
            Block::Figure {
                caption: "Đánh giá chất lượng dịch vụ hành chính công".into(),
                svg: CHART.into(),
            },
            Block::Heading {
                level: 1,
                text: "II. DỰ BÁO VÀ KIẾN NGHỊ".into(),
            },
            Block::Paragraph {
                text: "Dự báo trong thời gian tới, dư luận tiếp tục quan tâm tới công tác \
                       chuẩn bị Tết Nguyên đán.\nĐề nghị các cấp ủy chỉ đạo nắm chắc tình hình."
                    .into(),
            },
        ],
        recipients: RECIPIENTS.iter().map(|r| r.to_string()).collect(),
        signature: signature(layout),
        draft,
    }
}

/// A bulletin of the leaders' dashboard in the brief layout: no recipients, no signer. Its header
/// has a number and a symbol, which the layout does not print; none of its texts holds "Số".
pub fn bulletin(draft: bool) -> Document {
    Document {
        header: header(Layout::Brief, draft),
        kind: "Bản tin".into(),
        title: BULLETIN_TITLE.into(),
        blocks: vec![
            Block::Heading {
                level: 1,
                text: "I. DƯ LUẬN NỔI BẬT TRONG TUẦN".into(),
            },
            Block::Paragraph {
                text: PARAGRAPH.into(),
            },
            Block::Paragraph {
                text: MARKUP.into(),
            },
            table_captioned("Luồng ý kiến theo khuynh hướng và đơn vị", 4),
            Block::Figure {
                caption: "Đánh giá chất lượng dịch vụ hành chính công".into(),
                svg: CHART.into(),
            },
        ],
        recipients: Vec::new(),
        signature: Signature {
            authority: String::new(),
            position: String::new(),
            name: String::new(),
        },
        draft,
    }
}

/// A document the size of a monthly synthesis: `sections` sections of a heading and paragraphs
/// (about 60 blocks for 12), `tables` tables of `rows` rows and `figures` charts.
pub fn synthesis(sections: usize, tables: usize, rows: usize, figures: usize) -> Document {
    let mut blocks = Vec::new();
    for s in 0..sections {
        blocks.push(Block::Heading {
            level: if s % 3 == 0 { 1 } else { 2 },
            text: format!("{}. Dư luận về vấn đề thứ {}", s + 1, s + 1),
        });
        for _ in 0..4 {
            blocks.push(Block::Paragraph {
                text: PARAGRAPH.into(),
            });
        }
        if s < tables {
            blocks.push(table(rows));
        }
        if s < figures {
            blocks.push(Block::Figure {
                caption: format!("Kết quả khảo sát số {}", s + 1),
                svg: CHART.into(),
            });
        }
    }
    Document {
        blocks,
        ..report(Layout::Party, false)
    }
}
