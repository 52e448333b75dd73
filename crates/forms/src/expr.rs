//! The XLSForm/ODK expression language: syntax tree and parser.
//!
//! A subset of XPath 1.0 with ODK's functions, as written in XLSForm cells: `${name}`
//! references, `.` (the question itself), `..` (in `position(..)`), bare names (choice columns in a
//! `choice_filter`), number and string literals, `+ - * div mod`, `= != < <= > >=`, `and`, `or`
//! and function calls. [`parse_expression`] returns the tree or the first syntax error with its
//! exact place (byte offset, line and column).

use crate::functions::Func;

/// A byte range in the expression source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// A place in a source text: byte offset and 1-based line and column (counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Byte offset.
    pub offset: usize,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `src` (clamped to the text, moved back to a char boundary).
    pub fn of(src: &str, offset: usize) -> Position {
        let mut offset = offset.min(src.len());
        while !src.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &src[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = src[line_start..offset].chars().count() + 1;
        Position {
            offset,
            line,
            column,
        }
    }
}

/// Binary operators, in XPath's precedence groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `div`
    Div,
    /// `mod`
    Mod,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "div",
            BinOp::Mod => "mod",
        }
    }

    fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne => 3,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div | BinOp::Mod => 6,
        }
    }
}

/// Reference to a question not (yet) resolved by the checker.
pub const UNRESOLVED: u32 = u32::MAX;

/// An expression tree. Every node keeps its span for error messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number literal.
    Num(f64, Span),
    /// A string literal (quotes removed).
    Str(String, Span),
    /// `${name}`; `id` is filled in by the checker ([`UNRESOLVED`] until then).
    Ref {
        /// The question name.
        name: String,
        /// Index of the question in the checked form.
        id: u32,
        /// Where it is written.
        span: Span,
    },
    /// `.`: the question the expression belongs to.
    Current(Span),
    /// `..`: the enclosing group or repeat instance (only in `position(..)`).
    Parent(Span),
    /// A bare name or path such as `state` (a choice column in a `choice_filter`).
    Name(String, Span),
    /// Unary minus.
    Neg(Box<Expr>, Span),
    /// A binary operation.
    Bin(BinOp, Box<Expr>, Box<Expr>, Span),
    /// A function call; `func` is `None` for a name that is not a known function.
    Call {
        /// The name as written (`jr:choice-name`).
        name: String,
        /// The resolved function.
        func: Option<Func>,
        /// Arguments.
        args: Vec<Expr>,
        /// The whole call.
        span: Span,
    },
}

impl Expr {
    /// The source range of this node.
    pub fn span(&self) -> Span {
        match self {
            Expr::Num(_, s)
            | Expr::Str(_, s)
            | Expr::Current(s)
            | Expr::Parent(s)
            | Expr::Name(_, s)
            | Expr::Neg(_, s)
            | Expr::Bin(_, _, _, s) => *s,
            Expr::Ref { span, .. } | Expr::Call { span, .. } => *span,
        }
    }

    /// Calls `f` on every node, parents before children.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Neg(e, _) => e.walk(f),
            Expr::Bin(_, a, b, _) => {
                a.walk(f);
                b.walk(f);
            }
            Expr::Call { args, .. } => args.iter().for_each(|a| a.walk(f)),
            _ => {}
        }
    }

    /// Calls `f` on every node, mutably.
    pub fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        f(self);
        match self {
            Expr::Neg(e, _) => e.walk_mut(f),
            Expr::Bin(_, a, b, _) => {
                a.walk_mut(f);
                b.walk_mut(f);
            }
            Expr::Call { args, .. } => args.iter_mut().for_each(|a| a.walk_mut(f)),
            _ => {}
        }
    }

    /// The names of every `${name}` reference, in order of appearance (with repeats).
    pub fn references(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Ref { name, .. } = e {
                out.push(name.as_str());
            }
        });
        out
    }
}

/// A syntax error: what and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The error in English.
    pub message_en: String,
    /// The error in Vietnamese.
    pub message_vi: String,
    /// The offending range.
    pub span: Span,
    /// Start of `span` as line and column.
    pub position: Position,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {} (byte {}): {}",
            self.position.line, self.position.column, self.position.offset, self.message_en
        )
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ref(String),
    Name(String),
    Dot,
    DotDot,
    Slash,
    LParen,
    RParen,
    Comma,
    Op(BinOp),
    Minus,
    Pipe,
    Eof,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    prev_operand: bool,
}

