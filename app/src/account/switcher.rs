//! The Accounts switcher (top bar): every business the signed-in user belongs to, searched
//! by name, and choosing the one they act in.

use leptos::prelude::*;

use crate::identity::accounts::Account;
use crate::platform::error::AppError;

/// Accounts whose name contains `search` (at most `crate::identity::accounts::MENU_LIMIT`), for the menu's search.
#[server(endpoint = "list_accounts")]
pub async fn list_accounts(search: String) -> Result<Vec<Account>, AppError> {
    let (state, session) = crate::identity::session::require().await?;
    Ok(
        crate::identity::accounts::accounts_for(&state.db, &session, &search, crate::identity::accounts::MENU_LIMIT)
            .await?
            .0,
    )
}

/// Makes `id` of `kind` the account the user acts in, if they belong to it.
#[server(endpoint = "switch_account")]
pub async fn switch_account(kind: String, id: i64) -> Result<(), AppError> {
    let (state, session) = crate::identity::session::require().await?;
    use crate::identity::accounts::AccountKind;
    let kind = AccountKind::parse(&kind).ok_or_else(|| AppError::invalid("kind", "Unknown account kind."))?;
    crate::identity::accounts::switch(&state.db, &session, kind, id).await?;
    leptos_axum::redirect("/");
    Ok(())
}
