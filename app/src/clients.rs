//! Client accounts: the businesses whose books a practice keeps.

#[cfg(feature = "ssr")]
pub mod ssr {
    use sqlx::AnyConnection;

    use crate::db::{now, values_placeholders};
    use crate::plans::Plan;

    /// Inserts many clients with one statement per chunk (set-based, not row by row).
    pub async fn insert_clients(
        conn: &mut AnyConnection,
        practice_id: i64,
        clients: &[(String, Plan)],
    ) -> Result<u64, sqlx::Error> {
        // 5 bound values per row; stay well below SQLite's 32,766-parameter limit.
        const CHUNK: usize = 2000;
        let t = now();
        let mut inserted = 0;
        for chunk in clients.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO clients (practice_id, name, plan, created_at, updated_at) VALUES {}",
                values_placeholders(chunk.len(), 5)
            );
            let mut query = sqlx::query(&sql);
            for (name, plan) in chunk {
                query = query
                    .bind(practice_id)
                    .bind(name.as_str())
                    .bind(plan.as_str())
                    .bind(t)
                    .bind(t);
            }
            inserted += query.execute(&mut *conn).await?.rows_affected();
        }
        Ok(inserted)
    }
}
