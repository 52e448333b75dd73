//! The evaluator: ODK/JavaRosa semantics for every function of [`crate::functions`].
//!
//! [`evaluate`] walks a (checked) [`Expr`] against an [`Env`] that answers references. The
//! response engine implements [`Env`] over a form's answers; [`MapEnv`] is a small one over a
//! map of names to values, handy to try an expression.
//!
//! Semantics worth knowing (all as in ODK Collect/JavaRosa): every answer is a string, the empty
//! string meaning "no answer"; `number('')` is NaN, so `${age} > 18` is false while `age` is
//! unanswered; `=` compares numerically when either side is a number or a date and as strings
//! otherwise; a question inside a repeat seen from outside it is a node-set and comparisons
//! with node-sets are existential; `sum()` of a node-set with an empty value is NaN;
//! `regex()` is true when the pattern matches somewhere in the string (anchor it with `^…$`);
//! `substr()` counts characters from 0 with an exclusive end; `round(x)` rounds half up and
//! `round(x, n)` rounds half away from zero; `int()` truncates toward zero.

use crate::expr::{BinOp, Expr, UNRESOLVED};
use crate::functions::Func;
use crate::value::{
    DateTime, Days, Value, format_with, local_parts, parse_date, parse_datetime, str_to_number,
};
use std::collections::BTreeMap;

/// An error raised while evaluating (a bad regular expression, an impossible date, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    /// In English.
    pub message_en: String,
    /// In Vietnamese.
    pub message_vi: String,
}

impl EvalError {
    pub(crate) fn new(en: impl Into<String>, vi: impl Into<String>) -> EvalError {
        EvalError {
            message_en: en.into(),
            message_vi: vi.into(),
        }
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_en)
    }
}

impl std::error::Error for EvalError {}

/// What an expression can see. `id` is the index the checker gave the question
/// ([`UNRESOLVED`] when the expression was not checked against a form).
pub trait Env {
    /// The value of `${name}`: a string, or [`Value::Nodes`] for a question in a repeat seen
    /// from outside that repeat.
    fn reference(&self, id: u32, name: &str) -> Result<Value, EvalError>;
    /// The number of nodes `${name}` stands for (instances of a repeat, answers of a question).
    fn count(&self, id: u32, name: &str) -> Result<usize, EvalError> {
        Ok(match self.reference(id, name)? {
            Value::Nodes(v) => v.len(),
            _ => 1,
        })
    }
    /// `.`: the value of the question the expression belongs to.
    fn current(&self) -> Value;
    /// `position(..)`: the 1-based number of the repeat instance being evaluated.
    fn position(&self) -> Result<f64, EvalError>;
    /// `indexed-repeat(${field}, ${repeat}, i, …)`: `steps` pairs a repeat with a 1-based index.
    fn indexed(&self, field: (u32, &str), steps: &[((u32, &str), f64)])
    -> Result<Value, EvalError>;
    /// `jr:choice-name(value, '${select}')`: the label of a choice in the current language.
    fn choice_label(&self, select: (u32, &str), value: &str) -> Result<String, EvalError>;
    /// A bare name: a column of the choice being filtered in a `choice_filter`.
    fn choice_column(&self, name: &str) -> Result<Value, EvalError>;
    /// `pulldata('file', 'column', 'key column', key)`: `column` of the first row of the form
    /// media file `file` (`file.csv`) whose `key column` equals `key`; empty when no row does
    /// or the file is not there (ODK's semantics).
    fn pulldata(&self, _file: &str, _column: &str, _key_column: &str, _key: &str) -> Value {
        Value::empty()
    }
    /// `today()`.
    fn today(&self) -> Days;
    /// `now()`.
    fn now(&self) -> DateTime;
    /// A compiled regular expression for `pattern`, if the environment caches them.
    fn regex(&self, _pattern: &str) -> Option<&regex::Regex> {
        None
    }
}

