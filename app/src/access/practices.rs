//! Practices: creating one (its predefined roles and its main user) and its name.

use sqlx::AnyConnection;

use crate::access::members::add_member;
use crate::access::write::{By, record_on};
use crate::domain::audit::{Event, Target, TargetKind};
use crate::domain::roles::RoleKind;
use crate::platform::db::now;
use crate::platform::names::DisplayName;

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
    // A step of the sign-up (or seed) that creates it: recorded in its transaction.
    let by = By {
        practice_id: Some(practice_id),
        actor_user_id: Some(owner_user_id),
    };
    let practice = Target::new(TargetKind::Practice, practice_id, name.as_str());
    record_on(conn, by, &Event::PracticeCreated { practice }).await?;
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

/// The practice's name.
pub async fn practice_name(conn: &mut AnyConnection, practice_id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar(r#"SELECT name FROM practices WHERE id = $1"#)
        .bind(practice_id)
        .fetch_one(conn)
        .await
}
