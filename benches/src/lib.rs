//! Benchmark support: corpus loading and baseline validators.
