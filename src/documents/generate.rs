//! Drafts assembled from the data: the monthly synthesis of a unit's subtree (reporting's city
//! streams and completeness, monitoring's volume and alerts, surveys' figures), the thematic
//! report of one topic, the quick report of the last three days, and a survey's report. Every
//! block that carries a figure names the page it comes from (`source`), so a reader of the draft
//! can check it. Documents are written in Vietnamese whatever the writer's language.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::app::AppState;
use crate::documents::model::{BlockKind, NewBlock, TableData, month_words};
use crate::error::AppResult;
use crate::reporting::digest::SynthesisLine;
use crate::reporting::model::{Direction, Scope};
use crate::surveys::results::charts::Locale;
use crate::web::i18n::{Lang, Tr};

const VI: Tr = Tr(Lang::Vi);

/// Roman numerals of the sections.
const ROMAN: [&str; 8] = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"];

/// Numbers the Vietnamese way (`12.500`, `41,2`).
fn loc() -> Locale {
    Locale {
        decimal_comma: true,
        hidden: VI.t("results-suppressed"),
    }
}

fn pct(part: usize, whole: usize) -> String {
    if whole == 0 {
        "—".into()
    } else {
        loc().num(part as f64 * 100.0 / whole as f64, 1)
    }
}

/// Builds the blocks of a document, numbering its sections.
struct Draft {
    blocks: Vec<NewBlock>,
    section: usize,
    sub: usize,
}

impl Draft {
    fn new() -> Draft {
        Draft {
            blocks: vec![],
            section: 0,
            sub: 0,
        }
    }
    fn section(&mut self, title: &str) {
        let n = ROMAN.get(self.section).copied().unwrap_or("X");
        self.section += 1;
        self.sub = 0;
        self.blocks.push(NewBlock::text(
            BlockKind::Heading1,
            format!("{n}. {}", title.to_uppercase()),
            "",
        ));
    }
    fn sub(&mut self, title: &str) {
        self.sub += 1;
        self.blocks.push(NewBlock::text(
            BlockKind::Heading2,
            format!("{}. {title}", self.sub),
            "",
        ));
    }
    fn minor(&mut self, title: &str, source: &str) {
        self.blocks
            .push(NewBlock::text(BlockKind::Heading3, title, source));
    }
    fn para(&mut self, text: impl Into<String>, source: &str) {
        self.blocks
            .push(NewBlock::text(BlockKind::Paragraph, text, source));
    }
    fn table(&mut self, caption: &str, t: TableData, source: &str) {
        self.blocks.push(NewBlock::table(caption, &t, source));
    }
}

/// Unit names as a sentence: all of them up to 12, else the first 12 and how many more.
fn names(list: &[String]) -> String {
    if list.len() <= 12 {
        list.join(", ")
    } else {
        format!(
            "{} và {} đơn vị khác",
            list[..12].join(", "),
            list.len() - 12
        )
    }
}

fn direction_name(d: Direction) -> String {
    VI.t(&d.label_key())
}

