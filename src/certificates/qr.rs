//! The certificate's QR code: the module matrix (the `qrcode` crate's, with the
//! mask the QR standard's penalty rules pick: the best mask is what makes a code
//! scan easily from paper), drawn as one PDF path of rectangles in module units.

use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

/// A QR code's modules, row by row from the top; `true` is dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modules {
    pub width: usize,
    pub dark: Vec<bool>,
}

impl Modules {
    /// Encodes `payload` at error-correction level `ec` with the best mask.
    pub fn encode(payload: &[u8], ec: EcLevel) -> anyhow::Result<Modules> {
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
    fn a_payload_too_long_for_any_code_is_an_error() {
        assert!(Modules::encode(&vec![b'x'; 5000], EcLevel::M).is_err());
    }
}
