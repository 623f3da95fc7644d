//! Lays out a certificate with printpdf from a template in `certificate-templates/`
//! (one per premises kind): rectangles, text blocks and the QR code, positioned in
//! millimetres, with wording written as minijinja templates over the certificate's
//! fields. The layout is data; this file only knows how to draw it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use printpdf::{
    Color, FontId, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
};
use qrcode::EcLevel;
use serde::{Deserialize, Serialize};

use super::qr::Modules;
use crate::domain::tier::PremisesKind;

/// A template file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    kind: PremisesKind,
    title: String,
    width_mm: f32,
    height_mm: f32,
    fonts: BTreeMap<String, String>,
    #[serde(default)]
    rect: Vec<RectSpec>,
    #[serde(default)]
    text: Vec<TextSpec>,
    qr: QrSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RectSpec {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    colour: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TextSpec {
    x: f32,
    y: f32,
    /// Points.
    size: f32,
    font: String,
    colour: String,
    /// Wrap width in millimetres; no wrapping when absent.
    width: Option<f32>,
    /// Line spacing as a multiple of the size.
    #[serde(default = "default_line_height")]
    line_height: f32,
    /// Lines beyond this are cut: the last line kept becomes `overflow` (so that a
    /// reader knows there is more), or ends in "…" when there is none.
    max_lines: Option<usize>,
    overflow: Option<String>,
    text: String,
}

fn default_line_height() -> f32 {
    1.25
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QrSpec {
    x: f32,
    y: f32,
    size: f32,
}

/// The fields a template can use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertificateFields {
    pub scheme_name: String,
    pub public_url: String,
    pub number: String,
    pub premises_name: String,
    pub address: String,
    pub town: String,
    pub postcode: String,
    pub kind: String,
    pub tier: String,
    pub tier_label: String,
    pub outcome_label: String,
    pub issued: String,
    pub expires: String,
    pub event_start: String,
    pub event_end: String,
    pub advisor_name: String,
    pub accreditation_number: String,
    pub checklist_version: String,
    pub conditions: Vec<ConditionFields>,
    // Issue 13 part 9 (validity).
    /// "Lapses before then on a change of ...", or empty (older certificates).
    pub lapse_terms: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionFields {
    pub item_id: String,
    pub text: String,
    pub due: String,
}

struct Font {
    parsed: ParsedFont,
    units_per_em: f32,
}

/// One kind's template, checked and with its fonts parsed, ready to draw.
pub struct Template {
    file: TemplateFile,
    fonts: BTreeMap<String, Font>,
    env: minijinja::Environment<'static>,
}

/// The templates of both kinds.
pub struct Templates {
    building: Template,
    event: Template,
}

impl Templates {
    /// Loads `building.toml` and `event.toml`; a bad file stops start-up with an
    /// error naming it and the problem.
    pub fn load(dir: &Path) -> anyhow::Result<Templates> {
        let building = Template::load(&dir.join("building.toml"), PremisesKind::Building)?;
        let event = Template::load(&dir.join("event.toml"), PremisesKind::Event)?;
        Ok(Templates { building, event })
    }

    pub fn for_kind(&self, kind: PremisesKind) -> &Template {
        match kind {
            PremisesKind::Building => &self.building,
            PremisesKind::Event => &self.event,
        }
    }
}

impl Template {
    fn load(path: &Path, kind: PremisesKind) -> anyhow::Result<Template> {
        let name = path.display().to_string();
        let source = std::fs::read_to_string(path)
            .with_context(|| format!("certificate template {name}: cannot read it"))?;
        let file: TemplateFile = toml::from_str(&source)
            .map_err(|e| anyhow::anyhow!("certificate template {name}: {e}"))?;
        Template::check(file, path, kind)
            .map_err(|e| anyhow::anyhow!("certificate template {name}: {e}"))
    }

    fn check(file: TemplateFile, path: &Path, kind: PremisesKind) -> anyhow::Result<Template> {
        if file.kind != kind {
            anyhow::bail!("kind is {:?} but this file is for {:?}", file.kind, kind);
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut fonts = BTreeMap::new();
        for (key, file_name) in &file.fonts {
            let bytes = std::fs::read(dir.join(file_name))
                .with_context(|| format!("font `{key}`: cannot read {file_name}"))?;
            let parsed = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new()).ok_or_else(|| {
                anyhow::anyhow!("font `{key}`: {file_name} is not a TrueType font")
            })?;
            let units_per_em = f32::from(parsed.font_metrics.units_per_em.max(1));
            fonts.insert(
                key.clone(),
                Font {
                    parsed,
                    units_per_em,
                },
            );
        }
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        let on_page =
            |x: f32, y: f32| x >= 0.0 && y >= 0.0 && x <= file.width_mm && y <= file.height_mm;
        for (i, r) in file.rect.iter().enumerate() {
            parse_colour(&r.colour).with_context(|| format!("rect {}: colour", i + 1))?;
            if !on_page(r.x, r.y) || !on_page(r.x + r.width, r.y + r.height) {
                anyhow::bail!("rect {} lies outside the page", i + 1);
            }
        }
        for (i, t) in file.text.iter().enumerate() {
            let at = format!("text {}", i + 1);
            parse_colour(&t.colour).with_context(|| format!("{at}: colour"))?;
            if !fonts.contains_key(&t.font) {
                anyhow::bail!("{at}: font `{}` is not one of [fonts]", t.font);
            }
            if !on_page(t.x, t.y) || t.size <= 0.0 {
                anyhow::bail!("{at}: outside the page or no size");
            }
            env.add_template_owned(at.clone(), t.text.clone())
                .map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
        }
        if !on_page(file.qr.x, file.qr.y)
            || !on_page(file.qr.x + file.qr.size, file.qr.y + file.qr.size)
        {
            anyhow::bail!("the QR code lies outside the page");
        }
        let template = Template { file, fonts, env };
        // Every text block must render against a full set of fields.
        template.text_blocks(&CertificateFields::example())?;
        Ok(template)
    }

    /// Each text block's rendered lines, in template order.
    fn text_blocks(&self, fields: &CertificateFields) -> anyhow::Result<Vec<Vec<String>>> {
        self.file
            .text
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let name = format!("text {}", i + 1);
                let rendered = self
                    .env
                    .get_template(&name)
                    .and_then(|t| t.render(fields))
                    .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
                let font = &self.fonts[&spec.font];
                Ok(layout_lines(&rendered, spec, font))
            })
            .collect()
    }

    /// Draws the certificate; `qr_payload` is what the QR code encodes.
    pub fn render(
        &self,
        fields: &CertificateFields,
        qr_payload: &str,
    ) -> anyhow::Result<lopdf::Document> {
        let mut doc = PdfDocument::new(&self.file.title);
        let font_ids: BTreeMap<&str, FontId> = self
            .fonts
            .iter()
            .map(|(key, f)| (key.as_str(), doc.add_font(&f.parsed)))
            .collect();
        let mut ops = Vec::new();
        for r in &self.file.rect {
            ops.push(Op::SetFillColor {
                col: parse_colour(&r.colour)?,
            });
            ops.push(Op::DrawRectangle {
                rectangle: filled(r.x, r.y, r.width, r.height),
            });
        }
        for (spec, lines) in self.file.text.iter().zip(self.text_blocks(fields)?) {
            let colour = parse_colour(&spec.colour)?;
            let step = spec.size * spec.line_height;
            for (n, line) in lines.into_iter().enumerate() {
                ops.extend([
                    Op::StartTextSection,
                    Op::SetFont {
                        font: PdfFontHandle::External(font_ids[spec.font.as_str()].clone()),
                        size: Pt(spec.size),
                    },
                    Op::SetFillColor {
                        col: colour.clone(),
                    },
                    Op::SetTextCursor {
                        pos: Point {
                            x: Mm(spec.x).into(),
                            y: Pt(Pt::from(Mm(spec.y)).0 - step * n as f32),
                        },
                    },
                    Op::ShowText {
                        items: vec![TextItem::Text(line)],
                    },
                    Op::EndTextSection,
                ]);
            }
        }
        ops.extend(qr_background(&self.file.qr));
        let page = PdfPage::new(Mm(self.file.width_mm), Mm(self.file.height_mm), ops);
        doc.with_pages(vec![page]);
        let mut warnings = Vec::new();
        let mut doc = doc.to_lopdf_document(&PdfSaveOptions::default(), &mut warnings);
        append_qr(&mut doc, qr_payload, &self.file.qr)?;
        compress_streams(&mut doc)?;
        Ok(doc)
    }
}

