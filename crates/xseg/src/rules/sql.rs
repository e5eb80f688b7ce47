//! `sql`: an object whose members are all strings.

use super::members::{Rule, Table};

/// `sql`: every member must be a string.
pub(crate) struct Sql;

impl Table for Sql {
    const ROWS: &'static [(&'static str, Rule)] = &[];
    const OTHER: Rule = Rule::String;
}
