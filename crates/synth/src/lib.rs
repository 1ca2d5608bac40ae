//! Synthetic but plausible data for chongdich: demo deployments, training and tests.
//!
//! Everything is deterministic from a seed: the same seed gives the same data on every
//! machine and with every version of every dependency, because the random numbers come
//! from this crate's own [`Rng`] (SplitMix64), not from an external crate.
//!
//! [`world`] generates a dataset of any size (people, outbreaks, contacts, tests, F-levels) in
//! chunks; [`story`] is the demo's scripted story on top of a small world.

pub mod names;
pub mod rng;
pub mod story;
pub mod world;

pub use rng::Rng;
