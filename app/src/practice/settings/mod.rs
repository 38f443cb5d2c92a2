//! The practice's settings (Manage users): "Require two-step sign-in for all staff" and
//! "Notify staff when their client access changes", each an Admin's choice and audited;
//! and the Sent email page (the outbox, where links can be followed without SMTP).

use leptos::prelude::*;

use crate::platform::error::AppError;

pub mod sent_email;
pub mod view;

/// "Require two-step sign-in for all staff".
#[server(endpoint = "set_two_step_required")]
pub async fn set_two_step_required(#[server(default)] required: bool) -> Result<(), AppError> {
    use crate::platform::form_return::{Notice, reply};
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    ssr::set_two_step_required(&actor, required).await?;
    // A plain form post (the box submits its form) that just required what the admin has
    // not set up yet: straight to setting it up, where every page would send them anyway.
    if required
        && crate::platform::http::request::is_plain_form_post()
        && crate::account::two_step::ssr::lacks_two_step(&actor.state, actor.session.user_id).await?
    {
        leptos_axum::redirect("/account/two-step");
        return Ok(());
    }
    reply(Ok(()), |_| {
        Notice::say(if required {
            "Two-step sign-in is now required for all staff."
        } else {
            "Two-step sign-in is no longer required."
        })
    })
}

/// "Notify staff when their client access changes".
#[server(endpoint = "set_access_emails")]
pub async fn set_access_emails(#[server(default)] enabled: bool) -> Result<(), AppError> {
    use crate::platform::form_return::{Notice, reply};
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    let done = ssr::set_setting(&actor, ssr::Setting::AccessEmails, enabled).await;
    reply(done, |_| {
        Notice::say(if enabled {
            "Staff are now emailed when their client access changes."
        } else {
            "Staff are no longer emailed when their client access changes."
        })
    })
}

/// "Staff may request access".
#[server(endpoint = "set_staff_may_request")]
pub async fn set_staff_may_request(#[server(default)] enabled: bool) -> Result<(), AppError> {
    use crate::platform::form_return::{Notice, reply};
    let actor =
        crate::access::guard::require_practice(Some(crate::domain::permissions::Permission::ManageUsers)).await?;
    let done = ssr::set_setting(&actor, ssr::Setting::StaffMayRequest, enabled).await;
    reply(done, |_| {
        Notice::say(if enabled {
            "Staff may now request access to clients."
        } else {
            "Staff can no longer request access to clients."
        })
    })
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::access::actor::PracticeActor;
    use crate::access::policy::only_admins_change_settings;
    use crate::domain::audit::Event;
    use crate::domain::audit::payload::{AccessEmails, RequireTwoStep, StaffMayRequest};
    use crate::platform::error::AppError;

    /// Requiring two-step sign-in needs a server that can set it up: requiring what nobody
    /// can set up would lock the whole practice out.
    pub async fn set_two_step_required(actor: &PracticeActor, required: bool) -> Result<(), AppError> {
        if required {
            only_admins_change_settings(actor)?;
            crate::account::two_step::ssr::available(&actor.state)?;
        }
        set_setting(actor, Setting::RequireTwoStep, required).await
    }

    /// A practice's on/off settings, each an integer 0/1 column of `practices`.
    #[derive(Clone, Copy, Debug)]
    pub enum Setting {
        /// "Require two-step sign-in for all staff".
        RequireTwoStep,
        /// "Notify staff when their client access changes".
        AccessEmails,
        /// "Staff may request access".
        StaffMayRequest,
    }

    impl Setting {
        fn column(self) -> &'static str {
            match self {
                Self::RequireTwoStep => "require_two_step",
                Self::AccessEmails => "access_emails",
                Self::StaffMayRequest => "staff_may_request",
            }
        }

        /// The event of turning it from `was` to `now`.
        fn changed(self, was: bool, now: bool) -> Event {
            match self {
                Self::RequireTwoStep => Event::TwoStepRequirementChanged {
                    before: RequireTwoStep { require_two_step: was },
                    after: RequireTwoStep { require_two_step: now },
                },
                Self::AccessEmails => Event::AccessEmailsChanged {
                    before: AccessEmails { access_emails: was },
                    after: AccessEmails { access_emails: now },
                },
                Self::StaffMayRequest => Event::RequestsSettingChanged {
                    before: StaffMayRequest { staff_may_request: was },
                    after: StaffMayRequest { staff_may_request: now },
                },
            }
        }
    }

    /// Turns one of the practice's settings on or off, audited; only an Admin may (these
    /// settings decide how every member signs in or is told about access). Nothing is
    /// recorded when it is already so.
    pub async fn set_setting(actor: &PracticeActor, setting: Setting, on: bool) -> Result<(), AppError> {
        only_admins_change_settings(actor)?;
        let column = setting.column();
        let mut tx = actor.write().await?;
        let before: i64 = sqlx::query_scalar(&format!("SELECT {column} FROM practices WHERE id = $1"))
            .bind(actor.practice_id)
            .fetch_one(&mut *tx)
            .await?;
        if (before == 1) == on {
            return Ok(());
        }
        sqlx::query(&format!("UPDATE practices SET {column} = $1 WHERE id = $2"))
            .bind(i64::from(on))
            .bind(actor.practice_id)
            .execute(&mut *tx)
            .await?;
        tx.record(setting.changed(before == 1, on)).await?;
        tx.commit().await?;
        Ok(())
    }
}
