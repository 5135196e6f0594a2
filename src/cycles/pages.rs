//! cycles pages
