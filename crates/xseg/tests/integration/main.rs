//! Integration tests of the core engine.

mod edge_cases;
