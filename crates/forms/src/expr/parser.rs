//! The parser: operators by precedence, unary minus, paths, function calls, and the
//! nesting limit.

use super::{BinOp, Expr, ParseError, Parser, Span, Tok, UNRESOLVED, err};
use crate::functions::Func;

const MAX_DEPTH: usize = 200;

impl<'a> Parser<'a> {
    pub(super) fn bump(&mut self) -> Result<(), ParseError> {
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

    pub(super) fn unexpected(&self, wanted_en: &str, wanted_vi: &str) -> ParseError {
        err(
            self.src,
            self.span.start,
            self.span.end.max(self.span.start),
            format!("expected {wanted_en}, found {}", self.describe()),
            format!("cần {wanted_vi}, nhưng gặp {}", self.describe_vi()),
        )
    }

    pub(super) fn expr(&mut self, min_prec: u8) -> Result<Expr, ParseError> {
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
