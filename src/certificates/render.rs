//! Lays out a certificate with printpdf from a template in `certificate-templates/`
//! (one per premises kind): rectangles, text blocks and the QR code, positioned in
//! millimetres, with wording written as minijinja templates over the certificate's
//! fields. The layout is data; this file only knows how to draw it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use printpdf::{
    Color, FontEmbeddingMode, FontId, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFont,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
};
use qrcode::EcLevel;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
    /// The whole face: advance widths for the layout, and cut per document for
    /// the rare text outside `fixed`. One parse of each font file, shared by the
    /// templates that use it (a parsed DejaVu face holds about 1.3 MB).
    parsed: Arc<ParsedFont>,
    units_per_em: f32,
    fixed: FixedCut,
}

/// Characters every certificate may use without the face being cut for it:
/// letters, digits and the punctuation of names, addresses and dates; the
/// template's own text is added at load. Measured (BENCHMARKS.md): all of
/// printable ASCII and Latin-1 made a 70 KB file, over the 50 KB limit, and the
/// commonest accented letters on top of these cost about 3 KB a file, too
/// close to it with nine lines of conditions; text with any other character (accented
/// names) has its faces cut for the document, as before.
const FIXED_CHARS: &str = concat!(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    " '(),-./:&’•…–",
);

/// The face cut once, at load, to a fixed set of characters, with its font
/// program already compressed: a certificate whose text stays within the set
/// embeds this cut whole, so neither cutting nor compressing the face is done
/// per certificate (they were most of the time of making one, BENCHMARKS.md).
struct FixedCut {
    /// The cut face, as printpdf embeds it (named with a subset tag).
    parsed: ParsedFont,
    chars: BTreeSet<char>,
    /// Its font program, and the same FlateDecode-compressed.
    program: Vec<u8>,
    compressed: Vec<u8>,
}

impl FixedCut {
    fn new(face: &ParsedFont, template_text: &str) -> anyhow::Result<FixedCut> {
        let mut glyphs = BTreeMap::new();
        let mut chars = BTreeSet::new();
        let wanted = FIXED_CHARS.chars().chain(template_text.chars());
        for c in wanted {
            // A character the face lacks stays out of the set: such text takes
            // the per-document path, which handles it as before.
            if let Some(gid) = face.lookup_glyph_index(c as u32)
                && gid != 0
            {
                glyphs.insert(gid, c.to_string());
                chars.insert(c);
            }
        }
        let cut = printpdf::font::subset_font(face, &glyphs)
            .map_err(|e| anyhow::anyhow!("cannot cut the face: {e}"))?;
        let program = without_mac_names(&cut.bytes).unwrap_or(cut.bytes);
        let mut parsed = ParsedFont::from_bytes(&program, 0, &mut Vec::new())
            .ok_or_else(|| anyhow::anyhow!("the cut face does not parse"))?;
        // A subset's name carries a tag of six capitals (ISO 32000-1, 9.6.4).
        let name = parsed.font_name.clone().unwrap_or_default();
        let hash = Sha256::digest(format!("{name}{chars:?}"));
        let tag: String = hash[..6]
            .iter()
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        parsed.font_name = Some(format!("{tag}+{name}"));
        let compressed = deflate(&program, flate2::Compression::best())?;
        Ok(FixedCut {
            parsed,
            chars,
            program,
            compressed,
        })
    }

    /// The cut, to embed whole (printpdf would otherwise cut it again).
    fn pdf_font(&self) -> PdfFont {
        let mut font = PdfFont::new(self.parsed.clone());
        font.meta.embedding_mode = FontEmbeddingMode::Full;
        font.meta.requires_subsetting = false;
        font
    }
}

/// One kind's template, checked and with its fonts parsed, ready to draw.
pub struct Template {
    file: TemplateFile,
    fonts: BTreeMap<String, Font>,
    env: minijinja::Environment<'static>,
}

/// The font files parsed so far, by path.
type Faces = BTreeMap<std::path::PathBuf, Arc<ParsedFont>>;

/// The templates of both kinds.
pub struct Templates {
    building: Template,
    event: Template,
}

