//! Logins: one global user that can belong to several businesses.

#[cfg(feature = "ssr")]
pub mod ssr {
    use sqlx::AnyConnection;

    use crate::identity::password::PasswordHashString;
    use crate::platform::db::{Unique, now};

    /// One login per email: two sign-ups (or accepts) for one new email at once leave one.
    pub const UNIQUE_EMAIL: Unique = Unique {
        name: "users_email_key",
        sqlite_columns: Some("users.email"),
    };
    use crate::platform::names::{DisplayName, EmailAddress};

    pub async fn create_user(
        conn: &mut AnyConnection,
        email: &EmailAddress,
        name: &DisplayName,
        password_hash: Option<&PasswordHashString>,
    ) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(
            r#"INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id"#,
        )
        .bind(email.as_str())
        .bind(name.as_str())
        .bind(password_hash.map(|h| h.0.clone()))
        .bind(now())
        .fetch_one(conn)
        .await
    }
}
