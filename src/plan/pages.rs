//! plan pages
