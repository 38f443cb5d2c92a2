//! The one error type of the server-function boundary.
//!
//! Expected outcomes are variants the UI shows as they are; anything unexpected is logged on
//! the server and reaches the browser only as `Internal`, with no detail.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Sign in to continue.")]
    Unauthenticated,
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// Refused for a reason the caller should read (escalation rules and the like).
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0} was not found.")]
    NotFound(String),
    /// Bad input for one form field; `field` matches the input's name.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The request conflicts with the current state (already invited, role in use, …).
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts. Try again in {minutes} minutes.")]
    RateLimited { minutes: i64 },
    /// A rate limit on an action (invitations per practice, …), said in its own words.
    #[error("{0}")]
    TooMany(String),
    /// One person has too many requests in progress on this server
    /// (`session::MOST_IN_FLIGHT_PER_PERSON`): answered 429 with Retry-After, nothing done.
    #[error("You have too many requests in progress. Wait for them to finish, then try again.")]
    InProgress,
    /// A request body over the size limit.
    #[error("That is more data than one request may carry.")]
    TooLarge,
    /// A state-changing request from another site, refused before any work.
    #[error("This request came from another site and was refused.")]
    CrossSite,
    /// The database could not take the request in time (the write queue or the pool is
    /// full): answered 503 with Retry-After, nothing done.
    #[error("The server is busy. Nothing was changed; please try again in a moment.")]
    Busy,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never reached the server, or its answer could not be read.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The message for `field`, if this error is about it.
    pub fn for_field(&self, field: &str) -> Option<String> {
        match self {
            Self::Invalid { field: f, message } if f == field => Some(message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(d)
            | ServerFnErrorErr::Response(d)
            | ServerFnErrorErr::Deserialization(d)
            | ServerFnErrorErr::Serialization(d)
            | ServerFnErrorErr::UnsupportedRequestMethod(d) => Self::Transport(d),
            ServerFnErrorErr::Args(d) | ServerFnErrorErr::MissingArg(d) => Self::invalid("", d),
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function failed");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                Self::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        // PostgreSQL's lock_timeout (55P03, see Db::connect): a row lock not had in time;
        // a deadlock (40P01: two transactions each waiting for a row the other holds, say two
        // groups of clicks on two app servers) or a serialization failure (40001): the
        // database rolled the transaction back, so nothing of it was kept and trying again
        // will do.
        let passes = matches!(&error, sqlx::Error::Database(e)
            if matches!(e.code().as_deref(), Some("55P03" | "40P01" | "40001")));
        if matches!(error, sqlx::Error::PoolTimedOut) || passes {
            match &error {
                sqlx::Error::PoolTimedOut => {
                    tracing::warn!("busy: no database connection or write turn within the timeout")
                }
                other => tracing::warn!(error = %other, "busy: the database rolled the change back; try again"),
            }
            return Self::Busy;
        }
        tracing::error!(%error, "database error");
        Self::Internal
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// How many seconds to wait before trying again (`Retry-After`), for the errors that
    /// pass with time.
    pub fn retry_after_secs(&self) -> Option<i64> {
        match self {
            Self::Busy | Self::InProgress => Some(1),
            Self::RateLimited { minutes } => Some(minutes.saturating_mul(60).max(1)),
            _ => None,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::NotAllowed(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::RateLimited { .. } | Self::TooMany(_) | Self::InProgress => StatusCode::TOO_MANY_REQUESTS,
            Self::CrossSite => StatusCode::FORBIDDEN,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            // On the server a transport error is a request it could not read: the caller's.
            Self::Transport(_) => StatusCode::BAD_REQUEST,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Sets the response status for this error and hands it back, for `return Err(e.respond())`.
    pub fn respond(self) -> Self {
        if let Some(resp) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(self.status());
        }
        self
    }
}