fn filled(x: f32, y: f32, width: f32, height: f32) -> Rect {
    Rect {
        x: Mm(x).into(),
        y: Mm(y).into(),
        width: Mm(width).into(),
        height: Mm(height).into(),
        mode: Some(PaintMode::Fill),
        winding_order: None,
    }
}

/// The white square of the QR code, which includes the 4-module quiet zone
/// scanners need (the code itself is appended by `append_qr`).
fn qr_background(spec: &QrSpec) -> Vec<Op> {
    vec![
        Op::SetFillColor {
            col: rgb(1.0, 1.0, 1.0),
        },
        Op::DrawRectangle {
            rectangle: filled(spec.x, spec.y, spec.size, spec.size),
        },
    ]
}

/// Modules of quiet zone around the code.
const QR_QUIET: usize = 4;

/// Appends the QR code to the page's content stream: one black path of
/// rectangles in module units, scaled and placed by a `cm`, so the file carries
/// small integers instead of four formatted floats per run of modules.
fn append_qr(doc: &mut lopdf::Document, payload: &str, spec: &QrSpec) -> anyhow::Result<()> {
    let modules = Modules::encode(payload.as_bytes(), EcLevel::M)?;
    let module = Pt::from(Mm(spec.size)).0 / (modules.width + 2 * QR_QUIET) as f32;
    let (x, y) = (Pt::from(Mm(spec.x)).0, Pt::from(Mm(spec.y)).0);
    let mut ops = format!("q\n0 0 0 rg\n{module:.5} 0 0 {module:.5} {x:.4} {y:.4} cm\n");
    ops.push_str(&modules.path(QR_QUIET));
    ops.push_str("Q\n");
    let page = doc
        .page_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("the rendered document has no page"))?;
    let contents = doc.get_dictionary(page)?.get(b"Contents")?.as_reference()?;
    let stream = doc.get_object_mut(contents)?.as_stream_mut()?;
    let mut content = std::mem::take(&mut stream.content);
    if !content.ends_with(b"\n") {
        content.push(b'\n');
    }
    content.extend_from_slice(ops.as_bytes());
    stream.set_content(content);
    Ok(())
}

