//! Prints precision and recall of the personal-data detector on the labelled set
//! (`cargo run --release -p duluan-vitext --example pii_eval [FILE]`), and every miss.

use duluan_vitext::pii;

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pii-eval.txt").to_string()
    });
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(2);
        }
    };
    let eval = pii::evaluate(&text);
    println!("| kind | TP | FP | FN | precision | recall |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (k, tp, fp, fneg) in &eval.rows {
        let p = *tp as f64 / (tp + fp).max(1) as f64;
        let r = *tp as f64 / (tp + fneg).max(1) as f64;
        println!("| {} | {tp} | {fp} | {fneg} | {p:.3} | {r:.3} |", k.name());
    }
    let (p, r) = eval.overall();
    println!("| **all** | | | | **{p:.3}** | **{r:.3}** |");
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        if let Some((plain, expected)) = pii::parse_labelled(line) {
            let found: Vec<(pii::Kind, usize, usize)> = pii::detect(&plain)
                .iter()
                .map(|f| (f.kind, f.start, f.end))
                .collect();
            if found != expected {
                let show = |v: &[(pii::Kind, usize, usize)]| {
                    v.iter()
                        .map(|(k, s, e)| format!("{}:{}", k.name(), &plain[*s..*e]))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                eprintln!(
                    "{plain}\n   expected [{}]\n   found    [{}]",
                    show(&expected),
                    show(&found)
                );
            }
        }
    }
}
