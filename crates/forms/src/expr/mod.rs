//! The XLSForm/ODK expression language: syntax tree and parser.
//!
//! A subset of XPath 1.0 with ODK's functions, as written in XLSForm cells: `${name}`
//! references, `.` (the question itself), `..` (in `position(..)`), bare names (choice columns in a
//! `choice_filter`), number and string literals, `+ - * div mod`, `= != < <= > >=`, `and`, `or`
//! and function calls. [`parse_expression`] returns the tree or the first syntax error with its
//! exact place (byte offset, line and column).

mod lexer;
mod parser;

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

struct Parser<'a> {
    src: &'a str,
    lexer: Lexer<'a>,
    tok: Tok,
    span: Span,
    depth: usize,
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
mod tests;
