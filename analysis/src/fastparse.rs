//! A fast path for [`crate::syntax::lower`]: a hand-written tokenizer and recursive-descent reader
//! for the common, plain subset of Python.
//!
//! [`parse`] returns `Some(ms)` only when `ms` is exactly what tree-sitter + `lower` would return for
//! the same text, and `None` ("not sure") for anything outside the subset it models precisely:
//! syntax errors, unusual whitespace, `for`/`while`/`with`/`match` at a lowered level, soft keywords
//! at statement start, `\N{...}` escapes, odd string prefixes, ... The caller then falls back to
//! tree-sitter. Function bodies are not lowered but are fully validated, so that "no errors" holds.
//! There (and in loops), constructs that tree-sitter reads in more than one error-free way are
//! accepted, since only their extent matters: `*call()` / `**call()` operands, starred elements in
//! assignment values, `(*a, b)` tuples as arguments, `with (a as b, c):` item groups.
//!
//! Spans follow tree-sitter's nodes: statement spans end at their last token; a block ends at the
//! zero-width DEDENT/NEWLINE token that closes it, which (as in tree-sitter's external scanner)
//! includes trailing comment lines indented at least as deep as the block.

use crate::span::Span;
use crate::syntax::{
    ClassDef, Expr, ExprKind, FunctionDef, Keyword, ModuleSyntax, Stmt, Target, unescape,
};

#[cfg(test)]
mod tests;

type R<T> = Option<T>;

/// Whether `module_syntax` uses the fast path.
pub const ENABLED: bool = true;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kw {
    False,
    None,
    True,
    And,
    As,
    Assert,
    Async,
    Await,
    Break,
    Class,
    Continue,
    Def,
    Del,
    Elif,
    Else,
    Except,
    Finally,
    For,
    From,
    Global,
    If,
    Import,
    In,
    Is,
    Lambda,
    Nonlocal,
    Not,
    Or,
    Pass,
    Raise,
    Return,
    Try,
    While,
    With,
    Yield,
}

fn keyword(s: &[u8]) -> Option<Kw> {
    // dispatch on the first byte so that a name is compared with a few keywords at most
    let (&c, rest) = s.split_first()?;
    Some(match (c, rest) {
        (b'F', b"alse") => Kw::False,
        (b'N', b"one") => Kw::None,
        (b'T', b"rue") => Kw::True,
        (b'a', b"nd") => Kw::And,
        (b'a', b"s") => Kw::As,
        (b'a', b"ssert") => Kw::Assert,
        (b'a', b"sync") => Kw::Async,
        (b'a', b"wait") => Kw::Await,
        (b'b', b"reak") => Kw::Break,
        (b'c', b"lass") => Kw::Class,
        (b'c', b"ontinue") => Kw::Continue,
        (b'd', b"ef") => Kw::Def,
        (b'd', b"el") => Kw::Del,
        (b'e', b"lif") => Kw::Elif,
        (b'e', b"lse") => Kw::Else,
        (b'e', b"xcept") => Kw::Except,
        (b'f', b"inally") => Kw::Finally,
        (b'f', b"or") => Kw::For,
        (b'f', b"rom") => Kw::From,
        (b'g', b"lobal") => Kw::Global,
        (b'i', b"f") => Kw::If,
        (b'i', b"mport") => Kw::Import,
        (b'i', b"n") => Kw::In,
        (b'i', b"s") => Kw::Is,
        (b'l', b"ambda") => Kw::Lambda,
        (b'n', b"onlocal") => Kw::Nonlocal,
        (b'n', b"ot") => Kw::Not,
        (b'o', b"r") => Kw::Or,
        (b'p', b"ass") => Kw::Pass,
        (b'r', b"aise") => Kw::Raise,
        (b'r', b"eturn") => Kw::Return,
        (b't', b"ry") => Kw::Try,
        (b'w', b"hile") => Kw::While,
        (b'w', b"ith") => Kw::With,
        (b'y', b"ield") => Kw::Yield,
        _ => return None,
    })
}

/// The first letters of keywords (all of which are at most eight bytes long).
const KW_START: [bool; 256] = {
    let mut t = [false; 256];
    let first = b"FNTabcdefgilnoprtwy";
    let mut i = 0;
    while i < first.len() {
        t[first[i] as usize] = true;
        i += 1;
    }
    t
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    LPar,
    RPar,
    LSq,
    RSq,
    LBr,
    RBr,
    Comma,
    Colon,
    Semi,
    Dot,
    Ellipsis,
    At,
    Assign,
    Arrow,
    AugAssign,
    Walrus,
    Plus,
    Minus,
    Star,
    Slash,
    DSlash,
    Percent,
    DStar,
    LShift,
    RShift,
    Amp,
    Pipe,
    Caret,
    Tilde,
    Lt,
    Gt,
    Le,
    Ge,
    EqEq,
    Ne,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum K {
    Name,
    Kw(Kw),
    Int,
    Float,
    /// A complete string literal without interpolations.
    Str,
    /// A `Str` without prefix or backslash, whose value is the text between its quotes.
    PlainStr,
    /// An f-string with interpolations; its span is the whole literal. Interpolation groups follow,
    /// then `FStrEnd`.
    FStr,
    FStrEnd,
    /// `{` of an interpolation.
    Interp,
    /// `}` closing an interpolation.
    InterpEnd,
    /// `!r` conversion.
    Conv,
    /// `:` starting a format specifier (its text is skipped; nested interpolations follow).
    Spec,
    Op(Op),
    Newline,
    Indent,
    Dedent,
    Eof,
}

#[derive(Clone, Copy, Debug)]
struct Tok {
    k: K,
    s: u32,
    e: u32,
    /// A comment lies between the previous token and this one.
    cmt: bool,
    /// An explicit line continuation (`\\` newline) lies between the previous token and this one.
    lc: bool,
}

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

struct Lexer<'a> {
    b: &'a [u8],
    p: usize,
    toks: Vec<Tok>,
    /// Comments inside brackets and line continuations, as the index of the token they precede
    /// (the next one pushed) and whether it is a line continuation. They are rare: `push` writes
    /// plain tokens, and [`Lexer::run`] marks these tokens at the end.
    marks: Vec<(usize, bool)>,
}

/// `is_id_char` as a table: identifier scanning is the lexer's innermost loop.
const ID_CHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_';
        c += 1;
    }
    t
};

/// Whether [`Lexer::string`] must look at byte `c` of a literal quoted with `qc` (an f-string when
/// `fmt`): its quote, a backslash, a line end or NUL, or a brace of an f-string. Other control
/// bytes below 0x0e are included too (looked at and found to need nothing, like any other byte).
fn str_special(c: u8, qc: u8, fmt: bool) -> bool {
    c == qc || c == b'\\' || c < 0x0e || fmt && (c == b'{' || c == b'}')
}

/// The first position from `p` of a byte that [`str_special`] picks (or the end of `b`): the
/// plain content of string literals is skipped eight bytes at a time.
fn str_scan(b: &[u8], mut p: usize, qc: u8, fmt: bool) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    // The bytes below `n` (n <= 0x80) as their high bits; the lowest one flagged is exact (a
    // borrow only runs upwards, past a byte that is flagged rightly), which is all that is used.
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    let eq = |w: u64, c: u8| below(w ^ (ONES * u64::from(c)), 1);
    while let Some(chunk) = b.get(p..p + 8) {
        let mut a = [0; 8];
        a.copy_from_slice(chunk);
        let w = u64::from_le_bytes(a);
        let mut m = below(w, 0x0e) | eq(w, qc) | eq(w, b'\\');
        if fmt {
            m |= eq(w, b'{') | eq(w, b'}');
        }
        if m != 0 {
            return p + (m.trailing_zeros() / 8) as usize;
        }
        p += 8;
    }
    while b.get(p).is_some_and(|&c| !str_special(c, qc, fmt)) {
        p += 1;
    }
    p
}

fn is_id_char(c: u8) -> bool {
    ID_CHAR[c as usize]
}

/// How many bytes at the start of `b` are identifier characters (`is_id_char`). Names are most
/// of the lexer's bytes: they are looked up eight at a time, in an unrolled loop (a table lookup
/// per byte costs fewer instructions than classifying the eight bytes as one word, for names of
/// any length).
fn id_len(b: &[u8]) -> usize {
    let mut n = 0;
    while let Some(chunk) = b.get(n..n + 8) {
        for (i, &c) in chunk.iter().enumerate() {
            if !is_id_char(c) {
                return n + i;
            }
        }
        n += 8;
    }
    while b.get(n).is_some_and(|&c| is_id_char(c)) {
        n += 1;
    }
    n
}

/// The end of the blanks (spaces, tabs) starting at `p`. Indentation inside brackets makes long
/// runs of spaces common, so eight are compared at a time.
fn skip_blanks(b: &[u8], mut p: usize) -> usize {
    while let Some(b' ' | b'\t') = b.get(p) {
        p += 1;
        while b.get(p..p + 8) == Some(b"        ") {
            p += 8;
        }
    }
    p
}

/// Indentation at `p`: where its blanks end and their width (a tab counts 8), counting only until
/// the width reaches `enough` (the returned end is then that of the counted blanks).
fn indentation(b: &[u8], mut p: usize, enough: u32) -> (usize, u32) {
    let mut ind = 0u32;
    while ind < enough {
        if b.get(p..p + 8) == Some(b"        ") {
            ind += 8;
            p += 8;
            continue;
        }
        match b.get(p) {
            Some(b' ') => ind += 1,
            Some(b'\t') => ind += 8,
            _ => break,
        }
        p += 1;
    }
    (p, ind)
}

impl<'a> Lexer<'a> {
    fn at(&self, p: usize) -> u8 {
        self.b.get(p).copied().unwrap_or(0)
    }

    /// A one-byte operator token at `self.p`.
    #[inline(always)]
    fn op(&mut self, op: Op) {
        let s = self.p;
        self.p = s + 1;
        self.push(K::Op(op), s, s + 1);
    }

    /// A bracket at `self.p` (`c`, one of `()[]{}`): its token, and the nesting depth it opens
    /// or closes (`None` for a closing bracket with nothing open).
    #[inline(always)]
    fn bracket(&mut self, c: u8, depth: &mut u32) -> R<()> {
        let (op, opens) = match c {
            b'(' => (Op::LPar, true),
            b')' => (Op::RPar, false),
            b'[' => (Op::LSq, true),
            b']' => (Op::RSq, false),
            b'{' => (Op::LBr, true),
            _ => (Op::RBr, false),
        };
        *depth = if opens {
            *depth + 1
        } else {
            depth.checked_sub(1)?
        };
        self.op(op);
        Some(())
    }

    fn push(&mut self, k: K, s: usize, e: usize) {
        self.toks.push(Tok {
            k,
            s: s as u32,
            e: e as u32,
            cmt: false,
            lc: false,
        });
    }

