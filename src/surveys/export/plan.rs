//! The columns of an export (a plan: names, labels, kinds, value labels) and the one-pass
//! reading of a stored record into them, as rows the writers of every format take.

use std::borrow::Cow;

use duluan_forms::check::NodeKind;
use duluan_forms::{Choice, Engine, QuestionType};
use serde::Deserialize;

use super::dta;
use super::sav::{self, Value};
use crate::kit::csv::{number_cell, text_cell};
use crate::surveys::media::file_list;

/// What a column holds.
#[derive(Clone, Debug)]
pub enum VarKind {
    /// `_id`, `_completed` or `_version`.
    Meta,
    /// Free text (or a computed value of unknown type).
    Text,
    /// A number.
    Number,
    /// A date.
    Date,
    /// One choice: `(choice name, numeric code, label)`; the code is the name when every name
    /// is a number, else the choice's position from 1.
    Coded(Vec<(String, f64, String)>, bool),
    /// One choice of a multiple choice: 1 when chosen, 0 when not, empty when unanswered.
    Dummy(String),
}

/// One column of the export.
#[derive(Clone, Debug)]
pub struct Var {
    /// Column name (valid SPSS name, unique).
    pub name: String,
    /// The question it comes from.
    pub question: String,
    /// Label in the chosen language.
    pub label: String,
    /// Labels in every language `(language, label)`.
    pub labels: Vec<(String, String)>,
    /// What it holds.
    pub kind: VarKind,
    /// Where its question's value sits in a row's values (see [`read_values`]); unused by the
    /// meta columns.
    pub slot: usize,
}

/// The columns of an export in one language.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Columns in order.
    pub vars: Vec<Var>,
    /// Languages of the questionnaire.
    pub languages: Vec<String>,
    /// The top-level questions the columns read, sorted by name (the order of a stored record's
    /// keys), each with its slot.
    pub(super) keys: Vec<(String, usize)>,
}

/// Name, question, label, labels per language, kind.
type RawVar = (String, String, String, Vec<(String, String)>, VarKind);

