//! Tests of duluan-paper: printing, reading printed and marked pages back, garbage in.

mod form;
mod garbage;
mod print;
mod read;
mod synth;
