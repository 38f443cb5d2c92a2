//! Other admins' changes, within three seconds: the island asks `matrix_version` (one
//! indexed read; not activity, so an idle session still ends), and when the person's access
//! changed, reads its page of rows again as data (`get_matrix`) and patches only the rows
//! that changed, so the focus and the keyboard's place stay where they are.

use leptos::prelude::*;

use super::super::super::*;
use super::Grid;
#[cfg(feature = "hydrate")]
use super::RowState;

/// How often an open matrix asks whether this person's access changed.
#[cfg(feature = "hydrate")]
pub const POLL_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// Starts the poll (ended with the island); answers whether it stopped because the session
/// ended.
pub(super) fn poll(grid: Grid, scope: Scope, page: i64) -> RwSignal<bool> {
    let ended = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let busy = StoredValue::new(false);
        let scope = StoredValue::new(scope);
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if busy.get_value() || ended.get_untracked() {
                    return;
                }
                busy.set_value(true);
                leptos::task::spawn_local(async move {
                    check(grid, scope.get_value(), page, ended).await;
                    busy.set_value(false);
                });
            },
            POLL_EVERY,
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (grid, scope, page);
    ended
}

/// One look: the version, and when it moved, the rows.
#[cfg(feature = "hydrate")]
async fn check(grid: Grid, scope: Scope, page: i64, ended: RwSignal<bool>) {
    let known = grid.known;
    // Clicks on their way change the version themselves: read after they are saved.
    if grid.save.pending().get_untracked() {
        return;
    }
    let version = match matrix_version(grid.user_id).await {
        Ok(v) => v,
        Err(AppError::Unauthenticated) => {
            ended.set(true);
            return;
        }
        Err(_) => return,
    };
    if version == known.get_value() {
        return;
    }
    let clicks = grid.clicks.get_value();
    let Ok(matrix) = get_matrix(
        grid.user_id,
        scope.search.clone(),
        scope.plan.clone(),
        page,
        scope.access.clone(),
    )
    .await
    else {
        return;
    };
    // A click made while the page was read is newer than the reading: the next look reads
    // again.
    if grid.clicks.get_value() != clicks || grid.save.pending().get_untracked() {
        return;
    }
    known.set_value(matrix.version);
    patch(grid, matrix.rows, scope.access.is_empty());
}

/// Brings the rows to `fresh`: a row still there keeps its place, its focus and its
/// signals, and only a role or an end that differs is set. Under an access filter a row
/// changed here stays even when it no longer matches (it would vanish under the hand).
#[cfg(feature = "hydrate")]
fn patch(grid: Grid, fresh: Vec<MatrixRow>, all_clients: bool) {
    let width = grid.columns.with_value(Vec::len);
    let current = grid.rows.get_untracked();
    let same_rows = current.len() == fresh.len() && current.iter().zip(&fresh).all(|(a, b)| a.client_id == b.client_id);
    if same_rows {
        for (row, new) in current.iter().zip(fresh) {
            update(row, &new);
        }
        return;
    }
    let mut next: Vec<RowState> = Vec::with_capacity(fresh.len());
    for new in fresh {
        match current.iter().find(|r| r.client_id == new.client_id) {
            Some(row) => {
                update(row, &new);
                next.push(row.clone());
            }
            None => next.push(RowState::new(new, width)),
        }
    }
    if !all_clients {
        for (at, row) in current.iter().enumerate() {
            if row.touched.get_value() && !next.iter().any(|r| r.client_id == row.client_id) {
                next.insert(at.min(next.len()), row.clone());
            }
        }
    }
    grid.rows.set(next);
}

#[cfg(feature = "hydrate")]
fn update(row: &RowState, new: &MatrixRow) {
    if row.sending.get_value() {
        return;
    }
    row.saved.set_value(new.role_id);
    if row.role.get_untracked() != new.role_id {
        row.role.set(new.role_id);
    }
    if row.ends.get_untracked() != new.ends_at {
        row.ends.set(new.ends_at);
    }
}
