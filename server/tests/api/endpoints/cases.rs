//! Who may call each endpoint, and with what: the registry walk's table.

/// Who may call an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Door {
    /// Anyone (signing in, accepting an invitation, …).
    Public,
    /// Any signed-in user (their own accounts).
    SignedIn,
    /// A member with Manage users, in their own practice.
    ManageUsers,
    /// A user with Manage users in the client account they act in (Small, Medium, Large).
    ClientManageUsers,
}

/// The ids of practice A an endpoint is called with.
pub(crate) struct Ids {
    pub(crate) staff: String,
    pub(crate) client: String,
    pub(crate) role: String,
    pub(crate) invitation: String,
    pub(crate) batch: String,
    /// A message in practice A's outbox.
    pub(crate) email: String,
    /// An access request of practice A's employee.
    pub(crate) request: String,
}

/// How an endpoint is called: who may, with which fields, and whether the fields name
/// practice A's records (so another practice's admin must be refused).
pub(crate) struct Case {
    pub(crate) door: Door,
    pub(crate) form: Vec<(&'static str, String)>,
    pub(crate) names_ids: bool,
}

pub(crate) fn case(name: &str, ids: &Ids) -> Option<Case> {
    use Door::*;
    let f = |pairs: &[(&'static str, &str)]| pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect::<Vec<_>>();
    let (door, form, names_ids) = match name {
        "get_me" => (Public, f(&[]), false),
        "sign_up" => (
            Public,
            f(&[
                ("practice_name", "P"),
                ("name", "N"),
                ("email", "walk@example.com"),
                ("password", "x"),
            ]),
            false,
        ),
        "get_sign_up" => (Public, f(&[("token", &"0".repeat(64))]), false),
        "get_two_step_reset" | "use_two_step_reset" | "get_password_reset" => {
            (Public, f(&[("token", &"0".repeat(64))]), false)
        }
        "reset_password" => (Public, f(&[("token", &"0".repeat(64)), ("password", "x")]), false),
        "request_password_reset" => (Public, f(&[("email", "walk@example.com")]), false),
        "get_email_change" | "confirm_email_change" => (Public, f(&[("token", &"0".repeat(64))]), false),
        "get_your_account" | "sign_out_other_sessions" => (SignedIn, f(&[]), false),
        "change_name" => (SignedIn, f(&[("name", "Walker")]), false),
        "request_email_change" => (
            SignedIn,
            f(&[("email", "walk.new@example.com"), ("password", "x")]),
            false,
        ),
        "change_password" => (SignedIn, f(&[("current_password", "x"), ("new_password", "y")]), false),
        "sign_out_session" => (SignedIn, f(&[("session", &"0".repeat(16))]), false),
        "confirm_sign_up" => (Public, f(&[("token", &"0".repeat(64)), ("password", "x")]), false),
        "sign_in" => (Public, f(&[("email", "walk@example.com"), ("password", "x")]), false),
        "sign_out" => (Public, f(&[]), false),
        "get_invitation" => (Public, f(&[("token", &"0".repeat(64))]), false),
        "accept_invitation" => (Public, f(&[("token", &"0".repeat(64)), ("password", "x")]), false),
        "list_accounts" => (SignedIn, f(&[("search", "")]), false),
        "switch_account" => (SignedIn, f(&[("kind", "client"), ("id", &ids.client)]), true),
        "get_two_step" => (SignedIn, f(&[]), false),
        "start_two_step" => (SignedIn, f(&[("password", "x")]), false),
        "confirm_two_step" => (SignedIn, f(&[("password", "x"), ("code", "123456")]), false),
        "turn_off_two_step" => (SignedIn, f(&[("password", "x"), ("code", "123456")]), false),
        "verify_sign_in" => (Public, f(&[("code", "123456")]), false),
        "set_two_step_required" => (ManageUsers, f(&[("required", "false")]), false),
        "reset_two_step" => (ManageUsers, f(&[("user_id", &ids.staff)]), true),
        "preview_offboarding" => (ManageUsers, f(&[("user_id", &ids.staff)]), true),
        "offboard_member" => (ManageUsers, f(&[("user_id", &ids.staff)]), true),
        "get_leaver_report" => (ManageUsers, f(&[("user_id", &ids.staff)]), true),
        "preview_copy" => (
            ManageUsers,
            f(&[("user_id", &ids.staff), ("from_user_id", &ids.staff), ("mode", "add")]),
            true,
        ),
        "apply_copy" => (
            ManageUsers,
            f(&[("user_id", &ids.staff), ("from_user_id", &ids.staff), ("mode", "add")]),
            true,
        ),
        "set_access_emails" => (ManageUsers, f(&[("enabled", "true")]), false),
        "set_my_access_emails" => (SignedIn, f(&[("enabled", "true")]), false),
        "set_access_end" => (
            ManageUsers,
            f(&[
                ("user_id", &ids.staff),
                ("client_id", &ids.client),
                ("ends_on", "2099-01-31"),
            ]),
            true,
        ),
        "list_client_staff" => (ManageUsers, f(&[("client_id", &ids.client)]), true),
        "set_own_user_active" => (
            ManageUsers,
            f(&[("client_id", &ids.client), ("user_id", &ids.staff), ("active", "false")]),
            true,
        ),
        "list_my_access" => (SignedIn, f(&[]), false),
        "list_client_users" => (ClientManageUsers, f(&[]), false),
        "invite_client_user" => (
            ClientManageUsers,
            f(&[
                ("name", "W"),
                ("email", "walk.client@example.com"),
                ("role_id", &ids.role),
            ]),
            true,
        ),
        "resend_client_invitation" => (ClientManageUsers, f(&[("invitation_id", &ids.invitation)]), true),
        "revoke_client_invitation" => (ClientManageUsers, f(&[("invitation_id", &ids.invitation)]), true),
        "change_client_user_role" => (
            ClientManageUsers,
            f(&[("user_id", &ids.staff), ("role_id", &ids.role)]),
            true,
        ),
        "set_client_user_active" => (
            ClientManageUsers,
            f(&[("user_id", &ids.staff), ("active", "false")]),
            true,
        ),
        "invite_user" => (
            ManageUsers,
            f(&[
                ("name", "W"),
                ("email", "walk.invite@example.com"),
                ("role_id", &ids.role),
            ]),
            true,
        ),
        "resend_invitation" => (ManageUsers, f(&[("invitation_id", &ids.invitation)]), true),
        "revoke_invitation" => (ManageUsers, f(&[("invitation_id", &ids.invitation)]), true),
        "list_sent_email" => (ManageUsers, f(&[]), false),
        "get_request_form" => (SignedIn, f(&[("search", ""), ("client", &ids.client)]), false),
        "request_access" => (
            SignedIn,
            f(&[("client_id", &ids.client), ("role_id", &ids.role), ("reason", "walk")]),
            true,
        ),
        "list_access_requests" => (ManageUsers, f(&[]), false),
        "decide_access_request" => (
            ManageUsers,
            f(&[("request_id", &ids.request), ("decision", "approve")]),
            true,
        ),
        "withdraw_access_request" => (SignedIn, f(&[("request_id", &ids.request)]), true),
        "set_staff_may_request" => (ManageUsers, f(&[("enabled", "true")]), false),
        "resend_email" => (ManageUsers, f(&[("email_id", &ids.email)]), true),
        "list_staff" => (ManageUsers, f(&[]), false),
        "get_matrix" => (
            ManageUsers,
            f(&[("user_id", &ids.staff), ("search", ""), ("plan", ""), ("page", "0")]),
            true,
        ),
        "set_client_role" => (
            ManageUsers,
            f(&[
                ("user_id", &ids.staff),
                ("client_id", &ids.client),
                ("role_id", &ids.role),
            ]),
            true,
        ),
        "preview_bulk" => (
            ManageUsers,
            f(&[
                ("user_id", &ids.staff),
                ("role_id", &ids.role),
                ("search", ""),
                ("plan", ""),
            ]),
            true,
        ),
        "apply_bulk" => (
            ManageUsers,
            f(&[
                ("user_id", &ids.staff),
                ("role_id", &ids.role),
                ("search", ""),
                ("plan", ""),
            ]),
            true,
        ),
        "undo_bulk" => (ManageUsers, f(&[("batch_id", &ids.batch)]), true),
        "matrix_version" => (ManageUsers, f(&[("user_id", &ids.staff)]), true),
        "list_clients" => (
            ManageUsers,
            f(&[("search", ""), ("plan", ""), ("archived", "false"), ("page", "0")]),
            false,
        ),
        "add_client" => (ManageUsers, f(&[("name", "Walk Ltd"), ("plan", "small")]), false),
        "update_client" => (
            ManageUsers,
            f(&[("client_id", &ids.client), ("name", "Renamed Ltd"), ("plan", "large")]),
            true,
        ),
        "set_client_archived" => (
            ManageUsers,
            f(&[("client_id", &ids.client), ("archived", "true")]),
            true,
        ),
        "import_clients" => (ManageUsers, f(&[("csv", "Walk Import Ltd,Small")]), false),
        "list_practice_users" => (ManageUsers, f(&[]), false),
        "change_member_role" => (ManageUsers, f(&[("user_id", &ids.staff), ("role_id", &ids.role)]), true),
        "set_member_active" => (ManageUsers, f(&[("user_id", &ids.staff), ("active", "false")]), true),
        "transfer_main_user" => (ManageUsers, f(&[("user_id", &ids.staff)]), true),
        "list_audit_events" => (ManageUsers, f(&[("search", "")]), false),
        "list_roles" => (ManageUsers, f(&[]), false),
        // JSON-encoded: its fields are sent as a JSON body (see `call`).
        "save_role" => (
            ManageUsers,
            f(&[("role_id", &ids.role), ("name", "Walked"), ("permissions", "")]),
            true,
        ),
        "save_role_form" => (ManageUsers, f(&[("role_id", &ids.role), ("name", "Walked")]), true),
        "delete_role" => (ManageUsers, f(&[("role_id", &ids.role)]), true),
        _ => return None,
    };
    Some(Case { door, form, names_ids })
}
