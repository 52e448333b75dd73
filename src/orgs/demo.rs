//! The organisation tree of the demo: Cần Thơ city (code 92) with its 103 communes and wards from
//! the national list, hamlets under a few of them, the Fatherland Front and mass organisations,
//! agency party committees, the information centre, and former units with their lineage — all in
//! one transaction. The communes, wards and hamlets carry populations, and the city their sum:
//! made-up figures that show the feature, said to be illustrative in their reference text, never
//! official statistics.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::{NaiveDate, Utc};

use crate::db::{Db, Tx};
use crate::orgs::model::{LineageEvent, Population, UnitInput, parse_units_csv};
use crate::orgs::store;

fn illustrative(count: i64) -> Population {
    Population {
        count: Some(count),
        source: DEMO_POPULATION_SOURCE.to_string(),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn unit(code: &str, name: &str, kind: &str) -> UnitInput {
    UnitInput {
        code: Some(code.to_string()),
        name: name.to_string(),
        kind: kind.to_string(),
        valid_from: None,
        valid_to: None,
        note: String::new(),
    }
}

async fn id_of(tx: &mut Tx, code: &str) -> anyhow::Result<i64> {
    store::find_unit_id_in(tx, code)
        .await?
        .with_context(|| format!("unit {code} missing"))
}

/// The rows of the national list for one province and its communes, as CSV with a header.
fn province_csv(code: &str) -> String {
    let mut out = String::new();
    for (i, line) in crate::demo::NATIONAL_UNITS_CSV.lines().enumerate() {
        let mut cells = line.split(',');
        let (c, parent) = (
            cells.next().unwrap_or(""),
            line.rsplit(',').next().unwrap_or(""),
        );
        if i == 0 || c == code || parent == code {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The reference of the demo's populations: they are made up.
pub const DEMO_POPULATION_SOURCE: &str =
    "Số liệu minh hoạ cho bản demo, không phải số liệu thống kê chính thức";

/// A made-up population for a demo commune or ward (8,000 to 45,000, in tens), the same on
/// every run: derived from its code, not from any statistics.
pub fn demo_population(code: &str) -> i64 {
    let seed = code
        .bytes()
        .fold(17u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    8_000 + ((seed.wrapping_mul(2_654_435_761) >> 7) % 3_700) as i64 * 10
}

/// Loads the demo's units into an empty tree.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let now = Utc::now();
    let reform = date(2025, 7, 1);
    let kinds = store::list_kinds(db).await?;
    let mut rows = parse_units_csv(province_csv("92").as_bytes(), &kinds, &HashMap::new())
        .map_err(|e| anyhow::anyhow!("demo data does not parse: {e:?}"))?;
    for row in &mut rows {
        if row.input.kind != "city" {
            row.input.valid_from = Some(reform);
        }
    }
    store::import_units(&mut tx, &rows, now)
        .await
        .context("loading Cần Thơ")?;
    let city = id_of(&mut tx, "92").await?;

    // Illustrative populations of the communes and wards, and the city as their sum.
    let mut city_total = 0;
    for row in rows.iter().filter(|r| r.input.kind != "city") {
        let Some(code) = &row.input.code else {
            continue;
        };
        let count = demo_population(code);
        city_total += count;
        let id = id_of(&mut tx, code).await?;
        store::update_population(&mut tx, id, &illustrative(count), now).await?;
    }
    store::update_population(&mut tx, city, &illustrative(city_total), now).await?;

    // Hamlets (khu vực, ấp) under a few communes and wards.
    for (parent, prefix, kind, count) in [
        ("31135", "Khu vực", "area", 6),
        ("31120", "Khu vực", "area", 4),
        ("31299", "Ấp", "hamlet", 5),
        ("31315", "Ấp", "hamlet", 4),
    ] {
        let parent_id = id_of(&mut tx, parent).await?;
        for i in 1..=count {
            let mut input = unit(&format!("{parent}-{i:02}"), &format!("{prefix} {i}"), kind);
            input.valid_from = Some(reform);
            let id = store::insert_unit(&mut tx, &input, Some(parent_id), now).await?;
            // A share of the ward's or commune's people, so that its hamlets never add up to more.
            let share = demo_population(parent) / (count + 2) / 10 * 10;
            let code = format!("{parent}-{i:02}");
            let people = share + demo_population(&code) / 10 % 20 * 10;
            store::update_population(&mut tx, id, &illustrative(people), now).await?;
        }
    }

    // The Fatherland Front with the mass organisations under it, and agency party committees.
    let front = store::insert_unit(
        &mut tx,
        &unit(
            "92-MTTQ",
            "Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Cần Thơ",
            "front",
        ),
        Some(city),
        now,
    )
    .await?;
    for (code, name) in [
        ("92-HLHPN", "Hội Liên hiệp Phụ nữ thành phố Cần Thơ"),
        ("92-HND", "Hội Nông dân thành phố Cần Thơ"),
        ("92-HCCB", "Hội Cựu chiến binh thành phố Cần Thơ"),
        ("92-DTN", "Thành đoàn Cần Thơ"),
        ("92-LDLD", "Liên đoàn Lao động thành phố Cần Thơ"),
    ] {
        store::insert_unit(&mut tx, &unit(code, name, "mass_org"), Some(front), now).await?;
    }
    for (code, name) in [
        ("92-DUCQD", "Đảng ủy các cơ quan Đảng thành phố"),
        ("92-DUUB", "Đảng ủy Ủy ban nhân dân thành phố"),
    ] {
        store::insert_unit(
            &mut tx,
            &unit(code, name, "party_committee"),
            Some(city),
            now,
        )
        .await?;
    }
    let mut centre = unit(
        "92-TTTT",
        "Trung tâm Thông tin công tác tuyên giáo – Dư luận xã hội",
        "info_centre",
    );
    centre.note = "Đơn vị của Ban Tuyên giáo và Dân vận Thành ủy".into();
    store::insert_unit(&mut tx, &centre, Some(city), now).await?;

    // Former units before the 1 July 2025 reform, with their lineage.
    let end = date(2025, 6, 30);
    for (code, name) in [
        ("93", "Tỉnh Hậu Giang (trước 01/7/2025)"),
        ("94", "Tỉnh Sóc Trăng (trước 01/7/2025)"),
    ] {
        let mut input = unit(code, name, "province");
        input.valid_to = Some(end);
        let id = store::insert_unit(&mut tx, &input, None, now).await?;
        store::insert_lineage(
            &mut tx,
            id,
            city,
            LineageEvent::Merge,
            reform,
            "Nghị quyết 202/2025/QH15",
        )
        .await?;
    }
    let mut district = unit("92-Q-NK", "Quận Ninh Kiều (trước 01/7/2025)", "district");
    district.valid_to = Some(end);
    let district = store::insert_unit(&mut tx, &district, Some(city), now).await?;
    for code in ["31135", "31120", "31147"] {
        let ward = id_of(&mut tx, code).await?;
        store::insert_lineage(&mut tx, district, ward, LineageEvent::Split, reform, "").await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_populations_are_whole_tens_in_their_range() {
        for code in ["31117", "31120", "31299", "x"] {
            let n = super::demo_population(code);
            assert!((8_000..45_000).contains(&n) && n % 10 == 0, "{code}: {n}");
        }
        assert_ne!(
            super::demo_population("31117"),
            super::demo_population("31120")
        );
    }

    #[test]
    fn can_tho_has_103_units_under_it() {
        let csv = super::province_csv("92");
        assert_eq!(csv.lines().count(), 1 + 1 + 103);
    }
}