/// The opinion streams of a month as sections by scope, and the table by topic and direction.
fn streams_part(d: &mut Draft, lines: &[SynthesisLine], period: &str) {
    let source = format!("/reporting/synthesis?period={period}");
    if lines.is_empty() {
        d.para(
            format!(
                "Trong {}, chưa có luồng dư luận nào được tổng hợp từ báo cáo của các đơn vị.",
                month_words(period)
            ),
            &source,
        );
        return;
    }
    // Topics × directions: how many city streams, and how many units reported them.
    let mut topics: Vec<(String, usize, usize, [usize; 5])> = vec![];
    for l in lines {
        let i = match topics.iter().position(|t| t.0 == l.topic) {
            Some(i) => i,
            None => {
                topics.push((l.topic.clone(), 0, 0, [0; 5]));
                topics.len() - 1
            }
        };
        let t = &mut topics[i];
        t.1 += 1;
        t.2 += l.units.len();
        let k = Direction::ALL
            .iter()
            .position(|x| *x == l.direction)
            .unwrap_or(0);
        t.3[k] += 1;
    }
    topics.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let mut columns = vec![
        "Chủ đề".to_string(),
        "Số luồng".into(),
        "Lượt đơn vị phản ánh".into(),
    ];
    columns.extend(Direction::ALL.iter().map(|x| direction_name(*x)));
    d.table(
        "Luồng dư luận trong tháng theo chủ đề và chiều hướng",
        TableData {
            columns,
            rows: topics
                .iter()
                .map(|(name, n, units, dirs)| {
                    let mut row = vec![name.clone(), n.to_string(), units.to_string()];
                    row.extend(dirs.iter().map(|x| x.to_string()));
                    row
                })
                .collect(),
            note: "Nguồn: luồng ý kiến trong báo cáo tháng của các đơn vị, đã hợp nhất thành luồng dư luận của thành phố.".into(),
        },
        &source,
    );
    let rows: Vec<crate::dashboard::charts::Row> = topics
        .iter()
        .take(12)
        .map(|(name, _, units, _)| crate::dashboard::charts::Row {
            label: name.clone(),
            value: *units as f64,
            text: units.to_string(),
            colour: None,
        })
        .collect();
    d.blocks.push(NewBlock::figure(
        "Lượt đơn vị phản ánh theo chủ đề",
        crate::dashboard::charts::counts("Lượt đơn vị phản ánh theo chủ đề", &rows),
        &source,
    ));
    for scope in Scope::KEYS {
        let of_scope: Vec<&SynthesisLine> =
            lines.iter().filter(|l| l.scope_key == *scope).collect();
        if of_scope.is_empty() {
            continue;
        }
        d.sub(&format!(
            "Dư luận về vấn đề {}",
            VI.t(&Scope::label_key(scope)).to_lowercase()
        ));
        for l in of_scope {
            let src = format!("/reporting/synthesis?period={period}&topic={}", l.topic_id);
            d.minor(&l.topic, &src);
            let summary = l.summary.trim().trim_end_matches('.');
            d.para(
                format!(
                    "{summary}. Chiều hướng: {}; {} đơn vị phản ánh ({}).",
                    direction_name(l.direction).to_lowercase(),
                    l.units.len(),
                    names(&l.units)
                ),
                &src,
            );
            if !l.causes.trim().is_empty() {
                d.para(format!("Nguyên nhân: {}", l.causes.trim()), &src);
            }
        }
    }
}

/// Forecasts and recommendations of the streams.
fn outlook_part(d: &mut Draft, lines: &[SynthesisLine], period: &str) {
    let forecasts: Vec<&SynthesisLine> = lines
        .iter()
        .filter(|l| !l.forecast.trim().is_empty())
        .collect();
    let recs: Vec<&SynthesisLine> = lines
        .iter()
        .filter(|l| !l.recommendation.trim().is_empty())
        .collect();
    d.sub("Dự báo");
    if forecasts.is_empty() {
        d.para(
            "Các đơn vị chưa nêu dự báo về các luồng dư luận trong tháng.",
            "",
        );
    }
    for l in forecasts {
        d.para(
            format!("- {}: {}", l.topic, l.forecast.trim()),
            &format!("/reporting/synthesis?period={period}&topic={}", l.topic_id),
        );
    }
    d.sub("Kiến nghị, đề xuất");
    if recs.is_empty() {
        d.para("Các đơn vị chưa nêu kiến nghị, đề xuất trong tháng.", "");
    }
    for l in recs {
        d.para(
            format!("- {}: {}", l.topic, l.recommendation.trim()),
            &format!("/reporting/synthesis?period={period}&topic={}", l.topic_id),
        );
    }
}

/// Vietnam midnight of a day as unix seconds.
fn day_start(day: NaiveDate) -> i64 {
    crate::kit::time::start_of_day(day).timestamp()
}