/// Evaluates an expression. Never panics; errors say what went wrong.
///
/// ```
/// use duluan_forms::{evaluate, parse_expression, MapEnv};
/// let env = MapEnv::new().with("age", "34").with("fruits", "mango banana");
/// let e = parse_expression("if(${age} >= 18, concat('adult, ', count-selected(${fruits})), 'minor')").unwrap();
/// assert_eq!(evaluate(&e, &env).unwrap().to_str(), "adult, 2");
/// ```
pub fn evaluate(expr: &Expr, env: &dyn Env) -> Result<Value, EvalError> {
    Ok(match expr {
        Expr::Num(n, _) => Value::Num(*n),
        Expr::Str(s, _) => Value::Str(s.clone()),
        Expr::Ref { name, id, .. } => env.reference(*id, name)?,
        Expr::Current(_) => env.current(),
        Expr::Parent(_) => {
            return Err(EvalError::new(
                "`..` can only be used as `position(..)`",
                "`..` chỉ dùng được trong `position(..)`",
            ));
        }
        Expr::Name(n, _) => env.choice_column(n)?,
        Expr::Neg(e, _) => Value::Num(-evaluate(e, env)?.to_num()),
        Expr::Bin(op, a, b, _) => binary(*op, a, b, env)?,
        Expr::Call {
            name, func, args, ..
        } => match func {
            Some(f) => call(*f, args, env)?,
            None => {
                return Err(EvalError::new(
                    format!("unknown function `{name}()`"),
                    format!("không có hàm `{name}()`"),
                ));
            }
        },
    })
}

fn binary(op: BinOp, a: &Expr, b: &Expr, env: &dyn Env) -> Result<Value, EvalError> {
    match op {
        BinOp::Or => {
            return Ok(Value::Bool(
                evaluate(a, env)?.to_bool() || evaluate(b, env)?.to_bool(),
            ));
        }
        BinOp::And => {
            return Ok(Value::Bool(
                evaluate(a, env)?.to_bool() && evaluate(b, env)?.to_bool(),
            ));
        }
        _ => {}
    }
    let x = evaluate(a, env)?;
    let y = evaluate(b, env)?;
    Ok(match op {
        BinOp::Add => Value::Num(x.to_num() + y.to_num()),
        BinOp::Sub => Value::Num(x.to_num() - y.to_num()),
        BinOp::Mul => Value::Num(x.to_num() * y.to_num()),
        BinOp::Div => Value::Num(x.to_num() / y.to_num()),
        BinOp::Mod => Value::Num(x.to_num() % y.to_num()),
        _ => Value::Bool(compare(op, &x, &y)),
    })
}

/// XPath comparison with node-sets compared existentially.
pub fn compare(op: BinOp, x: &Value, y: &Value) -> bool {
    if let Value::Nodes(v) = x {
        return v.iter().any(|s| compare(op, &Value::Str(s.clone()), y));
    }
    if let Value::Nodes(v) = y {
        return v.iter().any(|s| compare(op, x, &Value::Str(s.clone())));
    }
    if let (Value::Str(a), Value::Str(b)) = (x, y)
        && matches!(op, BinOp::Eq | BinOp::Ne)
    {
        return (a == b) == (op == BinOp::Eq);
    }
    let numeric = |v: &Value| matches!(v, Value::Num(_) | Value::Date(_) | Value::DateTime(_));
    match op {
        BinOp::Eq | BinOp::Ne => {
            let eq = if matches!(x, Value::Bool(_)) || matches!(y, Value::Bool(_)) {
                x.to_bool() == y.to_bool()
            } else if numeric(x) || numeric(y) {
                x.to_num() == y.to_num()
            } else {
                x.as_str() == y.as_str()
            };
            eq == (op == BinOp::Eq)
        }
        _ => {
            let (a, b) = (x.to_num(), y.to_num());
            match op {
                BinOp::Lt => a < b,
                BinOp::Le => a <= b,
                BinOp::Gt => a > b,
                _ => a >= b,
            }
        }
    }
}

fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split_whitespace()
}

/// The node pair (id, name) of a reference argument.
fn node(e: &Expr) -> Result<(u32, &str), EvalError> {
    match e {
        Expr::Ref { id, name, .. } => Ok((*id, name.as_str())),
        _ => Err(EvalError::new(
            "this argument must be a question reference `${name}`",
            "đối số này phải là một tham chiếu câu hỏi `${tên}`",
        )),
    }
}

fn str_arg(args: &[Expr], i: usize, env: &dyn Env) -> Result<String, EvalError> {
    Ok(evaluate(&args[i], env)?.into_str())
}

fn num_arg(args: &[Expr], i: usize, env: &dyn Env) -> Result<f64, EvalError> {
    Ok(evaluate(&args[i], env)?.to_num())
}

fn flatten(v: Value) -> Vec<String> {
    match v {
        Value::Nodes(v) => v,
        other => vec![other.to_str()],
    }
}

