//! Guards that cancel a token when they drop.

use std::fmt;

use super::CancellationToken;

/// Cancels its token when dropped, unless [disarmed](DropGuard::disarm);
/// see [`CancellationToken::drop_guard`].
///
/// ```
/// let token = zokio::sync::CancellationToken::new();
/// let guard = token.clone().drop_guard();
/// let token_again = guard.disarm();
/// assert!(!token.is_cancelled());
/// drop(token_again);
/// ```
#[must_use = "dropping the guard cancels the token at once"]
pub struct DropGuard {
    token: Option<CancellationToken>,
}

impl DropGuard {
    pub(super) fn new(token: CancellationToken) -> DropGuard {
        DropGuard { token: Some(token) }
    }

    /// Gives the token back without cancelling it.
    pub fn disarm(mut self) -> CancellationToken {
        match self.token.take() {
            Some(token) => token,
            None => unreachable!("a `DropGuard` holds its token until it drops"),
        }
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(token) = &self.token {
            token.cancel();
        }
    }
}

impl fmt::Debug for DropGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DropGuard")
            .field("token", &self.token)
            .finish()
    }
}

/// Cancels the token it borrows when dropped, unless
/// [disarmed](DropGuardRef::disarm); see
/// [`CancellationToken::drop_guard_ref`].
///
/// ```
/// let token = zokio::sync::CancellationToken::new();
/// token.drop_guard_ref().disarm();
/// assert!(!token.is_cancelled());
/// ```
#[must_use = "dropping the guard cancels the token at once"]
pub struct DropGuardRef<'a> {
    token: Option<&'a CancellationToken>,
}

impl<'a> DropGuardRef<'a> {
    pub(super) fn new(token: &'a CancellationToken) -> DropGuardRef<'a> {
        DropGuardRef { token: Some(token) }
    }

    /// Gives the token back without cancelling it.
    pub fn disarm(mut self) -> &'a CancellationToken {
        match self.token.take() {
            Some(token) => token,
            None => unreachable!("a `DropGuardRef` holds its token until it drops"),
        }
    }
}

impl Drop for DropGuardRef<'_> {
    fn drop(&mut self) {
        if let Some(token) = self.token {
            token.cancel();
        }
    }
}

impl fmt::Debug for DropGuardRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DropGuardRef")
            .field("token", &self.token)
            .finish()
    }
}
