//! Telling staff when their client access changes: one email per person for single clicks
//! within [`GATHER_SECS`], one at once for a bulk action, a copy or an undo. A practice
//! setting turns them off for everyone, and each person can turn off their own (My access).
//! Mail goes through the outbox like every other message.

/// Single changes to one person's access within this long make one message.
pub const GATHER_SECS: i64 = 5 * 60;

/// A message lists this many changes; it counts the rest ("and 12 more changes").
pub const LISTED_CHANGES: i64 = 40;

/// Access requests arriving within this long make one message to each approver.
pub const REQUEST_GATHER_SECS: i64 = 2 * 60;

#[cfg(feature = "ssr")]
pub mod ssr {
    use sqlx::AnyConnection;

    use super::*;
    use crate::access::actor::PracticeActor;
    use crate::platform::db::{AnyQuery, Db, now};
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
        match due(actor, on, user_id, at_once) {
            Some(send_after) => gather(conn, actor.practice_id, user_id, ACCESS, line, send_after).await,
            None => Ok(()),
        }
    }

    /// Notes `line` about `user_id`'s access, due at `send_after` at the latest (from
    /// [`due`]): [`note_if`] for a caller that decided already.
    pub async fn gather_line(
        conn: &mut AnyConnection,
        practice_id: i64,
        user_id: i64,
        line: &str,
        send_after: i64,
    ) -> Result<(), sqlx::Error> {
        gather(conn, practice_id, user_id, ACCESS, line, send_after).await
    }

    /// The kind of the lines of "your access changed" messages.
    pub const ACCESS: &str = "access";

    /// Whether a change to `user_id`'s access is noted for their next message ([`note_if`]
    /// says when), and when that message is due at the latest.
    pub fn due(actor: &PracticeActor, on: bool, user_id: i64, at_once: bool) -> Option<i64> {
        if !on || user_id == actor.user_id() {
            return None;
        }
        let t = now();
        Some(if at_once { t } else { t + GATHER_SECS })
    }

    /// The statement noting one line (see [`gather`]), its values numbered from `$first`:
    /// practice, person, kind, line, due at the latest. For a larger statement that notes
    /// it with the change it tells of (a click, on PostgreSQL).
    pub fn insert_line_sql(first: usize) -> String {
        let [a, b, c, d, e] = std::array::from_fn(|i| first + i);
        format!(
            "INSERT INTO access_notice_lines (practice_id, user_id, kind, line, send_after) VALUES (${a}, ${b}, ${c}, ${d}, ${e})"
        )
    }

    /// Notes an access request for approver `user_id`'s next message: `subject` ("Sam Staff
    /// asks for access to Acme Ltd", the message's subject when it is the only one) and
    /// `detail` (role, end, reason). Requests within [`REQUEST_GATHER_SECS`] make one message.
    pub async fn note_request(
        conn: &mut AnyConnection,
        practice_id: i64,
        user_id: i64,
        subject: &str,
        detail: &str,
    ) -> Result<(), sqlx::Error> {
        // Tabs and line breaks cannot be in names or reasons as stored here: the tab
        // separates the subject from the detail, the line break one request from the next.
        let clean = |text: &str| text.replace(['\t', '\n', '\r'], " ");
        let line = format!("{}\t{}", clean(subject), clean(detail));
        gather(
            conn,
            practice_id,
            user_id,
            "request",
            &line,
            now() + REQUEST_GATHER_SECS,
        )
        .await
    }

    /// Adds `line` to `user_id`'s next message of `kind`, due at `send_after` at the latest.
    /// One appended row: clicks for one person do not wait for each other here.
    async fn gather(
        conn: &mut AnyConnection,
        practice_id: i64,
        user_id: i64,
        kind: &str,
        line: &str,
        send_after: i64,
    ) -> Result<(), sqlx::Error> {
        let sql = insert_line_sql(1);
        bind_line(
            sqlx::query(&sql),
            practice_id,
            user_id,
            kind,
            line.to_owned(),
            send_after,
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// `query` with the values of [`insert_line_sql`] bound.
    pub fn bind_line<'q>(
        query: AnyQuery<'q>,
        practice_id: i64,
        user_id: i64,
        kind: &'q str,
        line: String,
        send_after: i64,
    ) -> AnyQuery<'q> {
        query
            .bind(practice_id)
            .bind(user_id)
            .bind(kind)
            .bind(line)
            .bind(send_after)
    }

    #[derive(sqlx::FromRow)]
    struct Due {
        practice_id: i64,
        user_id: i64,
        email: String,
        name: String,
        practice: String,
        /// 'access' or 'request'.
        kind: String,
        /// Still staff, and (for access changes) the practice still sends these and the
        /// person still wants them.
        wanted: i64,
    }

    /// Queues the message of every person whose first waiting line of a kind is due at `t`;
    /// returns how many. Safe on several servers at once: a line is sent by whoever
    /// deletes it.
    pub async fn flush_due(db: &Db, smtp: bool, base_url: &str, t: i64) -> Result<usize, AppError> {
        let due: Vec<Due> = sqlx::query_as(
            r#"SELECT n.practice_id, n.user_id, u.email, u.name, p.name AS practice, n.kind,
                      CASE WHEN (n.kind = 'request' OR (p.access_emails = 1 AND u.access_emails = 1)) AND EXISTS (
                          SELECT 1 FROM practice_members m
                          WHERE m.practice_id = n.practice_id AND m.user_id = n.user_id AND m.status = 'active'
                      ) THEN 1 ELSE 0 END AS wanted
               FROM (SELECT practice_id, user_id, kind, MIN(send_after) AS first_due FROM access_notice_lines
                     WHERE send_after <= $1 GROUP BY practice_id, user_id, kind ORDER BY first_due LIMIT 200) n
               JOIN users u ON u.id = n.user_id JOIN practices p ON p.id = n.practice_id
               ORDER BY n.first_due"#,
        )
        .bind(t)
        .fetch_all(db.pool())
        .await?;
        let mut sent = 0;
        for d in due {
            // The system queues these: nothing to record.
            let mut tx = crate::access::write::Write::begin(db, Default::default()).await?;
            // Taken and read in one statement: a line noted meanwhile is in this message,
            // or opens the next one; a line another server took is in its message.
            let mut mine: Vec<(i64, String, i64, i64)> = sqlx::query_as(
                r#"DELETE FROM access_notice_lines WHERE practice_id = $1 AND user_id = $2 AND kind = $3
                   RETURNING id, line, changes, send_after"#,
            )
            .bind(d.practice_id)
            .bind(d.user_id)
            .bind(&d.kind)
            .fetch_all(&mut *tx)
            .await?;
            // Another server sent the lines found due meanwhile, and what is left (noted
            // since) is not due yet: left for its own time (rolled back), not sent early.
            if !mine.iter().any(|(_, _, _, send_after)| *send_after <= t) {
                continue;
            }
            if d.wanted == 0 {
                // Left, deactivated, or the practice or the person turned these off: dropped.
                tx.commit().await?;
                continue;
            }
            mine.sort_by_key(|(id, _, _, _)| *id);
            let changes: i64 = mine.iter().map(|(_, _, n, _)| n).sum();
            let mut lines: Vec<String> = mine
                .iter()
                .flat_map(|(_, text, _, _)| text.lines())
                .filter(|l| !l.trim().is_empty())
                .take(LISTED_CHANGES as usize)
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
            let (subject, text, html) = if d.kind == "request" {
                compose_requests(&d, &lines, changes, base_url)
            } else {
                compose_access(&d, &lines, base_url)
            };
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

    fn compose_access(d: &Due, lines: &[String], base_url: &str) -> (String, String, String) {
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
        (subject, text, html)
    }

    /// To an approver: "Sam Staff asks for access to Acme Ltd" (one request) or "3 access
    /// requests at <practice>", each with its role, end and reason, and where to decide.
    fn compose_requests(d: &Due, lines: &[String], changes: i64, base_url: &str) -> (String, String, String) {
        let split: Vec<(&str, &str)> = lines
            .iter()
            .map(|l| l.split_once('\t').unwrap_or((l.as_str(), "")))
            .collect();
        let subject = match split.as_slice() {
            [(one, _)] if changes == 1 => (*one).to_owned(),
            _ => format!("{changes} access requests at {}", d.practice),
        };
        let item = |(who, detail): &(&str, &str)| {
            if detail.is_empty() {
                (*who).to_owned()
            } else {
                format!("{who}: {detail}")
            }
        };
        let text = format!(
            "Hello {},\n\nStaff of {} ask for access to clients:\n\n{}\n\nApprove or decline: {base_url}/access-requests\n",
            d.name,
            d.practice,
            split
                .iter()
                .map(|l| format!("- {}", item(l)))
                .collect::<Vec<_>>()
                .join("\n")
        );
        let html = format!(
            "<p>Hello {},</p><p>Staff of <strong>{}</strong> ask for access to clients:</p><ul>{}</ul>\
             <p><a href=\"{}/access-requests\">Approve or decline</a></p>",
            escape_html(&d.name),
            escape_html(&d.practice),
            split
                .iter()
                .map(|l| format!("<li>{}</li>", escape_html(&item(l))))
                .collect::<String>(),
            escape_html(base_url)
        );
        (subject, text, html)
    }
}
