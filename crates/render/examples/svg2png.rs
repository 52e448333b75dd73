//! Renders an SVG file to PNG: `cargo run -p duluan-render --example svg2png -- in.svg out.png [scale]`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, rest @ ..] = args.as_slice() else {
        return Err("usage: svg2png IN.svg OUT.png [SCALE]".into());
    };
    let scale = rest.first().map_or(Ok(2.0), |s| s.parse())?;
    let svg = std::fs::read_to_string(input)?;
    let started = std::time::Instant::now();
    let png = duluan_render::svg_to_png(&svg, scale)?;
    eprintln!("{} bytes in {:?}", png.len(), started.elapsed());
    std::fs::write(output, png)?;
    Ok(())
}
