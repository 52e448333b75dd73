//! The index schema: which field holds what, with which analyzer and postings.

use crate::analyzer;
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, NumericOptions, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};

/// Handles of the schema's fields.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub time: Field,
    pub areas: Field,
    pub source: Field,
    pub topic: Field,
    pub direction: Field,
    pub text: Field,
    pub title: Field,
    pub text_folded: Field,
    pub text_exact: Field,
    pub title_folded: Field,
    pub title_exact: Field,
}

/// The schema of this [`crate::SCHEMA_VERSION`] and its field handles.
pub(crate) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analyzed = |name: &str, record: IndexRecordOption| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(name)
                .set_index_option(record),
        )
    };
    let fields = Fields {
        id: b.add_i64_field("id", NumericOptions::default().set_indexed().set_stored()),
        time: b.add_i64_field(
            "time",
            NumericOptions::default()
                .set_indexed()
                .set_fast()
                .set_stored(),
        ),
        areas: b.add_i64_field("areas", INDEXED),
        source: b.add_text_field("source", STRING),
        topic: b.add_text_field("topic", STRING),
        direction: b.add_text_field("direction", STRING),
        text: b.add_text_field("text", STORED),
        title: b.add_text_field("title", STORED),
        text_folded: b.add_text_field(
            "text_folded",
            analyzed(analyzer::FOLDED, IndexRecordOption::WithFreqsAndPositions),
        ),
        text_exact: b.add_text_field(
            "text_exact",
            analyzed(analyzer::EXACT, IndexRecordOption::WithFreqs),
        ),
        title_folded: b.add_text_field(
            "title_folded",
            analyzed(analyzer::FOLDED, IndexRecordOption::WithFreqsAndPositions),
        ),
        title_exact: b.add_text_field(
            "title_exact",
            analyzed(analyzer::EXACT, IndexRecordOption::WithFreqs),
        ),
    };
    (b.build(), fields)
}
