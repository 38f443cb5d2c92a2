//! Constraint mapping: a named unique violation becomes the message the user sees.

use crate::platform::error::AppError;

/// A unique index or constraint of the schema, as each backend names it when violated.
pub struct Unique {
    /// The index or constraint name (PostgreSQL reports it; SQLite reports it for indexes
    /// on expressions).
    pub name: &'static str,
    /// How SQLite names a unique index on plain columns: `table.column, table.column`.
    pub sqlite_columns: Option<&'static str>,
}

/// Turns a violation of `unique` into `conflict()` (an expected outcome the user can act
/// on), and any other error into `Internal`. Checking first and inserting second is not
/// enough: two simultaneous requests both pass the check, and the schema decides.
///
/// PostgreSQL reports the violated constraint's name. SQLite reports none through sqlx, only
/// its message "UNIQUE constraint failed: <index 'name' | table.column, …>": there the part
/// after the colon is compared with the index's name or columns.
pub fn on_constraint(error: sqlx::Error, unique: &Unique, conflict: impl FnOnce() -> AppError) -> AppError {
    if violates(&error, unique) {
        return conflict();
    }
    AppError::from(error)
}

/// Whether `error` is a violation of `unique` (see [`on_constraint`]).
pub fn violates(error: &sqlx::Error, unique: &Unique) -> bool {
    let sqlx::Error::Database(db_error) = error else {
        return false;
    };
    if db_error.kind() != sqlx::error::ErrorKind::UniqueViolation {
        return false;
    }
    match db_error.constraint() {
        Some(name) => name == unique.name,
        None => db_error
            .message()
            .strip_prefix("UNIQUE constraint failed: ")
            .is_some_and(|what| what == format!("index '{}'", unique.name) || Some(what) == unique.sqlite_columns),
    }
}
