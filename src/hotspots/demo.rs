//! The demo's hot spots: the city's partner organisations, a response scenario per common topic
//! (flooding, site clearance, price rises, religion, labour disputes, online campaigns), and one
//! flooding hot spot in two wards whose scenario began five days ago, so that some of its tasks
//! are overdue. Names of organisations are generic; no person is named.

use anyhow::Context;
use chrono::Duration;

use crate::audit::Actor;
use crate::db::Db;
use crate::hotspots::actions;
use crate::hotspots::model::{Agency, Severity, Stage, StepSpec};
use crate::hotspots::store::{self, NewHotspot};

/// The city's partners: name and e-mail. The demo queues no e-mail of its own (a demo server
/// with real mail settings would send it, and the e-mail tests count what is sent), so its
/// partners have no address until one is set.
const PARTNERS: [(&str, &str); 3] = [
    ("Ủy ban nhân dân thành phố", ""),
    ("Công an thành phố", ""),
    ("Ủy ban Mặt trận Tổ quốc Việt Nam thành phố", ""),
];

/// A step of a demo scenario: title, agency, partner (index into [`PARTNERS`]), days, message.
type DemoStep = (&'static str, Agency, Option<usize>, i32, &'static str);

/// The demo scenarios: topic key, title, description, steps.
fn scenarios() -> Vec<(&'static str, &'static str, &'static str, Vec<DemoStep>)> {
    vec![
        (
            "environment",
            "Ngập úng diện rộng sau mưa lớn, triều cường",
            "Khi dư luận bức xúc vì ngập úng kéo dài ở một hay nhiều phường.",
            vec![
                (
                    "Xác minh tình hình ngập tại địa bàn, báo cáo nhanh về Trung tâm",
                    Agency::Areas,
                    None,
                    1,
                    "",
                ),
                (
                    "Chỉ đạo khơi thông cống rãnh, bơm tiêu úng, thông tin lịch triều cường",
                    Agency::Partner,
                    Some(0),
                    3,
                    "",
                ),
                (
                    "Cung cấp thông tin định hướng cho cộng tác viên",
                    Agency::Owner,
                    None,
                    2,
                    "Thành phố đã triển khai bơm tiêu úng tại các điểm ngập sâu; người dân theo dõi lịch triều cường, không đi qua vùng nước sâu, báo ngay cho tổ dân phố khi cống bị tắc.",
                ),
                (
                    "Nắm dư luận sau khi xử lý, báo cáo kết quả",
                    Agency::Areas,
                    None,
                    10,
                    "",
                ),
                (
                    "Đánh giá, đề xuất đóng điểm nóng",
                    Agency::Owner,
                    None,
                    14,
                    "",
                ),
            ],
        ),
        (
            "land",
            "Khiếu kiện đông người về bồi thường, giải phóng mặt bằng",
            "Khi người dân tụ tập, khiếu kiện về giá bồi thường hay tái định cư.",
            vec![
                (
                    "Nắm tình hình, số hộ và nội dung khiếu nại",
                    Agency::Areas,
                    None,
                    1,
                    "",
                ),
                (
                    "Tổ chức đối thoại với các hộ dân",
                    Agency::Partner,
                    Some(0),
                    5,
                    "",
                ),
                (
                    "Bảo đảm an ninh trật tự tại khu vực",
                    Agency::Partner,
                    Some(1),
                    1,
                    "",
                ),
                (
                    "Thông tin định hướng về chính sách bồi thường",
                    Agency::Owner,
                    None,
                    3,
                    "Giá bồi thường được tính theo bảng giá đất và hệ số điều chỉnh đã công bố; mọi thắc mắc được giải đáp tại buổi đối thoại.",
                ),
            ],
        ),
        (
            "economy_prices",
            "Giá cả tăng cao, dư luận lo ngại",
            "Khi giá xăng dầu, thực phẩm hay điện nước tăng làm dư luận lo ngại.",
            vec![
                (
                    "Khảo sát nhanh giá tại chợ, siêu thị",
                    Agency::Areas,
                    None,
                    2,
                    "",
                ),
                (
                    "Kiểm tra việc niêm yết và bán đúng giá",
                    Agency::Partner,
                    Some(0),
                    5,
                    "",
                ),
                (
                    "Thông tin định hướng về nguyên nhân và biện pháp bình ổn",
                    Agency::Owner,
                    None,
                    3,
                    "",
                ),
            ],
        ),
        (
            "religion_ethnicity",
            "Vấn đề tôn giáo, dân tộc phức tạp",
            "Khi có tranh chấp, khiếu kiện liên quan đến cơ sở tôn giáo hay đồng bào dân tộc.",
            vec![
                (
                    "Nắm tình hình qua chức sắc, người có uy tín",
                    Agency::Areas,
                    None,
                    2,
                    "",
                ),
                (
                    "Phối hợp vận động, hòa giải",
                    Agency::Partner,
                    Some(2),
                    5,
                    "",
                ),
                (
                    "Thông tin định hướng cho cộng tác viên",
                    Agency::Owner,
                    None,
                    3,
                    "",
                ),
            ],
        ),
        (
            "jobs_incomes",
            "Tranh chấp lao động, ngừng việc tập thể",
            "Khi công nhân ngừng việc, đòi lương hay bảo hiểm.",
            vec![
                ("Nắm số lao động và yêu cầu", Agency::Areas, None, 1, ""),
                (
                    "Làm việc với doanh nghiệp, công đoàn",
                    Agency::Partner,
                    Some(0),
                    3,
                    "",
                ),
                (
                    "Thông tin định hướng về quyền lợi người lao động",
                    Agency::Owner,
                    None,
                    3,
                    "",
                ),
            ],
        ),
        (
            "online_information",
            "Chiến dịch thông tin sai lệch trên mạng",
            "Khi thông tin sai sự thật lan truyền nhanh trên mạng xã hội.",
            vec![
                (
                    "Xác minh nguồn và nội dung thông tin",
                    Agency::Owner,
                    None,
                    1,
                    "",
                ),
                (
                    "Xử lý tài khoản phát tán theo quy định",
                    Agency::Partner,
                    Some(1),
                    3,
                    "",
                ),
                (
                    "Đăng tải thông tin chính thống, định hướng dư luận",
                    Agency::Owner,
                    None,
                    1,
                    "Thông tin chính thống đã được đăng trên cổng thông tin thành phố; đề nghị không chia sẻ nguồn chưa kiểm chứng.",
                ),
                (
                    "Nắm phản ứng của dư luận tại địa bàn",
                    Agency::Areas,
                    None,
                    5,
                    "",
                ),
            ],
        ),
    ]
}