/// Monitoring of `[from, to)` under the unit: volume by direction, topics, alerts.
async fn monitoring_part(
    state: &AppState,
    d: &mut Draft,
    unit_id: i64,
    from: i64,
    to: i64,
    what: &str,
) -> AppResult<()> {
    let m = crate::monitoring::digest(&state.db, VI, unit_id, from, to).await?;
    let source = "/monitoring";
    if m.total == 0 {
        d.para(
            format!("{what}, hệ thống theo dõi thông tin chưa ghi nhận mục tin nào liên quan đến địa bàn."),
            source,
        );
    } else {
        let [pos, neu, neg, unk] = m.directions;
        d.para(
            format!(
                "{what}, hệ thống theo dõi thông tin ghi nhận {} mục tin liên quan đến địa bàn; trong đó tích cực {} ({} %), trung lập {} ({} %), tiêu cực {} ({} %), chưa xác định chiều hướng {}.",
                loc().num(m.total as f64, 0),
                loc().num(pos as f64, 0),
                pct(pos as usize, m.total as usize),
                loc().num(neu as f64, 0),
                pct(neu as usize, m.total as usize),
                loc().num(neg as f64, 0),
                pct(neg as usize, m.total as usize),
                loc().num(unk as f64, 0),
            ),
            source,
        );
        d.table(
            "Mục tin theo chủ đề",
            TableData {
                columns: vec!["Chủ đề".into(), "Số mục tin".into(), "Tỷ lệ (%)".into()],
                rows: m
                    .topics
                    .iter()
                    .take(12)
                    .map(|(t, n)| {
                        vec![
                            t.clone(),
                            loc().num(*n as f64, 0),
                            pct(*n as usize, m.total as usize),
                        ]
                    })
                    .collect(),
                note: "Chủ đề theo nhãn của chuyên viên hoặc của nguồn tin, nếu không có thì theo dự đoán của mô hình với độ tin cậy từ 0,5.".into(),
            },
            source,
        );
    }
    if m.alerts.is_empty() {
        d.para(
            "Không có cảnh báo tăng đột biến nào trong kỳ.",
            "/monitoring/alerts",
        );
    } else {
        d.table(
            "Cảnh báo tăng đột biến",
            TableData {
                columns: vec![
                    "Thời điểm".into(),
                    "Chủ đề".into(),
                    "Địa bàn".into(),
                    "Mục tin trong giờ".into(),
                    "Mức thường (trung bình)".into(),
                    "Trạng thái".into(),
                ],
                rows: m
                    .alerts
                    .iter()
                    .map(|a| {
                        vec![
                            crate::kit::time::show_unix_secs(a.created_at),
                            a.topic.clone(),
                            a.unit.clone(),
                            loc().num(a.count as f64, 0),
                            loc().num(a.baseline, 1),
                            VI.t(&a.status.label_key()),
                        ]
                    })
                    .collect(),
                note: String::new(),
            },
            "/monitoring/alerts",
        );
    }
    Ok(())
}

