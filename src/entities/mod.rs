//! sea-orm entities, one file per table. Only services use them; handlers and templates
//! speak in their own request, response and view types.

pub mod api_token;
pub mod person;
pub mod session;
pub mod sign_in_failure;
