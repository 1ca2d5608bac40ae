//! The integration tests: one binary, every test through HTTP against a fresh database, on
//! SQLite by default and on PostgreSQL when DATABASE_URL names one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod api;
mod browser;
mod browser_directives;
mod browser_facilities;
mod browser_hotline;
mod browser_imports;
mod browser_inspections;
mod browser_quarantine;
mod demo;
mod directives;
mod diseases;
mod facilities;
mod hotline;
mod imports;
mod inspections;
mod outbreaks;
mod pages;
mod quarantine_orders;
mod quarantine_pages;
mod risk_api;
mod risk_imports;
mod risk_pages;
mod risk_shapes;
mod support;
mod surveillance;
mod tasks;
mod tests_labs;
