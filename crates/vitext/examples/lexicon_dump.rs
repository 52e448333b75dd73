//! Prints the default lexicon learned from the bundled corpus (`term<TAB>PMI`), best first.

fn main() {
    let lex = duluan_vitext::terms::Lexicon::default_lexicon();
    for (t, s) in lex.terms() {
        println!("{t}\t{s:.2}");
    }
    eprintln!("{} terms", lex.len());
}