fn err(
    src: &str,
    start: usize,
    end: usize,
    en: impl Into<String>,
    vi: impl Into<String>,
) -> ParseError {
    ParseError {
        message_en: en.into(),
        message_vi: vi.into(),
        span: Span { start, end },
        position: Position::of(src, start),
    }
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

impl<'a> Lexer<'a> {
    fn peek_char(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn next(&mut self) -> Result<(Tok, Span), ParseError> {
        let rest = &self.src[self.pos..];
        let trimmed = rest.trim_start();
        self.pos += rest.len() - trimmed.len();
        let start = self.pos;
        let Some(c) = self.peek_char() else {
            return Ok((Tok::Eof, Span { start, end: start }));
        };
        let src = self.src;
        let tok = match c {
            '(' => {
                self.pos += 1;
                Tok::LParen
            }
            ')' => {
                self.pos += 1;
                Tok::RParen
            }
            ',' => {
                self.pos += 1;
                Tok::Comma
            }
            '|' => {
                self.pos += 1;
                Tok::Pipe
            }
            '/' => {
                self.pos += 1;
                Tok::Slash
            }
            '+' => {
                self.pos += 1;
                Tok::Op(BinOp::Add)
            }
            '-' => {
                self.pos += 1;
                Tok::Minus
            }
            '=' => {
                self.pos += 1;
                Tok::Op(BinOp::Eq)
            }
            '!' => {
                if rest_starts(src, self.pos, "!=") {
                    self.pos += 2;
                    Tok::Op(BinOp::Ne)
                } else {
                    return Err(err(
                        src,
                        start,
                        start + 1,
                        "`!` must be followed by `=`",
                        "sau `!` phải là `=`",
                    ));
                }
            }
            '<' | '>' => {
                self.pos += 1;
                let eq = self.peek_char() == Some('=');
                if eq {
                    self.pos += 1;
                }
                Tok::Op(match (c, eq) {
                    ('<', false) => BinOp::Lt,
                    ('<', true) => BinOp::Le,
                    ('>', false) => BinOp::Gt,
                    _ => BinOp::Ge,
                })
            }
            '*' => {
                self.pos += 1;
                if !self.prev_operand {
                    return Err(err(
                        src,
                        start,
                        start + 1,
                        "`*` needs a value before it",
                        "trước `*` phải có một giá trị",
                    ));
                }
                Tok::Op(BinOp::Mul)
            }
            '\'' | '"' => {
                let body = &src[start + 1..];
                match body.find(c) {
                    Some(i) => {
                        self.pos = start + 1 + i + 1;
                        Tok::Str(body[..i].to_string())
                    }
                    None => {
                        return Err(err(
                            src,
                            start,
                            src.len(),
                            "unterminated string literal",
                            "chuỗi ký tự chưa được đóng",
                        ));
                    }
                }
            }
            '$' => {
                if !rest_starts(src, start, "${") {
                    return Err(err(
                        src,
                        start,
                        start + 1,
                        "`$` must start a reference `${name}`",
                        "`$` phải mở đầu một tham chiếu `${tên}`",
                    ));
                }
                let body = &src[start + 2..];
                let Some(i) = body.find('}') else {
                    return Err(err(
                        src,
                        start,
                        src.len(),
                        "reference `${` is not closed by `}`",
                        "tham chiếu `${` chưa được đóng bằng `}`",
                    ));
                };
                let name = &body[..i];
                let valid = name.chars().next().is_some_and(is_name_start)
                    && name.chars().all(is_name_char);
                if !valid {
                    return Err(err(
                        src,
                        start,
                        start + 3 + i,
                        format!("`${{{name}}}` is not a valid question name"),
                        format!("`${{{name}}}` không phải là tên câu hỏi hợp lệ"),
                    ));
                }
                self.pos = start + 2 + i + 1;
                Tok::Ref(name.to_string())
            }
            '.' => {
                let next = src[start + 1..].chars().next();
                if next == Some('.') {
                    self.pos += 2;
                    Tok::DotDot
                } else if next.is_some_and(|d| d.is_ascii_digit()) {
                    self.number(start)
                } else {
                    self.pos += 1;
                    Tok::Dot
                }
            }
            '0'..='9' => self.number(start),
            c if is_name_start(c) => {
                let mut end = start;
                for (i, ch) in src[start..].char_indices() {
                    if is_name_char(ch)
                        || (ch == ':'
                            && i > 0
                            && src[start + i + 1..]
                                .chars()
                                .next()
                                .is_some_and(is_name_start))
                    {
                        end = start + i + ch.len_utf8();
                    } else {
                        break;
                    }
                }
                self.pos = end;
                let word = &src[start..end];
                let op = if self.prev_operand {
                    match word {
                        "and" => Some(BinOp::And),
                        "or" => Some(BinOp::Or),
                        "div" => Some(BinOp::Div),
                        "mod" => Some(BinOp::Mod),
                        _ => None,
                    }
                } else {
                    None
                };
                match op {
                    Some(op) => Tok::Op(op),
                    None => Tok::Name(word.to_string()),
                }
            }
            other => {
                return Err(err(
                    src,
                    start,
                    start + other.len_utf8(),
                    format!("unexpected character `{other}`"),
                    format!("ký tự không mong đợi `{other}`"),
                ));
            }
        };
        self.prev_operand = matches!(
            tok,
            Tok::Num(_)
                | Tok::Str(_)
                | Tok::Ref(_)
                | Tok::Name(_)
                | Tok::Dot
                | Tok::DotDot
                | Tok::RParen
        );
        Ok((
            tok,
            Span {
                start,
                end: self.pos,
            },
        ))
    }

    fn number(&mut self, start: usize) -> Tok {
        let mut end = start;
        let mut seen_dot = false;
        for (i, ch) in self.src[start..].char_indices() {
            if ch.is_ascii_digit() || (ch == '.' && !seen_dot) {
                seen_dot |= ch == '.';
                end = start + i + 1;
            } else {
                break;
            }
        }
        self.pos = end;
        Tok::Num(self.src[start..end].parse().unwrap_or(f64::NAN))
    }
}

fn rest_starts(src: &str, pos: usize, s: &str) -> bool {
    src.get(pos..).is_some_and(|r| r.starts_with(s))
}

struct Parser<'a> {
    src: &'a str,
    lexer: Lexer<'a>,
    tok: Tok,
    span: Span,
    depth: usize,
}

const MAX_DEPTH: usize = 200;

impl<'a> Parser<'a> {
    fn bump(&mut self) -> Result<(), ParseError> {
        let (t, s) = self.lexer.next()?;
        self.tok = t;
        self.span = s;
        Ok(())
    }

    fn describe(&self) -> String {
        if self.tok == Tok::Eof {
            "the end of the expression".to_string()
        } else {
            format!("`{}`", &self.src[self.span.start..self.span.end])
        }
    }

    fn describe_vi(&self) -> String {
        if self.tok == Tok::Eof {
            "cuối biểu thức".to_string()
        } else {
            format!("`{}`", &self.src[self.span.start..self.span.end])
        }
    }

    fn unexpected(&self, wanted_en: &str, wanted_vi: &str) -> ParseError {
        err(
            self.src,
            self.span.start,
            self.span.end.max(self.span.start),
            format!("expected {wanted_en}, found {}", self.describe()),
            format!("cần {wanted_vi}, nhưng gặp {}", self.describe_vi()),
        )
    }

    fn expr(&mut self, min_prec: u8) -> Result<Expr, ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(
                self.src,
                self.span.start,
                self.span.end,
                "expression is nested too deeply",
                "biểu thức lồng nhau quá sâu",
            ));
        }
        let mut lhs = self.unary()?;
        loop {
            let op = match self.tok {
                Tok::Op(op) => op,
                Tok::Minus => BinOp::Sub,
                _ => break,
            };
            let prec = op.precedence();
            if prec < min_prec {
                break;
            }
            self.bump()?;
            let rhs = self.expr(prec + 1)?;
            let span = Span {
                start: lhs.span().start,
                end: rhs.span().end,
            };
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs), span);
        }
        self.depth -= 1;
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.tok == Tok::Minus {
            let start = self.span.start;
            self.bump()?;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(err(
                    self.src,
                    start,
                    start + 1,
                    "expression is nested too deeply",
                    "biểu thức lồng nhau quá sâu",
                ));
            }
            let e = self.unary()?;
            self.depth -= 1;
            let span = Span {
                start,
                end: e.span().end,
            };
            return Ok(Expr::Neg(Box::new(e), span));
        }
        let e = self.primary()?;
        if self.tok == Tok::Pipe {
            return Err(err(
                self.src,
                self.span.start,
                self.span.end,
                "the union operator `|` is not supported",
                "không hỗ trợ toán tử hợp `|`",
            ));
        }
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let span = self.span;
        match std::mem::replace(&mut self.tok, Tok::Eof) {
            Tok::Num(n) => {
                self.bump()?;
                Ok(Expr::Num(n, span))
            }
            Tok::Str(s) => {
                self.bump()?;
                Ok(Expr::Str(s, span))
            }
            Tok::Ref(name) => {
                self.bump()?;
                Ok(Expr::Ref {
                    name,
                    id: UNRESOLVED,
                    span,
                })
            }
            Tok::LParen => {
                self.bump()?;
                let e = self.expr(1)?;
                if self.tok != Tok::RParen {
                    return Err(self.unexpected("`)`", "`)`"));
                }
                self.bump()?;
                Ok(e)
            }
            t @ (Tok::Dot | Tok::DotDot | Tok::Slash) => {
                self.tok = t;
                self.path(None)
            }
            Tok::Name(name) => {
                self.bump()?;
                if self.tok == Tok::LParen {
                    self.call(name, span)
                } else {
                    self.path(Some((name, span)))
                }
            }
            t => {
                self.tok = t;
                Err(self.unexpected("a value", "một giá trị"))
            }
        }
    }

    fn path(&mut self, first: Option<(String, Span)>) -> Result<Expr, ParseError> {
        let start = first.as_ref().map_or(self.span.start, |(_, s)| s.start);
        let mut text = String::new();
        let mut end = start;
        let mut steps = 0;
        if let Some((name, s)) = first {
            text.push_str(&name);
            end = s.end;
            steps = 1;
        }
        loop {
            match &self.tok {
                Tok::Dot | Tok::DotDot | Tok::Name(_) if steps == 0 || text.ends_with('/') => {
                    text.push_str(&self.src[self.span.start..self.span.end]);
                }
                Tok::Slash => text.push('/'),
                _ => break,
            }
            steps += 1;
            end = self.span.end;
            self.bump()?;
        }
        let span = Span { start, end };
        if text.ends_with('/') {
            return Err(err(
                self.src,
                start,
                end,
                format!("path `{text}` ends with `/`"),
                format!("đường dẫn `{text}` kết thúc bằng `/`"),
            ));
        }
        Ok(match text.as_str() {
            "." => Expr::Current(span),
            ".." => Expr::Parent(span),
            _ => Expr::Name(text, span),
        })
    }

    fn call(&mut self, name: String, name_span: Span) -> Result<Expr, ParseError> {
        self.bump()?; // (
        let mut args = Vec::new();
        if self.tok != Tok::RParen {
            loop {
                args.push(self.expr(1)?);
                match self.tok {
                    Tok::Comma => self.bump()?,
                    Tok::RParen => break,
                    _ => return Err(self.unexpected("`,` or `)`", "`,` hoặc `)`")),
                }
            }
        }
        let span = Span {
            start: name_span.start,
            end: self.span.end,
        };
        self.bump()?;
        let func = Func::from_name(&name);
        Ok(Expr::Call {
            name,
            func,
            args,
            span,
        })
    }
}

