//! The integration tests: one binary, every test through HTTP against a fresh database, on
//! SQLite by default and on PostgreSQL when DATABASE_URL names one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod api;
mod browser;
mod demo;
mod diseases;
mod outbreaks;
mod pages;
mod risk_api;
mod risk_imports;
mod risk_pages;
mod risk_shapes;
mod support;
mod surveillance;
mod tests_labs;
