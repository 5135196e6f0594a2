//! reviews pages
