//! Attribute macros for Zokio: `#[zokio::main]` and `#[zokio::test]`.
//! (Placeholder: the macros helper replaces this file.)

use proc_macro::TokenStream;

/// Runs an `async fn main` on a Zokio runtime.
#[proc_macro_attribute]
pub fn main(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Runs an `async fn` test on a Zokio runtime.
#[proc_macro_attribute]
pub fn test(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
