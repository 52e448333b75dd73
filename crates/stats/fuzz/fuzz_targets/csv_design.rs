//! Fuzz target: arbitrary bytes as a CSV file, then a design and estimates over its columns.
//! Nothing may panic: every bad input must come back as an error.

#![no_main]

use duluan_stats::{
    ChisqStatistic, CipropMethod, Design, DesignSpec, Frame, LonelyPsu, QuantileRule,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, csv)) = data.split_first() else { return };
    let Ok(frame) = Frame::from_csv(csv) else { return };
    let names: Vec<String> = frame.names().to_vec();
    if names.is_empty() || frame.rows() == 0 {
        return;
    }
    let pick = |k: usize| names[k % names.len()].clone();
    let ids = frame.factor(&pick(flags as usize)).ok();
    let strata = if flags & 1 == 1 { frame.factor(&pick(1)).ok() } else { None };
    let weights = frame.numeric(&pick(2)).ok().map(<[f64]>::to_vec);
    let fpc = if flags & 2 == 2 {
        frame.numeric(&pick(3)).ok().map(|v| vec![v.to_vec()]).unwrap_or_default()
    } else {
        Vec::new()
    };
    let lonely = [
        LonelyPsu::Fail,
        LonelyPsu::Adjust,
        LonelyPsu::Average,
        LonelyPsu::Remove,
        LonelyPsu::Certainty,
    ][(flags as usize >> 2) % 5];
    let spec = DesignSpec {
        ids: ids.into_iter().collect(),
        strata,
        weights,
        fpc,
        nest: flags & 32 == 32,
        lonely_psu: lonely,
        ..Default::default()
    };
    let Ok(design) = Design::new(frame.rows(), spec) else { return };
    let Ok(y) = frame.numeric(&pick(4)) else { return };
    let _ = design.mean(y, None);
    let _ = design.total(y, None);
    let _ = design.ratio(y, y, None);
    let _ = design.variance(y, None);
    let _ = design.quantiles(y, &[0.1, 0.5, 0.9], QuantileRule::Math, 0.95, None, None);
    if let Ok(f) = frame.factor(&pick(5)) {
        let _ = design.proportions(&f, None);
        let _ = design.means_by(&[y], &f);
        if let Ok(g) = frame.factor(&pick(6)) {
            let _ = design.chisq(&f, &g, ChisqStatistic::F);
        }
        let ind: Vec<f64> = f.codes.iter().map(|&c| if c == 0 { 1.0 } else { 0.0 }).collect();
        let _ = design.ciprop(&ind, CipropMethod::Beta, 0.95, None);
    }
});
