//! Synthetic scans for the tests and the benchmark: pages rendered by poppler's `pdftoppm`,
//! marked as a respondent would (crosses, checks, light pencil, blacked-out boxes, digits,
//! handwriting), then perturbed as a scanner would (rotation, scale, offset, a half turn,
//! Gaussian noise, JPEG). Written here, not taken from elsewhere; deterministic (SplitMix64).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use duluan_paper::{Answer, Bitmap, BoxKind, Layout, Rect};

/// A small deterministic random source (SplitMix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.f()
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn gauss(&mut self) -> f64 {
        let (u, v) = (self.f().max(1e-12), self.f());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// A grey page image.
#[derive(Clone)]
pub struct Img {
    pub w: usize,
    pub h: usize,
    pub px: Vec<u8>,
    /// Pixels per mm of the page as rendered.
    pub ppmm: f64,
}

impl Img {
    pub fn bitmap(&self) -> Bitmap {
        Bitmap::new(self.w as u32, self.h as u32, self.px.clone()).unwrap()
    }

    fn darken(&mut self, x: i64, y: i64, level: f64, cover: f64) {
        if x < 0 || y < 0 || x >= self.w as i64 || y >= self.h as i64 {
            return;
        }
        let i = y as usize * self.w + x as usize;
        let old = f64::from(self.px[i]);
        let new = old * (1.0 - cover) + level.min(old) * cover;
        self.px[i] = new.round().clamp(0.0, 255.0) as u8;
    }

    /// A stroke between two points in mm, `width` mm wide, of grey `level`, with soft edges.
    pub fn stroke(&mut self, a: (f64, f64), b: (f64, f64), width: f64, level: f64) {
        let s = self.ppmm;
        let (ax, ay, bx, by) = (a.0 * s, a.1 * s, b.0 * s, b.1 * s);
        let r = width * s / 2.0;
        let (x0, x1) = ((ax.min(bx) - r - 1.0) as i64, (ax.max(bx) + r + 1.0) as i64);
        let (y0, y1) = ((ay.min(by) - r - 1.0) as i64, (ay.max(by) + r + 1.0) as i64);
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = (dx * dx + dy * dy).max(1e-9);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
                let t = (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0);
                let d = (px - ax - t * dx).hypot(py - ay - t * dy);
                let cover = (r + 0.5 - d).clamp(0.0, 1.0);
                if cover > 0.0 {
                    self.darken(x, y, level, cover);
                }
            }
        }
    }

    /// A polyline.
    pub fn path(&mut self, pts: &[(f64, f64)], width: f64, level: f64) {
        for w in pts.windows(2) {
            self.stroke(w[0], w[1], width, level);
        }
    }
}

/// The ways a tick box is marked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mark {
    Cross,
    Check,
    Pencil,
    Slash,
    Filled,
}

/// Marks a tick box.
pub fn tick(img: &mut Img, r: &Rect, mark: Mark, rng: &mut Rng) {
    let j = |rng: &mut Rng| rng.range(-0.35, 0.35);
    let (x, y, w, h) = (r.x, r.y, r.w, r.h);
    let pen = rng.range(0.35, 0.55);
    let ink = rng.range(20.0, 110.0);
    match mark {
        Mark::Cross => {
            let o = rng.range(-0.3, 0.6);
            img.stroke(
                (x + o + j(rng), y + o + j(rng)),
                (x + w - o + j(rng), y + h - o + j(rng)),
                pen,
                ink,
            );
            img.stroke(
                (x + w - o + j(rng), y + o + j(rng)),
                (x + o + j(rng), y + h - o + j(rng)),
                pen,
                ink,
            );
        }
        Mark::Check => img.path(
            &[
                (x + 0.8 + j(rng), y + h * 0.5 + j(rng)),
                (x + w * 0.4 + j(rng), y + h - 0.7 + j(rng)),
                (x + w + 0.3 + j(rng), y - 0.6 + j(rng)),
            ],
            pen,
            ink,
        ),
        Mark::Pencil => {
            let lvl = rng.range(120.0, 150.0);
            img.path(
                &[
                    (x + 0.7 + j(rng), y + h * 0.45 + j(rng)),
                    (x + w * 0.4 + j(rng), y + h - 0.6 + j(rng)),
                    (x + w - 0.3 + j(rng), y + 0.3 + j(rng)),
                ],
                0.35,
                lvl,
            );
            img.stroke(
                (x + 0.8 + j(rng), y + 0.8 + j(rng)),
                (x + w - 0.8 + j(rng), y + h - 0.8 + j(rng)),
                0.35,
                lvl,
            );
        }
        Mark::Slash => img.stroke(
            (x + w - 0.3 + j(rng), y + 0.2 + j(rng)),
            (x + 0.3 + j(rng), y + h - 0.2 + j(rng)),
            pen.max(0.5),
            ink,
        ),
        Mark::Filled => {
            // Scribbled black: back-and-forth strokes covering the box.
            let mut yy = y - 0.1;
            while yy < y + h + 0.2 {
                img.stroke((x - 0.2, yy), (x + w + 0.2, yy + 0.3), 0.7, ink.min(60.0));
                yy += 0.3;
            }
        }
    }
}

