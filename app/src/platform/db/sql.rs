//! SQL helpers both backends read: multi-row `VALUES` placeholders, search patterns, pages.

/// `($1, $2), ($3, $4)` for `rows` rows of `cols` values: multi-row `VALUES` lists in the
/// `$N` style both backends read (sqlx's `QueryBuilder` writes `?` for `Any`, which
/// PostgreSQL rejects).
pub fn values_placeholders(rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(r * cols + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// The longest search term used; the rest of a longer one is ignored.
pub const MAX_SEARCH_CHARS: usize = 200;

/// The text a search looks for: trimmed, without control characters (they never match a
/// name, and PostgreSQL refuses NUL in text outright), at most `MAX_SEARCH_CHARS` long.
pub fn search_term(term: &str) -> String {
    term.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_SEARCH_CHARS)
        .collect()
}

/// `%term%` for a case-insensitive `LIKE … ESCAPE '\'`, with wildcards in the term escaped
/// and the term cut to [`MAX_SEARCH_CHARS`].
pub fn like_pattern(term: &str) -> String {
    let escaped = search_term(term)
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The `OFFSET` of page `page` (from 0) of `size` rows; a negative or absurd page number
/// gives the first or a past-the-end page, never an overflow.
pub fn page_offset(page: i64, size: i64) -> i64 {
    page.clamp(0, i64::MAX / size.max(1)) * size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_placeholders_number_every_value_once() {
        assert_eq!(values_placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_placeholders(1, 1), "($1)");
    }

    #[test]
    fn page_offsets_never_overflow() {
        assert_eq!(page_offset(2, 50), 100);
        assert_eq!(page_offset(-5, 50), 0);
        assert!(page_offset(i64::MAX, 50) > 0);
    }

    #[test]
    fn like_patterns_escape_wildcards_and_ignore_case() {
        assert_eq!(like_pattern("  Acme "), "%acme%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern(&"x".repeat(10_000)).len(), MAX_SEARCH_CHARS + 2);
        assert_eq!(like_pattern("a\0b"), "%ab%");
    }
}
