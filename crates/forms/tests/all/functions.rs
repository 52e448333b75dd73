//! Every function and operator against hand-computed expectations (ODK/JavaRosa semantics).

use duluan_forms::value::{parse_date, parse_datetime};
use duluan_forms::{MapEnv, evaluate, parse_expression};

fn env() -> MapEnv {
    let mut env = MapEnv::new()
        .with("age", "34")
        .with("empty", "")
        .with("name", "  Nguyễn   Văn  An ")
        .with("fruits", "mango banana  durian")
        .with("dob", "1990-05-17")
        .with("price", "12.5")
        .with("flag", "true")
        .with("city", "Cần Thơ");
    env.today = parse_date("2026-11-28").unwrap();
    env.now = parse_datetime("2026-11-28T10:05:07.250+07:00").unwrap();
    env.current = "42".into();
    env.choice.insert("province".into(), "92".into());
    env
}

/// Evaluates `src` and compares `string()` of the result with `expected`.
fn check(src: &str, expected: &str) {
    let e = parse_expression(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    let v = evaluate(&e, &env()).unwrap_or_else(|e| panic!("{src}: {e}"));
    assert_eq!(v.to_str(), expected, "{src}");
}

fn check_error(src: &str, fragment: &str) {
    let e = parse_expression(src).unwrap();
    let err = evaluate(&e, &env()).expect_err(src);
    assert!(
        err.message_en.contains(fragment),
        "{src}: {}",
        err.message_en
    );
    assert!(!err.message_vi.is_empty());
}

#[test]
fn literals_and_arithmetic() {
    check("1", "1");
    check("'text'", "text");
    check("1 + 2 * 3", "7");
    check("(1 + 2) * 3", "9");
    check("7 div 2", "3.5");
    check("7 mod 3", "1");
    check("-7 mod 3", "-1");
    check("7.5 mod 2", "1.5");
    check("1 div 0", "Infinity");
    check("-1 div 0", "-Infinity");
    check("0 div 0", "NaN");
    check("-${age}", "-34");
    check("${age} + 1", "35");
    check("${price} * 2", "25");
    check("${empty} + 1", "NaN");
    check("'abc' + 1", "NaN");
    check("0.1 + 0.2", "0.30000000000000004");
    check("10 - 2 - 3", "5");
}

#[test]
fn comparisons_and_logic() {
    check("${age} > 18", "true");
    check("${age} >= 34", "true");
    check("${age} < 34", "false");
    check("${age} <= 33.9", "false");
    check("${age} = 34", "true");
    check("${age} = '34'", "true");
    check("${age} = '34.0'", "false");
    check("${age} = 34.0", "true");
    check("${empty} = ''", "true");
    check("${empty} > 0", "false");
    check("${empty} < 0", "false");
    check("${empty} != 0", "true");
    check("'a' != 'b'", "true");
    check("'10' < '9'", "false");
    check("1 = true()", "true");
    check("0 = false()", "true");
    check("'' = false()", "true");
    check("${age} > 18 and ${empty} = ''", "true");
    check("${age} < 18 or ${city} = 'Cần Thơ'", "true");
    check("not(${age} > 18)", "false");
    check("not('')", "true");
    check("not('false')", "false");
    check("true() and false()", "false");
    check("boolean('0')", "true");
    check("boolean(0)", "false");
    check("boolean-from-string('true')", "true");
    check("boolean-from-string('1')", "true");
    check("boolean-from-string('yes')", "false");
}

#[test]
fn selects() {
    check("selected(${fruits}, 'banana')", "true");
    check("selected(${fruits}, 'ban')", "false");
    check("selected(${fruits}, ' durian ')", "true");
    check("selected(${empty}, 'x')", "false");
    check("count-selected(${fruits})", "3");
    check("count-selected(${empty})", "0");
    check("selected-at(${fruits}, 0)", "mango");
    check("selected-at(${fruits}, 2)", "durian");
    check("selected-at(${fruits}, 3)", "");
    check("selected-at(${fruits}, -1)", "");
}

#[test]
fn conditionals() {
    check("if(${age} >= 18, 'adult', 'minor')", "adult");
    check("if(${empty}, 'yes', 'no')", "no");
    check("coalesce(${empty}, 'fallback')", "fallback");
    check("coalesce(${age}, 'fallback')", "34");
    check("once(${age} + 1)", "42");
}

#[test]
fn strings() {
    check("concat('a', 1, true(), ${age})", "a1true34");
    check("concat()", "");
    check("string-length(${city})", "7");
    check("string-length('')", "0");
    check("string-length()", "2");
    check("substr('hello', 1, 3)", "el");
    check("substr('hello', 2)", "llo");
    check("substr('hello', 0, 10)", "hello");
    check("substr('hello', 3, 1)", "");
    check("substr('Cần Thơ', 0, 3)", "Cần");
    check("substring('hello', 2, 3)", "ell");
    check("substring('12345', 1.5, 2.6)", "234");
    check("substring-before('2026-11-28', '-')", "2026");
    check("substring-after('2026-11-28', '-')", "11-28");
    check("contains(${city}, 'Thơ')", "true");
    check("contains(${city}, 'tho')", "false");
    check("starts-with(${city}, 'Cần')", "true");
    check("ends-with(${city}, 'Cần')", "false");
    check("regex('0912345678', '^0[0-9]{9}$')", "true");
    check("regex('091234567', '^0[0-9]{9}$')", "false");
    check("regex('abc123', '[0-9]+')", "true");
    check("normalize-space(${name})", "Nguyễn Văn An");
    check("translate('bar', 'abc', 'ABC')", "BAr");
    check("translate('--aaa--', 'abc-', 'ABC')", "AAA");
    check("upper-case('đà nẵng')", "ĐÀ NẴNG");
    check("lower-case('HÀ NỘI')", "hà nội");
    check("string(12)", "12");
    check("string(1 div 4)", "0.25");
    check("string(1 = 1)", "true");
    check("join(', ', ${fruits})", "mango banana  durian");
}

#[test]
fn numbers() {
    check("number('12')", "12");
    check("number(' -3.5 ')", "-3.5");
    check("number('abc')", "NaN");
    check("number('')", "NaN");
    check("number(true())", "1");
    check("int(3.9)", "3");
    check("int(-3.9)", "-3");
    check("int('7.2')", "7");
    check("round(2.5)", "3");
    check("round(-2.5)", "-2");
    check("round(3.14159, 2)", "3.14");
    check("round(2.675, 1)", "2.7");
    check("round(-1.25, 1)", "-1.3");
    check("round(1234, -2)", "1200");
    check("floor(-1.5)", "-2");
    check("ceiling(1.2)", "2");
    check("abs(-4)", "4");
    check("pow(2, 10)", "1024");
    check("max(3, 9, 4)", "9");
    check("min(3, 9, 4)", "3");
    check("max(3, '')", "NaN");
}

#[test]
fn dates() {
    check("today()", "2026-11-28");
    check("now()", "2026-11-28T10:05:07.250+07:00");
    check("date('2026-01-31')", "2026-01-31");
    check("date(0)", "1970-01-01");
    check("date(20785)", "2026-11-28");
    check("date('2026-11-28T23:30:00+07:00')", "2026-11-28");
    check("date('')", "");
    check("today() - date('2026-11-01')", "27");
    check("today() > ${dob}", "true");
    check("${dob} < '1991-01-01'", "true");
    check("${dob} = date('1990-05-17')", "true");
    check("int((today() - ${dob}) div 365.25)", "36");
    check("date(today() + 7)", "2026-12-05");
    check("decimal-date-time('1970-01-02T12:00:00Z')", "1.5");
    check("decimal-date-time('1970-01-11')", "10");
    check("decimal-date-time(now()) > 20785", "true");
    check("format-date(${dob}, '%d/%m/%Y')", "17/05/1990");
    check("format-date(${dob}, '%e/%n/%y %a %b')", "17/5/90 Thu May");
    check("format-date(today(), '%Y')", "2026");
    check("format-date(${empty}, '%Y')", "");
    check("format-date-time(now(), '%H:%M:%S.%3')", "10:05:07.250");
    check("format-date-time('2026-11-28T01:02:03Z', '%h:%M')", "1:02");
}

#[test]
fn choice_filter_columns() {
    check("province = '92'", "true");
    check("province = 92", "true");
    check("missing = ''", "true");
}

#[test]
fn runtime_errors_are_errors_not_panics() {
    check_error("regex('a', '(')", "invalid regular expression");
    check_error("date('2026-02-30')", "not a date");
    check_error("format-date('yesterday', '%Y')", "not a date");
    check_error("nosuch(1)", "unknown function");
    check_error("${nobody}", "unknown question");
    check_error("substr('a')", "takes 2 to 3 arguments");
    check_error("count('a')", "must be a question reference");
}
