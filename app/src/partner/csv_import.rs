//! Parsing a client list in CSV (`name, plan`), reporting every line that cannot be used.

#[cfg(feature = "ssr")]
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::domain::plans::Plan;
#[cfg(feature = "ssr")]
use crate::platform::names::DisplayName;

/// The most rows one import takes.
pub const MAX_ROWS: usize = 20_000;
/// The most bad lines one answer lists (then a count of the rest): a file of garbage gets
/// a readable answer, not megabytes of it.
pub const MAX_REPORTED: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedLine {
    pub line: usize,
    pub reason: String,
}

impl RejectedLine {
    /// "Line 3: the plan is not one of …" (line 0: the file as a whole).
    pub fn describe(&self) -> String {
        if self.line == 0 {
            self.reason.clone()
        } else {
            format!("Line {}: {}", self.line, self.reason)
        }
    }
}

/// Parses the whole file. Returns the usable rows, or every rejected line: a file with any
/// bad line is refused whole, so an import never leaves half a list behind. Reading is the
/// `csv` crate's: quotes, `""` escapes and newlines inside quoted names all work, and line
/// numbers are those of the file.
#[cfg(feature = "ssr")]
pub fn parse(text: &str, existing_names: &[String]) -> Result<Vec<(String, Plan)>, Vec<RejectedLine>> {
    let existing: HashMap<String, ()> = existing_names.iter().map(|n| (n.to_lowercase(), ())).collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    // Windows line ends (files, and every browser's form post of a text box) as plain ones:
    // the reader numbers a record after CRLF by the line before it.
    let text = text
        .trim_start_matches('\u{feff}')
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let line = error.position().map_or(line, |p| p.line() as usize);
                rejected.push(RejectedLine {
                    line,
                    reason: "the line is not valid CSV text (is the file UTF-8?)".into(),
                });
                continue;
            }
        }
        // The reader's position before the record is where the record starts.
        let line = record.position().map_or(line, |p| p.line() as usize);
        let cells: Vec<&str> = record.iter().collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if line == 1 && cells.first().is_some_and(|c| c.trim().eq_ignore_ascii_case("name")) {
            continue; // a header row
        }
        let mut reject = |reason: String| rejected.push(RejectedLine { line, reason });
        if cells.len() != 2 {
            reject(format!("expected 2 columns (name, plan), found {}", cells.len()));
            continue;
        }
        let name = match DisplayName::parse(cells[0], "client name", 200) {
            Ok(n) => n.into_string(),
            Err(m) => {
                reject(m);
                continue;
            }
        };
        let Some(plan) = Plan::parse(cells[1]) else {
            reject(format!(
                "unknown plan \"{}\": use Practice Edition, Small, Medium or Large",
                cells[1].trim()
            ));
            continue;
        };
        let key = name.to_lowercase();
        if existing.contains_key(&key) {
            reject(format!("a client called \"{name}\" already exists"));
            continue;
        }
        if let Some(first) = seen.get(&key) {
            reject(format!("\"{name}\" is already on line {first}"));
            continue;
        }
        seen.insert(key, line);
        rows.push((name, plan));
    }
    if rows.len() > MAX_ROWS {
        rejected.push(RejectedLine {
            line: 0,
            reason: format!("at most {MAX_ROWS} clients per import"),
        });
    }
    if rows.is_empty() && rejected.is_empty() {
        rejected.push(RejectedLine {
            line: 0,
            reason: "the file has no clients in it".into(),
        });
    }
    if rejected.len() > MAX_REPORTED {
        let more = rejected.len() - MAX_REPORTED;
        rejected.truncate(MAX_REPORTED);
        rejected.push(RejectedLine {
            line: 0,
            reason: format!("and {more} more lines need fixing"),
        });
    }
    if rejected.is_empty() { Ok(rows) } else { Err(rejected) }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn reads_a_header_quotes_and_plan_labels() {
        let rows = parse(
            "name,plan\n\"Smith, Jones & Co\",Practice Edition\nAcme Ltd,small\n\n",
            &[],
        )
        .unwrap();
        assert_eq!(
            rows,
            vec![
                ("Smith, Jones & Co".into(), Plan::PracticeEdition),
                ("Acme Ltd".into(), Plan::Small)
            ]
        );
    }

    #[test]
    fn reports_every_bad_line_with_its_number_and_reason() {
        let text = "Acme Ltd,Small\nBeta,Enterprise\n,Large\nacme ltd,Medium\nGamma\nKnown Co,Large\n\"Open,Small";
        let err = parse(text, &["Known Co".into()]).unwrap_err();
        let lines: Vec<usize> = err.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6, 7]);
        assert!(err[0].reason.contains("unknown plan \"Enterprise\""));
        assert_eq!(err[1].reason, "Enter a client name.");
        assert!(err[2].reason.contains("already on line 1"));
        assert!(err[3].reason.contains("expected 2 columns"));
        assert!(err[4].reason.contains("already exists"));
        // An unclosed quote runs to the end of the file: one field, not two.
        assert!(err[5].reason.contains("found 1"));
    }

    #[test]
    fn windows_line_ends_number_lines_as_the_file_does() {
        // A browser's form sends a text box's lines with CRLF; so do files from Windows.
        let err = parse("Acme Ltd,Small\r\nBeta,Enterprise\r\n,Large\r\n", &[]).unwrap_err();
        let lines: Vec<usize> = err.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 3]);
    }

    #[test]
    fn a_quoted_line_break_stays_in_its_field_and_later_lines_keep_their_numbers() {
        let text = "\"Smith,\nJones\",Small\nBeta,Enterprise\n";
        let err = parse(text, &[]).unwrap_err();
        // The name spans lines 1 and 2; the bad plan is on line 3 of the file.
        assert_eq!(err.last().map(|r| r.line), Some(3));
        assert!(err.last().unwrap().reason.contains("Enterprise"));
    }

    #[test]
    fn a_file_of_garbage_gets_a_bounded_answer() {
        let text = "nonsense\n".repeat(5_000);
        let err = parse(&text, &[]).unwrap_err();
        assert_eq!(err.len(), MAX_REPORTED + 1);
        assert_eq!(err.last().unwrap().reason, "and 4900 more lines need fixing");
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert!(parse("name,plan\n", &[]).is_err());
    }
}
