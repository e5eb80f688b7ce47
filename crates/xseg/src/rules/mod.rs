//! Pure rule predicates, one family per file. The engine calls them on borrowed values; they
//! know nothing about scanning.

pub(crate) mod annotations;
pub(crate) mod ids;
pub(crate) mod name;
mod name_table;
pub(crate) mod times;
pub(crate) mod trace_id;
