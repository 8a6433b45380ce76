//! Data Prep expression language: a parser and evaluator for the calculated fields that
//! mapping sets use (`"sourceType": "EXPRESSION"`), following help/data-prep/functions.md.

use chrono::{DateTime, Utc};
use serde_json::{Map, Number, Value};
use sha2::Digest;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExprError {
    #[error("unexpected character `{0}` at position {1}")]
    UnexpectedChar(char, usize),
    #[error("unterminated string literal")]
    UnterminatedString,
    #[error("unterminated `${{...}}` field reference")]
    UnterminatedField,
    #[error("unexpected end of expression")]
    UnexpectedEnd,
    #[error("unexpected token `{0}`")]
    UnexpectedToken(String),
    #[error("function `{0}` is not supported")]
    UnknownFunction(String),
    #[error("function `{name}` expects {expected} arguments, got {got}")]
    Arity {
        name: String,
        expected: String,
        got: usize,
    },
    #[error("expression is too deeply nested")]
    TooDeep,
}

/// A runtime failure while evaluating (reported as a mapper error for that field).
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct EvalError(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Field(String),
    Str(String),
    Num(f64, bool),
    Op(&'static str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Question,
    Colon,
}

fn describe(token: &Token) -> String {
    match token {
        Token::Ident(s) | Token::Field(s) | Token::Str(s) => s.clone(),
        Token::Num(n, _) => n.to_string(),
        Token::Op(o) => (*o).to_string(),
        Token::LParen => "(".into(),
        Token::RParen => ")".into(),
        Token::LBracket => "[".into(),
        Token::RBracket => "]".into(),
        Token::Comma => ",".into(),
        Token::Dot => ".".into(),
        Token::Question => "?".into(),
        Token::Colon => ":".into(),
    }
}

fn lex(input: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '$' && chars.get(i + 1) == Some(&'{') {
            let start = i + 2;
            let mut end = start;
            while end < chars.len() && chars[end] != '}' {
                end += 1;
            }
            if end >= chars.len() {
                return Err(ExprError::UnterminatedField);
            }
            tokens.push(Token::Field(chars[start..end].iter().collect()));
            i = end + 1;
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '$' || c == '@' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '$' | '@' | ':'))
            {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            let mut is_float = false;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (chars[i] == '.'
                        && !is_float
                        && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                if chars[i] == '.' {
                    is_float = true;
                }
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let value = text
                .parse::<f64>()
                .map_err(|_| ExprError::UnexpectedChar(c, start))?;
            tokens.push(Token::Num(value, is_float));
            continue;
        }
        if c == '"' || c == '\'' {
            let quote = c;
            let mut text = String::new();
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                let d = chars[i];
                if d == '\\' {
                    if let Some(&next) = chars.get(i + 1) {
                        text.push(match next {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                        i += 2;
                        continue;
                    }
                }
                if d == quote {
                    closed = true;
                    i += 1;
                    break;
                }
                text.push(d);
                i += 1;
            }
            if !closed {
                return Err(ExprError::UnterminatedString);
            }
            tokens.push(Token::Str(text));
            continue;
        }
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let op2 = match two.as_str() {
            "==" => Some("=="),
            "!=" => Some("!="),
            "<=" => Some("<="),
            ">=" => Some(">="),
            "&&" => Some("&&"),
            "||" => Some("||"),
            _ => None,
        };
        if let Some(op) = op2 {
            tokens.push(Token::Op(op));
            i += 2;
            continue;
        }
        let token = match c {
            '(' => Token::LParen,
            ')' => Token::RParen,
            '[' => Token::LBracket,
            ']' => Token::RBracket,
            ',' => Token::Comma,
            '.' => Token::Dot,
            '?' => Token::Question,
            ':' => Token::Colon,
            '<' => Token::Op("<"),
            '>' => Token::Op(">"),
            '!' => Token::Op("!"),
            '+' => Token::Op("+"),
            '-' => Token::Op("-"),
            '*' => Token::Op("*"),
            '/' => Token::Op("/"),
            '%' => Token::Op("%"),
            other => return Err(ExprError::UnexpectedChar(other, i)),
        };
        tokens.push(token);
        i += 1;
    }
    Ok(tokens)
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Literal(Value),
    Field(Vec<String>),
    List(Vec<Expr>),
    Call(Function, Vec<Expr>),
    Method(Box<Expr>, Method, Vec<Expr>),
    Unary(&'static str, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Equals,
    EqualsIgnoreCase,
}

/// The functions the simulator evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Uuid,
    Now,
    Timestamp,
    Iif,
    IsSet,
    IsEmpty,
    IsNull,
    IsNotNull,
    Concat,
    Lower,
    Upper,
    Trim,
    Ltrim,
    Rtrim,
    Substr,
    Left,
    Right,
    Replacestr,
    Split,
    Join,
    Coalesce,
    First,
    Last,
    SizeOf,
    ToObject,
    ToArray,
    Decode,
    Min,
    Max,
    ToInteger,
    ToDecimal,
    ToBigint,
    Sha256,
    Nullify,
}

impl Function {
    fn lookup(name: &str) -> Option<(Function, usize, usize)> {
        const MANY: usize = usize::MAX;
        Some(match name {
            "uuid" | "guid" => (Function::Uuid, 0, 0),
            "now" => (Function::Now, 0, 0),
            "timestamp" => (Function::Timestamp, 0, 0),
            "iif" => (Function::Iif, 3, 3),
            "is_set" | "contains_key" => (Function::IsSet, 1, 1),
            "is_empty" => (Function::IsEmpty, 1, 1),
            "is_null" => (Function::IsNull, 1, 1),
            "is_not_null" => (Function::IsNotNull, 1, 1),
            "concat" => (Function::Concat, 1, MANY),
            "lower" | "lcase" => (Function::Lower, 1, 1),
            "upper" | "ucase" => (Function::Upper, 1, 1),
            "trim" => (Function::Trim, 1, 1),
            "ltrim" => (Function::Ltrim, 1, 1),
            "rtrim" => (Function::Rtrim, 1, 1),
            "substr" => (Function::Substr, 3, 3),
            "left" => (Function::Left, 2, 2),
            "right" => (Function::Right, 2, 2),
            "replacestr" => (Function::Replacestr, 3, 3),
            "split" => (Function::Split, 2, 2),
            "join" => (Function::Join, 2, 2),
            "coalesce" => (Function::Coalesce, 1, MANY),
            "first" => (Function::First, 1, MANY),
            "last" => (Function::Last, 1, MANY),
            "size_of" => (Function::SizeOf, 1, 1),
            "to_object" => (Function::ToObject, 2, MANY),
            "to_array" => (Function::ToArray, 1, MANY),
            "decode" => (Function::Decode, 3, MANY),
            "min" => (Function::Min, 1, MANY),
            "max" => (Function::Max, 1, MANY),
            "to_integer" => (Function::ToInteger, 1, 1),
            "to_decimal" | "to_float" => (Function::ToDecimal, 1, 1),
            "to_bigint" => (Function::ToBigint, 1, 1),
            "sha256" => (Function::Sha256, 1, 2),
            "nullify" => (Function::Nullify, 0, 0),
            _ => return None,
        })
    }
}

const RESERVED: &[&str] = &[
    "new", "mod", "or", "break", "var", "lt", "for", "false", "while", "eq", "gt", "div", "not",
    "null", "continue", "else", "and", "ne", "true", "le", "if", "ge", "return",
];

const MAX_DEPTH: usize = 64;

struct Parser {
    tokens: Vec<Token>,
    position: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn peek_at(&self, offset: usize) -> Option<&Token> {
        self.tokens.get(self.position + offset)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn expect(&mut self, wanted: &Token) -> Result<(), ExprError> {
        match self.next() {
            Some(token) if &token == wanted => Ok(()),
            Some(token) => Err(ExprError::UnexpectedToken(describe(&token))),
            None => Err(ExprError::UnexpectedEnd),
        }
    }

    fn word_op(&self) -> Option<&'static str> {
        match self.peek() {
            Some(Token::Op(op)) => Some(op),
            Some(Token::Ident(word)) => match word.as_str() {
                "and" => Some("&&"),
                "or" => Some("||"),
                "eq" => Some("=="),
                "ne" => Some("!="),
                "lt" => Some("<"),
                "gt" => Some(">"),
                "le" => Some("<="),
                "ge" => Some(">="),
                "div" => Some("/"),
                "mod" => Some("%"),
                _ => None,
            },
            _ => None,
        }
    }

    fn expression(&mut self) -> Result<Expr, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::TooDeep);
        }
        let condition = self.binary(0)?;
        let result = if self.peek() == Some(&Token::Question) {
            self.next();
            let yes = self.expression()?;
            self.expect(&Token::Colon)?;
            let no = self.expression()?;
            Expr::Ternary(Box::new(condition), Box::new(yes), Box::new(no))
        } else {
            condition
        };
        self.depth -= 1;
        Ok(result)
    }

    fn binary(&mut self, level: usize) -> Result<Expr, ExprError> {
        const LEVELS: &[&[&str]] = &[
            &["||"],
            &["&&"],
            &["==", "!="],
            &["<", ">", "<=", ">="],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level >= LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        while let Some(op) = self.word_op().filter(|op| LEVELS[level].contains(op)) {
            self.next();
            let right = self.binary(level + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::TooDeep);
        }
        let result = match self.peek() {
            Some(Token::Op("!")) => {
                self.next();
                Expr::Unary("!", Box::new(self.unary()?))
            }
            Some(Token::Ident(word)) if word == "not" => {
                self.next();
                Expr::Unary("!", Box::new(self.unary()?))
            }
            Some(Token::Op("-")) => {
                self.next();
                Expr::Unary("-", Box::new(self.unary()?))
            }
            _ => self.postfix()?,
        };
        self.depth -= 1;
        Ok(result)
    }

    fn postfix(&mut self) -> Result<Expr, ExprError> {
        let mut expr = self.primary()?;
        while self.peek() == Some(&Token::Dot) {
            self.next();
            let name = match self.next() {
                Some(Token::Ident(name)) => name,
                Some(token) => return Err(ExprError::UnexpectedToken(describe(&token))),
                None => return Err(ExprError::UnexpectedEnd),
            };
            let method = match name.as_str() {
                "equals" => Method::Equals,
                "equalsIgnoreCase" => Method::EqualsIgnoreCase,
                other => return Err(ExprError::UnknownFunction(other.to_string())),
            };
            let args = self.arguments()?;
            if args.len() != 1 {
                return Err(ExprError::Arity {
                    name,
                    expected: "1".into(),
                    got: args.len(),
                });
            }
            expr = Expr::Method(Box::new(expr), method, args);
        }
        Ok(expr)
    }

    fn arguments(&mut self) -> Result<Vec<Expr>, ExprError> {
        self.expect(&Token::LParen)?;
        let mut args = Vec::new();
        if self.peek() == Some(&Token::RParen) {
            self.next();
            return Ok(args);
        }
        loop {
            args.push(self.expression()?);
            match self.next() {
                Some(Token::Comma) => continue,
                Some(Token::RParen) => break,
                Some(token) => return Err(ExprError::UnexpectedToken(describe(&token))),
                None => return Err(ExprError::UnexpectedEnd),
            }
        }
        Ok(args)
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        match self.next() {
            None => Err(ExprError::UnexpectedEnd),
            Some(Token::Str(text)) => Ok(Expr::Literal(Value::String(text))),
            Some(Token::Num(n, is_float)) => Ok(Expr::Literal(number(n, is_float))),
            Some(Token::LParen) => {
                let inner = self.expression()?;
                self.expect(&Token::RParen)?;
                Ok(inner)
            }
            Some(Token::LBracket) => {
                let mut items = Vec::new();
                if self.peek() == Some(&Token::RBracket) {
                    self.next();
                    return Ok(Expr::List(items));
                }
                loop {
                    items.push(self.expression()?);
                    match self.next() {
                        Some(Token::Comma) => continue,
                        Some(Token::RBracket) => break,
                        Some(token) => return Err(ExprError::UnexpectedToken(describe(&token))),
                        None => return Err(ExprError::UnexpectedEnd),
                    }
                }
                Ok(Expr::List(items))
            }
            Some(Token::Field(name)) => self.path(name),
            Some(Token::Ident(name)) => {
                match name.as_str() {
                    "true" => return Ok(Expr::Literal(Value::Bool(true))),
                    "false" => return Ok(Expr::Literal(Value::Bool(false))),
                    "null" => return Ok(Expr::Literal(Value::Null)),
                    _ => {}
                }
                if self.peek() == Some(&Token::LParen) {
                    let args = self.arguments()?;
                    let Some((function, min, max)) = Function::lookup(&name) else {
                        return Err(ExprError::UnknownFunction(name));
                    };
                    if args.len() < min || args.len() > max {
                        let expected = if min == max {
                            min.to_string()
                        } else if max == usize::MAX {
                            format!("at least {min}")
                        } else {
                            format!("{min} to {max}")
                        };
                        return Err(ExprError::Arity {
                            name,
                            expected,
                            got: args.len(),
                        });
                    }
                    if function == Function::ToObject && args.len() % 2 != 0 {
                        return Err(ExprError::Arity {
                            name,
                            expected: "an even number of".into(),
                            got: args.len(),
                        });
                    }
                    return Ok(Expr::Call(function, args));
                }
                if RESERVED.contains(&name.as_str()) {
                    return Err(ExprError::UnexpectedToken(name));
                }
                self.path(name)
            }
            Some(token) => Err(ExprError::UnexpectedToken(describe(&token))),
        }
    }

    /// Field path: `a.b.c`; stops before `.method(`.
    fn path(&mut self, first: String) -> Result<Expr, ExprError> {
        let mut segments = vec![first];
        while self.peek() == Some(&Token::Dot) {
            let is_method = matches!(self.peek_at(2), Some(Token::LParen));
            if is_method {
                break;
            }
            match self.peek_at(1) {
                Some(Token::Ident(name)) | Some(Token::Field(name)) => {
                    let name = name.clone();
                    self.position += 2;
                    segments.push(name);
                }
                _ => break,
            }
        }
        Ok(Expr::Field(segments))
    }
}

