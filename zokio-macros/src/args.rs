//! The macro arguments: `flavor = "..."`, `worker_threads = N`,
//! `start_paused = bool`, `crate = "path"`, separated by commas.

use proc_macro::{Group, Ident, Literal, Punct, Span, TokenStream, TokenTree};

use crate::{Error, Kind};

/// What the arguments asked for. Invalid arguments are reported as errors
/// and leave the defaults in place.
#[derive(Debug)]
pub(crate) struct Config {
    /// The scheduler: the `flavor` argument, or the default of the macro.
    pub(crate) flavor: Flavor,
    /// `worker_threads = N`: the count, as a literal spanned on the user's.
    pub(crate) worker_threads: Option<Literal>,
    /// `start_paused = true|false`: the literal, spanned on the user's.
    pub(crate) start_paused: Option<Ident>,
    /// The path of the zokio crate, spanned on the `crate` argument if given.
    pub(crate) crate_path: TokenStream,
}

/// The arguments Tokio knows and Zokio does not support yet, with why.
const UNSUPPORTED: &[(&str, &str)] = &[(
    "unhandled_panic",
    "`unhandled_panic` is not supported yet in this version of Zokio",
)];

const KNOWN: &str = "expected one of: `flavor`, `worker_threads`, `start_paused`, `crate`";

const FLAVORS: &str = "the flavors are `current_thread`, `multi_thread` and `thread_per_core`";

/// The runtime a macro builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `Builder::new_current_thread()`.
    CurrentThread,
    /// `Builder::new_multi_thread()`.
    MultiThread,
    /// `Builder::new_thread_per_core()` (Zokio only).
    ThreadPerCore,
}

impl Flavor {
    /// The `Builder` constructor for this flavor.
    pub(crate) fn constructor(self) -> &'static str {
        match self {
            Flavor::CurrentThread => "new_current_thread",
            Flavor::MultiThread => "new_multi_thread",
            Flavor::ThreadPerCore => "new_thread_per_core",
        }
    }
}

impl Config {
    /// Parses the arguments, pushing one error per problem found.
    pub(crate) fn parse(args: TokenStream, kind: Kind, errors: &mut Vec<Error>) -> Config {
        let mut flavor: Option<Flavor> = None;
        let mut worker_threads: Option<(Span, Literal)> = None;
        let mut crate_path: Option<TokenStream> = None;
        let mut start_paused: Option<(Span, Ident)> = None;
        let mut seen: Vec<String> = Vec::new();

        for arg in split_commas(args) {
            let Some((key, value)) = key_value(&arg, errors) else {
                continue;
            };
            let name = key.to_string();
            if seen.contains(&name) {
                errors.push(Error::new(
                    key.span(),
                    format!("the `{name}` argument is given more than once"),
                ));
                continue;
            }
            seen.push(name.clone());
            match name.as_str() {
                "flavor" => {
                    if let Some(parsed) = parse_flavor(&value, errors) {
                        flavor = Some(parsed);
                    }
                }
                "worker_threads" => {
                    if let Some(n) = parse_positive_int(&value, errors) {
                        let mut lit = Literal::usize_unsuffixed(n);
                        lit.set_span(value[0].span());
                        worker_threads = Some((key.span(), lit));
                    }
                }
                "start_paused" => {
                    if let Some(value) = parse_bool(&value, errors) {
                        start_paused = Some((key.span(), value));
                    }
                }
                "crate" => {
                    if let Some(path) = parse_path(&value, errors) {
                        crate_path = Some(path);
                    }
                }
                other => {
                    let message = match UNSUPPORTED.iter().find(|(n, _)| *n == other) {
                        Some((_, why)) => (*why).to_string(),
                        None => format!("unknown argument `{other}`; {KNOWN}"),
                    };
                    errors.push(Error::new(key.span(), message));
                }
            }
        }

        // As with Tokio: `main` defaults to the multi-thread scheduler, a
        // test to the current-thread one.
        let default = match kind {
            Kind::Main => Flavor::MultiThread,
            Kind::Test => Flavor::CurrentThread,
        };
        let explicit = flavor.is_some();
        // A `flavor` that was given but invalid is reported already; say
        // nothing more about `worker_threads` then.
        let flavor_rejected = !explicit && seen.iter().any(|name| name == "flavor");
        let flavor = flavor.unwrap_or(default);

        let worker_threads = match worker_threads {
            Some(_) if flavor_rejected => None,
            Some((key_span, _)) if flavor == Flavor::CurrentThread => {
                let message = if explicit {
                    "`worker_threads` needs the `multi_thread` (or `thread_per_core`) flavor; a \
                     current-thread runtime runs every task on the thread that calls `block_on`"
                } else {
                    "`worker_threads` needs the `multi_thread` (or `thread_per_core`) flavor, \
                     and a test's default flavor is `current_thread`; use \
                     `#[zokio::test(flavor = \"multi_thread\", worker_threads = ...)]`"
                };
                errors.push(Error::new(key_span, message));
                None
            }
            other => other.map(|(_, lit)| lit),
        };

        let start_paused = match start_paused {
            Some((key_span, value))
                if value.to_string() == "true" && flavor != Flavor::CurrentThread =>
            {
                if !flavor_rejected {
                    errors.push(Error::new(
                        key_span,
                        "`start_paused = true` needs the `current_thread` flavor: only a \
                         current-thread runtime's clock can be paused",
                    ));
                }
                None
            }
            other => other.map(|(_, value)| value),
        };

        Config {
            flavor,
            worker_threads,
            start_paused,
            crate_path: crate_path.unwrap_or_else(|| "::zokio".parse().expect("a valid path")),
        }
    }
}

