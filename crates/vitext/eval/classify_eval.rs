//! Topic and direction models from few labels, on text nobody here wrote (any file of
//! `label<TAB>text` lines; `eval/run.sh` runs two). Topics: sentences of LibreOffice's
//! Vietnamese help labelled by the module their page belongs to (Calc, Writer, Impress, Draw,
//! Math, Basic, Chart; `eval/extract.py libreoffice-help-topics`). For each seed, 16 labelled
//! sentences per topic train, 100 others per topic are held out for the test, and the rest
//! are the unlabelled items a deployment would have (3,000 at most). Direction, a proxy:
//! Chromium's messages labelled negative or positive by their resource names
//! (`eval/extract.py chromium-polarity`). Prints macro-F1 (mean
//! over seeds) of logistic regression on the labels alone (`Classifier::train`) and with
//! pseudo-labels from the unlabelled items (`classify::self_train`), each without and with
//! the topics' keyword lists (`KEYWORDS`, a few words per topic as an analyst writes them in
//! the taxonomy, written before any result was seen).
//!
//! A second topic set of distinct subjects: the sentences of Firefox's and Thunderbird's
//! Vietnamese language packs labelled by the subject of their file (calendar, chat,
//! encryption, developer tools, network errors, PDF viewer, mail accounts, address book,
//! composing mail, add-ons, the new-tab page; `eval/extract.py mozilla-topics`), one sentence
//! per item or, with `--items 3`, three consecutive sentences of one file per item (a post is
//! usually a few sentences).
//!
//! ```text
//! classify_eval FILE [--labels N] [--seeds S] [--items N]
//! ```

use duluan_vitext::classify::{
    Classifier, SelfTrainOptions, TrainOptions, keyword_examples, self_train,
};
use std::collections::BTreeMap;

fn macro_f1(model: &Classifier, test: &[(String, String)], labels: &[String]) -> f64 {
    let k = labels.len();
    let (mut tp, mut fp, mut fneg) = (vec![0f64; k], vec![0f64; k], vec![0f64; k]);
    for (l, t) in test {
        let truth = labels.iter().position(|x| x == l).unwrap_or(0);
        let guess = labels.iter().position(|x| x == model.predict(t).label);
        match guess {
            Some(g) if g == truth => tp[truth] += 1.0,
            Some(g) => {
                fp[g] += 1.0;
                fneg[truth] += 1.0
            }
            None => fneg[truth] += 1.0,
        }
    }
    (0..k)
        .map(|c| {
            let p = tp[c] / (tp[c] + fp[c]).max(1.0);
            let r = tp[c] / (tp[c] + fneg[c]).max(1.0);
            if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            }
        })
        .sum::<f64>()
        / k as f64
}

/// Keyword lists per label, as in a deployment's taxonomy (written before looking at errors):
/// the two directions, the subjects of the Firefox and Thunderbird files, then LibreOffice's
/// modules.
const KEYWORDS: [(&str, &str); 20] = [
    (
        "negative",
        "lỗi không thể thất bại bị chặn từ chối hỏng sai",
    ),
    (
        "positive",
        "thành công hoàn tất đã lưu được phép sẵn sàng đã xong",
    ),
    ("calendar", "lịch sự kiện cuộc hẹn nhắc nhở ngày giờ"),
    ("chat", "trò chuyện tin nhắn phòng kênh IRC XMPP Matrix"),
    ("encryption", "mã hóa khóa OpenPGP chứng chỉ chữ ký bảo mật"),
    (
        "devtools",
        "nhà phát triển công cụ kiểm tra mã gỡ lỗi bảng điều khiển",
    ),
    (
        "network-errors",
        "lỗi kết nối máy chủ mạng trang web không thể",
    ),
    ("pdf-viewer", "PDF tài liệu trang phóng to in"),
    (
        "mail-accounts",
        "tài khoản thư email máy chủ thiết lập nhập",
    ),
    ("address-book", "sổ địa chỉ liên hệ danh bạ"),
    ("mail-compose", "soạn thư gửi người nhận đính kèm"),
    ("add-ons", "tiện ích mở rộng phần bổ trợ chủ đề cài đặt"),
    ("new-tab", "thẻ mới trang chủ câu chuyện trang web hàng đầu"),
    ("sbasic", "Basic macro hàm thủ tục biến lập trình"),
    ("scalc", "Calc bảng tính ô cột hàng công thức"),
    ("schart", "biểu đồ trục chú giải chuỗi dữ liệu"),
    ("sdraw", "Draw vẽ hình đối tượng đường"),
    ("simpress", "Impress trình chiếu trang chiếu hoạt cảnh"),
    ("smath", "Math công thức toán ký hiệu phương trình"),
    ("swriter", "Writer văn bản tài liệu đoạn trang"),
];

fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for i in (1..v.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v.swap(i, (s % (i as u64 + 1)) as usize);
    }
}

fn flag(name: &str, default: usize) -> usize {
    let a: Vec<String> = std::env::args().collect();
    a.iter()
        .position(|x| x == name)
        .and_then(|i| a.get(i + 1))
        .and_then(|x| x.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: classify_eval FILE [--labels N] [--seeds S] [--items N]");
        std::process::exit(2);
    };
    let n_labels = flag("--labels", 16);
    let seeds = flag("--seeds", 5);
    let per_item = flag("--items", 1).max(1);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut by_topic: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // With `--items N`, N consecutive sentences of one label (one file, in the file's order)
    // make one item, as a post of a few sentences; a shorter rest is left out.
    let mut run: (String, Vec<&str>) = (String::new(), Vec::new());
    for line in text.lines() {
        if let Some((l, t)) = line.split_once('\t') {
            if run.0 != l {
                run = (l.to_string(), Vec::new());
            }
            run.1.push(t);
            if run.1.len() == per_item {
                by_topic
                    .entry(l.to_string())
                    .or_default()
                    .push(run.1.join(" "));
                run.1.clear();
            }
        }
    }
    by_topic.retain(|_, v| v.len() >= n_labels + 100 + 50);
    let labels: Vec<String> = by_topic.keys().cloned().collect();
    if per_item > 1 {
        println!("items of {per_item} consecutive sentences of one file");
    }
    println!(
        "topics: {} ({}), {n_labels} labels per topic, 100 held out per topic, {seeds} seeds",
        labels.len(),
        by_topic
            .iter()
            .map(|(l, v)| format!("{l} {}", v.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut scores = [0f64; 4];
    for seed in 0..seeds as u64 {
        let (mut train, mut test, mut pool) = (Vec::new(), Vec::new(), Vec::new());
        for (l, v) in &by_topic {
            let mut v = v.clone();
            shuffle(&mut v, seed + 1);
            for (i, t) in v.into_iter().enumerate() {
                if i < n_labels {
                    train.push((l.clone(), t));
                } else if i < n_labels + 100 {
                    test.push((l.clone(), t));
                } else {
                    pool.push(t);
                }
            }
        }
        shuffle(&mut pool, seed + 100);
        pool.truncate(3000);
        let options = TrainOptions {
            seed,
            ..TrainOptions::default()
        };
        let mut with_keywords = train.clone();
        with_keywords.extend(
            keyword_examples(&KEYWORDS, 4)
                .into_iter()
                .filter(|(l, _)| labels.iter().any(|x| x == l))
                .map(|(l, k)| (l.to_string(), k.to_string())),
        );
        let st = SelfTrainOptions {
            train: options,
            ..SelfTrainOptions::default()
        };
        let models = [
            Classifier::train(&train, &options),
            Classifier::train(&with_keywords, &options),
            self_train(&train, &pool, &st),
            self_train(&with_keywords, &pool, &st),
        ];
        let s: Vec<f64> = models
            .iter()
            .map(|m| macro_f1(m.as_ref().expect("two topics or more"), &test, &labels))
            .collect();
        eprintln!("seed {seed}: {s:.3?}");
        for (a, b) in scores.iter_mut().zip(&s) {
            *a += b;
        }
    }
    println!();
    println!("| model | macro-F1 (mean of {seeds} seeds) |");
    println!("| --- | ---: |");
    let with_kw = KEYWORDS.iter().any(|(l, _)| labels.iter().any(|x| x == l));
    let names = [
        format!("`Classifier::train` (logistic regression), {n_labels} labels per topic"),
        "the same + the topics' keyword lists (`keyword_examples`, each as 4 examples)".into(),
        "`self_train`: + 50 pseudo-labels per topic from naive Bayes + EM over the unlabelled items"
            .to_string(),
        "`self_train` + keyword lists".into(),
    ];
    for (i, (name, s)) in names.iter().zip(scores).enumerate() {
        if with_kw || i % 2 == 0 {
            println!("| {name} | {:.3} |", s / seeds as f64);
        }
    }
}