fn number(n: f64, is_float: bool) -> Value {
    if !is_float && n.fract() == 0.0 && n.abs() < 9.0e15 {
        // Integral literal within i64's exact range.
        #[allow(clippy::cast_possible_truncation)]
        let whole = n as i64;
        Value::Number(Number::from(whole))
    } else {
        Number::from_f64(n)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// Parses an expression, rejecting unknown functions as Adobe does at mapping-set creation.
pub fn parse(input: &str) -> Result<Expr, ExprError> {
    let tokens = lex(input)?;
    let mut parser = Parser {
        tokens,
        position: 0,
        depth: 0,
    };
    let expr = parser.expression()?;
    match parser.next() {
        None => Ok(expr),
        Some(token) => Err(ExprError::UnexpectedToken(describe(&token))),
    }
}

/// Parses a source attribute path (`visitor.UUID`, `${First Name}`).
pub fn parse_path(input: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek() == Some(&'{') {
            chars.next();
            for d in chars.by_ref() {
                if d == '}' {
                    break;
                }
                current.push(d);
            }
        } else if c == '.' {
            segments.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    segments.push(current);
    segments
}

pub fn lookup_path<'a>(input: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut current = input;
    for segment in path {
        current = match current {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::String(s) => !s.is_empty() && s != "false",
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => true,
    }
}

fn as_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn num_value(n: f64) -> Value {
    number(n, n.fract() != 0.0)
}

fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), _) | (_, Value::Number(_)) => match (as_f64(a), as_f64(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
        _ => a == b,
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (as_f64(a), as_f64(b)) {
        (Some(x), Some(y)) if !(a.is_string() && b.is_string()) => x.partial_cmp(&y),
        _ => match (a, b) {
            (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
            _ => None,
        },
    }
}

fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Flattens varargs: a single array argument counts as the list.
fn spread(values: Vec<Value>) -> Vec<Value> {
    if values.len() == 1 {
        if let Some(Value::Array(items)) = values.first() {
            return items.clone();
        }
    }
    values
}

fn index_arg(value: &Value, name: &str) -> Result<usize, EvalError> {
    as_f64(value)
        .filter(|n| *n >= 0.0 && n.fract() == 0.0)
        .map(|n| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let index = n as usize;
            index
        })
        .ok_or_else(|| EvalError(format!("{name} expects a non-negative integer")))
}

impl Expr {
    /// Evaluates the expression on one input record; `now` is the simulator's time, which
    /// `now()` and `timestamp()` read.
    pub fn eval(&self, input: &Value, now: DateTime<Utc>) -> Result<Value, EvalError> {
        match self {
            Expr::Literal(value) => Ok(value.clone()),
            Expr::Field(path) => Ok(lookup_path(input, path).cloned().unwrap_or(Value::Null)),
            Expr::List(items) => Ok(Value::Array(
                items
                    .iter()
                    .map(|i| i.eval(input, now))
                    .collect::<Result<_, _>>()?,
            )),
            Expr::Unary(op, inner) => {
                let value = inner.eval(input, now)?;
                if *op == "!" {
                    Ok(Value::Bool(!truthy(&value)))
                } else {
                    as_f64(&value)
                        .map(|n| num_value(-n))
                        .ok_or_else(|| EvalError(format!("cannot negate {value}")))
                }
            }
            Expr::Binary(op, left, right) => {
                if *op == "&&" {
                    return Ok(Value::Bool(
                        truthy(&left.eval(input, now)?) && truthy(&right.eval(input, now)?),
                    ));
                }
                if *op == "||" {
                    return Ok(Value::Bool(
                        truthy(&left.eval(input, now)?) || truthy(&right.eval(input, now)?),
                    ));
                }
                let a = left.eval(input, now)?;
                let b = right.eval(input, now)?;
                match *op {
                    "==" => Ok(Value::Bool(loose_eq(&a, &b))),
                    "!=" => Ok(Value::Bool(!loose_eq(&a, &b))),
                    "<" | ">" | "<=" | ">=" => {
                        let ordering = compare(&a, &b);
                        Ok(Value::Bool(match (op, ordering) {
                            (_, None) => false,
                            (&"<", Some(o)) => o.is_lt(),
                            (&">", Some(o)) => o.is_gt(),
                            (&"<=", Some(o)) => o.is_le(),
                            (_, Some(o)) => o.is_ge(),
                        }))
                    }
                    "+" if a.is_string() || b.is_string() => {
                        Ok(Value::String(format!("{}{}", text(&a), text(&b))))
                    }
                    _ => {
                        let (Some(x), Some(y)) = (as_f64(&a), as_f64(&b)) else {
                            return Err(EvalError(format!(
                                "operator {op} needs numbers, got {a} and {b}"
                            )));
                        };
                        let result = match *op {
                            "+" => x + y,
                            "-" => x - y,
                            "*" => x * y,
                            "/" if y == 0.0 => return Err(EvalError("division by zero".into())),
                            "/" => x / y,
                            "%" if y == 0.0 => return Err(EvalError("division by zero".into())),
                            _ => x % y,
                        };
                        Ok(num_value(result))
                    }
                }
            }
            Expr::Ternary(condition, yes, no) => {
                if truthy(&condition.eval(input, now)?) {
                    yes.eval(input, now)
                } else {
                    no.eval(input, now)
                }
            }
            Expr::Method(target, method, args) => {
                let left = target.eval(input, now)?;
                let right = match args.first() {
                    Some(arg) => arg.eval(input, now)?,
                    None => Value::Null,
                };
                let (Value::String(a), Value::String(b)) = (&left, &right) else {
                    return Ok(Value::Bool(false));
                };
                Ok(Value::Bool(match method {
                    Method::Equals => a == b,
                    Method::EqualsIgnoreCase => a.to_lowercase() == b.to_lowercase(),
                }))
            }
            Expr::Call(function, args) => call(*function, args, input, now),
        }
    }
}

fn call(
    function: Function,
    args: &[Expr],
    input: &Value,
    now: DateTime<Utc>,
) -> Result<Value, EvalError> {
    // Functions that look at the argument expression itself, not its value.
    match function {
        Function::IsSet => {
            let present = match &args[0] {
                Expr::Field(path) => lookup_path(input, path).is_some(),
                other => match other.eval(input, now)? {
                    Value::String(path) => lookup_path(input, &parse_path(&path)).is_some(),
                    value => !value.is_null(),
                },
            };
            return Ok(Value::Bool(present));
        }
        Function::Iif => {
            return if truthy(&args[0].eval(input, now)?) {
                args[1].eval(input, now)
            } else {
                args[2].eval(input, now)
            };
        }
        _ => {}
    }
    let values: Vec<Value> = args
        .iter()
        .map(|a| a.eval(input, now))
        .collect::<Result<_, _>>()?;
    let first = values.first().cloned().unwrap_or(Value::Null);
    let string_op = |f: &dyn Fn(&str) -> String| -> Value {
        match &first {
            Value::Null => Value::Null,
            other => Value::String(f(&text(other))),
        }
    };
    Ok(match function {
        Function::Uuid => Value::String(uuid::Uuid::new_v4().to_string()),
        Function::Now => Value::String(now.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        Function::Timestamp => Value::Number(Number::from(now.timestamp_millis())),
        Function::IsEmpty => Value::Bool(is_empty_value(&first)),
        Function::IsNull => Value::Bool(first.is_null()),
        Function::IsNotNull => Value::Bool(!first.is_null()),
        Function::Concat => Value::String(values.iter().map(text).collect()),
        Function::Lower => string_op(&|s| s.to_lowercase()),
        Function::Upper => string_op(&|s| s.to_uppercase()),
        Function::Trim => string_op(&|s| s.trim().to_string()),
        Function::Ltrim => string_op(&|s| s.trim_start().to_string()),
        Function::Rtrim => string_op(&|s| s.trim_end().to_string()),
        Function::Substr => {
            let start = index_arg(&values[1], "substr")?;
            let length = index_arg(&values[2], "substr")?;
            string_op(&|s| s.chars().skip(start).take(length).collect())
        }
        Function::Left => {
            let count = index_arg(&values[1], "left")?;
            string_op(&|s| s.chars().take(count).collect())
        }
        Function::Right => {
            let count = index_arg(&values[1], "right")?;
            string_op(&|s| {
                let chars: Vec<char> = s.chars().collect();
                chars[chars.len().saturating_sub(count)..].iter().collect()
            })
        }
        Function::Replacestr => {
            let find = text(&values[1]);
            let replace = text(&values[2]);
            string_op(&|s| {
                if find.is_empty() {
                    s.to_string()
                } else {
                    s.replace(&find, &replace)
                }
            })
        }
        Function::Split => {
            let separator = text(&values[1]);
            match &first {
                Value::Null => Value::Null,
                other => {
                    let source = text(other);
                    if separator.is_empty() {
                        Value::Array(vec![Value::String(source)])
                    } else {
                        Value::Array(
                            source
                                .split(separator.as_str())
                                .map(|p| Value::String(p.to_string()))
                                .collect(),
                        )
                    }
                }
            }
        }
        Function::Join => {
            let separator = text(&first);
            match &values[1] {
                Value::Array(items) => Value::String(
                    items
                        .iter()
                        .filter(|v| !v.is_null())
                        .map(text)
                        .collect::<Vec<_>>()
                        .join(&separator),
                ),
                Value::Null => Value::Null,
                other => Value::String(text(other)),
            }
        }
        Function::Coalesce => spread(values)
            .into_iter()
            .find(|v| !v.is_null())
            .unwrap_or(Value::Null),
        Function::First => spread(values).into_iter().next().unwrap_or(Value::Null),
        Function::Last => spread(values).into_iter().last().unwrap_or(Value::Null),
        Function::SizeOf => match &first {
            Value::Array(a) => Value::from(a.len()),
            Value::Object(o) => Value::from(o.len()),
            Value::String(s) => Value::from(s.chars().count()),
            Value::Null => Value::from(0),
            _ => Value::from(1),
        },
        Function::ToObject => {
            let mut map = Map::new();
            for pair in values.chunks(2) {
                if let [key, value] = pair {
                    map.insert(text(key), value.clone());
                }
            }
            Value::Object(map)
        }
        Function::ToArray => {
            let include_nulls = truthy(&first);
            Value::Array(
                values[1..]
                    .iter()
                    .filter(|v| include_nulls || !v.is_null())
                    .cloned()
                    .collect(),
            )
        }
        Function::Decode => {
            let options = &values[1..];
            let mut result = None;
            for pair in options.chunks(2) {
                match pair {
                    [key, value] if loose_eq(key, &first) => {
                        result = Some(value.clone());
                        break;
                    }
                    [default] => result = Some(default.clone()),
                    _ => {}
                }
            }
            result.unwrap_or(Value::Null)
        }
        Function::Min | Function::Max => {
            let items: Vec<Value> = spread(values)
                .into_iter()
                .filter(|v| !v.is_null())
                .collect();
            let mut best: Option<Value> = None;
            for item in items {
                best = match best {
                    None => Some(item),
                    Some(current) => {
                        let ordering = compare(&item, &current);
                        let replace = match (function, ordering) {
                            (Function::Min, Some(o)) => o.is_lt(),
                            (_, Some(o)) => o.is_gt(),
                            (_, None) => false,
                        };
                        Some(if replace { item } else { current })
                    }
                };
            }
            best.unwrap_or(Value::Null)
        }
        Function::ToInteger | Function::ToBigint => match &first {
            Value::Null => Value::Null,
            other => {
                let parsed = as_f64(other)
                    .ok_or_else(|| EvalError(format!("cannot convert {other} to an integer")))?;
                if function == Function::ToBigint {
                    num_value(parsed)
                } else {
                    num_value(parsed.trunc())
                }
            }
        },
        Function::ToDecimal => match &first {
            Value::Null => Value::Null,
            other => {
                let parsed = as_f64(other)
                    .ok_or_else(|| EvalError(format!("cannot convert {other} to a number")))?;
                Number::from_f64(parsed)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        },
        Function::Sha256 => match &first {
            Value::Null => Value::Null,
            other => Value::String(crate::util::to_hex(&sha2::Sha256::digest(
                text(other).as_bytes(),
            ))),
        },
        Function::Nullify => Value::Null,
        Function::IsSet | Function::Iif => Value::Null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The simulator's now in these tests: 2027-03-26T16:30:00Z.
    fn sim_now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_806_078_600, 0).unwrap()
    }

    fn eval(source: &str, input: &Value) -> Value {
        parse(source).unwrap().eval(input, sim_now()).unwrap()
    }

    #[test]
    fn now_and_timestamp_read_the_given_clock() {
        let none = json!({});
        assert_eq!(eval("now()", &none), json!("2027-03-26T16:30:00Z"));
        assert_eq!(eval("timestamp()", &none), json!(1_806_078_600_000_i64));
    }

    #[test]
    fn documented_examples() {
        let none = json!({});
        assert_eq!(
            eval(r#"concat("Hi, ", "there", "!")"#, &none),
            json!("Hi, there!")
        );
        assert_eq!(eval(r#"lower("HeLLo")"#, &none), json!("hello"));
        assert_eq!(eval(r#"ucase("HeLLo")"#, &none), json!("HELLO"));
        assert_eq!(eval(r#"trim(" hello ")"#, &none), json!("hello"));
        assert_eq!(
            eval(r#"substr("This is a substring test", 7, 8)"#, &none),
            json!(" a subst")
        );
        assert_eq!(
            eval(
                r#"coalesce(null, null, null, "first", null, "second")"#,
                &none
            ),
            json!("first")
        );
        assert_eq!(
            eval(r#"to_array(false, 1, null, 2, 3)"#, &none),
            json!([1, 2, 3])
        );
        assert_eq!(
            eval(
                r#"to_object("firstName", "John", "lastName", "Doe")"#,
                &none
            ),
            json!({"firstName": "John", "lastName": "Doe"})
        );
        assert_eq!(
            eval(r#"iif("s".equalsIgnoreCase("S"), "True", "False")"#, &none),
            json!("True")
        );
        assert_eq!(
            eval(r#"join(" ", to_array(true, "Hello", "world"))"#, &none),
            json!("Hello world")
        );
        assert_eq!(eval(r#"is_empty([1, 2, 3])"#, &none), json!(false));
        assert_eq!(eval(r#"size_of([1, 2, 3, 4])"#, &none), json!(4));
        assert_eq!(eval(r#"min(3, 1, 4)"#, &none), json!(1));
        assert_eq!(eval(r#"to_integer("12")"#, &none), json!(12));
        assert_eq!(
            eval(
                r#"decode("pa", "ca", "California", "pa", "Pennsylvania", "N/A")"#,
                &none
            ),
            json!("Pennsylvania")
        );
        assert_eq!(
            eval(r#"decode("zz", "ca", "California", "N/A")"#, &none),
            json!("N/A")
        );
    }

    #[test]
    fn fields_and_operators() {
        let input =
            json!({"visitor": {"email": "A@B.com", "UUID": "u1"}, "First Name": "Jo", "n": 2});
        assert_eq!(eval("lower(visitor.email)", &input), json!("a@b.com"));
        assert_eq!(eval("${First Name}", &input), json!("Jo"));
        assert_eq!(eval("is_set(visitor.UUID)", &input), json!(true));
        assert_eq!(eval("is_set(visitor.missing)", &input), json!(false));
        assert_eq!(
            eval(r#"contains_key("visitor.email")"#, &input),
            json!(true)
        );
        assert_eq!(eval("n * 3 + 1", &input), json!(7));
        assert_eq!(
            eval(r#"n > 1 && visitor.UUID == "u1" ? "yes" : "no""#, &input),
            json!("yes")
        );
        assert_eq!(eval(r#"visitor.UUID.equals("u1")"#, &input), json!(true));
        assert_eq!(eval(r#""chatlio""#, &input), json!("chatlio"));
        assert_eq!(eval("missing.path", &input), Value::Null);
    }

    #[test]
    fn rejects_unknown_and_malformed() {
        assert_eq!(
            parse("frobnicate(1)"),
            Err(ExprError::UnknownFunction("frobnicate".into()))
        );
        assert!(parse("concat(").is_err());
        assert!(parse("\"open").is_err());
        assert!(parse("iif(1, 2)").is_err());
        assert!(parse("a b").is_err());
        assert!(parse(&"(".repeat(500)).is_err());
        assert!(parse("to_integer(\"x\")")
            .unwrap()
            .eval(&json!({}), sim_now())
            .is_err());
    }
}
