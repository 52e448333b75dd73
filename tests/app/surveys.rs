//! Tests of the surveys context (none yet: the context is not built).