/// Splits a token stream on top-level commas; empty pieces (a trailing
/// comma) are dropped.
fn split_commas(args: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut pieces = vec![Vec::new()];
    for token in args {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => pieces.push(Vec::new()),
            _ => pieces.last_mut().expect("never empty").push(token),
        }
    }
    pieces.retain(|piece| !piece.is_empty());
    pieces
}

/// `key = value`: the key's identifier and the value's tokens.
fn key_value(arg: &[TokenTree], errors: &mut Vec<Error>) -> Option<(Ident, Vec<TokenTree>)> {
    let key = match &arg[0] {
        TokenTree::Ident(ident) => ident.clone(),
        other => {
            errors.push(Error::new(
                other.span(),
                format!("expected an argument name; {KNOWN}"),
            ));
            return None;
        }
    };
    match arg.get(1) {
        Some(TokenTree::Punct(p)) if p.as_char() == '=' => {}
        Some(other) => {
            errors.push(Error::new(
                other.span(),
                format!("expected `=` after `{key}`"),
            ));
            return None;
        }
        None => {
            errors.push(Error::new(
                key.span(),
                format!("expected a value: `{key} = ...`"),
            ));
            return None;
        }
    }
    if arg.len() < 3 {
        errors.push(Error::new(
            arg[1].span(),
            format!("expected a value after `{key} =`"),
        ));
        return None;
    }
    Some((key, arg[2..].to_vec()))
}

/// The value when it is exactly one string literal, with its span.
fn single_string(value: &[TokenTree]) -> Option<(String, Span)> {
    match value {
        [TokenTree::Literal(lit)] => string_contents(&lit.to_string()).map(|s| (s, lit.span())),
        _ => None,
    }
}

/// The contents of a string literal as written: `"..."` or `r#"..."#`
/// (escapes are not interpreted: flavors and paths have none).
fn string_contents(repr: &str) -> Option<String> {
    if let Some(inner) = repr.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return Some(inner.to_string());
    }
    let raw = repr.strip_prefix('r')?;
    let hashes = raw.len() - raw.trim_start_matches('#').len();
    let inner = raw[hashes..].strip_prefix('"')?;
    let inner = inner.strip_suffix(&"#".repeat(hashes))?.strip_suffix('"')?;
    Some(inner.to_string())
}