/// The columns of the top level of `engine`'s form (repeats go to the long table), labels in
/// `lang`. A select from a file takes its choices from the file's rows as the engine holds
/// them (value labels, one column per choice of a multiple choice) within the limits of
/// [`crate::surveys::media::file_list`].
pub fn plan(engine: &Engine, lang: &str) -> Plan {
    let form = engine.form();
    let f = &form.form;
    let languages: Vec<String> = f
        .languages()
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect();
    let text = |t: &duluan_forms::Text| {
        t.get(lang, f.default_language.as_deref())
            .unwrap_or("")
            .to_string()
    };
    let all = |t: &duluan_forms::Text| {
        languages
            .iter()
            .map(|l| (l.clone(), t.0.get(l).cloned().unwrap_or_default()))
            .collect::<Vec<_>>()
    };
    let mut raw: Vec<RawVar> = vec![
        (
            "response_id".into(),
            "_id".into(),
            "Response id".into(),
            vec![],
            VarKind::Meta,
        ),
        (
            "completed_at".into(),
            "_completed".into(),
            "Completed at (UTC)".into(),
            vec![],
            VarKind::Meta,
        ),
        (
            "form_version".into(),
            "_version".into(),
            "Questionnaire version".into(),
            vec![],
            VarKind::Meta,
        ),
    ];
    for (i, n) in form.nodes.iter().enumerate() {
        let NodeKind::Question(kind) = &n.kind else {
            continue;
        };
        if !n.repeats.is_empty() || matches!(kind, QuestionType::Note) {
            continue;
        }
        let Some(q) = form.question(i as u32) else {
            continue;
        };
        let label = text(&q.label);
        let labels = all(&q.label);
        let choices: Option<&[Choice]> = match kind {
            QuestionType::SelectOne(l) | QuestionType::SelectMultiple(l) => {
                Some(f.list(l).map(|l| l.choices.as_slice()).unwrap_or(&[]))
            }
            QuestionType::SelectOneFromFile(_) => file_list(engine, i as u32, false),
            QuestionType::SelectMultipleFromFile(_) => file_list(engine, i as u32, true),
            _ => None,
        };
        let one = matches!(
            kind,
            QuestionType::SelectOne(_) | QuestionType::SelectOneFromFile(_)
        );
        let many = matches!(
            kind,
            QuestionType::SelectMultiple(_) | QuestionType::SelectMultipleFromFile(_)
        );
        match kind {
            QuestionType::Integer | QuestionType::Decimal | QuestionType::Range => raw.push((
                q.name.clone(),
                q.name.clone(),
                label,
                labels,
                VarKind::Number,
            )),
            QuestionType::Date => {
                raw.push((q.name.clone(), q.name.clone(), label, labels, VarKind::Date))
            }
            _ if one && choices.is_some() => {
                let choices = choices.unwrap_or(&[]);
                let numeric =
                    !choices.is_empty() && choices.iter().all(|c| c.name.parse::<f64>().is_ok());
                let codes = choices
                    .iter()
                    .enumerate()
                    .map(|(k, c)| {
                        let code = if numeric {
                            c.name.parse::<f64>().unwrap_or(0.0)
                        } else {
                            (k + 1) as f64
                        };
                        (c.name.clone(), code, text(&c.label))
                    })
                    .collect();
                raw.push((
                    q.name.clone(),
                    q.name.clone(),
                    label,
                    labels,
                    VarKind::Coded(codes, numeric),
                ));
            }
            _ if many && choices.is_some() => {
                raw.push((
                    q.name.clone(),
                    q.name.clone(),
                    label.clone(),
                    labels,
                    VarKind::Text,
                ));
                for c in choices.unwrap_or(&[]) {
                    raw.push((
                        format!("{}_{}", q.name, c.name),
                        q.name.clone(),
                        format!("{label}: {}", text(&c.label)),
                        all(&c.label),
                        VarKind::Dummy(c.name.clone()),
                    ));
                }
            }
            _ => raw.push((q.name.clone(), q.name.clone(), label, labels, VarKind::Text)),
        }
    }
    let names = sav::spss_names(&raw.iter().map(|r| r.0.clone()).collect::<Vec<_>>());
    let mut keys: Vec<(String, usize)> = Vec::new();
    let vars = raw
        .into_iter()
        .zip(names)
        .map(|((_, question, label, labels, kind), name)| {
            let slot = if matches!(kind, VarKind::Meta) {
                usize::MAX
            } else if let Some(k) = keys.iter().find(|k| k.0 == question) {
                k.1
            } else {
                keys.push((question.clone(), keys.len()));
                keys.len() - 1
            };
            Var {
                name,
                question,
                label,
                labels,
                kind,
                slot,
            }
        })
        .collect();
    keys.sort();
    Plan {
        vars,
        languages,
        keys,
    }
}

/// Keys of a stored record, borrowed where possible.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Key(Text::deserialize(d)?.0.unwrap_or_default()))
    }
}

/// A top-level value of a stored record: a string (borrowed unless it has escapes) or a number;
/// repeats, objects, booleans and nulls read as nothing.
struct Text<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_unit<E>(self) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Text<'de>, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Text<'de>, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads the top-level values of a stored record that the plan's columns use into `out` (one
/// entry per slot, emptied first), borrowing from `json` where possible: one pass over the JSON,
/// no map and no tree. Keys come sorted (a record is a `BTreeMap`), so each is found by
/// stepping through the plan's sorted keys; any order still works. A record that is not JSON
/// reads as empty.
pub fn read_values<'a>(plan: &Plan, json: &'a str, out: &mut Vec<Cow<'a, str>>) {
    use serde::de::{IgnoredAny, MapAccess, Visitor};
    struct Fill<'p, 'o, 'de> {
        keys: &'p [(String, usize)],
        out: &'o mut [Cow<'de, str>],
    }
    impl<'de> Visitor<'de> for Fill<'_, '_, 'de> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a record")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
            let mut cursor = 0;
            while let Some(Key(k)) = a.next_key::<Key<'de>>()? {
                let k = k.as_ref();
                let hit = if self.keys.get(cursor).is_some_and(|e| e.0 == k) {
                    Some(cursor)
                } else {
                    match self.keys.binary_search_by(|e| e.0.as_str().cmp(k)) {
                        Ok(i) => Some(i),
                        Err(i) => {
                            cursor = i;
                            None
                        }
                    }
                };
                match hit {
                    Some(i) => {
                        cursor = i + 1;
                        if let Some(v) = a.next_value::<Text<'de>>()?.0 {
                            self.out[self.keys[i].1] = v;
                        }
                    }
                    None => {
                        a.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(())
        }
    }
    out.clear();
    out.resize(plan.keys.len(), Cow::Borrowed(""));
    let mut de = serde_json::Deserializer::from_str(json);
    let ok = serde::Deserializer::deserialize_map(
        &mut de,
        Fill {
            keys: &plan.keys,
            out,
        },
    )
    .is_ok();
    if !ok {
        out.iter_mut().for_each(|c| *c = Cow::Borrowed(""));
    }
}

