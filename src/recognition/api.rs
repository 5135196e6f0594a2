//! The recognition endpoints.