fn parse_flavor(value: &[TokenTree], errors: &mut Vec<Error>) -> Option<Flavor> {
    let Some((name, span)) = single_string(value) else {
        errors.push(Error::new(
            value[0].span(),
            format!(
                "`flavor` must be a string literal, like `flavor = \"multi_thread\"`; {FLAVORS}"
            ),
        ));
        return None;
    };
    match name.as_str() {
        "current_thread" => Some(Flavor::CurrentThread),
        "multi_thread" => Some(Flavor::MultiThread),
        "thread_per_core" => Some(Flavor::ThreadPerCore),
        other => {
            errors.push(Error::new(
                span,
                format!("no such runtime flavor `{other}`; {FLAVORS}"),
            ));
            None
        }
    }
}

/// `true` or `false`.
fn parse_bool(value: &[TokenTree], errors: &mut Vec<Error>) -> Option<Ident> {
    match value {
        [TokenTree::Ident(ident)] if ["true", "false"].contains(&ident.to_string().as_str()) => {
            Some(ident.clone())
        }
        _ => {
            errors.push(Error::new(
                value[0].span(),
                "`start_paused` must be `true` or `false`",
            ));
            None
        }
    }
}

/// A positive integer literal (decimal, `_` separators, optional `usize`
/// suffix).
fn parse_positive_int(value: &[TokenTree], errors: &mut Vec<Error>) -> Option<usize> {
    let not_int = "`worker_threads` must be a positive integer literal, like `worker_threads = 4`";
    let [TokenTree::Literal(lit)] = value else {
        errors.push(Error::new(value[0].span(), not_int));
        return None;
    };
    let repr = lit.to_string();
    let digits = repr.strip_suffix("usize").unwrap_or(&repr).replace('_', "");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(Error::new(lit.span(), not_int));
        return None;
    }
    match digits.parse::<usize>() {
        Ok(0) => {
            errors.push(Error::new(
                lit.span(),
                "`worker_threads` must be greater than 0",
            ));
            None
        }
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(Error::new(lit.span(), "`worker_threads` is too large"));
            None
        }
    }
}

/// `"a::b"` or `"::a::b"`: a path of identifiers, spanned on the literal.
fn parse_path(value: &[TokenTree], errors: &mut Vec<Error>) -> Option<TokenStream> {
    let not_path = "`crate` must be a string literal holding a path, like `crate = \"zokio\"`";
    let Some((text, span)) = single_string(value) else {
        errors.push(Error::new(value[0].span(), not_path));
        return None;
    };
    let tokens: Vec<TokenTree> = match text.parse::<TokenStream>() {
        Ok(stream) => stream.into_iter().collect(),
        Err(_) => Vec::new(),
    };
    if !is_path(&tokens) {
        errors.push(Error::new(span, not_path));
        return None;
    }
    Some(tokens.into_iter().map(|t| respan(t, span)).collect())
}

/// Whether `tokens` are `(::)? ident (:: ident)*`.
fn is_path(tokens: &[TokenTree]) -> bool {
    let is_colon = |t: &TokenTree| matches!(t, TokenTree::Punct(p) if p.as_char() == ':');
    let mut rest = tokens;
    let mut expect_ident = true;
    if rest.len() >= 2 && is_colon(&rest[0]) && is_colon(&rest[1]) {
        rest = &rest[2..];
    }
    while let Some(first) = rest.first() {
        if expect_ident {
            if !matches!(first, TokenTree::Ident(_)) {
                return false;
            }
            rest = &rest[1..];
        } else {
            if rest.len() < 2 || !is_colon(&rest[0]) || !is_colon(&rest[1]) {
                return false;
            }
            rest = &rest[2..];
        }
        expect_ident = !expect_ident;
    }
    // Non-empty, and ends on an identifier.
    !tokens.is_empty() && !expect_ident
}

fn respan(token: TokenTree, span: Span) -> TokenTree {
    match token {
        TokenTree::Group(group) => {
            let inner = group
                .stream()
                .into_iter()
                .map(|t| respan(t, span))
                .collect();
            let mut out = Group::new(group.delimiter(), inner);
            out.set_span(span);
            out.into()
        }
        TokenTree::Ident(mut ident) => {
            ident.set_span(span);
            ident.into()
        }
        TokenTree::Punct(punct) => {
            let mut out = Punct::new(punct.as_char(), punct.spacing());
            out.set_span(span);
            out.into()
        }
        TokenTree::Literal(mut lit) => {
            lit.set_span(span);
            lit.into()
        }
    }
}
