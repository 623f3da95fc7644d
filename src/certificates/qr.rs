//! The certificate's QR code: the module matrix (the `qrcode` crate's, with the
//! mask the QR standard's penalty rules pick: the best mask is what makes a code
//! scan easily from paper), drawn as one PDF path of rectangles in module units.
//!
//! The crate scores its eight masked candidates through a boxed closure per
//! module, which was a third of the time of making a certificate; the mask is
//! chosen here instead with the crate's own penalty rules on a plain grid (same
//! rules, same order, same tie-break, so the same mask: the tests compare it
//! with the crate's over many payloads).

use std::fmt::Write as _;

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel, QrCode, Version};

/// A QR code's modules, row by row from the top; `true` is dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modules {
    pub width: usize,
    pub dark: Vec<bool>,
}

impl Modules {
    /// Encodes `payload` at error-correction level `ec` with the best mask:
    /// what `QrCode::with_error_correction_level` draws, module for module.
    pub fn encode(payload: &[u8], ec: EcLevel) -> anyhow::Result<Modules> {
        let too_long = |e| anyhow::anyhow!("the QR payload does not fit a QR code: {e}");
        let bits = qrcode::bits::encode_auto(payload, ec).map_err(too_long)?;
        let version = bits.version();
        if matches!(version, Version::Micro(_)) {
            // Not reached for URLs (a Micro QR holds at most 35 characters).
            return Modules::encode_by_the_crate(payload, ec);
        }
        let (data, ecc) =
            qrcode::ec::construct_codewords(&bits.into_bytes(), version, ec).map_err(too_long)?;
        let mut canvas = Canvas::new(version, ec);
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&data, &ecc);
        let width = usize::try_from(version.width())?;
        let mut best: Option<(u32, Vec<bool>)> = None;
        for pattern in MASKS {
            let mut masked = canvas.clone();
            masked.apply_mask(pattern);
            let dark: Vec<bool> = masked
                .into_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect();
            let score = penalty(width, &dark);
            // The first of equal scores wins, as in the crate's `min_by_key`.
            if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
                best = Some((score, dark));
            }
        }
        let (_, dark) = best.ok_or_else(|| anyhow::anyhow!("no mask"))?;
        Ok(Modules { width, dark })
    }

    /// The crate's own drawing (its mask choice is the slow part).
    pub fn encode_by_the_crate(payload: &[u8], ec: EcLevel) -> anyhow::Result<Modules> {
        let code = QrCode::with_error_correction_level(payload, ec)
            .map_err(|e| anyhow::anyhow!("the QR payload does not fit a QR code: {e}"))?;
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok(Modules {
            width: code.width(),
            dark,
        })
    }

    fn at(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// The dark modules as one filled path of rectangles, one per run of dark
    /// modules in a row, in module units with the origin at the bottom left of
    /// a `quiet`-module margin (the caller's `cm` scales it onto the page).
    pub fn path(&self, quiet: usize) -> String {
        let mut out = String::with_capacity(self.dark.len() * 4);
        let top = self.width + quiet;
        for row in 0..self.width {
            let mut col = 0;
            while col < self.width {
                if !self.at(col, row) {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < self.width && self.at(col, row) {
                    col += 1;
                }
                // Rows count down from the top of the code; PDF y counts up.
                let _ = writeln!(
                    out,
                    "{} {} {} 1 re",
                    quiet + start,
                    top - row - 1,
                    col - start
                );
            }
        }
        out.push_str("f\n");
        out
    }
}

/// The eight masks of a QR code (not Micro), in the crate's order.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// The `qrcode` crate's penalty score of a masked code (`dark` row by row),
/// rule for rule: runs of five or more alike in a row or column (length − 2),
/// 3 for every 2×2 block alike, 40 for every dark-light-dark×3-light-dark
/// lookalike without four light modules on one side (less the 9 per direction
/// the three finder patterns make themselves), and the distance of the dark
/// share from half, in percent.
fn penalty(n: usize, dark: &[bool]) -> u32 {
    let mut line = vec![false; n];
    let mut score = 0;
    for i in 0..n {
        score += line_penalty(&dark[i * n..(i + 1) * n]);
        for (j, m) in line.iter_mut().enumerate() {
            *m = dark[j * n + i];
        }
        score += line_penalty(&line);
    }
    for y in 0..n - 1 {
        let (row, below) = (&dark[y * n..(y + 1) * n], &dark[(y + 1) * n..(y + 2) * n]);
        for x in 0..n - 1 {
            let m = row[x];
            if row[x + 1] == m && below[x] == m && below[x + 1] == m {
                score += 3;
            }
        }
    }
    let dark_count = dark.iter().filter(|d| **d).count();
    let ratio = dark_count * 200 / dark.len();
    // The finder patterns' own 2 × 9 lookalikes.
    (score + u32::try_from(ratio.abs_diff(100)).unwrap_or(u32::MAX)).saturating_sub(720)
}

/// Runs and finder lookalikes of one row or column.
fn line_penalty(line: &[bool]) -> u32 {
    const FINDER: [bool; 7] = [true, false, true, true, true, false, true];
    let n = line.len();
    let mut score = 0;
    let mut run = 1;
    for j in 1..=n {
        if j < n && line[j] == line[j - 1] {
            run += 1;
        } else {
            if run >= 5 {
                score += run - 2;
            }
            run = 1;
        }
    }
    let mut finders = 0;
    for j in 0..=n.saturating_sub(7) {
        if line[j..j + 7] != FINDER {
            continue;
        }
        let light_before = !line[j.saturating_sub(4)..j].contains(&true);
        let light_after = !line[j + 7..(j + 11).min(n)].contains(&true);
        if light_before || light_after {
            finders += 40;
        }
    }
    score + finders
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_has_one_rectangle_per_run_of_dark_modules() {
        let modules = Modules {
            width: 3,
            dark: vec![true, true, false, false, false, false, true, false, true],
        };
        assert_eq!(modules.path(4), "4 6 2 1 re\n4 4 1 1 re\n6 4 1 1 re\nf\n");
    }

    #[test]
    fn the_mask_is_the_one_the_crate_picks() {
        // Payloads like the certificate's (a URL and a JWS) at many lengths,
        // and some that are not: every one must draw the crate's code exactly.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
        for len in (1..500).step_by(7) {
            let mut payload = b"https://certificates.example.org/v/".to_vec();
            for _ in 0..len {
                payload.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            for ec in [EcLevel::M, EcLevel::L, EcLevel::H] {
                let ours = Modules::encode(&payload, ec).expect("encodes");
                let crates = Modules::encode_by_the_crate(&payload, ec).expect("encodes");
                assert_eq!(ours, crates, "payload of {} bytes at {ec:?}", payload.len());
            }
        }
        for payload in [
            &b"0123456789"[..],
            b"HELLO WORLD",
            &[0u8; 300],
            &[0xffu8; 90],
        ] {
            let ours = Modules::encode(payload, EcLevel::M).expect("encodes");
            assert_eq!(
                ours,
                Modules::encode_by_the_crate(payload, EcLevel::M).expect("encodes")
            );
        }
    }

    #[test]
    fn a_payload_too_long_for_any_code_is_an_error() {
        assert!(Modules::encode(&vec![b'x'; 5000], EcLevel::M).is_err());
    }
}
