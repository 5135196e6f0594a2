//! goals pages
