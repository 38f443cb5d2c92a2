//! CSV files people download and open in a spreadsheet. A cell that starts with `=`, `+`,
//! `-`, `@`, a tab or a carriage return would be run as a formula by Excel or LibreOffice
//! (a name like `=HYPERLINK(...)` typed into the app): such cells get a leading `'`, which
//! spreadsheets show as text.

/// The CSV text of `header` then `rows`, every cell quoted as needed and made inert.
pub fn to_csv<I>(header: &[&str], rows: I) -> String
where
    I: IntoIterator<Item = Vec<String>>,
{
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if !header.is_empty() {
        let _ = out.write_record(header);
    }
    for row in rows {
        let _ = out.write_record(row.iter().map(|c| inert(c)));
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn inert(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_made_text_and_commas_quoted() {
        let csv = to_csv(
            &["Client", "Role"],
            [
                vec!["=cmd|' /C calc'!A0".to_owned(), "Admin".to_owned()],
                vec!["Acme, Ltd".to_owned(), "+1".to_owned()],
                vec!["@SUM(A1)".to_owned(), "-2".to_owned()],
            ],
        );
        assert_eq!(
            csv,
            "Client,Role\r\n'=cmd|' /C calc'!A0,Admin\r\n\"Acme, Ltd\",'+1\r\n'@SUM(A1),'-2\r\n"
        );
    }
}
