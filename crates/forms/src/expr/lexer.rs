//! The lexer: tokens of an expression, with their spans and the errors of malformed ones.

use super::{BinOp, Lexer, ParseError, Span, Tok, err, is_name_char, is_name_start};

impl<'a> Lexer<'a> {
    fn peek_char(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    pub(super) fn next(&mut self) -> Result<(Tok, Span), ParseError> {
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