/// Handwriting-like strokes in a digit box or a text area.
pub fn write(img: &mut Img, r: &Rect, rng: &mut Rng) {
    let (x, y, w, h) = (r.x, r.y, r.w, r.h);
    let ink = rng.range(20.0, 100.0);
    if w < 10.0 {
        // A digit: a loop and a tail.
        let cx = x + w / 2.0 + rng.range(-0.5, 0.5);
        let cy = y + h * 0.4;
        let pts: Vec<(f64, f64)> = (0..=12)
            .map(|k| {
                let a = k as f64 / 12.0 * std::f64::consts::TAU;
                (cx + 1.5 * a.cos(), cy + 1.8 * a.sin())
            })
            .collect();
        img.path(&pts, 0.45, ink);
        img.stroke((cx + 1.5, cy), (cx + 0.8, y + h - 1.2), 0.45, ink);
    } else {
        let mut xx = x + 3.0;
        let mut line = y + 5.0;
        while line < y + h - 2.0 && xx < x + w - 5.0 {
            let pts: Vec<(f64, f64)> = (0..8)
                .map(|k| {
                    (
                        xx + k as f64 * 0.9,
                        line - if k % 2 == 0 { 0.0 } else { 2.5 },
                    )
                })
                .collect();
            img.path(&pts, 0.4, ink);
            xx += 9.0 + rng.range(0.0, 4.0);
            if xx > x + w * 0.8 {
                xx = x + 3.0;
                line += 8.0;
            }
        }
    }
}

/// What was drawn in each box (by index on the page), and the expected answers.
#[derive(Debug, Default, Clone)]
pub struct Truth {
    pub marks: BTreeMap<usize, Mark>,
    pub written: Vec<usize>,
    /// (question, instance) → expected value (None: unanswered; Some("?"): to key).
    pub answers: BTreeMap<(String, Option<u32>), Option<String>>,
}

/// Fills in a page at random as a respondent would, and says what was done.
pub fn fill_in(img: &mut Img, layout: &Layout, page: usize, rng: &mut Rng, pencil: bool) -> Truth {
    let p = &layout.pages[page];
    let mut truth = Truth::default();
    for q in &layout.questions {
        if !q.pages.contains(&p.number) {
            continue;
        }
        let idx: Vec<usize> = (0..p.boxes.len())
            .filter(|&i| p.boxes[i].question == q.name && p.boxes[i].instance == q.instance)
            .collect();
        let key = (q.name.clone(), q.instance);
        let tick_mark = |rng: &mut Rng| match rng.below(if pencil { 4 } else { 3 }) {
            0 => Mark::Cross,
            1 => Mark::Check,
            2 => Mark::Slash,
            _ => Mark::Pencil,
        };
        match q.answer {
            Answer::SelectOne | Answer::SelectMultiple => {
                let roll = rng.f();
                let mut chosen: Vec<usize> = Vec::new();
                if roll < 0.08 {
                    // Left empty.
                } else if q.answer == Answer::SelectOne {
                    chosen.push(idx[rng.below(idx.len())]);
                } else {
                    for &i in &idx {
                        if rng.f() < 0.4 {
                            chosen.push(i);
                        }
                    }
                }
                // Sometimes a changed mind: one other box ticked, then blacked out.
                if !chosen.is_empty() && idx.len() > chosen.len() && rng.f() < 0.15 {
                    let others: Vec<usize> = idx
                        .iter()
                        .copied()
                        .filter(|i| !chosen.contains(i))
                        .collect();
                    let o = others[rng.below(others.len())];
                    tick(img, &p.boxes[o].rect, tick_mark(rng), rng);
                    tick(img, &p.boxes[o].rect, Mark::Filled, rng);
                    truth.marks.insert(o, Mark::Filled);
                }
                for &i in &chosen {
                    let m = tick_mark(rng);
                    tick(img, &p.boxes[i].rect, m, rng);
                    truth.marks.insert(i, m);
                }
                let value = (!chosen.is_empty()).then(|| {
                    chosen.sort();
                    chosen
                        .iter()
                        .map(|&i| p.boxes[i].choice.clone().unwrap())
                        .collect::<Vec<_>>()
                        .join(" ")
                });
                truth.answers.insert(key, value);
            }
            _ => {
                if rng.f() < 0.2 {
                    truth.answers.insert(key, None);
                    continue;
                }
                for &i in &idx {
                    let b = &p.boxes[i];
                    if b.kind != BoxKind::TextArea && rng.f() < 0.25 {
                        continue;
                    }
                    write(img, &b.rect, rng);
                    truth.written.push(i);
                }
                let any = idx.iter().any(|i| truth.written.contains(i));
                truth.answers.insert(key, any.then(|| "?".to_string()));
            }
        }
    }
    truth
}

