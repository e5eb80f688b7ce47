//! Fuzz properties, shared by the cargo-fuzz targets and the ordinary tests.