fn as_instant(v: &Value) -> Result<Option<(Days, i64)>, EvalError> {
    Ok(match v {
        Value::Date(d) => Some((*d, 0)),
        Value::DateTime(dt) => Some(local_parts(dt)),
        Value::Num(n) if n.is_finite() => {
            let ms = (n * 86_400_000.0).round() as i64;
            Some((ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000)))
        }
        Value::Num(_) => None,
        other => {
            let s = other.to_str();
            if s.trim().is_empty() {
                None
            } else if let Some(d) = parse_date(&s) {
                Some((d, 0))
            } else if let Some(dt) = parse_datetime(&s) {
                Some(local_parts(&dt))
            } else {
                return Err(EvalError::new(
                    format!("`{s}` is not a date"),
                    format!("`{s}` không phải là ngày tháng"),
                ));
            }
        }
    })
}

fn round_half_away(x: f64, places: f64) -> f64 {
    if !x.is_finite() || !places.is_finite() {
        return x;
    }
    let p = 10f64.powi(places.clamp(-300.0, 300.0) as i32);
    let y = x * p;
    let r = y.abs().floor() + if y.abs().fract() >= 0.5 { 1.0 } else { 0.0 };
    r.copysign(y) / p
}

fn call(f: Func, args: &[Expr], env: &dyn Env) -> Result<Value, EvalError> {
    let (min, max) = f.arity();
    if args.len() < min || args.len() > max {
        return Err(EvalError::new(
            format!(
                "`{}()` takes {} arguments, not {}",
                f.name(),
                arity_text(min, max),
                args.len()
            ),
            format!(
                "`{}()` nhận {} đối số, không phải {}",
                f.name(),
                arity_text(min, max),
                args.len()
            ),
        ));
    }
    Ok(match f {
        Func::Not => Value::Bool(!evaluate(&args[0], env)?.to_bool()),
        Func::True => Value::Bool(true),
        Func::False => Value::Bool(false),
        Func::Boolean => Value::Bool(evaluate(&args[0], env)?.to_bool()),
        Func::BooleanFromString => {
            let s = str_arg(args, 0, env)?;
            Value::Bool(s == "true" || s == "1")
        }
        Func::Selected => {
            let list = str_arg(args, 0, env)?;
            let v = str_arg(args, 1, env)?;
            let v = v.trim();
            Value::Bool(tokens(&list).any(|t| t == v))
        }
        Func::CountSelected => Value::Num(tokens(&str_arg(args, 0, env)?).count() as f64),
        Func::SelectedAt => {
            let list = str_arg(args, 0, env)?;
            let i = num_arg(args, 1, env)?;
            let picked = if i >= 0.0 && i.is_finite() {
                tokens(&list).nth(i as usize)
            } else {
                None
            };
            Value::Str(picked.unwrap_or("").to_string())
        }
        Func::ChoiceName => {
            let v = str_arg(args, 0, env)?;
            let select = node(&args[1])?;
            if v.is_empty() {
                Value::empty()
            } else {
                Value::Str(env.choice_label(select, v.trim())?)
            }
        }
        Func::If => {
            if evaluate(&args[0], env)?.to_bool() {
                evaluate(&args[1], env)?
            } else {
                evaluate(&args[2], env)?
            }
        }
        Func::Coalesce => {
            let a = evaluate(&args[0], env)?;
            if a.to_str().is_empty() {
                evaluate(&args[1], env)?
            } else {
                a
            }
        }
        Func::Once => {
            let cur = env.current();
            if cur.to_str().is_empty() {
                evaluate(&args[0], env)?
            } else {
                cur
            }
        }
        Func::Concat => {
            let mut out = String::new();
            for a in args {
                for s in flatten(evaluate(a, env)?) {
                    out.push_str(&s);
                }
            }
            Value::Str(out)
        }
        Func::Join => {
            let sep = str_arg(args, 0, env)?;
            Value::Str(flatten(evaluate(&args[1], env)?).join(&sep))
        }
        Func::StringLength => {
            let s = if args.is_empty() {
                env.current().to_str()
            } else {
                str_arg(args, 0, env)?
            };
            Value::Num(s.chars().count() as f64)
        }
        Func::Substr => {
            let s: Vec<char> = str_arg(args, 0, env)?.chars().collect();
            let len = s.len() as f64;
            let clamp = |x: f64, lo: f64| {
                if x.is_nan() {
                    lo
                } else {
                    x.trunc().clamp(lo, len)
                }
            };
            let mut start = num_arg(args, 1, env)?;
            if start < 0.0 {
                start += len;
            }
            let start = clamp(start, 0.0);
            let end = if args.len() > 2 {
                let mut e = num_arg(args, 2, env)?;
                if e < 0.0 {
                    e += len;
                }
                clamp(e, start)
            } else {
                len
            };
            Value::Str(s[start as usize..end as usize].iter().collect())
        }
        Func::Substring => {
            let s: Vec<char> = str_arg(args, 0, env)?.chars().collect();
            let start = (num_arg(args, 1, env)? + 0.5).floor();
            let end = if args.len() > 2 {
                start + (num_arg(args, 2, env)? + 0.5).floor()
            } else {
                f64::INFINITY
            };
            Value::Str(
                s.iter()
                    .enumerate()
                    .filter(|(i, _)| {
                        let p = (*i + 1) as f64;
                        p >= start && p < end
                    })
                    .map(|(_, c)| c)
                    .collect(),
            )
        }
        Func::SubstringBefore => {
            let s = str_arg(args, 0, env)?;
            let t = str_arg(args, 1, env)?;
            Value::Str(s.find(&t).map_or(String::new(), |i| s[..i].to_string()))
        }
        Func::SubstringAfter => {
            let s = str_arg(args, 0, env)?;
            let t = str_arg(args, 1, env)?;
            Value::Str(
                s.find(&t)
                    .map_or(String::new(), |i| s[i + t.len()..].to_string()),
            )
        }
        Func::Contains => Value::Bool(str_arg(args, 0, env)?.contains(&str_arg(args, 1, env)?)),
        Func::StartsWith => {
            Value::Bool(str_arg(args, 0, env)?.starts_with(&str_arg(args, 1, env)?))
        }
        Func::EndsWith => Value::Bool(str_arg(args, 0, env)?.ends_with(&str_arg(args, 1, env)?)),
        Func::Regex => {
            let s = str_arg(args, 0, env)?;
            let re = str_arg(args, 1, env)?;
            match env.regex(&re) {
                Some(compiled) => Value::Bool(compiled.is_match(&s)),
                None => Value::Bool(compile_regex(&re)?.is_match(&s)),
            }
        }
        Func::NormalizeSpace => {
            let s = if args.is_empty() {
                env.current().to_str()
            } else {
                str_arg(args, 0, env)?
            };
            Value::Str(s.split_whitespace().collect::<Vec<_>>().join(" "))
        }
        Func::Translate => {
            let s = str_arg(args, 0, env)?;
            let from: Vec<char> = str_arg(args, 1, env)?.chars().collect();
            let to: Vec<char> = str_arg(args, 2, env)?.chars().collect();
            Value::Str(
                s.chars()
                    .filter_map(|c| match from.iter().position(|&x| x == c) {
                        Some(i) => to.get(i).copied(),
                        None => Some(c),
                    })
                    .collect(),
            )
        }
        Func::UpperCase => Value::Str(str_arg(args, 0, env)?.to_uppercase()),
        Func::LowerCase => Value::Str(str_arg(args, 0, env)?.to_lowercase()),
        Func::String => {
            if args.is_empty() {
                Value::Str(env.current().to_str())
            } else {
                Value::Str(str_arg(args, 0, env)?)
            }
        }
        Func::Number => {
            if args.is_empty() {
                Value::Num(env.current().to_num())
            } else {
                Value::Num(num_arg(args, 0, env)?)
            }
        }
        Func::Int => Value::Num(num_arg(args, 0, env)?.trunc()),
        Func::Round => {
            let x = num_arg(args, 0, env)?;
            if args.len() == 2 {
                Value::Num(round_half_away(x, num_arg(args, 1, env)?.trunc()))
            } else {
                Value::Num((x + 0.5).floor())
            }
        }
        Func::Floor => Value::Num(num_arg(args, 0, env)?.floor()),
        Func::Ceiling => Value::Num(num_arg(args, 0, env)?.ceil()),
        Func::Abs => Value::Num(num_arg(args, 0, env)?.abs()),
        Func::Pow => Value::Num(num_arg(args, 0, env)?.powf(num_arg(args, 1, env)?)),
        Func::Today => Value::Date(env.today()),
        Func::Now => Value::DateTime(env.now()),
        Func::Date => {
            let v = evaluate(&args[0], env)?;
            match &v {
                Value::Num(n) if n.is_finite() => Value::Date(n.floor() as i64),
                Value::Num(_) => Value::empty(),
                Value::Date(d) => Value::Date(*d),
                Value::DateTime(dt) => Value::Date(dt.local_date()),
                _ => match as_instant(&v)? {
                    Some((d, _)) => Value::Date(d),
                    None => Value::empty(),
                },
            }
        }
        Func::DecimalDateTime => {
            let v = evaluate(&args[0], env)?;
            match &v {
                Value::DateTime(dt) => Value::Num(dt.epoch_ms as f64 / 86_400_000.0),
                Value::Num(n) => Value::Num(*n),
                Value::Date(d) => Value::Num(*d as f64),
                other => {
                    let s = other.to_str();
                    if let Some(dt) = parse_datetime(&s) {
                        Value::Num(dt.epoch_ms as f64 / 86_400_000.0)
                    } else if let Some(d) = parse_date(&s) {
                        Value::Num(d as f64)
                    } else {
                        Value::Num(f64::NAN)
                    }
                }
            }
        }
        Func::FormatDate | Func::FormatDateTime => {
            let v = evaluate(&args[0], env)?;
            let fmt = str_arg(args, 1, env)?;
            match as_instant(&v)? {
                Some((d, ms)) => Value::Str(format_with(d, ms, &fmt)),
                None => Value::empty(),
            }
        }
        Func::Position => Value::Num(env.position()?),
        Func::Count => {
            let (id, name) = node(&args[0])?;
            Value::Num(env.count(id, name)? as f64)
        }
        Func::CountNonEmpty => {
            let (id, name) = node(&args[0])?;
            let v = env.reference(id, name)?;
            Value::Num(flatten(v).iter().filter(|s| !s.is_empty()).count() as f64)
        }
        Func::Sum => {
            let (id, name) = node(&args[0])?;
            let v = env.reference(id, name)?;
            Value::Num(flatten(v).iter().map(|s| str_to_number(s)).sum())
        }
        Func::Max | Func::Min => {
            let mut nums = Vec::new();
            for a in args {
                let v = evaluate(a, env)?;
                match v {
                    Value::Nodes(ns) => nums.extend(ns.iter().map(|s| str_to_number(s))),
                    other => nums.push(other.to_num()),
                }
            }
            if nums.is_empty() || nums.iter().any(|n| n.is_nan()) {
                Value::Num(f64::NAN)
            } else if f == Func::Max {
                Value::Num(nums.iter().copied().fold(f64::NEG_INFINITY, f64::max))
            } else {
                Value::Num(nums.iter().copied().fold(f64::INFINITY, f64::min))
            }
        }
        Func::Uuid => {
            if args.is_empty() {
                Value::Str(uuid::Uuid::new_v4().to_string())
            } else {
                // `uuid(n)`: n random letters and digits (ODK: a random string of that length).
                let n = num_arg(args, 0, env)?;
                if !(0.0..=1000.0).contains(&n) {
                    return Err(EvalError::new(
                        "`uuid()` takes a length from 0 to 1000",
                        "`uuid()` nhận độ dài từ 0 đến 1000",
                    ));
                }
                const ALPHABET: &[u8] =
                    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
                let mut out = String::with_capacity(n as usize);
                while out.len() < n as usize {
                    for b in uuid::Uuid::new_v4().as_bytes() {
                        // 62 letters: 248 = 4 × 62 keeps the draw uniform.
                        if *b < 248 && out.len() < n as usize {
                            out.push(ALPHABET[(*b % 62) as usize] as char);
                        }
                    }
                }
                Value::Str(out)
            }
        }
        Func::Random => {
            // 53 random bits of a version-4 UUID's 122: a number in [0, 1).
            let bits = uuid::Uuid::new_v4().as_u128() & ((1u128 << 53) - 1);
            Value::Num(bits as f64 / (1u64 << 53) as f64)
        }
        Func::Digest => {
            let data = str_arg(args, 0, env)?;
            let algorithm = str_arg(args, 1, env)?;
            let encoding = if args.len() > 2 {
                str_arg(args, 2, env)?
            } else {
                "base64".into()
            };
            crate::geo::digest(&data, &algorithm, &encoding).map(Value::Str)?
        }
        Func::Area => Value::Num(crate::geo::area(&str_arg(args, 0, env)?)?),
        Func::Distance => {
            let mut points = String::new();
            for a in args {
                for s in flatten(evaluate(a, env)?) {
                    if !points.is_empty() && !s.trim().is_empty() {
                        points.push(';');
                    }
                    points.push_str(&s);
                }
            }
            Value::Num(crate::geo::distance(&points)?)
        }
        Func::Pulldata => {
            let file = str_arg(args, 0, env)?;
            let column = str_arg(args, 1, env)?;
            let key_column = str_arg(args, 2, env)?;
            let key = str_arg(args, 3, env)?;
            env.pulldata(&file, &column, &key_column, &key)
        }
        Func::IndexedRepeat => {
            if args.len().is_multiple_of(2) {
                return Err(EvalError::new(
                    "`indexed-repeat()` takes a field and then pairs of a repeat and an index",
                    "`indexed-repeat()` nhận một trường rồi từng cặp nhóm lặp và chỉ số",
                ));
            }
            let field = node(&args[0])?;
            let mut steps = Vec::new();
            for pair in args[1..].chunks(2) {
                steps.push((node(&pair[0])?, evaluate(&pair[1], env)?.to_num()));
            }
            env.indexed(field, &steps)?
        }
    })
}

