//! The attributed function: split into its parts, checked, and rewritten.

use proc_macro::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};

use crate::args::Config;
use crate::{Error, Kind};

/// An `fn` item, in the pieces the expansion needs. Tokens are kept as the
/// user wrote them, so errors inside the body point at the user's code.
#[derive(Debug)]
pub(crate) struct ItemFn {
    /// Outer attributes (doc comments included): `#` and `[...]` pairs.
    attrs: Vec<(TokenTree, Group)>,
    /// Visibility and qualifiers, without `async`.
    head: Vec<TokenTree>,
    /// The `async` keyword, if present.
    asyncness: Option<Ident>,
    fn_token: Ident,
    name: Ident,
    /// Generics, from `<` to its `>`, if any.
    generics: Vec<TokenTree>,
    params: Group,
    /// `-> Type` and the `where` clause.
    tail: Vec<TokenTree>,
    /// The return type alone (`None`: `()`).
    output: Option<Vec<TokenTree>>,
    body: Group,
}

fn is_punct(token: Option<&TokenTree>, c: char) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

fn is_ident(token: Option<&TokenTree>, name: &str) -> bool {
    matches!(token, Some(TokenTree::Ident(i)) if i.to_string() == name)
}

/// Whether `tokens[i]` is the `>` of a `->` arrow rather than a closing
/// angle bracket.
fn is_arrow_head(tokens: &[TokenTree], i: usize) -> bool {
    i > 0
        && matches!(&tokens[i - 1], TokenTree::Punct(p)
            if p.as_char() == '-' && p.spacing() == Spacing::Joint)
}

impl ItemFn {
    pub(crate) fn parse(item: TokenStream) -> Result<ItemFn, Error> {
        let tokens: Vec<TokenTree> = item.into_iter().collect();
        let not_fn = |span| Error::new(span, "this attribute applies to an `async fn` only");
        let mut i = 0;

        let mut attrs = Vec::new();
        while is_punct(tokens.get(i), '#') {
            match tokens.get(i + 1) {
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => {
                    attrs.push((tokens[i].clone(), g.clone()));
                    i += 2;
                }
                _ => return Err(not_fn(tokens[i].span())),
            }
        }

        let mut head = Vec::new();
        let mut asyncness = None;
        let item_span = tokens.get(i).map_or_else(Span::call_site, TokenTree::span);
        let fn_token = loop {
            match tokens.get(i) {
                Some(TokenTree::Ident(ident)) if ident.to_string() == "fn" => break ident.clone(),
                Some(TokenTree::Ident(ident)) if ident.to_string() == "async" => {
                    asyncness = Some(ident.clone());
                }
                Some(other) => head.push(other.clone()),
                None => return Err(not_fn(item_span)),
            }
            i += 1;
        };
        i += 1;

        let name = match tokens.get(i) {
            Some(TokenTree::Ident(ident)) => ident.clone(),
            _ => return Err(not_fn(fn_token.span())),
        };
        i += 1;

        let mut generics = Vec::new();
        if is_punct(tokens.get(i), '<') {
            let mut depth = 0usize;
            loop {
                let Some(token) = tokens.get(i) else {
                    return Err(not_fn(name.span()));
                };
                generics.push(token.clone());
                if is_punct(Some(token), '<') {
                    depth += 1;
                } else if is_punct(Some(token), '>') && !is_arrow_head(&tokens, i) {
                    depth -= 1;
                }
                i += 1;
                if depth == 0 {
                    break;
                }
            }
        }

        let params = match tokens.get(i) {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => g.clone(),
            _ => return Err(not_fn(name.span())),
        };
        i += 1;

        let body = match tokens.last() {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace && i < tokens.len() => {
                g.clone()
            }
            _ => return Err(not_fn(name.span())),
        };
        let tail = tokens[i..tokens.len() - 1].to_vec();
        let output = return_type(&tail);

        Ok(ItemFn {
            attrs,
            head,
            asyncness,
            fn_token,
            name,
            generics,
            params,
            tail,
            output,
            body,
        })
    }

