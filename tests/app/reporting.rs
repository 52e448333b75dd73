//! Tests of the reporting context (none yet: the context is not built).
