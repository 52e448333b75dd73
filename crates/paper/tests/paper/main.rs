//! Tests of duluan-paper: printing, reading printed and marked pages back, garbage in.

mod form;
mod print;