impl Templates {
    /// Loads `building.toml` and `event.toml`; a bad file stops start-up with an
    /// error naming it and the problem.
    pub fn load(dir: &Path) -> anyhow::Result<Templates> {
        let mut faces = Faces::new();
        let building = Template::load(
            &dir.join("building.toml"),
            PremisesKind::Building,
            &mut faces,
        )?;
        let event = Template::load(&dir.join("event.toml"), PremisesKind::Event, &mut faces)?;
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
    fn load(path: &Path, kind: PremisesKind, faces: &mut Faces) -> anyhow::Result<Template> {
        let name = path.display().to_string();
        let source = std::fs::read_to_string(path)
            .with_context(|| format!("certificate template {name}: cannot read it"))?;
        let file: TemplateFile = toml::from_str(&source)
            .map_err(|e| anyhow::anyhow!("certificate template {name}: {e}"))?;
        Template::check(file, path, kind, faces)
            .map_err(|e| anyhow::anyhow!("certificate template {name}: {e}"))
    }

    fn check(
        file: TemplateFile,
        path: &Path,
        kind: PremisesKind,
        faces: &mut Faces,
    ) -> anyhow::Result<Template> {
        if file.kind != kind {
            anyhow::bail!("kind is {:?} but this file is for {:?}", file.kind, kind);
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut fonts = BTreeMap::new();
        for (key, file_name) in &file.fonts {
            let font_path = dir.join(file_name);
            let parsed = match faces.get(&font_path) {
                Some(parsed) => parsed.clone(),
                None => {
                    let bytes = std::fs::read(&font_path)
                        .with_context(|| format!("font `{key}`: cannot read {file_name}"))?;
                    let parsed =
                        ParsedFont::from_bytes(&bytes, 0, &mut Vec::new()).ok_or_else(|| {
                            anyhow::anyhow!("font `{key}`: {file_name} is not a TrueType font")
                        })?;
                    let parsed = Arc::new(parsed);
                    faces.insert(font_path, parsed.clone());
                    parsed
                }
            };
            let units_per_em = f32::from(parsed.font_metrics.units_per_em.max(1));
            let template_text: String = file
                .text
                .iter()
                .filter(|t| &t.font == key)
                .flat_map(|t| [t.text.as_str(), t.overflow.as_deref().unwrap_or("")])
                .collect();
            let fixed = FixedCut::new(&parsed, &template_text)
                .with_context(|| format!("font `{key}`: {file_name}"))?;
            fonts.insert(
                key.clone(),
                Font {
                    parsed,
                    units_per_em,
                    fixed,
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
        self.render_with(fields, qr_payload, true)
    }

    /// `fixed_cuts`: whether a face may be embedded as its fixed cut (false
    /// cuts every face for the document, as all documents once were).
    fn render_with(
        &self,
        fields: &CertificateFields,
        qr_payload: &str,
        fixed_cuts: bool,
    ) -> anyhow::Result<lopdf::Document> {
        let blocks = self.text_blocks(fields)?;
        let mut doc = PdfDocument::new(&self.file.title);
        let mut cached = Vec::new();
        let font_ids: BTreeMap<&str, FontId> = self
            .fonts
            .iter()
            .map(|(key, f)| {
                let within = fixed_cuts
                    && self
                        .file
                        .text
                        .iter()
                        .zip(&blocks)
                        .filter(|(spec, _)| &spec.font == key)
                        .flat_map(|(_, lines)| lines.iter().flat_map(|l| l.chars()))
                        .all(|c| f.fixed.chars.contains(&c));
                let id = if within {
                    cached.push(&f.fixed);
                    let id = FontId::new();
                    doc.resources
                        .fonts
                        .map
                        .insert(id.clone(), f.fixed.pdf_font());
                    id
                } else {
                    doc.add_font(&f.parsed)
                };
                (key.as_str(), id)
            })
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
        for (spec, lines) in self.file.text.iter().zip(blocks) {
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
        compress_streams(&mut doc, &cached)?;
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
    // The page is compressed a little harder than the other streams: it is
    // most of a certificate's bytes that vary (BENCHMARKS.md).
    stream.set_content(deflate(
        &content,
        flate2::Compression::new(PAGE_COMPRESSION_LEVEL),
    )?);
    stream
        .dict
        .set("Filter", lopdf::Object::Name(b"FlateDecode".to_vec()));
    Ok(())
}

/// zlib level for the file's streams, chosen by measurement (BENCHMARKS.md):
/// zlib-rs's level 1 is its quick strategy, which left the file at 51.9 KB;
/// level 2 (the fast strategy) compresses like zlib's 1–2, and level 6 gains
/// only a few kilobytes more for about a millisecond of CPU per certificate.
const COMPRESSION_LEVEL: u32 = 2;
/// zlib level for the page's content stream: 6.8 KB instead of 7.6 KB at
/// level 2, for about a tenth of a millisecond.
const PAGE_COMPRESSION_LEVEL: u32 = 4;

/// Compresses every stream that is not yet filtered (page content, font files,
/// their character maps) with FlateDecode; the font program of a fixed cut
/// takes the bytes compressed at load.
fn compress_streams(doc: &mut lopdf::Document, cached: &[&FixedCut]) -> anyhow::Result<()> {
    for object in doc.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        if !stream.allows_compression || stream.dict.has(b"Filter") {
            continue;
        }
        if let Some(cut) = cached.iter().find(|c| c.program == stream.content) {
            stream
                .dict
                .set("Filter", lopdf::Object::Name(b"FlateDecode".to_vec()));
            stream.set_content(cut.compressed.clone());
            continue;
        }
        let compressed = deflate(&stream.content, flate2::Compression::new(COMPRESSION_LEVEL))?;
        if compressed.len() < stream.content.len() {
            stream
                .dict
                .set("Filter", lopdf::Object::Name(b"FlateDecode".to_vec()));
            stream.set_content(compressed);
        }
    }
    Ok(())
}

/// `font` (a TrueType program) with its `name` table's Macintosh records left
/// out: they repeat the Windows records (the copyright and the licence, a third
/// of a cut face) in another encoding, and readers use the Windows ones. `None`
/// when the font is not laid out as expected (it is then embedded unchanged).
fn without_mac_names(font: &[u8]) -> Option<Vec<u8>> {
    let u16_at =
        |b: &[u8], at: usize| Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?));
    let u32_at =
        |b: &[u8], at: usize| Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?));
    let count = usize::from(u16_at(font, 4)?);
    let mut tables = Vec::with_capacity(count);
    for i in 0..count {
        let entry = 12 + 16 * i;
        let tag: [u8; 4] = font.get(entry..entry + 4)?.try_into().ok()?;
        let offset = usize::try_from(u32_at(font, entry + 8)?).ok()?;
        let length = usize::try_from(u32_at(font, entry + 12)?).ok()?;
        tables.push((tag, font.get(offset..offset + length)?.to_vec()));
    }
    let name = &mut tables.iter_mut().find(|(tag, _)| tag == b"name")?.1;
    if u16_at(name, 0)? != 0 {
        return None;
    }
    let (records, strings) = (usize::from(u16_at(name, 2)?), usize::from(u16_at(name, 4)?));
    let mut kept = Vec::new();
    let mut text = Vec::new();
    for r in 0..records {
        let record = name.get(6 + 12 * r..18 + 12 * r)?;
        if u16_at(record, 0)? != 3 {
            continue;
        }
        let (length, offset) = (
            usize::from(u16_at(record, 8)?),
            usize::from(u16_at(record, 10)?),
        );
        let value = name.get(strings + offset..strings + offset + length)?;
        kept.extend_from_slice(&record[..8]);
        kept.extend_from_slice(&u16::try_from(length).ok()?.to_be_bytes());
        kept.extend_from_slice(&u16::try_from(text.len()).ok()?.to_be_bytes());
        text.extend_from_slice(value);
    }
    if kept.is_empty() {
        return None;
    }
    let n = kept.len() / 12;
    let mut table = Vec::with_capacity(6 + kept.len() + text.len());
    table.extend_from_slice(&0u16.to_be_bytes());
    table.extend_from_slice(&u16::try_from(n).ok()?.to_be_bytes());
    table.extend_from_slice(&u16::try_from(6 + 12 * n).ok()?.to_be_bytes());
    table.extend_from_slice(&kept);
    table.extend_from_slice(&text);
    *name = table;

    // Write the font again: same header and table order, offsets and
    // checksums recomputed, then the whole-font checksum in `head`.
    fn checksum(bytes: &[u8]) -> u32 {
        bytes.chunks(4).fold(0u32, |sum, c| {
            let mut word = [0u8; 4];
            word[..c.len()].copy_from_slice(c);
            sum.wrapping_add(u32::from_be_bytes(word))
        })
    }
    let mut out = font.get(..12 + 16 * count)?.to_vec();
    let mut head_at = None;
    for (i, (tag, data)) in tables.iter_mut().enumerate() {
        if tag == b"head" {
            data.get_mut(8..12)?.copy_from_slice(&[0; 4]);
            head_at = Some(out.len());
        }
        let entry = 12 + 16 * i;
        out[entry + 4..entry + 8].copy_from_slice(&checksum(data).to_be_bytes());
        let offset = u32::try_from(out.len()).ok()?;
        out[entry + 8..entry + 12].copy_from_slice(&offset.to_be_bytes());
        out[entry + 12..entry + 16].copy_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    let adjustment = 0xB1B0_AFBA_u32.wrapping_sub(checksum(&out));
    let head = head_at?;
    out[head + 8..head + 12].copy_from_slice(&adjustment.to_be_bytes());
    Some(out)
}

fn deflate(bytes: &[u8], level: flate2::Compression) -> anyhow::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::with_capacity(bytes.len() / 2), level);
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
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
    pub(crate) fn example() -> CertificateFields {
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

#[cfg(test)]
mod fixed_cut_tests {
    use super::*;

    fn templates() -> Templates {
        Templates::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/certificate-templates"
        )))
        .expect("templates load")
    }