    /// Lexes the whole file into tokens with NEWLINE/INDENT/DEDENT like tree-sitter's scanner.
    fn run(mut self) -> R<Vec<Tok>> {
        let n = self.b.len();
        if self.b.starts_with(b"\xEF\xBB\xBF") {
            self.p = 3;
        }
        let mut indents: Vec<u32> = vec![0];
        let mut last_nl: u32 = 0;
        let mut expect_indent = false;
        let mut pending: Vec<(u32, u32)> = Vec::new();
        let mut first_line = true;
        loop {
            // Start of a physical line outside brackets: measure indentation.
            let (q, ind) = indentation(self.b, self.p, u32::MAX);
            self.p = q;
            if self.p >= n {
                break;
            }
            match self.b[self.p] {
                b'\n' => {
                    self.p += 1;
                    continue;
                }
                b'\r' => {
                    if self.at(self.p + 1) == b'\n' {
                        self.p += 2;
                        continue;
                    }
                    return None;
                }
                b'#' => {
                    let end = self.comment_end(self.p)?;
                    pending.push((ind, end as u32));
                    self.p = end;
                    if self.p < n {
                        // at '\n'
                        self.p += 1;
                    }
                    continue;
                }
                b'\\' | 0x0c | 0x0b | 0 => return None,
                _ => {}
            }
            // A real logical line.
            let top = *indents.last()?;
            if first_line {
                if ind != 0 {
                    return None;
                }
            } else if expect_indent {
                if ind <= top {
                    return None;
                }
                indents.push(ind);
                let p = self.p;
                self.push(K::Indent, p, p);
            } else {
                let mut pos = last_nl;
                for &(ci, ce) in &pending {
                    while ci < *indents.last()? {
                        indents.pop();
                        self.push(K::Dedent, pos as usize, pos as usize);
                    }
                    pos = ce;
                }
                while ind < *indents.last()? {
                    indents.pop();
                    self.push(K::Dedent, pos as usize, pos as usize);
                }
                if ind != *indents.last()? {
                    return None;
                }
            }
            pending.clear();
            first_line = false;
            let cur = *indents.last()?;
            // Tokens of the logical line.
            let mut depth: u32 = 0;
            let nl_pos: usize;
            loop {
                let Some(&c) = self.b.get(self.p) else {
                    if depth > 0 {
                        return None;
                    }
                    nl_pos = self.toks.last()?.e as usize;
                    break;
                };
                match c {
                    // (most tokens follow another directly: blanks are a case of this match
                    // rather than a scan before it)
                    b' ' | b'\t' => self.p = skip_blanks(self.b, self.p + 1),
                    b'\n' | b'\r' => {
                        if c == b'\r' {
                            if self.at(self.p + 1) != b'\n' {
                                return None;
                            }
                            self.p += 1;
                        }
                        self.p += 1;
                        if depth == 0 {
                            nl_pos = self.toks.last()?.e as usize;
                            break;
                        }
                        // Inside brackets, tree-sitter's scanner may still emit a DEDENT for a
                        // line indented less than the current block. (Only whether the line is
                        // indented less than `cur` matters, so the count stops there; the rest
                        // of the indentation is blanks, skipped at once.)
                        let (q, li) = indentation(self.b, self.p, cur);
                        // (not when a closing bracket or a plain string starts the line: the
                        // scanner does not dedent there)
                        if li < cur
                            && q < n
                            && !matches!(
                                self.b[q],
                                b'\n' | b'\r' | b')' | b']' | b'}' | b'"' | b'\''
                            )
                        {
                            return None;
                        }
                        self.p = skip_blanks(self.b, q);
                    }
                    b'#' => {
                        let end = self.comment_end(self.p)?;
                        self.p = end;
                        if depth == 0 {
                            nl_pos = end;
                            if self.p < n {
                                self.p += 1;
                            }
                            break;
                        }
                        self.marks.push((self.toks.len(), false));
                    }
                    b'\\' => {
                        // explicit line joining; tree-sitter keeps it as a named `line_continuation`
                        // node, which `lower` would see inside brackets
                        if depth > 0 {
                            return None;
                        }
                        self.marks.push((self.toks.len(), true));
                        if self.at(self.p + 1) == b'\n' {
                            self.p += 2;
                        } else if self.at(self.p + 1) == b'\r' && self.at(self.p + 2) == b'\n' {
                            self.p += 3;
                        } else {
                            return None;
                        }
                        let mut q = self.p;
                        while matches!(self.at(q), b' ' | b'\t') {
                            q += 1;
                        }
                        if q >= n || matches!(self.at(q), b'\n' | b'\r' | b'#' | b'\\') {
                            return None;
                        }
                    }
                    // The most common tokens, read here rather than after a second dispatch
                    // in `token` (which reads them the same way).
                    b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                        self.name(self.p)?;
                    }
                    b'(' | b')' | b'[' | b']' | b'{' | b'}' => self.bracket(c, &mut depth)?,
                    b',' => self.op(Op::Comma),
                    b'=' if self.at(self.p + 1) != b'=' => self.op(Op::Assign),
                    b'.' if !matches!(self.at(self.p + 1), b'0'..=b'9' | b'.') => {
                        self.op(Op::Dot);
                    }
                    b':' if self.at(self.p + 1) != b'=' => self.op(Op::Colon),
                    b'"' | b'\'' => {
                        self.string(self.p, self.p)?;
                    }
                    _ => {
                        self.token(&mut depth)?;
                    }
                }
            }
            expect_indent = matches!(self.toks.last().map(|t| t.k), Some(K::Op(Op::Colon)));
            self.push(K::Newline, nl_pos, nl_pos);
            last_nl = nl_pos as u32;
        }
        if expect_indent {
            return None;
        }
        let mut pos = last_nl;
        for &(ci, ce) in &pending {
            while ci < *indents.last()? {
                indents.pop();
                self.push(K::Dedent, pos as usize, pos as usize);
            }
            pos = ce;
        }
        while indents.len() > 1 {
            indents.pop();
            self.push(K::Dedent, pos as usize, pos as usize);
        }
        self.push(K::Eof, n, n);
        let mut toks = self.toks;
        for &(i, lc) in &self.marks {
            let t = toks.get_mut(i)?;
            if lc {
                t.lc = true;
            } else {
                t.cmt = true;
            }
        }
        Some(toks)
    }

    /// End of a comment starting at `p` (exclusive, before '\n'; a '\r' is part of the comment).
    /// `None` at a NUL byte: the lexer looks at every byte of the file, so that [`parse`] need not
    /// search it for NUL bytes first.
    fn comment_end(&self, p: usize) -> R<usize> {
        let rest = self.b.get(p..)?;
        match rest.iter().position(|&c| c == b'\n' || c == 0) {
            Some(i) if rest[i] == 0 => None,
            Some(i) => Some(p + i),
            None => Some(self.b.len()),
        }
    }

    /// Lexes one token at `self.p` (not whitespace/newline/comment), counting brackets in `depth`.
    // (inlined into the loop of `run`, the lexer's hot path; the rarer kinds of token are read by
    // separate functions so that the loop stays small)
    #[inline(always)]
    fn token(&mut self, depth: &mut u32) -> R<()> {
        let s = self.p;
        let c = self.at(s);
        // one jump table on the first byte; the bytes after it are read only where they matter
        let (op, len) = match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                self.name(s)?;
                return Some(());
            }
            b'0'..=b'9' => {
                self.number()?;
                return Some(());
            }
            b'"' | b'\'' => {
                self.string(s, s)?;
                return Some(());
            }
            b'(' | b')' | b'[' | b']' | b'{' | b'}' => return self.bracket(c, depth),
            b',' => (Op::Comma, 1),
            b';' => (Op::Semi, 1),
            b'~' => (Op::Tilde, 1),
            b':' => {
                if self.at(s + 1) == b'=' {
                    (Op::Walrus, 2)
                } else {
                    (Op::Colon, 1)
                }
            }
            b'.' => match self.at(s + 1) {
                b'0'..=b'9' => {
                    self.number()?;
                    return Some(());
                }
                b'.' if self.at(s + 2) == b'.' => (Op::Ellipsis, 3),
                _ => (Op::Dot, 1),
            },
            b'@' => {
                if self.at(s + 1) == b'=' {
                    (Op::AugAssign, 2)
                } else {
                    (Op::At, 1)
                }
            }
            b'=' => {
                if self.at(s + 1) == b'=' {
                    (Op::EqEq, 2)
                } else {
                    (Op::Assign, 1)
                }
            }
            b'!' if self.at(s + 1) == b'=' => (Op::Ne, 2),
            b'-' => match self.at(s + 1) {
                b'>' => (Op::Arrow, 2),
                b'=' => (Op::AugAssign, 2),
                _ => (Op::Minus, 1),
            },
            b'+' | b'%' | b'&' | b'|' | b'^' => {
                if self.at(s + 1) == b'=' {
                    (Op::AugAssign, 2)
                } else {
                    (
                        match c {
                            b'+' => Op::Plus,
                            b'%' => Op::Percent,
                            b'&' => Op::Amp,
                            b'|' => Op::Pipe,
                            _ => Op::Caret,
                        },
                        1,
                    )
                }
            }
            b'*' | b'/' | b'<' | b'>' => {
                self.op3(s, c)?;
                return Some(());
            }
            _ => return None,
        };
        self.p = s + len;
        self.push(K::Op(op), s, s + len);
        Some(())
    }

    /// A name or keyword at `s` (or a prefixed string literal).
    #[inline(always)]
    fn name(&mut self, s: usize) -> R<K> {
        let b = self.b;
        let e = s + 1 + id_len(b.get(s + 1..)?);
        let q = self.at(e);
        if q == b'"' || q == b'\'' {
            return self.string(s, e);
        }
        if q >= 0x80 {
            return None;
        }
        self.p = e;
        // (most names cannot be keywords by their length or first letter: no lookup for them)
        let k = if e - s <= 8 && KW_START[usize::from(self.at(s))] {
            match keyword(b.get(s..e)?) {
                Some(kw) => K::Kw(kw),
                None => K::Name,
            }
        } else {
            K::Name
        };
        self.push(k, s, e);
        Some(k)
    }

    /// Operators starting with `*`, `/`, `<` or `>`, which may be three bytes long.
    #[inline(never)]
    fn op3(&mut self, s: usize, c: u8) -> R<K> {
        let c1 = self.at(s + 1);
        let c2 = self.at(s + 2);
        let (op, len) = match c {
            b'*' => match (c1, c2) {
                (b'*', b'=') => (Op::AugAssign, 3),
                (b'*', _) => (Op::DStar, 2),
                (b'=', _) => (Op::AugAssign, 2),
                _ => (Op::Star, 1),
            },
            b'/' => match (c1, c2) {
                (b'/', b'=') => (Op::AugAssign, 3),
                (b'/', _) => (Op::DSlash, 2),
                (b'=', _) => (Op::AugAssign, 2),
                _ => (Op::Slash, 1),
            },
            b'<' => match (c1, c2) {
                (b'<', b'=') => (Op::AugAssign, 3),
                (b'<', _) => (Op::LShift, 2),
                (b'=', _) => (Op::Le, 2),
                (b'>', _) => return None,
                _ => (Op::Lt, 1),
            },
            _ => match (c1, c2) {
                (b'>', b'=') => (Op::AugAssign, 3),
                (b'>', _) => (Op::RShift, 2),
                (b'=', _) => (Op::Ge, 2),
                _ => (Op::Gt, 1),
            },
        };
        self.p = s + len;
        self.push(K::Op(op), s, s + len);
        Some(K::Op(op))
    }

    #[inline(never)]
    fn number(&mut self) -> R<K> {
        let s = self.p;
        let b = self.b;
        let mut e = s;
        let c1 = self.at(s + 1).to_ascii_lowercase();
        if self.at(s) == b'0' && (c1 == b'x' || c1 == b'o' || c1 == b'b') {
            e = s + 2;
            let start = e;
            while is_id_char(self.at(e)) {
                e += 1;
            }
            let digits = &b[start..e];
            if digits.is_empty()
                || digits.last() == Some(&b'_')
                || digits.windows(2).any(|w| w == b"__")
            {
                return None;
            }
            let ok = digits.iter().all(|&d| {
                d == b'_'
                    || match c1 {
                        b'x' => d.is_ascii_hexdigit(),
                        b'o' => (b'0'..=b'7').contains(&d),
                        _ => d == b'0' || d == b'1',
                    }
            });
            if !ok || self.at(e) == b'.' {
                return None;
            }
            self.p = e;
            self.push(K::Int, s, e);
            return Some(K::Int);
        }
        // decimal
        let digits = |e: &mut usize| -> bool {
            // [0-9]+ with single underscores between digits
            let st = *e;
            while self.at(*e).is_ascii_digit() || self.at(*e) == b'_' {
                *e += 1;
            }
            let d = &b[st..*e];
            !(d.is_empty()
                || d[0] == b'_'
                || d.last() == Some(&b'_')
                || d.windows(2).any(|w| w == b"__"))
        };
        let mut float = false;
        if self.at(e) != b'.' && !digits(&mut e) {
            return None;
        }
        if self.at(e) == b'.' {
            float = true;
            e += 1;
            if self.at(e).is_ascii_digit() && !digits(&mut e) {
                return None;
            }
            if self.at(e) == b'_' {
                return None;
            }
        }
        if matches!(self.at(e), b'e' | b'E') {
            let mut f = e + 1;
            if matches!(self.at(f), b'+' | b'-') {
                f += 1;
            }
            if !self.at(f).is_ascii_digit() {
                return None;
            }
            if !digits(&mut f) {
                return None;
            }
            e = f;
            float = true;
        }
        if matches!(self.at(e), b'j' | b'J') {
            e += 1;
        }
        let nx = self.at(e);
        if is_id_char(nx) || nx == b'.' || nx >= 0x80 {
            return None;
        }
        self.p = e;
        let k = if float { K::Float } else { K::Int };
        self.push(k, s, e);
        Some(k)
    }

    /// A string literal starting at `s` with its prefix ending at `q` (the quote).
    #[inline(never)]
    fn string(&mut self, s: usize, q: usize) -> R<K> {
        let prefix = &self.b[s..q];
        if prefix.len() > 2 {
            return None;
        }
        let mut raw = false;
        let mut bytes = false;
        let mut fmt = false;
        let mut u = false;
        for &c in prefix {
            match c.to_ascii_lowercase() {
                b'r' if !raw => raw = true,
                b'b' if !bytes => bytes = true,
                b'f' if !fmt => fmt = true,
                b'u' if !u => u = true,
                _ => return None,
            }
        }
        if u && prefix.len() > 1 || bytes && fmt {
            return None;
        }
        let qc = self.b[q];
        let triple = self.at(q + 1) == qc && self.at(q + 2) == qc;
        let mut p = if triple { q + 3 } else { q + 1 };
        let idx = self.toks.len();
        if fmt {
            self.push(K::FStr, s, s);
        }
        let mut interps = false;
        let mut escapes = false;
        loop {
            // bytes that need no attention, in bulk
            p = str_scan(self.b, p, qc, fmt);
            let c = self.at(p);
            if p >= self.b.len() || c == 0 {
                return None;
            }
            if c == qc {
                if !triple {
                    p += 1;
                    break;
                }
                if self.at(p + 1) == qc && self.at(p + 2) == qc {
                    p += 3;
                    break;
                }
                p += 1;
                continue;
            }
            match c {
                b'\n' => {
                    if !triple {
                        return None;
                    }
                    p += 1;
                }
                b'\r' => {
                    if !triple || self.at(p + 1) != b'\n' {
                        return None;
                    }
                    p += 2;
                }
                b'\\' => {
                    escapes = true;
                    let n1 = self.at(p + 1);
                    if raw {
                        if !triple {
                            // keep it simple: no escaped newlines in raw one-line strings
                            if matches!(n1, b'\n' | b'\r')
                                || (n1 == b'\\' || n1 == qc)
                                    && matches!(self.at(p + 2), b'\n' | b'\r')
                            {
                                return None;
                            }
                        }
                        p += 1;
                        if n1 == qc || n1 == b'\\' {
                            p += 1;
                        }
                        match self.at(p) {
                            b'\r' => {
                                if self.at(p + 1) != b'\n' {
                                    return None;
                                }
                                p += 2;
                            }
                            b'\n' => p += 1,
                            _ => {}
                        }
                        continue;
                    }
                    match n1 {
                        b'N' if !bytes => return None,
                        b'{' | b'}' if fmt => p += 1,
                        b'\r' => {
                            if self.at(p + 2) != b'\n' {
                                return None;
                            }
                            p += 3;
                        }
                        0 => return None,
                        _ => p += 2,
                    }
                }
                b'{' if fmt => {
                    if self.at(p + 1) == b'{' {
                        p += 2;
                    } else {
                        interps = true;
                        self.push(K::Interp, p, p + 1);
                        self.p = p + 1;
                        self.interp(qc)?;
                        p = self.p;
                    }
                }
                b'}' if fmt => {
                    if self.at(p + 1) == b'}' {
                        p += 2;
                    } else {
                        return None;
                    }
                }
                _ => p += 1,
            }
        }
        self.p = p;
        if fmt {
            if interps {
                self.toks[idx].e = p as u32;
                let t = Tok {
                    k: K::FStrEnd,
                    s: p as u32,
                    e: p as u32,
                    cmt: false,
                    lc: false,
                };
                self.toks.push(t);
                return Some(K::FStr);
            }
            self.toks[idx].k = K::Str;
            self.toks[idx].e = p as u32;
            return Some(K::Str);
        }
        let k = if s == q && !escapes {
            K::PlainStr
        } else {
            K::Str
        };
        self.push(k, s, p);
        Some(k)
    }

    /// Tokens of an interpolation after its `{`, up to and including the closing `}`.
    fn interp(&mut self, qc: u8) -> R<()> {
        let mut depth: u32 = 0;
        loop {
            while self.at(self.p) == b' ' {
                self.p += 1;
            }
            let c = self.at(self.p);
            match c {
                b'\n' | b'\r' | b'#' | b'\\' | b'\t' | 0 => return None,
                b'}' if depth == 0 => {
                    self.push(K::InterpEnd, self.p, self.p + 1);
                    self.p += 1;
                    return Some(());
                }
                b'!' if depth == 0 && self.at(self.p + 1) != b'=' => {
                    if !self.at(self.p + 1).is_ascii_lowercase() {
                        return None;
                    }
                    self.push(K::Conv, self.p, self.p + 2);
                    self.p += 2;
                }
                b':' if depth == 0 => {
                    if self.at(self.p + 1) == b'=' {
                        return None;
                    }
                    self.push(K::Spec, self.p, self.p + 1);
                    self.p += 1;
                    loop {
                        let c = self.at(self.p);
                        match c {
                            b'{' => {
                                if self.at(self.p + 1) == b'{' {
                                    return None;
                                }
                                self.push(K::Interp, self.p, self.p + 1);
                                self.p += 1;
                                self.interp(qc)?;
                            }
                            b'}' => {
                                self.push(K::InterpEnd, self.p, self.p + 1);
                                self.p += 1;
                                return Some(());
                            }
                            b'\n' | b'\r' | b'\\' | 0 => return None,
                            _ if c == qc => return None,
                            _ => self.p += 1,
                        }
                    }
                }
                _ => {
                    if c == qc && depth == 0 {
                        return None;
                    }
                    self.token(&mut depth)?;
                }
            }
        }
    }
}