/// zlib level for the file's streams, chosen by measurement (BENCHMARKS.md):
/// zlib-rs's level 1 is its quick strategy, which left the file at 51.9 KB;
/// level 2 (the fast strategy) compresses like zlib's 1–2, and level 6 gains
/// only a few kilobytes more for about a millisecond of CPU per certificate.
const COMPRESSION_LEVEL: u32 = 2;

/// Compresses every stream that is not yet filtered (page content, font files,
/// their character maps) with FlateDecode.
fn compress_streams(doc: &mut lopdf::Document) -> anyhow::Result<()> {
    use std::io::Write as _;
    for object in doc.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        if !stream.allows_compression || stream.dict.has(b"Filter") {
            continue;
        }
        let mut encoder = flate2::write::ZlibEncoder::new(
            Vec::with_capacity(stream.content.len() / 2),
            flate2::Compression::new(COMPRESSION_LEVEL),
        );
        encoder.write_all(&stream.content)?;
        let compressed = encoder.finish()?;
        if compressed.len() < stream.content.len() {
            stream
                .dict
                .set("Filter", lopdf::Object::Name(b"FlateDecode".to_vec()));
            stream.set_content(compressed);
        }
    }
    Ok(())
}

/// Splits rendered text into lines: on newlines, then wrapped at word boundaries to
/// the block's width using the font's advance widths, then cut to `max_lines`.
fn layout_lines(rendered: &str, spec: &TextSpec, font: &Font) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in rendered.trim_end().lines() {
        match spec.width {
            Some(width_mm) => wrap(paragraph, width_mm, spec.size, font, &mut lines),
            None => lines.push(paragraph.to_string()),
        }
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    if let Some(max) = spec.max_lines
        && lines.len() > max
    {
        lines.truncate(max);
        match (&spec.overflow, lines.last_mut()) {
            (Some(overflow), Some(last)) => *last = overflow.clone(),
            (None, Some(last)) => last.push_str(" …"),
            _ => {}
        }
    }
    lines
}

fn wrap(paragraph: &str, width_mm: f32, size: f32, font: &Font, lines: &mut Vec<String>) {
    let max = Pt::from(Mm(width_mm)).0;
    let mut line = String::new();
    for word in paragraph.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && text_width(&candidate, size, font) > max {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    lines.push(line);
}

/// Width in points of `text` set at `size`.
fn text_width(text: &str, size: f32, font: &Font) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| {
            font.parsed
                .lookup_glyph_index(c as u32)
                .map(|g| u32::from(font.parsed.get_horizontal_advance(g)))
                .unwrap_or(0)
        })
        .sum();
    units as f32 * size / font.units_per_em
}

