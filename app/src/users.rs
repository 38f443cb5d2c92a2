//! Logins: one global user that can belong to several businesses.

#[cfg(feature = "ssr")]
pub mod ssr {
    use sqlx::AnyConnection;

    use crate::db::now;
    use crate::names::{DisplayName, EmailAddress};
    use crate::password::PasswordHashString;

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