/// The tokens of `src`; `None` where the fast path declines (any NUL byte, among others).
fn lex(src: &str) -> R<Vec<Tok>> {
    let lx = Lexer {
        b: src.as_bytes(),
        p: 0,
        toks: Vec::with_capacity(src.len() / 4 + 8),
        marks: Vec::new(),
    };
    lx.run()
}

// ---------------------------------------------------------------------------------------------
// String values (mirrors `syntax::Lower::string` on tree-sitter's tokenization)
// ---------------------------------------------------------------------------------------------

/// The value of a `PlainStr` literal: its text between the quotes.
#[cfg(test)]
fn plain_value(lit: &str) -> &str {
    let b = lit.as_bytes();
    let triple = b.len() >= 6 && b[1] == b[0] && b[2] == b[0];
    let ql = if triple { 3 } else { 1 };
    lit.get(ql..lit.len().saturating_sub(ql)).unwrap_or("")
}

/// The value of a single string literal without interpolations: `Str` or `Bytes`.
fn string_value(lit: &str) -> R<ExprKind> {
    let b = lit.as_bytes();
    let q = b.iter().position(|&c| c == b'"' || c == b'\'')?;
    let prefix = lit.get(..q)?.to_ascii_lowercase();
    if prefix.contains('b') {
        return Some(ExprKind::Bytes);
    }
    let raw = prefix.contains('r');
    let qc = b[q];
    let triple = b.get(q + 1) == Some(&qc) && b.get(q + 2) == Some(&qc);
    let ql = if triple { 3 } else { 1 };
    let body = lit.get(q + ql..lit.len().checked_sub(ql)?)?;
    if raw {
        return raw_value(body, qc, triple, prefix.contains('f'));
    }
    if !body.contains('\\') {
        return Some(ExprKind::Str(body.to_string()));
    }
    let bb = body.as_bytes();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    let mut last = 0;
    while i < bb.len() {
        if bb[i] != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(body.get(last..i)?);
        let rest = &bb[i + 1..];
        let hex = |n: usize| rest.len() > n && rest[1..=n].iter().all(|c| c.is_ascii_hexdigit());
        let len = match rest.first().copied() {
            Some(b'u') if hex(4) => 6,
            Some(b'U') if hex(8) => 10,
            Some(b'x') if hex(2) => 4,
            Some(d) if d.is_ascii_digit() => {
                1 + rest
                    .iter()
                    .take(3)
                    .take_while(|c| c.is_ascii_digit())
                    .count()
            }
            Some(b'\n') => 2,
            Some(b'\r') if rest.get(1) == Some(&b'\n') => 3,
            Some(b'\'' | b'"' | b'a' | b'b' | b'f' | b'r' | b'n' | b't' | b'v' | b'\\') => 2,
            Some(b'N') => return None,
            _ => 0,
        };
        if len == 0 {
            // not an escape sequence: the backslash stays
            out.push('\\');
            i += 1;
            last = i;
            continue;
        }
        let esc = body.get(i..i + len)?;
        out.push_str(&unescape(esc));
        i += len;
        last = i;
    }
    out.push_str(body.get(last..)?);
    Some(ExprKind::Str(out))
}

/// A raw string's value as tree-sitter's scanner splits it: content that holds only backslash
/// steps before the closing quote becomes part of the `string_end` token and is lost.
fn raw_value(body: &str, qc: u8, triple: bool, fmt: bool) -> R<ExprKind> {
    let b = body.as_bytes();
    if !b.contains(&b'\\') {
        return Some(ExprKind::Str(body.to_string()));
    }
    if fmt {
        return None;
    }
    let mut out = String::new();
    let mut seg = 0;
    let mut has = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                i += 1;
                if i < b.len() && (b[i] == qc || b[i] == b'\\') {
                    i += 1;
                }
                if i < b.len() && b[i] == b'\r' {
                    i += 1;
                    if i < b.len() && b[i] == b'\n' {
                        i += 1;
                    }
                } else if i < b.len() && b[i] == b'\n' {
                    i += 1;
                }
            }
            c if c == qc && triple => {
                i += 1;
                if i < b.len() && b[i] == qc {
                    i += 1;
                }
                out.push_str(body.get(seg..i)?);
                seg = i;
                has = false;
            }
            _ => {
                i += 1;
                has = true;
            }
        }
    }
    if has {
        out.push_str(body.get(seg..)?);
    }
    Some(ExprKind::Str(out))
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/// A parsed expression: its lowered form and its syntactic extent (which includes the
/// parentheses of a parenthesized expression, whose lowered span is the inner one).
struct X {
    e: Expr,
    s: u32,
    t: u32,
    /// The height of `e` as [`Parser::check_depth`] measures it: 0 for a leaf, one more for each
    /// level of children, two for a keyword argument's value. Computed as the tree is built so
    /// that the check needs no walk over it.
    h: u32,
}

impl X {
    fn paren(&self) -> bool {
        self.e.span.start != self.s || self.e.span.end != self.t
    }
    fn is_ident(&self) -> bool {
        !self.paren() && matches!(&self.e.kind, ExprKind::Name(n) if n.bytes().all(|c| c != b'.'))
    }
}

/// What [`Parser::arguments`] read.
struct Args {
    args: Vec<Expr>,
    kwargs: Vec<Keyword>,
    /// `*x` or `**x` among the arguments.
    has_splat: bool,
    /// The arguments are a bare generator expression, `f(x for x in y)` (`args` is empty).
    generator: bool,
    /// The largest height of an argument, plus one (a call's height is at least that); 0 when
    /// there are none.
    args_h: u32,
    /// The largest height of a keyword argument's value, plus two; 0 when there are none.
    kwargs_h: u32,
}

/// What [`Parser::exprlist`] read: one expression, or (`comma`) the tuple of its elements.
struct List {
    x: X,
    comma: bool,
    /// The height of the first element.
    first_h: u32,
}

impl List {
    /// The first element's lowering (what an expression statement lowers to) and its height.
    fn first(self) -> R<(Expr, u32)> {
        if !self.comma {
            return Some((self.x.e, self.x.h));
        }
        match self.x.e.kind {
            ExprKind::Tuple(v) => Some((v.into_iter().next()?, self.first_h)),
            _ => None,
        }
    }
}

/// Whether `k`, after a one-token primary, ends the expression: no postfix, operator, walrus or
/// further string literal can follow (see [`Parser::leaf`]).
fn ends_leaf(k: K) -> bool {
    matches!(
        k,
        K::Op(Op::Comma | Op::RPar | Op::RSq | Op::RBr | Op::Colon | Op::Assign | Op::Semi)
            | K::Newline
            | K::InterpEnd
    )
}

/// A leaf expression (height 0).
fn mk(kind: ExprKind, s: u32, t: u32) -> X {
    mkh(kind, s, t, 0)
}

/// An expression of height `h`.
fn mkh(kind: ExprKind, s: u32, t: u32, h: u32) -> X {
    X {
        e: Expr {
            kind,
            span: Span::new(s, t),
        },
        s,
        t,
        h,
    }
}

fn other(kind: &str, s: u32, t: u32) -> X {
    mk(ExprKind::Other(kind.to_string()), s, t)
}

/// `*x` where tree-sitter's two readings (`list_splat` of an expression, or the
/// `list_splat_pattern` primary that a call/operator may then wrap) give the same tree. Outside
/// lowered statements either reading will do (both are error-free), so any operand is fine.
fn star_operand_ok(x: &X, lowering: bool) -> bool {
    !lowering
        || !x.paren()
            && matches!(
                x.e.kind,
                ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. }
            )
}

const MAX_NEST: u32 = 60;

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Tok>,
    /// The current token (`bump` stops at the final `Eof`).
    i: usize,
    /// The token itself, which the descent looks at again and again.
    cur: Tok,
    depth: u32,
    /// Something happened in the current expression that makes target-name extraction unsure.
    unsure: bool,
    /// Inside an annotation.
    in_type: bool,
    /// The current statement is lowered (module level, class bodies, `if`/`try` blocks there).
    /// Elsewhere (function bodies, loops) only "no syntax error" matters, so constructs whose
    /// tree-sitter reading is ambiguous but always error-free are accepted, and the trees read
    /// there, which are only checked for their shape and dropped, leave their names and string
    /// values empty (see [`Parser::owned`]).
    lowering: bool,
    /// Elements of the displays, tuples and argument lists being read, innermost list last: each
    /// list is collected here and then moved into a `Vec` of its exact size, instead of growing
    /// a `Vec` of its own (a nested list pushes above the elements of its enclosing ones).
    items: Vec<Expr>,
    /// The same for keyword arguments.
    kws: Vec<Keyword>,
    /// The same for dictionary items.
    pairs: Vec<(Expr, Expr)>,
}