pub(crate) fn arity_text(min: usize, max: usize) -> String {
    if min == max {
        min.to_string()
    } else if max == usize::MAX {
        format!("{min} or more")
    } else {
        format!("{min} to {max}")
    }
}

/// Compiles an ODK regular expression (a size limit keeps hostile patterns cheap).
pub(crate) fn compile_regex(re: &str) -> Result<regex::Regex, EvalError> {
    regex::RegexBuilder::new(re)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            EvalError::new(
                format!("invalid regular expression `{re}`: {e}"),
                format!("biểu thức chính quy `{re}` không hợp lệ: {e}"),
            )
        })
}

/// A simple [`Env`]: named string values (no repeats), a current value, a clock and
/// choice columns. Use it to try an expression outside a form.
#[derive(Debug, Clone)]
pub struct MapEnv {
    /// Values by question name.
    pub values: BTreeMap<String, String>,
    /// Value of `.`.
    pub current: String,
    /// Choice columns for bare names.
    pub choice: BTreeMap<String, String>,
    /// `today()`.
    pub today: Days,
    /// `now()`.
    pub now: DateTime,
}

impl Default for MapEnv {
    fn default() -> Self {
        MapEnv::new()
    }
}

impl MapEnv {
    /// An empty environment on 1970-01-01T00:00Z.
    pub fn new() -> MapEnv {
        MapEnv {
            values: BTreeMap::new(),
            current: String::new(),
            choice: BTreeMap::new(),
            today: 0,
            now: DateTime {
                epoch_ms: 0,
                offset_minutes: 0,
            },
        }
    }

