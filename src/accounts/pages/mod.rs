//! Account pages: own account (e-mail, password) in `account.rs`; user administration: the list
//! and new users in `users.rs`, one user (profile, grants, password reset) in `user.rs`. Login
//! and logout are in `login.rs`.
//!
//! Every write here is one transaction with its audit entry. An administrator acts on a user only
//! when they may manage *every* grant of that user ([`crate::accounts::manages_user`]).

mod account;
mod user;
mod users;

use crate::accounts::model::{Capability, CurrentUser};
use crate::app::AppState;
use crate::error::AppResult;

pub use account::{EmailForm, PasswordForm, change_email, change_password, show_account};
pub use user::{
    GrantForm, ProfileForm, ResetForm, add_grant, remove_grant, reset_password, show_user,
    update_user,
};
pub use users::{NewUserForm, create_user_form, list_users};

/// Units an administrator may pick in forms: their grant units and two levels below.
pub(super) async fn unit_choices(
    state: &AppState,
    user: &CurrentUser,
) -> AppResult<Vec<(String, String)>> {
    let roots = user.roots_with(Capability::ManageUsers);
    let units = crate::orgs::units_near(&state.db, &roots, 2).await?;
    Ok(units
        .into_iter()
        .map(|u| {
            (
                u.code.clone().unwrap_or_else(|| format!("#{}", u.id)),
                u.name,
            )
        })
        .collect())
}