/// Whether `k` after a primary continues an operator expression (binary, comparison, boolean or
/// conditional); otherwise the primary is the whole expression.
fn continues_primary(k: K) -> bool {
    match k {
        K::Op(Op::Lt | Op::Gt | Op::Le | Op::Ge | Op::EqEq | Op::Ne) => true,
        K::Kw(Kw::In | Kw::Not | Kw::Is | Kw::And | Kw::Or | Kw::If) => true,
        _ => binop(k).is_some(),
    }
}

/// Binary operators with tree-sitter's precedences.
fn binop(k: K) -> Option<(u8, &'static str)> {
    Some(match k {
        K::Op(Op::Pipe) => (14, "|"),
        K::Op(Op::Amp) => (15, "&"),
        K::Op(Op::Caret) => (16, "^"),
        K::Op(Op::LShift) => (17, "<<"),
        K::Op(Op::RShift) => (17, ">>"),
        K::Op(Op::Plus) => (18, "+"),
        K::Op(Op::Minus) => (18, "-"),
        K::Op(Op::Star) => (19, "*"),
        K::Op(Op::At) => (19, "@"),
        K::Op(Op::Slash) => (19, "/"),
        K::Op(Op::Percent) => (19, "%"),
        K::Op(Op::DSlash) => (19, "//"),
        K::Op(Op::DStar) => (21, "**"),
        _ => return None,
    })
}