fn rgb(r: f32, g: f32, b: f32) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

/// `#rrggbb` to a colour.
fn parse_colour(hex: &str) -> anyhow::Result<Color> {
    let digits = hex
        .strip_prefix('#')
        .filter(|d| d.len() == 6)
        .ok_or_else(|| anyhow::anyhow!("`{hex}` is not #rrggbb"))?;
    let channel = |i: usize| -> anyhow::Result<f32> {
        Ok(f32::from(u8::from_str_radix(&digits[i..i + 2], 16)?) / 255.0)
    };
    Ok(rgb(channel(0)?, channel(2)?, channel(4)?))
}

impl CertificateFields {
    /// A full set of fields, to check templates at start.
    fn example() -> CertificateFields {
        CertificateFields {
            scheme_name: "Scheme".into(),
            public_url: "https://example.test".into(),
            number: "PSC-2026-000001-K".into(),
            premises_name: "Premises".into(),
            address: "1 Street".into(),
            town: "Town".into(),
            postcode: "AB1 2CD".into(),
            kind: "building".into(),
            tier: "standard".into(),
            tier_label: "Standard tier".into(),
            outcome_label: "Certified".into(),
            issued: "1 January 2026".into(),
            expires: "1 January 2027".into(),
            event_start: String::new(),
            event_end: String::new(),
            advisor_name: "Advisor".into(),
            accreditation_number: "PSA-1".into(),
            checklist_version: "1".into(),
            conditions: vec![ConditionFields {
                item_id: "gov-01".into(),
                text: "Condition".into(),
                due: "1 March 2026".into(),
            }],
            lapse_terms: "Lapses sooner on a change of responsible person, tier, layout or use."
                .into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templates() -> Templates {
        Templates::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/certificate-templates"
        )))
        .expect("templates load")
    }

    #[test]
    fn colours_parse_and_bad_ones_are_refused() {
        assert!(parse_colour("#1d3557").is_ok());
        assert!(parse_colour("1d3557").is_err());
        assert!(parse_colour("#12345").is_err());
        assert!(parse_colour("#zzzzzz").is_err());
    }

    #[test]
    fn long_text_wraps_within_the_width_and_is_cut_at_max_lines() {
        let t = templates();
        let template = t.for_kind(PremisesKind::Building);
        let font = &template.fonts["regular"];
        let spec = TextSpec {
            x: 0.0,
            y: 0.0,
            size: 10.0,
            font: "regular".into(),
            colour: "#000000".into(),
            width: Some(50.0),
            line_height: 1.2,
            max_lines: Some(3),
            overflow: None,
            text: String::new(),
        };
        let text = "word ".repeat(100);
        let lines = layout_lines(&text, &spec, font);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with('…'));
        let max = Pt::from(Mm(50.0)).0;
        assert!(lines[..2].iter().all(|l| text_width(l, 10.0, font) <= max));

        // With an overflow line, the reader is told where the rest is.
        let spec = TextSpec {
            overflow: Some("More conditions: see the register".into()),
            ..spec
        };
        let lines = layout_lines(&text, &spec, font);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2], "More conditions: see the register");
    }

    #[test]
    fn both_templates_render_a_page() {
        let t = templates();
        for kind in [PremisesKind::Building, PremisesKind::Event] {
            let doc = t
                .for_kind(kind)
                .render(&CertificateFields::example(), "https://example.test/v/x")
                .expect("render");
            assert_eq!(doc.get_pages().len(), 1);
        }
    }

    #[test]
    fn a_template_with_an_unknown_field_is_refused_at_load() {
        let dir = tempfile::tempdir().expect("dir");
        let src = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/certificate-templates"
        ));
        std::fs::create_dir_all(dir.path().join("fonts")).expect("fonts dir");
        for f in ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"] {
            std::fs::copy(src.join("fonts").join(f), dir.path().join("fonts").join(f))
                .expect("copy");
        }
        let building = std::fs::read_to_string(src.join("building.toml")).expect("read");
        std::fs::write(
            dir.path().join("building.toml"),
            building.replace("{{ number }}", "{{ nummber }}"),
        )
        .expect("write");
        std::fs::copy(src.join("event.toml"), dir.path().join("event.toml")).expect("copy");
        let err = Templates::load(dir.path())
            .err()
            .expect("refused")
            .to_string();
        assert!(err.contains("building.toml"), "{err}");
        assert!(
            err.contains("nummber") || err.contains("undefined"),
            "{err}"
        );
    }
}
