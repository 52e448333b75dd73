//! Tests of the collaborators context (none yet: the context is not built).