/// Loads the demo's partners, scenarios and flooding hot spot.
pub async fn load_demo(db: &Db) -> anyhow::Result<()> {
    let city = crate::orgs::resolve_unit_ref(db, "92")
        .await?
        .context("city 92 missing")?;
    let ninh_kieu = crate::orgs::resolve_unit_ref(db, "31135")
        .await?
        .context("ward 31135 missing")?;
    let cai_khe = crate::orgs::resolve_unit_ref(db, "31120")
        .await?
        .context("ward 31120 missing")?;
    let analyst = crate::accounts::user_id_by_name(db, "analyst")
        .await?
        .context("demo analyst missing")?;
    let actor = Actor {
        user_id: Some(analyst),
        username: "analyst".into(),
        ip: String::new(),
    };
    let mut partners = vec![];
    for (name, email) in PARTNERS {
        partners.push(actions::create_partner(db, &actor, city, name, email).await?);
    }
    let topics = crate::reporting::topics(db).await?;
    let topic_id = |key: &str| topics.iter().find(|t| t.key == key).map(|t| t.id);
    let mut flooding = None;
    for (topic, title, description, steps) in scenarios() {
        let specs: Vec<StepSpec> = steps
            .into_iter()
            .map(|(t, agency, partner, days, message)| StepSpec {
                title: t.into(),
                agency,
                partner_id: partner.map(|i| partners[i]),
                offset_days: days,
                message: message.into(),
            })
            .collect();
        let id = actions::create_scenario(
            db,
            &actor,
            city,
            topic_id(topic),
            title,
            description,
            &specs,
        )
        .await?;
        if topic == "environment" {
            flooding = Some(id);
        }
    }
    let id = actions::open_hotspot(
        db,
        &actor,
        &NewHotspot {
            unit_id: city,
            title: "Ngập úng kéo dài sau triều cường tại Ninh Kiều, Cái Khế",
            topic_id: topic_id("environment"),
            severity: Severity::High,
            summary: "Nhiều tuyến đường, hẻm ngập sâu sau mưa lớn kết hợp triều cường; người dân bức xúc vì nước chậm rút, cống thoát nước bị tắc.",
            restricted: false,
        },
        &[ninh_kieu, cai_khe],
        &[],
        None,
    )
    .await?;
    actions::move_stage(
        db,
        &actor,
        id,
        Stage::Verifying,
        "Hai phường xác minh với tổ dân phố.",
    )
    .await?;
    actions::move_stage(
        db,
        &actor,
        id,
        Stage::Responding,
        "Hai phường xác nhận ngập sâu tại nhiều điểm; triển khai kịch bản.",
    )
    .await?;
    let scenario = store::scenarios::find_scenario(db, flooding.context("flooding scenario")?)
        .await?
        .context("flooding scenario missing")?;
    let start = crate::hotspots::pages::today() - Duration::days(5);
    // (The demo's e-mails point at the address `serve --demo` listens at by default.)
    actions::instantiate_scenario(db, &actor, id, &scenario, start, "http://127.0.0.1:8080")
        .await?;
    Ok(())
}
