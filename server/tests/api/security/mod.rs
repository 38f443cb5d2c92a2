//! The doors an attacker tries: every password check shares one throttle that counts
//! before it checks, nobody grants more than they hold, cross-site requests are refused,
//! the session acts where the top bar says, and polling does not keep a session alive.

use serde_json::json;

use crate::helpers::{Admin, PASSWORD, TestApp, join_all, spawn_app_configured};
use crate::manage_users::create_role;
use app::identity::throttle;
use app::platform::db::Backend;

mod grants;
mod guessing;
mod insiders;
mod invitations;
mod leavers;
mod links;
mod races;
mod requests;
mod sign_up;
mod trail;

/// Signs `email` up as a practice of its own, through the API.
async fn sign_up_as(app: &TestApp, practice: &str, email: &str) -> (reqwest::StatusCode, serde_json::Value) {
    app.call(
        &app.client(),
        "sign_up",
        &[
            ("practice_name", practice),
            ("name", "Vic Victim"),
            ("email", email),
            ("password", PASSWORD),
        ],
    )
    .await
}
