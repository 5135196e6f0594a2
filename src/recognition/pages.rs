//! The recognition pages.