/// The monthly synthesis of `unit_id`'s subtree for `period` (`YYYY-MM`).
pub async fn synthesis(
    state: &AppState,
    unit_id: i64,
    unit_name: &str,
    issuing_body: &str,
    period: &str,
    readable_surveys: &[crate::surveys::model::Survey],
) -> AppResult<(String, Vec<NewBlock>)> {
    let month = crate::kit::time::parse_month(period).unwrap_or_default();
    let next = crate::kit::time::add_months(month, 1);
    let today = crate::kit::time::vn_date(Utc::now());
    let lines =
        crate::reporting::digest::month_synthesis(&state.db, VI, &[unit_id], period).await?;
    let mut d = Draft::new();
    d.para(
        format!(
            "Thực hiện chế độ báo cáo định kỳ, {} báo cáo tình hình dư luận xã hội {} trên địa bàn {} như sau:",
            issuing_body_phrase(issuing_body),
            month_words(period),
            unit_name
        ),
        "",
    );
    d.section("Tình hình dư luận xã hội nổi bật");
    streams_part(&mut d, &lines, period);
    d.section("Tình hình báo cáo của các đơn vị");
    let types =
        crate::reporting::digest::month_completeness(&state.db, unit_id, period, today).await?;
    if types.is_empty() {
        d.para(
            "Chưa có loại báo cáo tháng nào giao cho các đơn vị trên địa bàn.",
            "/reporting/types",
        );
    } else {
        d.table(
            "Báo cáo tháng của các đơn vị",
            TableData {
                columns: vec![
                    "Loại báo cáo".into(),
                    "Phải gửi".into(),
                    "Đã gửi".into(),
                    "Đúng hạn".into(),
                    "Tỷ lệ đã gửi (%)".into(),
                    "Tỷ lệ đúng hạn (%)".into(),
                ],
                rows: types
                    .iter()
                    .map(|t| {
                        vec![
                            t.name.clone(),
                            t.expected.to_string(),
                            t.sent.to_string(),
                            t.on_time.to_string(),
                            pct(t.sent, t.expected),
                            pct(t.on_time, t.expected),
                        ]
                    })
                    .collect(),
                note: "Đúng hạn: gửi lần đầu không muộn hơn hạn nộp của kỳ.".into(),
            },
            &format!("/reporting/completeness?from={period}&to={period}&unit={unit_id}"),
        );
        for t in &types {
            let src = format!(
                "/reporting/completeness?type={}&from={period}&to={period}&unit={unit_id}",
                t.type_id
            );
            if t.missing.is_empty() {
                d.para(
                    format!("{}: tất cả các đơn vị đã gửi báo cáo.", t.name),
                    &src,
                );
            } else {
                d.para(
                    format!(
                        "{}: {} đơn vị chưa gửi báo cáo ({}).",
                        t.name,
                        t.missing.len(),
                        names(&t.missing)
                    ),
                    &src,
                );
            }
        }
    }
    d.section("Thông tin trên mạng xã hội và báo chí");
    monitoring_part(
        state,
        &mut d,
        unit_id,
        day_start(month),
        day_start(next),
        &format!("Trong {}", month_words(period)),
    )
    .await?;
    d.section("Kết quả điều tra, thăm dò dư luận");
    surveys_part(state, &mut d, readable_surveys, month, next).await?;
    d.section("Dự báo và kiến nghị, đề xuất");
    outlook_part(&mut d, &lines, period);
    Ok((
        format!("Tình hình dư luận xã hội {}", month_words(period)),
        d.blocks,
    ))
}

