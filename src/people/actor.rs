//! The person making a request, as auth found them from a session or a token.
//!
//! It lives with people, not with auth: every service takes an `Actor`, people's own
//! included, and auth (which builds on people: it checks people's emails and passwords
//! and reads their roles) only finds one. `auth::Actor` names the same type.

use crate::{
    people::{PersonRef, Role},
    policy::Principal,
};

/// The signed-in person making a request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub person_id: i32,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// Has active direct reports: a manager is derived, not stored.
    pub is_manager: bool,
    /// Present when the request came with a browser session; forms must echo it.
    pub csrf_token: Option<String>,
    /// The stored id (digest) of that session.
    pub session_id: Option<String>,
}

impl Actor {
    pub fn principal(&self) -> Principal {
        Principal {
            person_id: self.person_id,
            role: self.role,
        }
    }

    /// The actor as others see them: their id and name.
    pub fn person_ref(&self) -> PersonRef {
        PersonRef {
            id: self.person_id,
            name: self.name.clone(),
        }
    }
}
