//! The browser test (being written).