/// "Ban Tuyên giáo" as a sentence's subject (the settings hold it in capitals).
fn issuing_body_phrase(body: &str) -> String {
    let lower = body.to_lowercase();
    let mut c = lower.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Surveys in the field during `[month, next)` among those the writer may read results of:
/// their completed interviews and leading figures (at most 3 surveys, 3 questions each).
async fn surveys_part(
    state: &AppState,
    d: &mut Draft,
    surveys: &[crate::surveys::model::Survey],
    month: NaiveDate,
    next: NaiveDate,
) -> AppResult<()> {
    let in_field: Vec<&crate::surveys::model::Survey> = surveys
        .iter()
        .filter(|s| {
            s.field_start.is_none_or(|f| f < next) && s.field_end.is_none_or(|e| e >= month)
        })
        .take(3)
        .collect();
    let mut any = false;
    for s in in_field {
        if crate::surveys::live_version(&state.db, s.id)
            .await?
            .is_none()
        {
            continue;
        }
        let f = crate::surveys::results::figures(state, s.id, VI).await?;
        if f.interviews == 0 {
            continue;
        }
        any = true;
        let src = format!("/surveys/{}/results", s.id);
        d.minor(&format!("Khảo sát “{}”", s.title), &src);
        d.para(
            format!(
                "Đã có {} phiếu hoàn thành. Kết quả {}; khoảng tin cậy {} %.",
                loc().num(f.interviews as f64, 0),
                if f.weighted {
                    "có gia quyền theo thiết kế mẫu"
                } else {
                    "không gia quyền"
                },
                loc().num(f.level * 100.0, 0)
            ),
            &src,
        );
        for r in f.opinion_questions().into_iter().take(3) {
            d.table(&r.label, figures_table(r, f.level, f.k), &src);
            if let Some(i) = f.results.iter().position(|x| std::ptr::eq(x, r)) {
                d.blocks
                    .push(NewBlock::figure(r.label.clone(), f.charts[i].clone(), &src));
            }
        }
    }
    if !any {
        d.para(
            "Trong tháng không có cuộc khảo sát nào có phiếu hoàn thành.",
            "/surveys",
        );
    }
    Ok(())
}

/// A question's figures as a table: choice, share or mean, interval, respondents.
fn figures_table(
    r: &crate::surveys::results::model::QuestionResult,
    level: f64,
    k: usize,
) -> TableData {
    use crate::surveys::results::model::{Kind, MEAN, MEDIAN};
    let l = loc();
    let share = r.kind != Kind::Mean;
    let mut hidden = false;
    let rows = r
        .lines
        .iter()
        .map(|line| {
            let label = match line.key.as_str() {
                MEAN if !share => "Trung bình".to_string(),
                MEDIAN if !share => "Trung vị".to_string(),
                _ => line.label.clone(),
            };
            match line.value {
                Some((e, lo, hi)) if share => vec![
                    label,
                    l.num(e * 100.0, 1),
                    format!("{} – {}", l.num(lo * 100.0, 1), l.num(hi * 100.0, 1)),
                    line.n.to_string(),
                ],
                Some((e, lo, hi)) => vec![
                    label,
                    l.num(e, 2),
                    format!("{} – {}", l.num(lo, 2), l.num(hi, 2)),
                    line.n.to_string(),
                ],
                None => {
                    hidden = true;
                    vec![label, "ẩn".into(), "ẩn".into(), format!("< {k}")]
                }
            }
        })
        .collect();
    TableData {
        columns: vec![
            "Phương án".into(),
            if share {
                "Tỷ lệ (%)".into()
            } else {
                "Giá trị".into()
            },
            format!("Khoảng tin cậy {} %", loc().num(level * 100.0, 0)),
            "Số người trả lời".into(),
        ],
        rows,
        note: if hidden {
            format!("“ẩn”: ô có dưới {k} người trả lời không được công bố.")
        } else {
            format!("{} người trả lời câu hỏi.", r.n)
        },
    }
}

/// The thematic report of one topic's streams in a month.
pub async fn thematic(
    state: &AppState,
    unit_id: i64,
    topic_id: i64,
    period: &str,
) -> AppResult<(String, Vec<NewBlock>)> {
    let lines: Vec<SynthesisLine> =
        crate::reporting::digest::month_synthesis(&state.db, VI, &[unit_id], period)
            .await?
            .into_iter()
            .filter(|l| l.topic_id == topic_id)
            .collect();
    let topic = crate::reporting::topics(&state.db)
        .await?
        .into_iter()
        .find(|t| t.id == topic_id)
        .map(|t| t.name_vi)
        .unwrap_or_default();
    let mut d = Draft::new();
    d.section("Tình hình dư luận");
    streams_part(&mut d, &lines, period);
    d.section("Nhận định, dự báo và kiến nghị");
    outlook_part(&mut d, &lines, period);
    Ok((
        format!(
            "Dư luận xã hội về {} {}",
            topic.to_lowercase(),
            month_words(period)
        ),
        d.blocks,
    ))
}

/// The quick report of the last three days under a unit: monitoring and alerts.
pub async fn quick(
    state: &AppState,
    unit_id: i64,
    subject: &str,
    now: DateTime<Utc>,
) -> AppResult<(String, Vec<NewBlock>)> {
    let mut d = Draft::new();
    d.section("Tình hình");
    monitoring_part(
        state,
        &mut d,
        unit_id,
        (now - Duration::days(3)).timestamp(),
        now.timestamp() + 1,
        "Trong 3 ngày qua",
    )
    .await?;
    d.section("Đề xuất");
    d.para(
        "Trung tâm tiếp tục theo dõi, nắm bắt diễn biến dư luận và báo cáo kịp thời.",
        "",
    );
    Ok((subject.to_string(), d.blocks))
}

/// A quick report on a hot spot's situation (*báo cáo nhanh tình hình điểm nóng*): its stage and
/// facts, what is known, the evidence, the coordinated tasks and how they stand, each block naming
/// the hot spot's page.
pub fn hotspot(s: &crate::hotspots::Situation) -> (String, Vec<NewBlock>) {
    let mut d = Draft::new();
    d.section("Tình hình");
    for (label, value) in &s.facts {
        if !value.is_empty() {
            d.para(format!("{label}: {value}."), &s.href);
        }
    }
    if !s.summary.is_empty() {
        d.para(s.summary.clone(), &s.href);
    }
    if !s.evidence.is_empty() {
        d.section("Căn cứ");
        for (kind, label, note) in &s.evidence {
            let text = if note.is_empty() {
                format!("{kind}: {label}")
            } else {
                format!("{kind}: {label} ({note})")
            };
            d.para(text, &s.href);
        }
    }
    if !s.tasks.is_empty() {
        d.section("Các nhiệm vụ phối hợp");
        d.table(
            "Nhiệm vụ, đơn vị thực hiện và tiến độ",
            TableData {
                columns: vec![
                    "Nhiệm vụ".into(),
                    "Đơn vị thực hiện".into(),
                    "Hạn".into(),
                    "Trạng thái".into(),
                ],
                rows: s.tasks.iter().map(|t| t.to_vec()).collect(),
                note: String::new(),
            },
            &s.href,
        );
    }
    d.section("Đề xuất");
    d.para(
        "Trung tâm tiếp tục theo dõi diễn biến, đôn đốc các nhiệm vụ chưa hoàn thành và báo cáo kịp thời.",
        "",
    );
    (
        format!("Báo cáo nhanh tình hình điểm nóng: {}", s.title),
        d.blocks,
    )
}

/// The report of a survey's results: every question's figures with their intervals (small cells
/// hidden as on the results page) and its chart.
pub async fn survey(
    state: &AppState,
    s: &crate::surveys::model::Survey,
) -> AppResult<(String, Vec<NewBlock>)> {
    let f = crate::surveys::results::figures(state, s.id, VI).await?;
    let src = format!("/surveys/{}/results", s.id);
    let mut d = Draft::new();
    let field = match (s.field_start, s.field_end) {
        (Some(a), Some(b)) => format!(
            " từ ngày {} đến ngày {}",
            a.format("%d/%m/%Y"),
            b.format("%d/%m/%Y")
        ),
        (Some(a), None) => format!(" từ ngày {}", a.format("%d/%m/%Y")),
        _ => String::new(),
    };
    d.para(
        format!(
            "Cuộc khảo sát “{}” được thực hiện{field}, với {} phiếu hoàn thành. Các tỷ lệ {} và được nêu kèm khoảng tin cậy {} %; ô có dưới {} người trả lời không được công bố.",
            s.title,
            loc().num(f.interviews as f64, 0),
            if f.weighted { "có gia quyền theo thiết kế mẫu và điều chỉnh trọng số" } else { "không gia quyền" },
            loc().num(f.level * 100.0, 0),
            f.k
        ),
        &src,
    );
    d.section("Kết quả chủ yếu");
    let mut n = 0;
    for (r, chart) in f.results.iter().zip(&f.charts) {
        if r.lines.is_empty() {
            continue;
        }
        n += 1;
        d.sub(&r.label);
        d.table(&r.label, figures_table(r, f.level, f.k), &src);
        d.blocks
            .push(NewBlock::figure(r.label.clone(), chart.clone(), &src));
    }
    if n == 0 {
        d.para(
            "Chưa có câu hỏi nào đủ số người trả lời để công bố kết quả.",
            &src,
        );
    }
    d.section("Nhận định và kiến nghị");
    d.para(
        "Nhận định của Trung tâm về kết quả khảo sát và kiến nghị với các cơ quan liên quan.",
        "",
    );
    Ok((format!("Kết quả khảo sát {}", s.title), d.blocks))
}
