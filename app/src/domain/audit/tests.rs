//! Events stored and read back: what the trail always held reads the same.

use super::event::{Event, Target, TargetKind};
use super::payload::*;

fn round_trip(event: Event) {
    let row = event.stored();
    let target = row.target.as_ref();
    let read = Event::read(
        row.action.as_str(),
        Target::read(
            target.map(|t| t.kind.as_str()),
            target.and_then(|t| t.id),
            target.map(|t| t.label.as_str()),
        ),
        row.before.as_deref(),
        row.after.as_deref(),
        row.count,
    );
    assert_eq!(read, Some(event));
}

#[test]
fn events_read_back_as_they_were_written() {
    let sam = Target::staff_access(7, "Sam Staff");
    round_trip(Event::AccessSet {
        staff: sam.clone(),
        before: ClientRole {
            client: "Acme".into(),
            client_id: 3,
            role: None,
        },
        after: ClientRole {
            client: "Acme".into(),
            client_id: 3,
            role: Some("Bookkeeper".into()),
        },
    });
    round_trip(Event::AccessCopied {
        staff: sam,
        before: CopySource {
            from: "Ann".into(),
            from_user_id: 4,
            mode: "replace".into(),
        },
        after: CopyOutcome {
            batch_id: 9,
            changes: 12,
            replaced: 2,
            ends: Some("31 Jan 2027".into()),
        },
        changes: 12,
    });
    round_trip(Event::AuditLogDownloaded { after: None });
    round_trip(Event::TwoStepReset {
        member: Target::user(5, "sam@example.com"),
        before: TwoStepState {
            two_step: "on".into(),
            link_from: None,
        },
        after: TwoStepState {
            two_step: "off".into(),
            link_from: Some("Ada Admin".into()),
        },
    });
    round_trip(Event::TwoStepResetSent {
        member: Target::user(5, "sam@example.com"),
    });
    round_trip(Event::PasswordReset {
        user: Target::user(5, "sam@example.com"),
    });
}

/// What the trail has always held: the same keys (JSON objects are written with their
/// keys in order), so rows written before typed events read the same.
#[test]
fn an_event_is_stored_as_the_trail_always_held_it() {
    let row = Event::AccessSet {
        staff: Target::staff_access(7, "Sam Staff"),
        before: ClientRole {
            client: "Acme".into(),
            client_id: 3,
            role: None,
        },
        after: ClientRole {
            client: "Acme".into(),
            client_id: 3,
            role: Some("Bookkeeper".into()),
        },
    }
    .stored();
    let old = serde_json::json!({ "client": "Acme", "client_id": 3, "role": "Bookkeeper" }).to_string();
    assert_eq!(row.after.as_deref(), Some(old.as_str()));
    assert_eq!(row.count, Some(1));
    let invited = Event::InvitationCreated {
        invitation: Target::new(TargetKind::Invitation, 1, "x@example.com"),
        after: Invited {
            name: "X".into(),
            role: "Admin".into(),
            status: "invited".into(),
            client: None,
        },
    }
    .stored();
    let old = serde_json::json!({ "name": "X", "role": "Admin", "status": "invited" }).to_string();
    assert_eq!(invited.after.as_deref(), Some(old.as_str()));
}

#[test]
fn a_row_missing_fields_or_of_an_unknown_action_still_reads() {
    let read = Event::read("access.set", None, Some("{}"), Some(r#"{"role":"Admin"}"#), None);
    assert!(matches!(read, Some(Event::AccessSet { after, .. }) if after.role.as_deref() == Some("Admin")));
    assert_eq!(Event::read("something.new", None, None, None, None), None);
}
