//! The integration tests of duluan-forms, in one binary: expression functions, the checker,
//! the response engine, XLSForm import/export, the corpus and round trips, XForms and their
//! instances.

mod bounds;
mod checker;
mod corpus;
mod engine;
mod functions;
mod invariants;
mod media;
mod new_types;
mod roundtrip;
mod util;
mod xform;
mod xform_instance;
mod xform_texts;
