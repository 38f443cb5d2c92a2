//! Practices (partner accounts) and their staff.

#[cfg(feature = "ssr")]
pub mod ssr {
    use sqlx::AnyConnection;

    use crate::platform::audit::{self, AuditEvent};
    use crate::platform::db::now;
    use crate::platform::names::DisplayName;
    use crate::practice::permissions::RoleKind;

    /// Creates a practice with its three predefined roles and makes `owner_user_id` its
    /// main user with the Admin role. Returns the practice id.
    pub async fn create_practice(
        conn: &mut AnyConnection,
        name: &DisplayName,
        owner_user_id: i64,
    ) -> Result<i64, sqlx::Error> {
        let t = now();
        let practice_id: i64 =
            sqlx::query_scalar(r#"INSERT INTO practices (name, created_at) VALUES ($1, $2) RETURNING id"#)
                .bind(name.as_str())
                .bind(t)
                .fetch_one(&mut *conn)
                .await?;
        for kind in RoleKind::PREDEFINED {
            sqlx::query(
                r#"INSERT INTO roles (practice_id, kind, name, name_key, created_at, updated_at)
                   VALUES ($1, $2, $3, $4, $5, $5)"#,
            )
            .bind(practice_id)
            .bind(kind.as_str())
            .bind(kind.default_name())
            .bind(kind.default_name().to_lowercase())
            .bind(t)
            .execute(&mut *conn)
            .await?;
        }
        let admin_role = predefined_role_id(conn, practice_id, RoleKind::Admin).await?;
        add_member(conn, practice_id, owner_user_id, admin_role, true).await?;
        audit::record(
            conn,
            AuditEvent {
                practice_id: Some(practice_id),
                actor_user_id: Some(owner_user_id),
                action: "practice.created",
                target_type: Some("practice"),
                target_id: Some(practice_id),
                target_label: Some(name.as_str()),
                ..Default::default()
            },
        )
        .await?;
        Ok(practice_id)
    }

    pub async fn predefined_role_id(
        conn: &mut AnyConnection,
        practice_id: i64,
        kind: RoleKind,
    ) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(r#"SELECT id FROM roles WHERE practice_id = $1 AND kind = $2"#)
            .bind(practice_id)
            .bind(kind.as_str())
            .fetch_one(conn)
            .await
    }

    /// Adds an active member; `is_main` marks the practice's main user.
    pub async fn add_member(
        conn: &mut AnyConnection,
        practice_id: i64,
        user_id: i64,
        role_id: i64,
        is_main: bool,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            r#"INSERT INTO practice_members (practice_id, user_id, role_id, status, is_main, joined_at)
               VALUES ($1, $2, $3, 'active', $4, $5)"#,
        )
        .bind(practice_id)
        .bind(user_id)
        .bind(role_id)
        .bind(i64::from(is_main))
        .bind(now())
        .execute(conn)
        .await?;
        Ok(())
    }
}