/// A scanner's distortions.
#[derive(Debug, Clone, Copy)]
pub struct Distort {
    pub degrees: f64,
    pub scale: f64,
    pub dx: f64,
    pub dy: f64,
    pub half_turn: bool,
    pub noise: f64,
    /// Paper grey level (white is 255).
    pub paper: f64,
}

impl Distort {
    pub fn random(rng: &mut Rng) -> Distort {
        Distort {
            degrees: rng.range(-5.0, 5.0),
            scale: rng.range(0.97, 1.03),
            dx: rng.range(-4.0, 4.0),
            dy: rng.range(-4.0, 4.0),
            half_turn: rng.f() < 0.25,
            noise: rng.range(2.0, 14.0),
            paper: rng.range(225.0, 255.0),
        }
    }
}

/// The page as a scanner might give it: on a canvas 12 % larger, rotated, scaled, shifted
/// (mm), maybe upside down, the paper tinted, noise added.
pub fn distort(src: &Img, d: &Distort, rng: &mut Rng) -> Img {
    let (w, h) = (
        (src.w as f64 * 1.12) as usize,
        (src.h as f64 * 1.12) as usize,
    );
    let (cx, cy) = (src.w as f64 / 2.0, src.h as f64 / 2.0);
    let (dcx, dcy) = (w as f64 / 2.0, h as f64 / 2.0);
    let a = d.degrees.to_radians();
    let (c, s) = (a.cos(), a.sin());
    let tint = d.paper / 255.0;
    let mut px = vec![0u8; w * h];
    let get = |x: i64, y: i64| -> f64 {
        if x < 0 || y < 0 || x >= src.w as i64 || y >= src.h as i64 {
            255.0
        } else {
            f64::from(src.px[y as usize * src.w + x as usize])
        }
    };
    for y in 0..h {
        for x in 0..w {
            let (mut qx, mut qy) = (x as f64 + 0.5, y as f64 + 0.5);
            if d.half_turn {
                qx = w as f64 - qx;
                qy = h as f64 - qy;
            }
            // Inverse of: p = R·scale·(q − c) + c' + shift.
            let (rx, ry) = (qx - dcx - d.dx * src.ppmm, qy - dcy - d.dy * src.ppmm);
            let (ux, uy) = ((c * rx + s * ry) / d.scale, (-s * rx + c * ry) / d.scale);
            let (sx, sy) = (ux + cx - 0.5, uy + cy - 0.5);
            let (x0, y0) = (sx.floor(), sy.floor());
            let (ax, ay) = (sx - x0, sy - y0);
            let (x0, y0) = (x0 as i64, y0 as i64);
            let v = (get(x0, y0) * (1.0 - ax) + get(x0 + 1, y0) * ax) * (1.0 - ay)
                + (get(x0, y0 + 1) * (1.0 - ax) + get(x0 + 1, y0 + 1) * ax) * ay;
            let v = v * tint + d.noise * rng.gauss();
            px[y * w + x] = v.round().clamp(0.0, 255.0) as u8;
        }
    }
    Img {
        w,
        h,
        px,
        ppmm: src.ppmm * d.scale,
    }
}

/// JPEG bytes of a page at `quality`.
pub fn jpeg(img: &Img, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode(
            &img.px,
            img.w as u32,
            img.h as u32,
            image::ExtendedColorType::L8,
        )
        .unwrap();
    out
}

/// PNG bytes of a page.
pub fn png(img: &Img) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            &img.px,
            img.w as u32,
            img.h as u32,
            image::ExtendedColorType::L8,
        )
        .unwrap();
    out
}

/// The pages of a PDF rendered by poppler's `pdftoppm` in grey at `dpi`; `None` when
/// `pdftoppm` is not installed (CI sets `DULUAN_TEST_DOCS_TOOLS=1`: then it must be).
pub fn pdftoppm(pdf: &[u8], dpi: u32) -> Option<Vec<Img>> {
    if Command::new("pdftoppm").arg("-v").output().is_err() {
        assert!(
            std::env::var_os("DULUAN_TEST_DOCS_TOOLS").is_none(),
            "DULUAN_TEST_DOCS_TOOLS is set but pdftoppm (poppler-utils) is not installed"
        );
        return None;
    }
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir: PathBuf =
        std::env::temp_dir().join(format!("duluan-paper-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("in.pdf"), pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png"])
        .arg(dir.join("in.pdf"))
        .arg(dir.join("p"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    files.sort();
    let pages = files
        .iter()
        .map(|f| {
            let img = image::open(f).unwrap().into_luma8();
            let (w, h) = img.dimensions();
            Img {
                w: w as usize,
                h: h as usize,
                px: img.into_raw(),
                ppmm: f64::from(dpi) / 25.4,
            }
        })
        .collect();
    std::fs::remove_dir_all(&dir).ok();
    Some(pages)
}