    fn fields(name: &str) -> CertificateFields {
        CertificateFields {
            premises_name: name.into(),
            advisor_name: name.into(),
            ..CertificateFields::example()
        }
    }

    fn bytes(mut doc: lopdf::Document) -> Vec<u8> {
        let mut out = Vec::new();
        doc.save_to(&mut out).expect("save");
        out
    }

    /// The fonts a document embeds: (base font, whether it is a fixed cut).
    fn embedded(doc: &lopdf::Document, t: &Template) -> Vec<(String, bool)> {
        let programs: Vec<&[u8]> = t
            .fonts
            .values()
            .map(|f| f.fixed.compressed.as_slice())
            .collect();
        let mut fonts = Vec::new();
        for object in doc.objects.values() {
            let Ok(descriptor) = object.as_dict() else {
                continue;
            };
            let Ok(file) = descriptor.get(b"FontFile2").and_then(|f| f.as_reference()) else {
                continue;
            };
            let name = descriptor
                .get(b"FontName")
                .and_then(|n| n.as_name())
                .expect("name");
            let stream = doc
                .get_object(file)
                .and_then(|o| o.as_stream())
                .expect("program");
            fonts.push((
                String::from_utf8_lossy(name).into_owned(),
                programs.contains(&stream.content.as_slice()),
            ));
        }
        fonts.sort();
        fonts
    }

