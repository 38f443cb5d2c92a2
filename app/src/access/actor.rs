//! The actors: a signed-in person acting in a practice ([`PracticeActor`]) or in a client
//! account ([`ClientActor`]), with the role and permissions they hold there. The guards
//! (`access::guard`) resolve them; every rule is then asked of `access::policy`.

use crate::domain::permissions::Permission;
use crate::domain::roles::RoleKind;
use crate::identity::session::Session;
use crate::platform::state::AppState;

/// A signed-in, active member of a practice, acting in that practice.
#[derive(Clone, Debug)]
pub struct PracticeActor {
    pub state: AppState,
    pub session: Session,
    pub practice_id: i64,
    pub role_id: i64,
    pub role_kind: RoleKind,
    pub is_main: bool,
    pub permissions: Vec<Permission>,
}

impl PracticeActor {
    pub fn user_id(&self) -> i64 {
        self.session.user_id
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
}

/// A signed-in user acting in a client account with their role there: the client the
/// session acts in (never one named by the request), on a plan with user management of its
/// own, with `permission` in that role. `actor` carries the role on the client and the
/// client's practice, so the practice's rules (who may grant what, audit) apply unchanged.
#[derive(Clone, Debug)]
pub struct ClientActor {
    pub actor: PracticeActor,
    pub client_id: i64,
    pub client_name: String,
}
