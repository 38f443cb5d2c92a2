//! Telling staff when their client access changes: one email per person for single clicks
//! within [`GATHER_SECS`], one at once for a bulk action, a copy or an undo. A practice
//! setting turns them off for everyone, and each person can turn off their own (My access).
//! Mail goes through the outbox like every other message.

/// Single changes to one person's access within this long make one message.
pub const GATHER_SECS: i64 = 5 * 60;

/// A message lists this many changes; it counts the rest ("and 12 more changes").
pub const LISTED_CHANGES: i64 = 40;

#[cfg(feature = "ssr")]
pub mod ssr {
    use sqlx::AnyConnection;

    use super::*;
    use crate::access::actor::PracticeActor;
    use crate::platform::db::{Db, now};
    use crate::platform::error::AppError;
    use crate::platform::mail::{OutgoingEmail, enqueue, escape_html};

    /// Notes a change to `user_id`'s access for their next message; `at_once` sends it
    /// without waiting to gather more. Nothing when the practice turned these off, or when
    /// people change their own access.
    pub async fn note(
        conn: &mut AnyConnection,
        actor: &PracticeActor,
        user_id: i64,
        line: &str,
        at_once: bool,
    ) -> Result<(), sqlx::Error> {
        if user_id == actor.user_id() {
            return Ok(());
        }
        let on: i64 = sqlx::query_scalar(r#"SELECT access_emails FROM practices WHERE id = $1"#)
            .bind(actor.practice_id)
            .fetch_one(&mut *conn)
            .await?;
        note_if(conn, actor, on == 1, user_id, line, at_once).await
    }

    /// [`note`] for a caller that has read the practice's setting (`on`) already, in the
    /// same transaction.
    pub async fn note_if(
        conn: &mut AnyConnection,
        actor: &PracticeActor,
        on: bool,
        user_id: i64,
        line: &str,
        at_once: bool,
    ) -> Result<(), sqlx::Error> {
        if !on || user_id == actor.user_id() {
            return Ok(());
        }
        let t = now();
        sqlx::query(
            r#"INSERT INTO access_notices (practice_id, user_id, lines, send_after) VALUES ($1, $2, $3, $4)
               ON CONFLICT (practice_id, user_id) WHERE sent_at IS NULL DO UPDATE SET
                   lines = CASE WHEN access_notices.changes < $6 THEN access_notices.lines || $5 || excluded.lines
                                ELSE access_notices.lines END,
                   changes = access_notices.changes + 1,
                   send_after = CASE WHEN excluded.send_after < access_notices.send_after
                                     THEN excluded.send_after ELSE access_notices.send_after END"#,
        )
        .bind(actor.practice_id)
        .bind(user_id)
        .bind(line)
        .bind(if at_once { t } else { t + GATHER_SECS })
        .bind("\n")
        .bind(LISTED_CHANGES)
        .execute(conn)
        .await?;
        Ok(())
    }

    #[derive(sqlx::FromRow)]
    struct Due {
        id: i64,
        practice_id: i64,
        email: String,
        name: String,
        practice: String,
        /// Still staff, the practice still sends these, and the person still wants them.
        wanted: i64,
    }

    /// Queues the message of every notice due at `t`; returns how many. Safe on several
    /// servers at once: a notice is sent by whoever marks it.
    pub async fn flush_due(db: &Db, smtp: bool, base_url: &str, t: i64) -> Result<usize, AppError> {
        let due: Vec<Due> = sqlx::query_as(
            r#"SELECT n.id, n.practice_id, u.email, u.name, p.name AS practice,
                      CASE WHEN p.access_emails = 1 AND u.access_emails = 1 AND EXISTS (
                          SELECT 1 FROM practice_members m
                          WHERE m.practice_id = n.practice_id AND m.user_id = n.user_id AND m.status = 'active'
                      ) THEN 1 ELSE 0 END AS wanted
               FROM access_notices n JOIN users u ON u.id = n.user_id JOIN practices p ON p.id = n.practice_id
               WHERE n.sent_at IS NULL AND n.send_after <= $1
               ORDER BY n.send_after LIMIT 200"#,
        )
        .bind(t)
        .fetch_all(db.pool())
        .await?;
        let mut sent = 0;
        for d in due {
            // The system queues these: nothing to record.
            let mut tx = crate::access::write::Write::begin(db, Default::default()).await?;
            // Marked and read in one statement: a line noted meanwhile is in this message,
            // or opens the next one.
            let mine: Option<(String, i64)> = sqlx::query_as(
                r#"UPDATE access_notices SET sent_at = $1 WHERE id = $2 AND sent_at IS NULL RETURNING lines, changes"#,
            )
            .bind(t)
            .bind(d.id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((all, changes)) = mine else { continue };
            if d.wanted == 0 {
                // Left, deactivated, or the practice or the person turned these off: dropped.
                tx.commit().await?;
                continue;
            }
            let mut lines: Vec<String> = all
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect();
            let unlisted = changes - lines.len() as i64;
            if unlisted > 0 {
                lines.push(format!(
                    "and {} more {}",
                    crate::platform::words::thousands(unlisted),
                    if unlisted == 1 { "change" } else { "changes" }
                ));
            }
            let subject = format!("Your client access at {} changed", d.practice);
            let text = format!(
                "Hello {},\n\nYour access to clients of {} changed:\n\n{}\n\nEvery client you can open: {base_url}/account/access\n\
                 (There you can also stop these emails.)\n",
                d.name,
                d.practice,
                lines.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n")
            );
            let html = format!(
                "<p>Hello {},</p><p>Your access to clients of <strong>{}</strong> changed:</p><ul>{}</ul>\
                 <p><a href=\"{}/account/access\">See every client you can open</a> (there you can also stop these emails).</p>",
                escape_html(&d.name),
                escape_html(&d.practice),
                lines
                    .iter()
                    .map(|l| format!("<li>{}</li>", escape_html(l)))
                    .collect::<String>(),
                escape_html(base_url)
            );
            enqueue(
                &mut tx,
                OutgoingEmail {
                    practice_id: Some(d.practice_id),
                    link: None,
                    to: &d.email,
                    subject: &subject,
                    text: &text,
                    html: &html,
                },
                smtp,
            )
            .await?;
            tx.commit().await?;
            sent += 1;
        }
        Ok(sent)
    }
}