/// What [`Parser::check_depth`] decides, by walking the tree (the reference for the heights
/// that the parser computes as it builds the tree).
#[cfg(test)]
fn depth_ok(e: &Expr, n: u32) -> bool {
    if n > 100 {
        return false;
    }
    match &e.kind {
        ExprKind::Call {
            func, args, kwargs, ..
        } => {
            depth_ok(func, n + 1)
                && args.iter().all(|a| depth_ok(a, n + 1))
                && kwargs.iter().all(|k| depth_ok(&k.value, n + 2))
        }
        ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => {
            v.iter().all(|a| depth_ok(a, n + 1))
        }
        ExprKind::Dict(v) => v
            .iter()
            .all(|(a, b)| depth_ok(a, n + 1) && depth_ok(b, n + 1)),
        ExprKind::Starred(a) => depth_ok(a, n + 1),
        ExprKind::BinOp { left, right, .. } => depth_ok(left, n + 1) && depth_ok(right, n + 1),
        ExprKind::Unary { operand, .. } => depth_ok(operand, n + 1),
        ExprKind::Attribute { value, .. } => depth_ok(value, n + 1),
        ExprKind::Subscript { value, index } => depth_ok(value, n + 1) && depth_ok(index, n + 1),
        _ => true,
    }
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, toks: Vec<Tok>) -> Self {
        Parser {
            src,
            cur: toks.first().copied().unwrap_or(Tok {
                k: K::Eof,
                s: 0,
                e: 0,
                cmt: false,
                lc: false,
            }),
            toks,
            i: 0,
            depth: 0,
            unsure: false,
            in_type: false,
            lowering: true,
            items: Vec::new(),
            kws: Vec::new(),
            pairs: Vec::new(),
        }
    }

    fn tok(&self) -> Tok {
        self.cur
    }
    fn peek(&self) -> K {
        self.cur.k
    }
    fn peek2(&self) -> K {
        self.toks.get(self.i + 1).map(|t| t.k).unwrap_or(K::Eof)
    }
    fn bump(&mut self) -> Tok {
        let t = self.cur;
        if let Some(&next) = self.toks.get(self.i + 1) {
            self.i += 1;
            self.cur = next;
        }
        t
    }
    fn at(&self, k: K) -> bool {
        self.peek() == k
    }
    fn eat(&mut self, k: K) -> bool {
        if self.at(k) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn expect(&mut self, k: K) -> R<Tok> {
        if self.at(k) { Some(self.bump()) } else { None }
    }
    fn prev_end(&self) -> u32 {
        self.toks[self.i.saturating_sub(1)].e
    }
    fn text(&self, s: u32, e: u32) -> &'a str {
        self.src.get(s as usize..e as usize).unwrap_or("")
    }
    fn tok_text(&self, t: Tok) -> &'a str {
        self.text(t.s, t.e)
    }
    /// `text` as the `String` of a lowered expression: outside lowered statements the tree is
    /// only validated and dropped, and names, string values and the like are left empty (no
    /// check looks at them there: see [`Parser::lowering`]).
    fn owned(&self, text: &str) -> String {
        if self.lowering {
            text.to_string()
        } else {
            String::new()
        }
    }
    /// [`plain_value`] of a `PlainStr` token, sliced from the source at once.
    fn plain_text(&self, t: Tok) -> &'a str {
        let b = self.src.as_bytes();
        let (s, e) = (t.s as usize, t.e as usize);
        let q = b.get(s);
        let triple = e - s >= 6 && b.get(s + 1) == q && b.get(s + 2) == q;
        let ql = if triple { 3 } else { 1 };
        self.src.get(s + ql..e.saturating_sub(ql)).unwrap_or("")
    }
    /// An annotation (tree-sitter's `type`), where slices are not read as in expressions.
    fn type_expr(&mut self) -> R<X> {
        let saved = self.in_type;
        self.in_type = true;
        let r = self.expr();
        self.in_type = saved;
        r
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_NEST {
            return None;
        }
        Some(())
    }
    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ---------------------------------------------------------------- statements

    fn stmt(&mut self, lowered: bool, out: &mut Vec<Stmt>) -> R<()> {
        self.lowering = lowered;
        match self.peek() {
            K::Kw(Kw::If) => self.if_stmt(lowered, out),
            K::Kw(Kw::Try) => self.try_stmt(lowered, out),
            K::Kw(Kw::Class) => self.class_def(lowered, Vec::new(), out),
            K::Kw(Kw::Def) => self.func_def(lowered, Vec::new(), out),
            K::Kw(Kw::Async) => match self.peek2() {
                K::Kw(Kw::Def) => self.func_def(lowered, Vec::new(), out),
                K::Kw(Kw::For | Kw::With) if !lowered => {
                    self.bump();
                    self.stmt(lowered, out)
                }
                _ => None,
            },
            K::Op(Op::At) => self.decorated(lowered, out),
            K::Kw(Kw::For) if !lowered => self.for_stmt(),
            K::Kw(Kw::While) if !lowered => self.while_stmt(),
            K::Kw(Kw::With) if !lowered => self.with_stmt(),
            K::Kw(Kw::For | Kw::While | Kw::With) => None,
            K::Indent | K::Dedent | K::Eof => None,
            _ => {
                self.simple_stmts(lowered, out)?;
                Some(())
            }
        }
    }

    /// A block after `:`; returns the end of the block node.
    fn suite(&mut self, lowered: bool, out: &mut Vec<Stmt>) -> R<u32> {
        self.enter()?;
        let saved = self.lowering;
        let end = if self.eat(K::Newline) {
            self.expect(K::Indent)?;
            loop {
                if self.at(K::Dedent) {
                    break self.bump().s;
                }
                self.stmt(lowered, out)?;
            }
        } else {
            self.lowering = lowered;
            self.simple_stmts(lowered, out)?
        };
        self.lowering = saved;
        self.leave();
        Some(end)
    }

    /// Simple statements up to NEWLINE; returns the NEWLINE position.
    fn simple_stmts(&mut self, lowered: bool, out: &mut Vec<Stmt>) -> R<u32> {
        loop {
            self.simple_stmt(lowered, out)?;
            if self.eat(K::Op(Op::Semi)) {
                if self.at(K::Newline) {
                    break;
                }
                continue;
            }
            break;
        }
        Some(self.expect(K::Newline)?.s)
    }

    fn at_stmt_end(&self) -> bool {
        matches!(self.peek(), K::Newline | K::Op(Op::Semi))
    }

    fn simple_stmt(&mut self, lowered: bool, out: &mut Vec<Stmt>) -> R<()> {
        let start = self.tok().s;
        match self.peek() {
            K::Kw(Kw::Pass | Kw::Break | Kw::Continue) => {
                self.bump();
            }
            K::Kw(Kw::Return) => {
                self.bump();
                if !self.at_stmt_end() {
                    self.exprlist(true)?;
                }
            }
            K::Kw(Kw::Raise) => {
                self.bump();
                if !self.at_stmt_end() {
                    self.exprlist(false)?;
                    if self.eat(K::Kw(Kw::From)) {
                        self.expr()?;
                    }
                }
            }
            K::Kw(Kw::Del) => {
                self.bump();
                self.exprlist(false)?;
            }
            K::Kw(Kw::Assert) => {
                self.bump();
                self.expr()?;
                while self.eat(K::Op(Op::Comma)) {
                    self.expr()?;
                }
            }
            K::Kw(Kw::Global | Kw::Nonlocal) => {
                self.bump();
                loop {
                    self.expect(K::Name)?;
                    if !self.eat(K::Op(Op::Comma)) {
                        break;
                    }
                }
            }
            K::Kw(Kw::Import) => {
                self.bump();
                let mut items = Vec::new();
                loop {
                    let (ms, me, alias) = self.import_item()?;
                    if lowered {
                        items.push((self.text(ms, me).to_string(), alias));
                    }
                    if !self.eat(K::Op(Op::Comma)) {
                        break;
                    }
                }
                let span = Span::new(start, self.prev_end());
                for (module, alias) in items {
                    out.push(Stmt::Import {
                        module,
                        alias,
                        span,
                    });
                }
            }
            K::Kw(Kw::From) => {
                self.bump();
                let mut level = 0u32;
                loop {
                    match self.peek() {
                        K::Op(Op::Dot) => level += 1,
                        K::Op(Op::Ellipsis) => level += 3,
                        _ => break,
                    }
                    self.bump();
                }
                let future = level == 0 && self.tok_text(self.tok()) == "__future__";
                let module = if self.at(K::Name) {
                    let (ms, me) = self.dotted()?;
                    if future && me - ms != 10 {
                        return None;
                    }
                    Some(self.text(ms, me).to_string())
                } else {
                    if level == 0 {
                        return None;
                    }
                    None
                };
                self.expect(K::Kw(Kw::Import))?;
                let mut names = Vec::new();
                let mut star = false;
                if self.eat(K::Op(Op::Star)) {
                    if future {
                        return None;
                    }
                    star = true;
                } else {
                    let par = self.eat(K::Op(Op::LPar));
                    loop {
                        let (ns, ne, alias) = self.import_item()?;
                        if lowered {
                            names.push((self.text(ns, ne).to_string(), alias));
                        }
                        if !self.eat(K::Op(Op::Comma)) {
                            break;
                        }
                        if par && self.at(K::Op(Op::RPar)) {
                            break;
                        }
                    }
                    if par {
                        self.expect(K::Op(Op::RPar))?;
                    }
                }
                if lowered && !future {
                    out.push(Stmt::ImportFrom {
                        level,
                        module,
                        names,
                        star,
                        span: Span::new(start, self.prev_end()),
                    });
                }
            }
            K::Name => {
                let t = self.tok_text(self.tok());
                if matches!(t, "print" | "exec" | "match" | "type") {
                    let ok = match self.peek2() {
                        K::Op(Op::Assign | Op::Dot | Op::AugAssign | Op::Colon) => true,
                        // `exec(...)`, `type(...)`, `match(...)` calls; with a `=` or `:` on the
                        // line they may be a type alias or a match statement
                        K::Op(Op::LPar) => t == "print" || self.plain_expression_line(),
                        _ => false,
                    };
                    if !ok {
                        return None;
                    }
                }
                self.expr_stmt(lowered, out)?;
            }
            _ => self.expr_stmt(lowered, out)?,
        }
        Some(())
    }

    /// No `=`, augmented assignment, `:` or `:=` outside brackets before the end of the statement.
    fn plain_expression_line(&self) -> bool {
        let mut depth = 0u32;
        for t in &self.toks[self.i..] {
            match t.k {
                K::Op(Op::LPar | Op::LSq | Op::LBr) => depth += 1,
                K::Op(Op::RPar | Op::RSq | Op::RBr) => depth = depth.saturating_sub(1),
                K::Op(Op::Assign | Op::AugAssign | Op::Colon | Op::Walrus) if depth == 0 => {
                    return false;
                }
                K::Newline | K::Eof | K::Op(Op::Semi) if depth == 0 => return true,
                K::Newline | K::Eof => return false,
                _ => {}
            }
        }
        false
    }

    /// `a.b.c` in imports; returns its extent.
    /// `dotted.name [as alias]` in an import: the name's byte range and the alias.
    fn import_item(&mut self) -> R<(u32, u32, Option<String>)> {
        let (start, end) = self.dotted()?;
        let alias = if self.eat(K::Kw(Kw::As)) {
            let a = self.expect(K::Name)?;
            Some(self.tok_text(a).to_string())
        } else {
            None
        };
        Some((start, end, alias))
    }

    fn dotted(&mut self) -> R<(u32, u32)> {
        let first = self.expect(K::Name)?;
        let mut end = first.e;
        while self.at(K::Op(Op::Dot)) && self.peek2() == K::Name {
            self.bump();
            end = self.bump().e;
        }
        Some((first.s, end))
    }

    fn expr_stmt(&mut self, lowered: bool, out: &mut Vec<Stmt>) -> R<()> {
        let start = self.tok().s;
        if self.at(K::Kw(Kw::Yield)) {
            let y = self.yield_expr()?;
            if lowered {
                out.push(Stmt::Expr(y.e));
            }
            return Some(());
        }
        self.unsure = false;
        let (list, star) = self.exprlist(true)?;
        let lhs = &list.x;
        match self.peek() {
            K::Op(Op::Assign) => {
                // Nearly always one target: `Vec::new()` would grow to four on the first push.
                let mut targets = Vec::with_capacity(1);
                let mut lhs = list.x;
                let mut unsure = self.unsure;
                let value = loop {
                    self.check_pattern(&lhs, unsure)?;
                    if lowered {
                        targets.push(self.target(lhs, unsure)?);
                    }
                    self.bump(); // '='
                    if self.at(K::Kw(Kw::Yield)) {
                        let y = self.yield_expr()?;
                        if self.at(K::Op(Op::Assign)) {
                            return None;
                        }
                        break y;
                    }
                    self.unsure = false;
                    let (rhs, star) = self.exprlist(true)?;
                    let rhs = rhs.x;
                    if self.at(K::Op(Op::Assign)) {
                        lhs = rhs;
                        unsure = self.unsure;
                        continue;
                    }
                    if star && lowered {
                        return None;
                    }
                    break rhs;
                };
                if lowered {
                    self.check_depth(&value.e, value.h)?;
                    out.push(Stmt::Assign {
                        targets,
                        value: value.e,
                        annotation: None,
                        span: Span::new(start, self.prev_end()),
                    });
                }
            }
            K::Op(Op::Colon) => {
                if star || !self.single_pattern(lhs) {
                    return None;
                }
                let target = if lowered {
                    Some(self.target(list.x, self.unsure)?)
                } else {
                    None
                };
                self.bump();
                let ann = self.type_expr()?;
                let annotation = other("type", ann.s, ann.t).e;
                let value = if self.eat(K::Op(Op::Assign)) {
                    Some(self.single_value(lowered)?)
                } else {
                    None
                };
                if let Some(target) = target {
                    let span = Span::new(start, self.prev_end());
                    match value {
                        Some(v) => {
                            self.check_depth(&v.e, v.h)?;
                            out.push(Stmt::Assign {
                                targets: vec![target],
                                value: v.e,
                                annotation: Some(Box::new(annotation)),
                                span,
                            })
                        }
                        None => {
                            if let Target::Name(n, _) = target {
                                out.push(Stmt::AnnOnly {
                                    target: n,
                                    annotation: Box::new(annotation),
                                    span,
                                });
                            }
                        }
                    }
                }
            }
            K::Op(Op::AugAssign) => {
                if star || !self.single_pattern(lhs) {
                    return None;
                }
                let opt = self.bump();
                let v = self.single_value(lowered)?;
                if lowered {
                    self.check_depth(&v.e, v.h)?;
                    out.push(Stmt::AugAssign {
                        target: self.text(lhs.s, lhs.t).to_string(),
                        op: self.tok_text(opt).trim_end_matches('=').to_string(),
                        value: Box::new(v.e),
                        span: Span::new(start, self.prev_end()),
                    });
                }
            }
            _ => {
                if star && lowered {
                    return None;
                }
                if lowered {
                    let (first, h) = list.first()?;
                    self.check_depth(&first, h)?;
                    out.push(Stmt::Expr(first));
                }
            }
        }
        Some(())
    }

    /// Bail out when lowering would hit `lower`'s depth limit: `e`, of height `h` (see [`X::h`]),
    /// must have no node deeper than 100 levels, counting two per nested suite.
    fn check_depth(&self, e: &Expr, h: u32) -> R<()> {
        // `depth` counts nested suites; each adds one level in `lower`.
        let ok = self.depth * 2 + h <= 100;
        #[cfg(test)]
        assert_eq!(ok, depth_ok(e, self.depth * 2), "height {h} of {e:?}");
        #[cfg(not(test))]
        let _ = e;
        if ok { Some(()) } else { None }
    }

    /// [`Self::check_depth`] for each of `es`, whose largest height is `h`.
    fn check_depth_all<'e>(&self, es: impl ExactSizeIterator<Item = &'e Expr>, h: u32) -> R<()> {
        if es.len() == 0 {
            return Some(());
        }
        let ok = self.depth * 2 + h <= 100;
        #[cfg(test)]
        {
            let mut es = es;
            let walked = es.all(|e| depth_ok(e, self.depth * 2));
            assert_eq!(ok, walked, "largest height {h}");
        }
        if ok { Some(()) } else { None }
    }

    fn single_pattern(&self, x: &X) -> bool {
        !x.paren()
            && matches!(
                x.e.kind,
                ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. }
            )
    }

    /// The left-hand side must be something tree-sitter reads as a pattern.
    fn check_pattern(&self, x: &X, unsure: bool) -> R<()> {
        fn elem(e: &Expr) -> bool {
            match &e.kind {
                ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. } => true,
                ExprKind::Tuple(v) | ExprKind::List(v) => v.iter().all(elem),
                ExprKind::Starred(inner) => matches!(
                    inner.kind,
                    ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. }
                ),
                _ => false,
            }
        }
        if x.paren() {
            return None;
        }
        match &x.e.kind {
            ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. } => Some(()),
            ExprKind::Tuple(v) | ExprKind::List(v) => {
                if unsure || !v.iter().all(elem) {
                    return None;
                }
                Some(())
            }
            _ => None,
        }
    }

    fn target(&self, x: X, unsure: bool) -> R<Target> {
        if x.is_ident()
            && let ExprKind::Name(n) = x.e.kind
        {
            return Some(Target::Name(n, x.e.span));
        }
        if unsure {
            return None;
        }
        // identifiers whose parent is a tuple/list/pattern, in tree-sitter's (reversed) walk order
        fn walk(e: &Expr, in_seq: bool, names: &mut Vec<String>) -> bool {
            match &e.kind {
                ExprKind::Name(n) => {
                    if in_seq && !n.contains('.') {
                        names.push(n.clone());
                    }
                    true
                }
                ExprKind::Tuple(v) | ExprKind::List(v) => v.iter().all(|a| walk(a, true, names)),
                ExprKind::Set(v) => v.iter().all(|a| walk(a, false, names)),
                ExprKind::Dict(v) => v
                    .iter()
                    .all(|(a, b)| walk(a, false, names) && walk(b, false, names)),
                ExprKind::Call {
                    func, args, kwargs, ..
                } => {
                    walk(func, false, names)
                        && args.iter().all(|a| walk(a, false, names))
                        && kwargs.iter().all(|k| walk(&k.value, false, names))
                }
                ExprKind::Starred(a) => walk(a, false, names),
                ExprKind::BinOp { left, right, .. } => {
                    walk(left, false, names) && walk(right, false, names)
                }
                ExprKind::Unary { operand, .. } => walk(operand, false, names),
                ExprKind::Attribute { value, .. } => walk(value, false, names),
                ExprKind::Subscript { value, index } => {
                    walk(value, false, names) && walk(index, false, names)
                }
                ExprKind::Str(_)
                | ExprKind::Bytes
                | ExprKind::Int(_)
                | ExprKind::Float(_)
                | ExprKind::Bool(_)
                | ExprKind::None => true,
                ExprKind::Lambda | ExprKind::Other(_) => false,
            }
        }
        let mut names = Vec::new();
        if !walk(&x.e, false, &mut names) {
            return None;
        }
        names.reverse();
        Some(Target::Complex(names, Span::new(x.s, x.t)))
    }

    fn decorated(&mut self, lowered: bool, out: &mut Vec<Stmt>) -> R<()> {
        let mut decorators = Vec::new();
        while self.at(K::Op(Op::At)) {
            self.bump();
            if self.tok().cmt || self.tok().lc {
                return None;
            }
            let d = self.expr()?;
            self.expect(K::Newline)?;
            if lowered {
                self.check_depth(&d.e, d.h)?;
                decorators.push(d.e);
            }
        }
        match self.peek() {
            K::Kw(Kw::Class) => self.class_def(lowered, decorators, out),
            K::Kw(Kw::Def) => self.func_def(lowered, decorators, out),
            K::Kw(Kw::Async) if self.peek2() == K::Kw(Kw::Def) => {
                self.func_def(lowered, decorators, out)
            }
            _ => None,
        }
    }

    fn class_def(&mut self, lowered: bool, decorators: Vec<Expr>, out: &mut Vec<Stmt>) -> R<()> {
        let start = self.bump().s; // class
        let name = self.expect(K::Name)?;
        let mut bases = Vec::new();
        let mut keywords = Vec::new();
        let (mut bases_h, mut keywords_h) = (0, 0);
        if self.at(K::Op(Op::LPar)) {
            self.bump();
            self.enter()?;
            let a = self.arguments(false, true)?;
            self.leave();
            bases = a.args;
            keywords = a.kwargs;
            // (the heights of the bases and keyword values themselves)
            bases_h = a.args_h.saturating_sub(1);
            keywords_h = a.kwargs_h.saturating_sub(2);
        }
        self.expect(K::Op(Op::Colon))?;
        let mut body = Vec::new();
        let end = self.suite(lowered, &mut body)?;
        if lowered {
            self.check_depth_all(bases.iter(), bases_h)?;
            self.check_depth_all(keywords.iter().map(|k| &k.value), keywords_h)?;
            out.push(Stmt::Class(Box::new(ClassDef {
                name: self.tok_text(name).to_string(),
                name_span: Span::new(name.s, name.e),
                span: Span::new(start, end),
                bases,
                keywords,
                body,
                decorators,
            })));
        }
        Some(())
    }

    fn func_def(&mut self, lowered: bool, decorators: Vec<Expr>, out: &mut Vec<Stmt>) -> R<()> {
        let start = self.tok().s;
        self.eat(K::Kw(Kw::Async));
        self.expect(K::Kw(Kw::Def))?;
        let name = self.expect(K::Name)?;
        self.expect(K::Op(Op::LPar))?;
        self.params(K::Op(Op::RPar))?;
        self.expect(K::Op(Op::RPar))?;
        if self.eat(K::Op(Op::Arrow)) {
            self.type_expr()?;
        }
        self.expect(K::Op(Op::Colon))?;
        let mut sink = Vec::new();
        let end = self.suite(false, &mut sink)?;
        if lowered {
            out.push(Stmt::Function(FunctionDef {
                name: self.tok_text(name).to_string(),
                name_span: Span::new(name.s, name.e),
                span: Span::new(start, end),
                decorators,
            }));
        }
        Some(())
    }

    /// Parameters up to (not including) `close`; lambdas pass `:` and allow no annotations.
    fn params(&mut self, close: K) -> R<()> {
        let lambda = close == K::Op(Op::Colon);
        while !self.at(close) {
            match self.peek() {
                K::Op(Op::Star) => {
                    self.bump();
                    if self.at(K::Name) {
                        self.bump();
                        if !lambda && self.eat(K::Op(Op::Colon)) {
                            self.type_expr()?;
                        }
                    }
                }
                K::Op(Op::DStar) => {
                    self.bump();
                    self.expect(K::Name)?;
                    if !lambda && self.eat(K::Op(Op::Colon)) {
                        self.type_expr()?;
                    }
                }
                K::Op(Op::Slash) => {
                    self.bump();
                }
                K::Name => {
                    self.bump();
                    if !lambda && self.eat(K::Op(Op::Colon)) {
                        self.type_expr()?;
                    }
                    if self.eat(K::Op(Op::Assign)) {
                        self.expr()?;
                    }
                }
                _ => return None,
            }
            if !self.eat(K::Op(Op::Comma)) {
                break;
            }
        }
        Some(())
    }

    fn if_stmt(&mut self, lowered: bool, out: &mut Vec<Stmt>) -> R<()> {
        let start = self.bump().s;
        let cond = self.expr()?;
        self.expect(K::Op(Op::Colon))?;
        let mut body = Vec::new();
        let mut end = self.suite(lowered, &mut body)?;
        // (start, condition, body, end) of each elif; then the else body
        let mut elifs: Vec<(u32, X, Vec<Stmt>, u32)> = Vec::new();
        let mut orelse = None;
        loop {
            if self.at(K::Kw(Kw::Elif)) {
                let s = self.bump().s;
                let c = self.expr()?;
                self.expect(K::Op(Op::Colon))?;
                let mut b = Vec::new();
                end = self.suite(lowered, &mut b)?;
                elifs.push((s, c, b, end));
                if elifs.len() > 40 {
                    return None;
                }
            } else if self.at(K::Kw(Kw::Else)) {
                self.bump();
                self.expect(K::Op(Op::Colon))?;
                let mut b = Vec::new();
                end = self.suite(lowered, &mut b)?;
                orelse = Some(b);
                break;
            } else {
                break;
            }
        }
        if lowered {
            self.check_depth(&cond.e, cond.h)?;
            let mut tail = orelse.unwrap_or_default();
            while let Some((s, c, b, e)) = elifs.pop() {
                self.check_depth(&c.e, c.h)?;
                tail = vec![Stmt::If {
                    condition: Box::new(c.e),
                    body: b,
                    orelse: tail,
                    span: Span::new(s, e),
                }];
            }
            out.push(Stmt::If {
                condition: Box::new(cond.e),
                body,
                orelse: tail,
                span: Span::new(start, end),
            });
        }
        Some(())
    }

    fn try_stmt(&mut self, lowered: bool, out: &mut Vec<Stmt>) -> R<()> {
        let start = self.bump().s;
        self.expect(K::Op(Op::Colon))?;
        let mut body = Vec::new();
        let mut end = self.suite(lowered, &mut body)?;
        let mut handlers = Vec::new();
        let mut orelse = Vec::new();
        let mut finalbody = Vec::new();
        let mut any = false;
        while self.at(K::Kw(Kw::Except)) {
            any = true;
            self.bump();
            if self.eat(K::Op(Op::Star)) {
                return None;
            }
            if !self.at(K::Op(Op::Colon)) {
                self.expr()?;
                if self.eat(K::Kw(Kw::As)) {
                    self.expr()?;
                }
            }
            self.expect(K::Op(Op::Colon))?;
            let mut h = Vec::new();
            end = self.suite(lowered, &mut h)?;
            handlers.push(h);
        }
        if self.at(K::Kw(Kw::Else)) {
            if !any {
                return None;
            }
            self.bump();
            self.expect(K::Op(Op::Colon))?;
            end = self.suite(lowered, &mut orelse)?;
        }
        if self.at(K::Kw(Kw::Finally)) {
            any = true;
            self.bump();
            self.expect(K::Op(Op::Colon))?;
            end = self.suite(lowered, &mut finalbody)?;
        }
        if !any {
            return None;
        }
        if lowered {
            out.push(Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                span: Span::new(start, end),
            });
        }
        Some(())
    }

    fn for_stmt(&mut self) -> R<()> {
        self.bump();
        self.unsure = false;
        let t = self.target_list()?;
        self.check_pattern(&t, self.unsure)?;
        self.expect(K::Kw(Kw::In))?;
        let (_, star) = self.exprlist(false)?;
        if star {
            return None;
        }
        self.loop_body()
    }

    /// `: suite [else: suite]` of a `for` or `while` (validated, not lowered).
    fn loop_body(&mut self) -> R<()> {
        self.expect(K::Op(Op::Colon))?;
        let mut sink = Vec::new();
        self.suite(false, &mut sink)?;
        if self.eat(K::Kw(Kw::Else)) {
            self.expect(K::Op(Op::Colon))?;
            self.suite(false, &mut sink)?;
        }
        Some(())
    }

    fn while_stmt(&mut self) -> R<()> {
        self.bump();
        self.expr()?;
        self.loop_body()
    }

    fn with_stmt(&mut self) -> R<()> {
        self.bump();
        if self.at(K::Op(Op::LPar)) && self.parenthesized_with_items() {
            // `with (a as b, c,):` (when `)` is followed by `:`; `with (a, b) as c:` and
            // `with (a).b():` are plain items starting with a parenthesized expression)
            self.bump();
            loop {
                self.with_item()?;
                if !self.eat(K::Op(Op::Comma)) || self.at(K::Op(Op::RPar)) {
                    break;
                }
            }
            self.expect(K::Op(Op::RPar))?;
        } else {
            loop {
                self.with_item()?;
                if !self.eat(K::Op(Op::Comma)) {
                    break;
                }
            }
        }
        self.expect(K::Op(Op::Colon))?;
        let mut sink = Vec::new();
        self.suite(false, &mut sink)?;
        Some(())
    }

    /// `expr [as target]` of a `with`.
    fn with_item(&mut self) -> R<()> {
        self.expr()?;
        if self.eat(K::Kw(Kw::As)) {
            self.unsure = false;
            let t = self.expr()?;
            self.check_pattern(&t, self.unsure)?;
        }
        Some(())
    }

    /// At `(` after `with`: whether its matching `)` is directly followed by `:`.
    fn parenthesized_with_items(&self) -> bool {
        let mut depth = 0u32;
        for (j, t) in self.toks.iter().enumerate().skip(self.i) {
            match t.k {
                K::Op(Op::LPar | Op::LSq | Op::LBr) => depth += 1,
                K::Op(Op::RPar | Op::RSq | Op::RBr) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return self.toks.get(j + 1).map(|t| t.k) == Some(K::Op(Op::Colon));
                    }
                }
                K::Newline | K::Eof => return false,
                _ => {}
            }
        }
        false
    }

    // ---------------------------------------------------------------- expressions

    /// Comma-separated expressions (stars allowed when `star`); returns the whole (a tuple /
    /// expression_list when there is a comma; see [`Self::first_of`]) and whether a star appeared.
    fn exprlist(&mut self, star: bool) -> R<(List, bool)> {
        let first = self.elem(star)?;
        let mut saw_star = matches!(first.e.kind, ExprKind::Starred(_));
        if !self.at(K::Op(Op::Comma)) {
            if saw_star {
                return None;
            }
            return Some((
                List {
                    x: first,
                    comma: false,
                    first_h: 0,
                },
                false,
            ));
        }
        let (s, first_h) = (first.s, first.h);
        let mark = self.items.len();
        let mut h = first.h + 1;
        self.items.push(first.e);
        while self.at(K::Op(Op::Comma)) {
            if self.bump().lc || self.tok().lc {
                return None;
            }
            if self.at_exprlist_end() {
                break;
            }
            let x = self.elem(star)?;
            saw_star |= matches!(x.e.kind, ExprKind::Starred(_));
            h = h.max(x.h + 1);
            self.items.push(x.e);
        }
        let t = self.prev_end();
        let items = self.items.split_off(mark);
        let x = mkh(ExprKind::Tuple(items), s, t, h);
        Some((
            List {
                x,
                comma: true,
                first_h,
            },
            saw_star,
        ))
    }

    fn at_exprlist_end(&self) -> bool {
        matches!(
            self.peek(),
            K::Newline
                | K::Op(
                    Op::Semi
                        | Op::Assign
                        | Op::Colon
                        | Op::AugAssign
                        | Op::RPar
                        | Op::RSq
                        | Op::RBr
                )
                | K::Kw(Kw::In)
                | K::InterpEnd
                | K::Conv
                | K::Spec
        )
    }

    /// An element of a display / expression list: `*x` (when allowed) or an expression.
    fn elem(&mut self, star: bool) -> R<X> {
        if self.at(K::Op(Op::Star)) {
            if !star {
                return None;
            }
            let s = self.bump().s;
            if self.tok().cmt || self.tok().lc {
                return None;
            }
            let x = self.expr()?;
            if !star_operand_ok(&x, self.lowering) {
                return None;
            }
            let (t, h) = (x.t, x.h + 1);
            return Some(mkh(ExprKind::Starred(Box::new(x.e)), s, t, h));
        }
        if self.at_leaf() {
            // (never parenthesized)
            return self.leaf();
        }
        let x = self.expr_full()?;
        if x.paren() {
            self.unsure = true;
        }
        Some(x)
    }

    /// The value of an annotated or augmented assignment: a `yield` or an expression list (starred
    /// elements decline in lowered code), not followed by another `=`.
    fn single_value(&mut self, lowered: bool) -> R<X> {
        let v = if self.at(K::Kw(Kw::Yield)) {
            self.yield_expr()?
        } else {
            let (v, star) = self.exprlist(true)?;
            if star && lowered {
                return None;
            }
            v.x
        };
        if self.at(K::Op(Op::Assign)) {
            return None;
        }
        Some(v)
    }

    fn yield_expr(&mut self) -> R<X> {
        let s = self.bump().s;
        if self.eat(K::Kw(Kw::From)) {
            self.expr()?;
        } else if !self.at_exprlist_end() {
            // (lowered as a whole: a starred element may stand anywhere but alone)
            self.exprlist(true)?;
        }
        Some(other("yield", s, self.prev_end()))
    }

    /// tree-sitter's `expression`.
    // (inlined: the most common expression, a single token, is read without the full descent)
    #[inline(always)]
    fn expr(&mut self) -> R<X> {
        if self.at_leaf() {
            return self.leaf();
        }
        self.expr_full()
    }

    #[inline(never)]
    fn expr_full(&mut self) -> R<X> {
        self.enter()?;
        let r = self.expr_inner();
        self.leave();
        r
    }

    /// At an expression that is a single token (a name, literal or keyword constant) that the
    /// next one ends (see [`ends_leaf`]).
    fn at_leaf(&self) -> bool {
        matches!(
            self.peek(),
            K::Name | K::PlainStr | K::Str | K::Int | K::Kw(Kw::True | Kw::False | Kw::None)
        ) && ends_leaf(self.peek2())
    }

    /// The expression at [`Self::at_leaf`], read as `atom` reads it but without the descent
    /// through `expr_inner` and `postfix`. (Like `expr`, it declines at the nesting limit.)
    #[inline(never)]
    fn leaf(&mut self) -> R<X> {
        let tk = self.tok();
        let kind = match tk.k {
            K::Name => ExprKind::Name(self.owned(self.tok_text(tk))),
            K::PlainStr => ExprKind::Str(self.owned(self.plain_text(tk))),
            K::Str => string_value(self.tok_text(tk))?,
            K::Int => crate::syntax::int_kind(self.tok_text(tk)),
            K::Kw(Kw::True) => ExprKind::Bool(true),
            K::Kw(Kw::False) => ExprKind::Bool(false),
            K::Kw(Kw::None) => ExprKind::None,
            // (not reached: `at_leaf`)
            _ => return None,
        };
        if self.depth >= MAX_NEST {
            return None;
        }
        self.bump();
        Some(mk(kind, tk.s, tk.e))
    }

    // (inlined: one call and one move of the result less for every expression)
    #[inline(always)]
    fn expr_inner(&mut self) -> R<X> {
        if self.at(K::Kw(Kw::Lambda)) {
            let s = self.bump().s;
            self.params(K::Op(Op::Colon))?;
            self.expect(K::Op(Op::Colon))?;
            let body = self.expr()?;
            self.unsure = true;
            return Some(mk(ExprKind::Lambda, s, body.t));
        }
        if self.at(K::Name) && self.peek2() == K::Op(Op::Walrus) {
            let s = self.bump().s;
            self.bump();
            let v = self.expr()?;
            self.unsure = true;
            return Some(other("named_expression", s, v.t));
        }
        // Most expressions are a lone primary (name, literal, call, display): return it directly
        // when no operator follows instead of moving it up through every precedence level.
        let first = if matches!(
            self.peek(),
            K::Op(Op::Minus | Op::Plus | Op::Tilde) | K::Kw(Kw::Await | Kw::Not)
        ) {
            None
        } else {
            let x = self.postfix()?;
            if !continues_primary(self.peek()) {
                return Some(x);
            }
            Some(x)
        };
        let x = self.or_test(first)?;
        if self.at(K::Kw(Kw::If)) {
            self.bump();
            self.or_test(None)?;
            self.expect(K::Kw(Kw::Else))?;
            let orelse = self.expr()?;
            self.unsure = true;
            return Some(other("conditional_expression", x.s, orelse.t));
        }
        Some(x)
    }

    // The precedence levels below take `first`, an already read primary that starts the
    // expression (see `expr_inner`), or `None` to read from the current token.

    fn or_test(&mut self, first: Option<X>) -> R<X> {
        self.boolean_chain(Kw::Or, first, Self::and_test)
    }

    fn and_test(&mut self, first: Option<X>) -> R<X> {
        self.boolean_chain(Kw::And, first, Self::not_test)
    }

    /// `a or b or ...` / `a and b and ...`: one `boolean_operator` node over the whole chain.
    fn boolean_chain(
        &mut self,
        op: Kw,
        first: Option<X>,
        operand: fn(&mut Self, Option<X>) -> R<X>,
    ) -> R<X> {
        let x = operand(self, first)?;
        if !self.at(K::Kw(op)) {
            return Some(x);
        }
        let s = x.s;
        let mut t = x.t;
        while self.eat(K::Kw(op)) {
            t = operand(self, None)?.t;
        }
        self.unsure = true;
        Some(other("boolean_operator", s, t))
    }

    fn not_test(&mut self, first: Option<X>) -> R<X> {
        if first.is_none() && self.at(K::Kw(Kw::Not)) {
            let s = self.bump().s;
            self.enter()?;
            let x = self.not_test(None)?;
            self.leave();
            let (t, h) = (x.t, x.h + 1);
            return Some(mkh(
                ExprKind::Unary {
                    op: "not".into(),
                    operand: Box::new(x.e),
                },
                s,
                t,
                h,
            ));
        }
        self.comparison(first)
    }

    fn comparison(&mut self, first: Option<X>) -> R<X> {
        let x = self.binary(14, first)?;
        let mut t = None;
        loop {
            match self.peek() {
                K::Op(Op::Lt | Op::Gt | Op::Le | Op::Ge | Op::EqEq | Op::Ne) | K::Kw(Kw::In) => {
                    self.bump();
                }
                K::Kw(Kw::Not) if self.peek2() == K::Kw(Kw::In) => {
                    self.bump();
                    self.bump();
                }
                K::Kw(Kw::Is) => {
                    self.bump();
                    self.eat(K::Kw(Kw::Not));
                }
                _ => break,
            }
            t = Some(self.binary(14, None)?.t);
        }
        match t {
            Some(t) => {
                self.unsure = true;
                Some(other("comparison_operator", x.s, t))
            }
            None => Some(x),
        }
    }

    fn binary(&mut self, min: u8, first: Option<X>) -> R<X> {
        let mut left = match first {
            Some(x) => x,
            None => self.unary()?,
        };
        let mut n = 0;
        while let Some((p, op)) = binop(self.peek()) {
            if p < min {
                break;
            }
            self.bump();
            n += 1;
            if n > 50 {
                return None;
            }
            let right = if p == 21 {
                self.binary(21, None)?
            } else {
                self.binary(p + 1, None)?
            };
            let (s, t) = (left.s, right.t);
            let h = left.h.max(right.h) + 1;
            left = mkh(
                ExprKind::BinOp {
                    op: self.owned(op),
                    left: Box::new(left.e),
                    right: Box::new(right.e),
                },
                s,
                t,
                h,
            );
        }
        Some(left)
    }

    fn unary(&mut self) -> R<X> {
        let op = match self.peek() {
            K::Op(Op::Minus) => "-",
            K::Op(Op::Plus) => "+",
            K::Op(Op::Tilde) => "~",
            K::Kw(Kw::Await) => {
                let s = self.bump().s;
                self.enter()?;
                let x = self.binary(21, None)?;
                self.leave();
                self.unsure = true;
                return Some(other("await", s, x.t));
            }
            _ => return self.postfix(),
        };
        let s = self.bump().s;
        self.enter()?;
        let x = self.binary(21, None)?;
        self.leave();
        let (t, h) = (x.t, x.h + 1);
        Some(mkh(
            ExprKind::Unary {
                op: self.owned(op),
                operand: Box::new(x.e),
            },
            s,
            t,
            h,
        ))
    }

    fn postfix(&mut self) -> R<X> {
        let mut x = self.atom()?;
        let mut n = 0;
        loop {
            n += 1;
            if n > 60 {
                return None;
            }
            match self.peek() {
                K::Op(Op::Dot) => {
                    self.bump();
                    let a = self.expect(K::Name)?;
                    let attr = self.tok_text(a);
                    let s = x.s;
                    if let ExprKind::Name(base) = &mut x.e.kind {
                        // a dotted name grows in place (its span then starts at the extent's)
                        if self.lowering {
                            base.push('.');
                            base.push_str(attr);
                        }
                        x.e.span = Span::new(s, a.e);
                        x.t = a.e;
                        x.h = 0;
                        continue;
                    }
                    let h = x.h + 1;
                    x = mkh(
                        ExprKind::Attribute {
                            value: Box::new(x.e),
                            attr: self.owned(attr),
                        },
                        s,
                        a.e,
                        h,
                    );
                }
                K::Op(Op::LPar) => {
                    let open = self.bump();
                    self.enter()?;
                    let a = self.arguments(true, false)?;
                    self.leave();
                    let close = self.prev_end();
                    let (mut args, mut args_h) = (a.args, a.args_h);
                    if a.generator {
                        args = vec![other("generator_expression", open.s, close).e];
                        args_h = 1;
                    }
                    let s = x.s;
                    let h = (x.h + 1).max(args_h).max(a.kwargs_h);
                    x = mkh(
                        ExprKind::Call {
                            func: Box::new(x.e),
                            args: args.into_boxed_slice(),
                            kwargs: a.kwargs.into_boxed_slice(),
                            has_splat: a.has_splat,
                        },
                        s,
                        close,
                        h,
                    );
                }
                K::Op(Op::LSq) => {
                    self.bump();
                    self.enter()?;
                    let mut first: Option<X> = None;
                    loop {
                        let sub = self.subscript_item()?;
                        if first.is_none() {
                            first = Some(sub);
                        } else {
                            self.unsure = true;
                        }
                        if !self.eat(K::Op(Op::Comma)) {
                            break;
                        }
                        if self.at(K::Op(Op::RSq)) {
                            break;
                        }
                    }
                    self.leave();
                    let close = self.expect(K::Op(Op::RSq))?;
                    let s = x.s;
                    let index = first?;
                    let h = x.h.max(index.h) + 1;
                    x = mkh(
                        ExprKind::Subscript {
                            value: Box::new(x.e),
                            index: Box::new(index.e),
                        },
                        s,
                        close.e,
                        h,
                    );
                }
                _ => return Some(x),
            }
        }
    }

    fn subscript_item(&mut self) -> R<X> {
        let s = self.tok().s;
        let mut lower = None;
        if !self.at(K::Op(Op::Colon)) {
            let x = self.expr()?;
            if !self.at(K::Op(Op::Colon)) {
                return Some(x);
            }
            lower = Some(x);
        }
        let _ = lower;
        if self.in_type {
            return None;
        }
        // slice
        self.bump(); // ':'
        if !matches!(self.peek(), K::Op(Op::Colon | Op::Comma | Op::RSq)) {
            self.expr()?;
        }
        if self.eat(K::Op(Op::Colon)) && !matches!(self.peek(), K::Op(Op::Comma | Op::RSq)) {
            self.expr()?;
        }
        self.unsure = true;
        Some(other("slice", s, self.prev_end()))
    }

    /// Call / class arguments after `(`, through `)`. In class mode, splats become bases like
    /// `lower` does.
    fn arguments(&mut self, gen_ok: bool, class: bool) -> R<Args> {
        let mark = self.items.len();
        let kw_mark = self.kws.len();
        let mut args_h = 0;
        let mut kwargs_h = 0;
        let mut has_splat = false;
        let mut count = 0;
        while !self.at(K::Op(Op::RPar)) {
            count += 1;
            match self.peek() {
                K::Op(Op::Star) => {
                    let s = self.bump().s;
                    if self.tok().cmt {
                        return None;
                    }
                    if self.lowering && self.at(K::Op(Op::LPar)) {
                        // could be a parenthesized_list_splat
                        return None;
                    }
                    let x = self.expr()?;
                    if !star_operand_ok(&x, self.lowering) {
                        return None;
                    }
                    has_splat = true;
                    if class {
                        let (t, h) = (x.t, x.h + 1);
                        args_h = args_h.max(h + 1);
                        self.items
                            .push(mkh(ExprKind::Starred(Box::new(x.e)), s, t, h).e);
                    }
                }
                K::Op(Op::DStar) => {
                    let s = self.bump().s;
                    let x = self.expr()?;
                    if !star_operand_ok(&x, self.lowering) {
                        return None;
                    }
                    has_splat = true;
                    if class {
                        args_h = args_h.max(1);
                        self.items.push(other("dictionary_splat", s, x.t).e);
                    }
                }
                K::Name if self.peek2() == K::Op(Op::Assign) => {
                    let n = self.bump();
                    self.bump();
                    let v = self.expr()?;
                    kwargs_h = kwargs_h.max(v.h + 2);
                    self.kws.push(Keyword {
                        name: self.owned(self.tok_text(n)),
                        name_span: Span::new(n.s, n.e),
                        value: v.e,
                    });
                }
                K::Op(Op::LPar) if self.paren_star_ahead() => return None,
                _ => {
                    let x = self.expr()?;
                    if matches!(self.peek(), K::Kw(Kw::For | Kw::Async)) {
                        // (only as the first argument: nothing was collected)
                        if !gen_ok || count != 1 {
                            return None;
                        }
                        self.comp_clauses()?;
                        self.expect(K::Op(Op::RPar))?;
                        return Some(Args {
                            args: Vec::new(),
                            kwargs: Vec::new(),
                            has_splat,
                            generator: true,
                            args_h: 0,
                            kwargs_h: 0,
                        });
                    }
                    args_h = args_h.max(x.h + 1);
                    self.items.push(x.e);
                }
            }
            if !self.eat(K::Op(Op::Comma)) {
                break;
            }
        }
        self.expect(K::Op(Op::RPar))?;
        Some(Args {
            args: self.items.split_off(mark),
            kwargs: self.kws.split_off(kw_mark),
            has_splat,
            generator: false,
            args_h,
            kwargs_h,
        })
    }

    /// `(*x)` ahead in a lowered statement: maybe tree-sitter's parenthesized_list_splat (elsewhere
    /// `(*x, y)` is a tuple either way, and `(*x)` alone is declined by `paren_atom`).
    fn paren_star_ahead(&self) -> bool {
        self.lowering && self.peek2() == K::Op(Op::Star)
    }

    /// `for ... in ... [if ...]` clauses of a comprehension.
    fn comp_clauses(&mut self) -> R<()> {
        let mut n = 0;
        loop {
            match self.peek() {
                K::Kw(Kw::Async) => {
                    self.bump();
                    if !self.at(K::Kw(Kw::For)) {
                        return None;
                    }
                }
                K::Kw(Kw::For) => {
                    self.bump();
                    let saved = self.unsure;
                    self.unsure = false;
                    let t = self.target_list()?;
                    self.check_pattern(&t, self.unsure)?;
                    self.unsure = saved;
                    self.expect(K::Kw(Kw::In))?;
                    self.or_test(None)?;
                    if self.at(K::Op(Op::Comma)) {
                        return None;
                    }
                    n += 1;
                }
                K::Kw(Kw::If) if n > 0 => {
                    self.bump();
                    self.or_test(None)?;
                }
                _ => break,
            }
        }
        if n == 0 {
            return None;
        }
        self.unsure = true;
        Some(())
    }

    /// Targets of `for` (stops before `in`).
    fn target_list(&mut self) -> R<X> {
        let mut items = Vec::new();
        let s = self.tok().s;
        let mut comma = false;
        loop {
            let x = if self.at(K::Op(Op::Star)) {
                let st = self.bump().s;
                let x = self.postfix()?;
                if x.paren() {
                    return None;
                }
                let (t, h) = (x.t, x.h + 1);
                mkh(ExprKind::Starred(Box::new(x.e)), st, t, h)
            } else {
                let x = self.postfix()?;
                if x.paren() && (comma || self.at(K::Op(Op::Comma))) {
                    return None;
                }
                x
            };
            items.push(x);
            if !self.eat(K::Op(Op::Comma)) {
                break;
            }
            comma = true;
            if self.at(K::Kw(Kw::In)) {
                break;
            }
        }
        if !comma {
            let x = items.pop()?;
            if matches!(x.e.kind, ExprKind::Starred(_)) {
                return None;
            }
            return Some(x);
        }
        let t = self.prev_end();
        let h = items.iter().map(|x| x.h + 1).max().unwrap_or(0);
        Some(mkh(
            ExprKind::Tuple(items.into_iter().map(|x| x.e).collect()),
            s,
            t,
            h,
        ))
    }

    fn atom(&mut self) -> R<X> {
        let tk = self.tok();
        match tk.k {
            K::Name => {
                self.bump();
                if !self.lowering {
                    return Some(mk(ExprKind::Name(String::new()), tk.s, tk.e));
                }
                // `postfix` appends the names of a dotted chain `a.b.c`: size it at once
                let mut len = (tk.e - tk.s) as usize;
                let mut j = self.i;
                while let (Some(dot), Some(n)) = (self.toks.get(j), self.toks.get(j + 1)) {
                    if dot.k != K::Op(Op::Dot) || n.k != K::Name {
                        break;
                    }
                    len += 1 + (n.e - n.s) as usize;
                    j += 2;
                }
                let mut name = String::with_capacity(len);
                name.push_str(self.tok_text(tk));
                Some(mk(ExprKind::Name(name), tk.s, tk.e))
            }
            K::Kw(Kw::True) => {
                self.bump();
                Some(mk(ExprKind::Bool(true), tk.s, tk.e))
            }
            K::Kw(Kw::False) => {
                self.bump();
                Some(mk(ExprKind::Bool(false), tk.s, tk.e))
            }
            K::Kw(Kw::None) => {
                self.bump();
                Some(mk(ExprKind::None, tk.s, tk.e))
            }
            K::Op(Op::Ellipsis) => {
                self.bump();
                Some(other("ellipsis", tk.s, tk.e))
            }
            K::Int => {
                self.bump();
                Some(mk(crate::syntax::int_kind(self.tok_text(tk)), tk.s, tk.e))
            }
            K::Float => {
                self.bump();
                Some(mk(
                    ExprKind::Float(self.tok_text(tk).to_string()),
                    tk.s,
                    tk.e,
                ))
            }
            K::Str | K::PlainStr | K::FStr => self.strings(),
            K::Op(Op::LPar) => {
                self.bump();
                self.enter()?;
                let r = self.paren_atom(tk);
                self.leave();
                r
            }
            K::Op(Op::LSq) => {
                self.bump();
                self.enter()?;
                let r = self.list_atom(tk);
                self.leave();
                r
            }
            K::Op(Op::LBr) => {
                self.bump();
                self.enter()?;
                let r = self.brace_atom(tk);
                self.leave();
                r
            }
            _ => None,
        }
    }

    fn strings(&mut self) -> R<X> {
        let tk = self.tok();
        if tk.k == K::PlainStr && !matches!(self.peek2(), K::Str | K::PlainStr | K::FStr) {
            // a lone plain literal (the most common case)
            self.bump();
            let value = self.owned(self.plain_text(tk));
            return Some(mk(ExprKind::Str(value), tk.s, tk.e));
        }
        if tk.k == K::Str && !matches!(self.peek2(), K::Str | K::PlainStr | K::FStr) {
            // a lone literal
            self.bump();
            return Some(mk(string_value(self.tok_text(tk))?, tk.s, tk.e));
        }
        let s = self.tok().s;
        let mut parts: Vec<Option<ExprKind>> = Vec::new();
        let mut cmt = false;
        let mut first = true;
        loop {
            let tk = self.tok();
            match tk.k {
                K::Str | K::PlainStr => {
                    if !first && (tk.cmt || tk.lc) {
                        cmt = true;
                    }
                    self.bump();
                    parts.push(Some(string_value(self.tok_text(tk))?));
                }
                K::FStr => {
                    if !first && (tk.cmt || tk.lc) {
                        cmt = true;
                    }
                    self.bump();
                    self.fstring_rest()?;
                    parts.push(None);
                }
                _ => break,
            }
            first = false;
        }
        let t = self.prev_end();
        if parts.len() == 1 {
            return Some(match parts.pop()? {
                Some(k) => mk(k, s, t),
                None => other("string", s, t),
            });
        }
        if cmt {
            return Some(other("concatenated_string", s, t));
        }
        let mut out = String::new();
        for p in parts {
            match p {
                Some(ExprKind::Str(v)) => out.push_str(&v),
                _ => return Some(other("concatenated_string", s, t)),
            }
        }
        Some(mk(ExprKind::Str(out), s, t))
    }

    /// After an `FStr` token: interpolations through `FStrEnd`.
    fn fstring_rest(&mut self) -> R<()> {
        loop {
            match self.peek() {
                K::FStrEnd => {
                    self.bump();
                    return Some(());
                }
                K::Interp => self.interpolation()?,
                _ => return None,
            }
        }
    }

    fn interpolation(&mut self) -> R<()> {
        self.bump(); // {
        self.enter()?;
        if self.at(K::Kw(Kw::Yield)) {
            return None;
        }
        let (_, star) = self.exprlist(false)?;
        if star {
            return None;
        }
        self.eat(K::Op(Op::Assign));
        self.eat(K::Conv);
        if self.eat(K::Spec) {
            while self.at(K::Interp) {
                self.interpolation()?;
            }
        }
        self.expect(K::InterpEnd)?;
        self.leave();
        Some(())
    }

    fn paren_atom(&mut self, open: Tok) -> R<X> {
        if self.at(K::Op(Op::RPar)) {
            let c = self.bump();
            return Some(mk(ExprKind::Tuple(Vec::new()), open.s, c.e));
        }
        if self.at(K::Kw(Kw::Yield)) {
            let cmt = self.tok().cmt;
            let y = self.yield_expr()?;
            let c = self.expect(K::Op(Op::RPar))?;
            self.unsure = true;
            if cmt {
                return Some(other("parenthesized_expression", open.s, c.e));
            }
            return Some(X {
                e: y.e,
                s: open.s,
                t: c.e,
                h: y.h,
            });
        }
        if self.at(K::Op(Op::Star)) {
            // `(*a, b)` is a tuple; `(*a)` a parenthesized_list_splat
            let first = self.elem(true)?;
            if !self.at(K::Op(Op::Comma)) {
                return None;
            }
            return self.tuple_rest(open, first);
        }
        let cmt = self.tok().cmt;
        let first = self.expr()?;
        match self.peek() {
            K::Op(Op::RPar) => {
                let c = self.bump();
                self.unsure = true;
                if cmt {
                    return Some(other("parenthesized_expression", open.s, c.e));
                }
                Some(X {
                    e: first.e,
                    s: open.s,
                    t: c.e,
                    h: first.h,
                })
            }
            K::Op(Op::Comma) => {
                if first.paren() {
                    self.unsure = true;
                }
                self.tuple_rest(open, first)
            }
            K::Kw(Kw::For | Kw::Async) => {
                self.comp_clauses()?;
                let c = self.expect(K::Op(Op::RPar))?;
                Some(other("generator_expression", open.s, c.e))
            }
            _ => None,
        }
    }

    fn tuple_rest(&mut self, open: Tok, first: X) -> R<X> {
        let mark = self.items.len();
        let mut h = first.h + 1;
        self.items.push(first.e);
        while self.eat(K::Op(Op::Comma)) {
            if self.at(K::Op(Op::RPar)) {
                break;
            }
            let x = self.elem(true)?;
            h = h.max(x.h + 1);
            self.items.push(x.e);
        }
        let c = self.expect(K::Op(Op::RPar))?;
        let items = self.items.split_off(mark);
        Some(mkh(ExprKind::Tuple(items), open.s, c.e, h))
    }

    fn list_atom(&mut self, open: Tok) -> R<X> {
        if self.at(K::Op(Op::RSq)) {
            let c = self.bump();
            return Some(mk(ExprKind::List(Vec::new()), open.s, c.e));
        }
        if self.at(K::Op(Op::LPar)) && self.paren_star_ahead() {
            return None;
        }
        let first = self.elem(true)?;
        self.display_rest(open, first, Op::RSq, "list_comprehension", ExprKind::List)
    }

    /// A list or set display after its first element: a comprehension (lowered to
    /// `Other(comprehension)`, tree-sitter's node kind) or the remaining elements up to `close`.
    fn display_rest(
        &mut self,
        open: Tok,
        first: X,
        close: Op,
        comprehension: &str,
        make: fn(Vec<Expr>) -> ExprKind,
    ) -> R<X> {
        if matches!(self.peek(), K::Kw(Kw::For | Kw::Async)) {
            if matches!(first.e.kind, ExprKind::Starred(_)) {
                return None;
            }
            self.comp_clauses()?;
            let c = self.expect(K::Op(close))?;
            return Some(other(comprehension, open.s, c.e));
        }
        let mark = self.items.len();
        let mut h = first.h + 1;
        self.items.push(first.e);
        while self.eat(K::Op(Op::Comma)) {
            if self.at(K::Op(close)) {
                break;
            }
            if self.at(K::Op(Op::LPar)) && self.paren_star_ahead() {
                return None;
            }
            let x = self.elem(true)?;
            h = h.max(x.h + 1);
            self.items.push(x.e);
        }
        let c = self.expect(K::Op(close))?;
        let items = self.items.split_off(mark);
        Some(mkh(make(items), open.s, c.e, h))
    }

    fn brace_atom(&mut self, open: Tok) -> R<X> {
        if self.at(K::Op(Op::RBr)) {
            let c = self.bump();
            return Some(mk(ExprKind::Dict(Vec::new()), open.s, c.e));
        }
        if self.at(K::Op(Op::DStar)) {
            let mark = self.pairs.len();
            return self.dict_rest(open, mark, 0);
        }
        if self.at(K::Op(Op::LPar)) && self.paren_star_ahead() {
            return None;
        }
        let first = self.elem(true)?;
        if self.at(K::Op(Op::Colon)) {
            if matches!(first.e.kind, ExprKind::Starred(_)) {
                return None;
            }
            self.bump();
            let v = self.expr()?;
            if matches!(self.peek(), K::Kw(Kw::For | Kw::Async)) {
                self.comp_clauses()?;
                let c = self.expect(K::Op(Op::RBr))?;
                return Some(other("dictionary_comprehension", open.s, c.e));
            }
            let h = first.h.max(v.h) + 1;
            if self.eat(K::Op(Op::Comma)) {
                let mark = self.pairs.len();
                self.pairs.push((first.e, v.e));
                return self.dict_rest(open, mark, h);
            }
            let c = self.expect(K::Op(Op::RBr))?;
            return Some(mkh(ExprKind::Dict(vec![(first.e, v.e)]), open.s, c.e, h));
        }
        self.display_rest(open, first, Op::RBr, "set_comprehension", ExprKind::Set)
    }

    /// Remaining dict items (after a comma, or from the start at `**`); the items read so far
    /// are `self.pairs[mark..]`, of height `h`.
    fn dict_rest(&mut self, open: Tok, mark: usize, mut h: u32) -> R<X> {
        let mut splat = false;
        loop {
            if self.at(K::Op(Op::RBr)) {
                break;
            }
            if self.eat(K::Op(Op::DStar)) {
                self.expr()?;
                splat = true;
            } else {
                let k = self.expr()?;
                self.expect(K::Op(Op::Colon))?;
                let v = self.expr()?;
                h = h.max(k.h + 1).max(v.h + 1);
                self.pairs.push((k.e, v.e));
            }
            if !self.eat(K::Op(Op::Comma)) {
                break;
            }
        }
        let c = self.expect(K::Op(Op::RBr))?;
        if splat {
            self.pairs.truncate(mark);
            self.unsure = true;
            return Some(other("dictionary", open.s, c.e));
        }
        let pairs = self.pairs.split_off(mark);
        Some(mkh(ExprKind::Dict(pairs), open.s, c.e, h))
    }
}

