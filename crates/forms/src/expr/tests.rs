//! Tests of the expression parser: trees, error positions, nesting, templates.

use super::*;

/// Renders a tree in prefix form to check structure.
fn show(e: &Expr) -> String {
    match e {
        Expr::Num(n, _) => format!("{n}"),
        Expr::Str(s, _) => format!("'{s}'"),
        Expr::Ref { name, .. } => format!("${name}"),
        Expr::Current(_) => ".".into(),
        Expr::Parent(_) => "..".into(),
        Expr::Name(n, _) => format!("@{n}"),
        Expr::Neg(e, _) => format!("(neg {})", show(e)),
        Expr::Bin(op, a, b, _) => format!("({} {} {})", op.symbol(), show(a), show(b)),
        Expr::Call { name, args, .. } => {
            format!(
                "({name}{})",
                args.iter()
                    .map(|a| format!(" {}", show(a)))
                    .collect::<String>()
            )
        }
    }
}

fn check(src: &str, expected: &str) {
    let e = parse_expression(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    assert_eq!(show(&e), expected, "{src}");
}

fn check_err(src: &str, line: usize, column: usize, message: &str) {
    let e = parse_expression(src).expect_err(src);
    assert_eq!(
        (e.position.line, e.position.column),
        (line, column),
        "{src}: {e}"
    );
    assert!(e.message_en.contains(message), "{src}: {}", e.message_en);
    assert!(!e.message_vi.is_empty());
}

#[test]
fn parses() {
    check("1 + 2 * 3", "(+ 1 (* 2 3))");
    check("(1 + 2) * 3", "(* (+ 1 2) 3)");
    check("10 - 2 - 3", "(- (- 10 2) 3)");
    check("7 div 2 mod 3", "(mod (div 7 2) 3)");
    check("-${a} + 1", "(+ (neg $a) 1)");
    check("${a}-1", "(- $a 1)");
    check(
        "${a} > 1 and ${b} != 'x' or not(${c})",
        "(or (and (> $a 1) (!= $b 'x')) (not $c))",
    );
    check("a = 1 or b <= 2", "(or (= @a 1) (<= @b 2))");
    check(". >= 0 and . < 150", "(and (>= . 0) (< . 150))");
    check("position(..)", "(position ..)");
    check("jr:choice-name(${q}, '${q}')", "(jr:choice-name $q '${q}')");
    check("count-selected(${m})", "(count-selected $m)");
    check("\"double\" = 'single'", "(= 'double' 'single')");
    check(".5 + 3.25", "(+ 0.5 3.25)");
    check("today()", "(today)");
    check("div div div", "(div @div @div)");
    check("state = ${state}", "(= @state $state)");
    check("../name", "@../name");
    check("x-1", "@x-1");
    check("Tỉnh = 'Cần Thơ'", "(= @Tỉnh 'Cần Thơ')");
    check("1 = 1 = 1", "(= (= 1 1) 1)");
    check("--1", "(neg (neg 1))");
}

#[test]
fn errors_have_positions() {
    check_err("", 1, 1, "empty");
    check_err("   ", 1, 1, "empty");
    check_err("${age} >= ", 1, 11, "expected a value");
    check_err("1 +\n* 2", 2, 1, "`*` needs a value");
    check_err("'abc", 1, 1, "unterminated");
    check_err("${abc", 1, 1, "not closed");
    check_err("${} = 1", 1, 1, "not a valid question name");
    check_err("${1a}", 1, 1, "not a valid");
    check_err("concat('a' 'b')", 1, 12, "`,` or `)`");
    check_err("(1 + 2", 1, 7, "`)`");
    check_err("1 2", 1, 3, "an operator or the end");
    check_err("Câu = 'đ' #", 1, 11, "unexpected character `#`");
    check_err("$x", 1, 1, "`$` must start");
    check_err("1 ! 2", 1, 3, "`!` must be followed");
    check_err("${a} | ${b}", 1, 6, "union");
    check_err("a/", 1, 1, "ends with `/`");
    check_err("f(1,)", 1, 5, "expected a value");
    check_err("\n\n  1 +", 3, 6, "expected a value");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let src = "(".repeat(5000) + "1" + &")".repeat(5000);
    assert!(parse_expression(&src).is_err());
    let src = "-".repeat(5000) + "1";
    assert!(parse_expression(&src).is_err());
}

#[test]
fn positions_count_characters() {
    let p = Position::of("đây là\nmột dòng", 14);
    assert_eq!((p.line, p.column), (2, 3));
}

#[test]
fn templates() {
    assert_eq!(
        split_template("Hello ${name}!"),
        vec![("Hello ", Some("name")), ("!", None)]
    );
    assert_eq!(split_template("no refs"), vec![("no refs", None)]);
    assert_eq!(
        split_template("${a}${b}"),
        vec![("", Some("a")), ("", Some("b"))]
    );
    assert_eq!(split_template("cost ${ x"), vec![("cost ${ x", None)]);
}
