//! A QR code as a PNG file: black modules on white, 8 px a module, the 4-module quiet zone the
//! QR standard asks for (what a phone camera needs to read a SMART Health Link).

use crate::output::{CliError, CliResult, on_file};
use qrcode::{Color, EcLevel, QrCode};
use std::path::Path;

const SCALE: usize = 8;
const QUIET: usize = 4;

/// Write `text` as a QR code (error correction M) to the new file `path`.
pub fn write_png(text: &str, path: &Path) -> CliResult {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| CliError::Usage(format!("the link is too long for a QR code ({e})")))?;
    let w = code.width();
    let side = (w + 2 * QUIET) * SCALE;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            let (x, y) = (i % w + QUIET, i / w + QUIET);
            for dy in 0..SCALE {
                let row = (y * SCALE + dy) * side;
                pixels[row + x * SCALE..row + (x + 1) * SCALE].fill(0);
            }
        }
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(on_file(path, "write"))?;
    let side = u32::try_from(side).unwrap_or(u32::MAX);
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), side, side);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let io = |e: png::EncodingError| CliError::Usage(format!("{}: {e}", path.display()));
    let mut w = enc.write_header().map_err(io)?;
    w.write_image_data(&pixels).map_err(io)?;
    w.finish().map_err(io)?;
    Ok(())
}