/// The fast path: `Some` only when the result is exactly tree-sitter + [`crate::syntax::lower`].
pub fn parse(src: &str) -> Option<ModuleSyntax> {
    // (NUL bytes make `lex` decline)
    if src.len() >= (u32::MAX / 2) as usize {
        return None;
    }
    let toks = lex(src)?;
    let mut p = Parser::new(src, toks);
    let mut body = Vec::new();
    while !p.at(K::Eof) {
        p.stmt(true, &mut body)?;
    }
    Some(ModuleSyntax {
        body,
        errors: Vec::new(),
    })
}

/// The reference path: tree-sitter + [`crate::syntax::lower`].
pub fn syntax_via_tree_sitter(text: &str) -> ModuleSyntax {
    let mut parser = tree_sitter::Parser::new();
    let lang: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    if parser.set_language(&lang).is_err() {
        return ModuleSyntax::default();
    }
    match parser.parse(text.as_bytes(), None) {
        Some(tree) => crate::syntax::lower(&tree, text),
        None => ModuleSyntax::default(),
    }
}

/// Where the fast path gives up on `src` (for tests): `lex@line` or `parse@line:col token`.
#[cfg(test)]
pub(crate) fn decline_point(src: &str) -> Option<String> {
    let line_col = |pos: usize| {
        let before = src.get(..pos).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let col = pos - before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        (line, col)
    };
    let Some(toks) = lex(src) else {
        return Some("lex".to_string());
    };
    let mut p = Parser::new(src, toks);
    let mut body = Vec::new();
    while !p.at(K::Eof) {
        if p.stmt(true, &mut body).is_none() {
            let t = p.tok();
            let (l, c) = line_col(t.s as usize);
            let text = src.get(t.s as usize..t.e as usize).unwrap_or("");
            let line = src.lines().nth(l - 1).unwrap_or("");
            return Some(format!(
                "parse@{l}:{c} {:?} {text:?} | {}",
                t.k,
                line.trim()
            ));
        }
    }
    None
}