    /// Adds a value.
    pub fn with(mut self, name: &str, value: &str) -> MapEnv {
        self.values.insert(name.to_string(), value.to_string());
        self
    }
}

impl Env for MapEnv {
    fn reference(&self, _id: u32, name: &str) -> Result<Value, EvalError> {
        match self.values.get(name) {
            Some(v) => Ok(Value::Str(v.clone())),
            None => Err(EvalError::new(
                format!("unknown question `${{{name}}}`"),
                format!("không có câu hỏi `${{{name}}}`"),
            )),
        }
    }
    fn current(&self) -> Value {
        Value::Str(self.current.clone())
    }
    fn position(&self) -> Result<f64, EvalError> {
        Ok(1.0)
    }
    fn indexed(
        &self,
        field: (u32, &str),
        steps: &[((u32, &str), f64)],
    ) -> Result<Value, EvalError> {
        if steps.iter().all(|s| s.1 == 1.0) {
            self.reference(field.0, field.1)
        } else {
            Ok(Value::empty())
        }
    }
    fn choice_label(&self, _select: (u32, &str), value: &str) -> Result<String, EvalError> {
        Ok(value.to_string())
    }
    fn choice_column(&self, name: &str) -> Result<Value, EvalError> {
        Ok(Value::Str(
            self.choice.get(name).cloned().unwrap_or_default(),
        ))
    }
    fn today(&self) -> Days {
        self.today
    }
    fn now(&self) -> DateTime {
        self.now
    }
}

/// True when `e` is a reference not resolved by the checker.
pub fn is_unresolved(e: &Expr) -> bool {
    matches!(e, Expr::Ref { id, .. } if *id == UNRESOLVED)
}