/// One response as the writers see it.
pub struct Row<'a> {
    /// Id.
    pub id: &'a str,
    /// Completion time, ISO.
    pub completed: &'a str,
    /// Version string.
    pub version: &'a str,
    /// Values by slot (see [`read_values`]).
    pub values: &'a [Cow<'a, str>],
}

impl Row<'_> {
    fn raw(&self, v: &Var) -> &str {
        match &v.kind {
            VarKind::Meta => match v.question.as_str() {
                "_id" => self.id,
                "_completed" => self.completed,
                "_version" => self.version,
                _ => "",
            },
            _ => self.values.get(v.slot).map(|c| c.as_ref()).unwrap_or(""),
        }
    }

    /// The CSV cell of a column.
    pub fn cell(&self, v: &Var) -> &str {
        let raw = self.raw(v);
        match &v.kind {
            VarKind::Dummy(choice) => {
                if raw.is_empty() {
                    ""
                } else if raw.split(' ').any(|x| x == choice) {
                    "1"
                } else {
                    "0"
                }
            }
            _ => raw,
        }
    }

    /// The cell of a column as a CSV export writes it: neutralised against formula injection
    /// (`kit::csv`); numeric columns keep plain numbers such as `-3` as numbers.
    pub fn csv_cell(&self, v: &Var) -> Cow<'_, str> {
        let cell = self.cell(v);
        match &v.kind {
            VarKind::Number | VarKind::Dummy(_) | VarKind::Coded(_, true) => number_cell(cell),
            _ => text_cell(cell),
        }
    }

    /// The number of a numeric column (a number, the code of a choice, 1 or 0 for a choice of
    /// a multiple choice), `None` when missing; dates and texts are the caller's.
    fn number(&self, v: &Var, raw: &str) -> Option<f64> {
        match &v.kind {
            VarKind::Number => raw.parse().ok(),
            VarKind::Coded(_, _) if raw.is_empty() => None,
            VarKind::Coded(_, true) => raw.parse().ok(),
            VarKind::Coded(codes, false) => codes.iter().find(|c| c.0 == raw).map(|c| c.1),
            VarKind::Dummy(_) if raw.is_empty() => None,
            VarKind::Dummy(choice) => Some(if raw.split(' ').any(|x| x == choice) {
                1.0
            } else {
                0.0
            }),
            VarKind::Meta | VarKind::Text | VarKind::Date => None,
        }
    }

    /// The `.sav` value of a column.
    pub fn sav_value(&self, v: &Var) -> Value<'_> {
        let raw = self.raw(v);
        match &v.kind {
            VarKind::Meta | VarKind::Text => Value::Text(raw),
            VarKind::Date => Value::Number(sav::spss_date(raw).unwrap_or(sav::SYSMIS)),
            _ => Value::Number(self.number(v, raw).unwrap_or(sav::SYSMIS)),
        }
    }

    /// The `.dta` value of a column: the same numbers as the `.sav` one, dates as Stata days.
    pub fn dta_value(&self, v: &Var) -> dta::Value<'_> {
        let raw = self.raw(v);
        match &v.kind {
            VarKind::Meta | VarKind::Text => dta::Value::Text(raw),
            VarKind::Date => dta::Value::Number(dta::stata_date(raw)),
            _ => dta::Value::Number(self.number(v, raw)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_by_slot_in_any_key_order() {
        let form = duluan_forms::Form::from_json(
            &serde_json::json!({"id": "t", "version": "1", "title": "t", "items": [
                {"kind": "question", "name": "b", "type": "text", "label": {"en": "B"}},
                {"kind": "question", "name": "a", "type": "integer", "label": {"en": "A"}},
                {"kind": "question", "name": "n", "type": "integer", "label": {"en": "N"}}
            ], "choices": []})
            .to_string(),
        )
        .unwrap();
        let checked = duluan_forms::check_form(&form).unwrap();
        let plan = plan(&Engine::new(checked), "en");
        let cell = |values: &[Cow<'_, str>], name: &str| {
            let v = plan.vars.iter().find(|v| v.name == name).unwrap();
            values[v.slot].to_string()
        };
        let mut out = Vec::new();
        read_values(
            &plan,
            r#"{"a": "1", "b": "x \"y\"", "n": 3, "r": [{"c": "2"}], "z": "9"}"#,
            &mut out,
        );
        assert_eq!(cell(&out, "a"), "1");
        assert_eq!(cell(&out, "b"), "x \"y\"");
        assert_eq!(cell(&out, "n"), "3");
        read_values(
            &plan,
            r#"{"z": "9", "n": "7", "b": "q", "a": "2"}"#,
            &mut out,
        );
        assert_eq!(
            (cell(&out, "a"), cell(&out, "b"), cell(&out, "n")),
            ("2".into(), "q".into(), "7".into())
        );
        read_values(&plan, "not json", &mut out);
        assert!(out.iter().all(|c| c.is_empty()));
    }

    #[test]
    fn selects_from_a_file_take_their_choices_from_its_rows_within_the_limits() {
        let form = duluan_forms::Form::from_json(
            &serde_json::json!({"id": "t", "version": "1", "title": "t", "items": [
                {"kind": "question", "name": "v", "type": "select_one_from_file v.csv", "label": {"en": "V"}},
                {"kind": "question", "name": "m", "type": "select_multiple_from_file v.csv", "label": {"en": "M"}},
                {"kind": "question", "name": "long", "type": "select_multiple_from_file long.csv", "label": {"en": "L"}},
                {"kind": "question", "name": "twice", "type": "select_one_from_file twice.csv", "label": {"en": "T"}},
                {"kind": "question", "name": "gone", "type": "select_one_from_file gone.csv", "label": {"en": "G"}}
            ], "choices": []})
            .to_string(),
        )
        .unwrap();
        let checked = duluan_forms::check_form(&form).unwrap();
        let parse = |name: &str, text: String| {
            (
                name.to_string(),
                duluan_forms::media::parse_media(name, text.as_bytes()).unwrap(),
            )
        };
        let mut long = String::from("name,label\n");
        for i in 0..=crate::surveys::media::MAX_FILE_DUMMIES {
            long.push_str(&format!("x{i},X {i}\n"));
        }
        let tables = [
            parse("v.csv", "name,label\nck,Cái Khế\nah,An Hòa\n".into()),
            parse("long.csv", long),
            parse("twice.csv", "name,label\na,A\na,B\n".into()),
        ]
        .into_iter()
        .collect();
        let plan = plan(&Engine::with_media(checked, tables), "en");
        let kind = |name: &str| &plan.vars.iter().find(|v| v.name == name).unwrap().kind;
        match kind("v") {
            VarKind::Coded(codes, false) => assert_eq!(
                codes,
                &[
                    ("ck".to_string(), 1.0, "Cái Khế".to_string()),
                    ("ah".to_string(), 2.0, "An Hòa".to_string())
                ]
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(kind("m_ck"), VarKind::Dummy(c) if c == "ck"));
        assert!(matches!(kind("m_ah"), VarKind::Dummy(c) if c == "ah"));
        // Past the limit, values repeated, or no file: the values as text.
        for name in ["long", "twice", "gone"] {
            assert!(matches!(kind(name), VarKind::Text), "{name}");
        }
        assert!(!plan.vars.iter().any(|v| v.name.starts_with("long_")));
    }
}