/// Parses an expression as written in an XLSForm cell.
///
/// ```
/// use duluan_forms::parse_expression;
/// let e = parse_expression("${age} >= 18 and selected(${consent}, 'yes')").unwrap();
/// assert_eq!(e.references(), ["age", "consent"]);
/// let err = parse_expression("${age} >= ").unwrap_err();
/// assert_eq!((err.position.line, err.position.column, err.position.offset), (1, 11, 10));
/// ```
pub fn parse_expression(src: &str) -> Result<Expr, ParseError> {
    let mut p = Parser {
        src,
        lexer: Lexer {
            src,
            pos: 0,
            prev_operand: false,
        },
        tok: Tok::Eof,
        span: Span::default(),
        depth: 0,
    };
    p.bump()?;
    if p.tok == Tok::Eof {
        return Err(err(
            src,
            0,
            src.len(),
            "the expression is empty",
            "biểu thức trống",
        ));
    }
    let e = p.expr(1)?;
    if p.tok != Tok::Eof {
        return Err(p.unexpected(
            "an operator or the end of the expression",
            "một toán tử hoặc kết thúc biểu thức",
        ));
    }
    Ok(e)
}

/// Splits a label or hint into literal text and `${name}` references (ODK's `<output>`).
/// Returns `(literal, Some(name))` pairs; the last literal may have no reference.
pub fn split_template(text: &str) -> Vec<(&str, Option<&str>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        let Some(j) = rest[i + 2..].find('}') else {
            break;
        };
        let name = &rest[i + 2..i + 2 + j];
        if name.chars().next().is_some_and(is_name_start) && name.chars().all(is_name_char) {
            out.push((&rest[..i], Some(name)));
        } else {
            out.push((&rest[..i + 2 + j + 1], None));
        }
        rest = &rest[i + 2 + j + 1..];
    }
    if !rest.is_empty() || out.is_empty() {
        out.push((rest, None));
    }
    out
}

#[cfg(test)]
mod tests {
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
}