    fn tool(name: &str, args: &[&str]) -> Vec<u8> {
        let out = std::process::Command::new(name)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// The page at 100 dpi as PPM bytes, and its text.
    fn page_and_text(pdf: &[u8]) -> (Vec<u8>, String) {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("c.pdf");
        std::fs::write(&file, pdf).expect("write");
        let file = file.to_string_lossy().into_owned();
        let prefix = dir.path().join("page").to_string_lossy().into_owned();
        tool("pdftoppm", &["-r", "100", "-singlefile", &file, &prefix]);
        let page = std::fs::read(format!("{prefix}.ppm")).expect("page");
        let text = String::from_utf8(tool("pdftotext", &[&file, "-"])).expect("utf-8");
        (page, text)
    }

    #[test]
    fn the_fixed_cut_keeps_every_glyph_and_width_of_the_face() {
        let t = templates();
        for font in t.building.fonts.values() {
            let cut = &font.fixed;
            assert!(cut.chars.len() > 70, "{}", cut.chars.len());
            // The licence rides along once, in the Windows name records.
            let utf16: Vec<u8> = "Bitstream"
                .encode_utf16()
                .flat_map(u16::to_be_bytes)
                .collect();
            let has = |needle: &[u8]| cut.program.windows(needle.len()).any(|w| w == needle);
            assert!(has(&utf16) && !has(b"Bitstream"));
            assert!(cut.program.len() < 40_000, "{}", cut.program.len());
            for c in ['A', 'z', '0', '&', '’', '…', '•', '–'] {
                assert!(cut.chars.contains(&c), "{c}");
            }
            for &c in &cut.chars {
                let whole = font
                    .parsed
                    .lookup_glyph_index(c as u32)
                    .expect("in the face");
                let cut_gid = cut.parsed.lookup_glyph_index(c as u32).expect("in the cut");
                assert_eq!(
                    font.parsed.get_horizontal_advance(whole),
                    cut.parsed.get_horizontal_advance(cut_gid),
                    "{c}"
                );
            }
            let name = cut.parsed.font_name.as_deref().expect("name");
            assert!(name.len() > 7 && name.as_bytes()[6] == b'+', "{name}");
        }
    }

    #[test]
    fn ordinary_and_accented_names_use_the_fixed_cuts_and_draw_as_when_cut_per_document() {
        let t = templates();
        let template = t.for_kind(PremisesKind::Building);
        let url = "https://example.test/v/token";
        for name in ["Riverside Hall", "O’Brien & Daughters (Bristol) Ltd."] {
            let missing: BTreeSet<char> = template
                .text_blocks(&fields(name))
                .expect("blocks")
                .iter()
                .flatten()
                .flat_map(|l| l.chars())
                .filter(|c| !template.fonts["regular"].fixed.chars.contains(c))
                .collect();
            assert!(missing.is_empty(), "{missing:?}");
            let cached = template.render(&fields(name), url).expect("render");
            let fonts = embedded(&cached, template);
            assert_eq!(fonts.len(), 2, "{fonts:?}");
            assert!(fonts.iter().all(|(_, fixed)| *fixed), "{fonts:?}");
            let per_document = template
                .render_with(&fields(name), url, false)
                .expect("render");
            assert!(
                embedded(&per_document, template)
                    .iter()
                    .all(|(_, fixed)| !fixed)
            );
            let (page, text) = page_and_text(&bytes(cached));
            let (old_page, old_text) = page_and_text(&bytes(per_document));
            assert!(text.contains(name), "{text}");
            assert_eq!(text, old_text);
            assert!(page == old_page, "{name}: the page draws differently");
        }
    }

    #[test]
    fn a_name_outside_the_fixed_set_cuts_that_face_for_the_document() {
        let t = templates();
        let template = t.for_kind(PremisesKind::Building);
        // Accented letters, and Polish and Greek ones DejaVu has.
        for name in ["Zoë Ó Briain", "Łódź Świętokrzyska Αθήνα"] {
            let doc = template
                .render(&fields(name), "https://example.test/v/token")
                .expect("render");
            let fonts = embedded(&doc, template);
            assert_eq!(fonts.len(), 2, "{fonts:?}");
            // The name is set in both faces (bold heading, regular advisor line).
            assert!(fonts.iter().all(|(_, fixed)| !fixed), "{fonts:?}");
            let (_, text) = page_and_text(&bytes(doc));
            assert!(text.contains(name), "{text}");
            assert!(text.contains("Protective Security Certificate"), "{text}");
        }
        // Outside the set in one face only: that face is cut, the other is not.
        let mut one = fields("Riverside Hall");
        one.advisor_name = "Zoë Ó Briain".into();
        let doc = template
            .render(&one, "https://example.test/v/token")
            .expect("render");
        let fonts = embedded(&doc, template);
        assert_eq!(
            fonts.iter().filter(|(_, fixed)| *fixed).count(),
            1,
            "{fonts:?}"
        );
        let (_, text) = page_and_text(&bytes(doc));
        assert!(
            text.contains("Zoë Ó Briain") && text.contains("Riverside Hall"),
            "{text}"
        );
    }
}