    /// Pushes an error for each way the function cannot be expanded.
    pub(crate) fn check(&self, kind: Kind, errors: &mut Vec<Error>) {
        if self.asyncness.is_none() {
            errors.push(Error::new(
                self.fn_token.span(),
                "the `async` keyword is missing from the function declaration",
            ));
        }
        if kind == Kind::Main && self.name.to_string() == "main" && !self.params.stream().is_empty()
        {
            errors.push(Error::new(
                self.params.span(),
                "the main function cannot accept arguments",
            ));
        }
        if kind == Kind::Test {
            for (_, attr) in &self.attrs {
                if is_test_attribute(attr) {
                    errors.push(Error::new(
                        attr.span(),
                        "a second test attribute is given; `#[zokio::test]` already marks the \
                         function as a test",
                    ));
                }
            }
        }
    }

    /// The rewritten function: the same signature without `async`, and a
    /// body that blocks on the original one.
    pub(crate) fn expand(self, kind: Kind, config: &Config) -> TokenStream {
        let mut out = TokenStream::new();
        if kind == Kind::Test {
            out.extend(parse("#[::core::prelude::v1::test]"));
        }
        for (pound, attr) in self.attrs {
            out.extend([pound, attr.into()]);
        }
        out.extend(self.head);
        out.extend([TokenTree::from(self.fn_token), self.name.into()]);
        out.extend(self.generics);
        out.extend([TokenTree::from(self.params)]);
        out.extend(self.tail);

        let mut body = parse("let body = async move");
        body.extend([TokenTree::from(self.body), semicolon()]);
        if kind == Kind::Test {
            // A test pins its body behind `dyn Future`, so that every test of
            // a crate shares one `block_on` instance: faster to compile.
            body.extend(parse(
                "let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output =",
            ));
            match self.output {
                Some(output) => body.extend(output),
                None => body.extend(parse("()")),
            }
            body.extend(parse(">> = ::core::pin::pin!(body);"));
        }
        let mut run = parse("return");
        run.extend(config.crate_path.clone());
        run.extend(parse("::runtime::Builder::"));
        run.extend(parse(config.flavor.constructor()));
        run.extend(parse("()"));
        if let Some(n) = &config.worker_threads {
            run.extend(parse(".worker_threads"));
            run.extend([TokenTree::from(Group::new(
                Delimiter::Parenthesis,
                TokenTree::from(n.clone()).into(),
            ))]);
        }
        run.extend(parse(".enable_all()"));
        if let Some(paused) = &config.start_paused {
            run.extend(parse(".start_paused"));
            run.extend([TokenTree::from(Group::new(
                Delimiter::Parenthesis,
                TokenTree::from(paused.clone()).into(),
            ))]);
        }
        run.extend(parse(
            ".build()
                .expect(\"Failed building the Runtime\")
                .block_on(body);",
        ));
        body.extend(parse(
            "#[allow(clippy::expect_used, clippy::diverging_sub_expression, clippy::needless_return)]",
        ));
        body.extend([TokenTree::from(Group::new(Delimiter::Brace, run))]);
        out.extend([TokenTree::from(Group::new(Delimiter::Brace, body))]);
        out
    }
}

/// The tokens of the return type in `-> Type where ...`, if there is one.
fn return_type(tail: &[TokenTree]) -> Option<Vec<TokenTree>> {
    if !(is_punct(tail.first(), '-') && is_punct(tail.get(1), '>')) {
        return None;
    }
    let mut depth = 0usize;
    let mut output = Vec::new();
    for (i, token) in tail.iter().enumerate().skip(2) {
        if depth == 0 && is_ident(Some(token), "where") {
            break;
        }
        if is_punct(Some(token), '<') {
            depth += 1;
        } else if is_punct(Some(token), '>') && !is_arrow_head(tail, i) {
            depth = depth.saturating_sub(1);
        }
        output.push(token.clone());
    }
    Some(output)
}

/// `#[test]`, `#[core::prelude::v1::test]`, `#[tokio::test]`...: an attribute
/// that is a path ending in `test`, without arguments.
fn is_test_attribute(attr: &Group) -> bool {
    let tokens: Vec<TokenTree> = attr.stream().into_iter().collect();
    is_ident(tokens.last(), "test")
        && tokens
            .iter()
            .all(|t| matches!(t, TokenTree::Ident(_)) || is_punct(Some(t), ':'))
}

fn parse(code: &str) -> TokenStream {
    code.parse().expect("the macro's own code parses")
}

fn semicolon() -> TokenTree {
    Punct::new(';', Spacing::Alone).into()
}
