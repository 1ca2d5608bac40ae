//! The domain of chongdich: pure types and rules, no IO, no SQL, no HTTP.
//!
//! Every value that crosses the edge of the system is parsed into one of these types
//! ("parse, don't validate"), so the rest of the code can trust it.

pub mod access;
pub mod agency;
pub mod area;
pub mod audit;
pub mod case;
pub mod clock;
pub mod directive;
pub mod disease;
pub mod error;
pub mod exposure;
pub mod facility;
pub mod flevel;
pub mod hotline;
pub mod import;
pub mod inspection;
pub(crate) mod json_rules;
pub mod outbreak;
pub mod person;
pub mod population;
pub mod quarantine;
pub mod returnee;
pub mod risk;
pub mod risk_import;
pub mod sample;
pub mod task;
pub mod text;
pub mod units;
pub mod user;
pub mod vocab;

pub use error::{FieldError, Invalid};
