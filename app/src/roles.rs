//! Roles: the predefined Admin, Employee and User, and a practice's custom roles.

#[cfg(feature = "ssr")]
pub mod ssr {
    use sqlx::AnyConnection;

    use crate::db::now;
    use crate::names::DisplayName;

    /// Creates a custom role with an already validated permission set.
    pub async fn create_custom_role(
        conn: &mut AnyConnection,
        practice_id: i64,
        name: &DisplayName,
        permissions: &[&str],
    ) -> Result<i64, sqlx::Error> {
        let t = now();
        let role_id: i64 = sqlx::query_scalar(
            r#"INSERT INTO roles (practice_id, kind, name, name_key, created_at, updated_at)
               VALUES ($1, 'custom', $2, $3, $4, $4) RETURNING id"#,
        )
        .bind(practice_id)
        .bind(name.as_str())
        .bind(name.as_str().to_lowercase())
        .bind(t)
        .fetch_one(&mut *conn)
        .await?;
        for key in permissions {
            sqlx::query(r#"INSERT INTO role_permissions (practice_id, role_id, permission) VALUES ($1, $2, $3)"#)
                .bind(practice_id)
                .bind(role_id)
                .bind(*key)
                .execute(&mut *conn)
                .await?;
        }
        Ok(role_id)
    }
}
