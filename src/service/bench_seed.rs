//! `protectcert bench seed`: fills an empty database with a national-scale register
//! for load tests — organisations with operators, accredited advisors, premises over
//! real UK postcode districts, one completed application per certificate, yearly
//! renewals over the last years (older ones superseded or expired by date, a few
//! suspended or revoked), conditions, and some real signed PDFs — with batched
//! inserts ([`crate::db::bulk`]). Also writes sample files that load-test scripts
//! pick requests from.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use diesel::Connection;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Duration, OffsetDateTime};

use crate::auth::Role;
use crate::certificates::document::claims_of;
use crate::certificates::token::{self, TokenType};
use crate::checklists::StoredChecklist;
use crate::db::bulk::{self, AdvisorRow, ConditionRow};
use crate::db::models::{Application, Certificate, Organisation, Premises, Score, User};
use crate::db::sequences::{Change, audit};
use crate::db::{DbConnection, from_utc};
use crate::domain::application::{ApplicationStatus, certificate_expiry};
use crate::domain::certificate_number::CertificateNumber;
use crate::domain::scoring::{self, Outcome};
use crate::domain::status::{StoredStatus, verified_status};
use crate::domain::status_list::entries_for;
use crate::domain::synthetic;
use crate::domain::tier::{PremisesKind, Tier};
use crate::service::applications::views::StoredAssessment;
use crate::state::AppState;

/// The logins the seed makes (all with one password).
pub const ADMIN_EMAIL: &str = "admin@bench.test";
pub const POLICE_EMAIL: &str = "police@bench.test";
/// The first operator's and advisor's logins (`operator1@…`, `advisor1@…`).
pub const OPERATOR_EMAIL: &str = "operator1@org1.bench.test";
pub const ADVISOR_EMAIL: &str = "advisor1@advisors.bench.test";

/// The password of every seeded login unless `--password` says otherwise.
pub const DEFAULT_PASSWORD: &str = "bench seed password 1";

/// Certificates written per transaction.
const CHUNK: usize = 20_000;
/// Sample lines written for load tests (at most).
const SAMPLES: usize = 10_000;
/// How many years back the register reaches.
const YEARS: u32 = 6;

#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub certificates: usize,
    pub password: String,
    /// Certificates with a real signed PDF (default min(certificates, 2000)).
    pub pdfs: Option<usize>,
    pub sample_dir: PathBuf,
}

#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    pub organisations: usize,
    pub advisors: usize,
    pub premises: usize,
    pub certificates: usize,
    pub conditions: usize,
    pub pdfs: usize,
    pub by_status: Vec<(String, usize)>,
    pub seconds: f64,
    pub sample_dir: PathBuf,
}

/// One sampled certificate, for the sample files.
struct Sample {
    cert: Certificate,
    district: String,
}

/// Fills the (empty) register behind `state`. Refuses one that holds any
/// organisation or certificate.
pub async fn seed(state: &AppState, options: SeedOptions) -> anyhow::Result<SeedReport> {
    let state = state.clone();
    actix_web::web::block(move || seed_blocking(&state, &options)).await?
}

fn seed_blocking(state: &AppState, options: &SeedOptions) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    let mut conn = state.db.get()?;
    let (orgs, certs) = bulk::register_size(&mut conn)?;
    if orgs > 0 || certs > 0 {
        anyhow::bail!(
            "the database already holds a register ({orgs} organisation(s), {certs} certificate(s)); \
             `bench seed` fills only an empty database"
        );
    }
    crate::auth::password::check_policy(&options.password)
        .map_err(|why| anyhow::anyhow!("--password: {why}"))?;
    let n = options.certificates;
    anyhow::ensure!(n > 0, "--certificates must be at least 1");
    let pdfs = options.pdfs.unwrap_or(n.min(2000)).min(n);
    let building = state
        .checklists
        .latest(PremisesKind::Building)
        .ok_or_else(|| anyhow::anyhow!("no building checklist is published"))?;
    let event = state
        .checklists
        .latest(PremisesKind::Event)
        .ok_or_else(|| anyhow::anyhow!("no event checklist is published"))?;
    let mut rng = StdRng::from_entropy();
    let now = OffsetDateTime::now_utc();
    let hash = crate::auth::password::hash(&options.password)?;
    let mut report = SeedReport {
        sample_dir: options.sample_dir.clone(),
        ..SeedReport::default()
    };

    // People: an admin, a police officer, advisors, organisations and their operators.
    let people = People::make(&mut rng, n, &hash, now);
    conn.transaction(|tx| -> anyhow::Result<()> {
        bulk::insert_organisations(tx, &people.organisations)?;
        bulk::insert_users(tx, &people.users)?;
        bulk::insert_advisors(tx, &people.advisors)?;
        Ok(())
    })?;
    report.organisations = people.organisations.len();
    report.advisors = people.advisors.len();
    println!(
        "{} organisations with their operators, {} advisors, an admin and a police officer ({:.1} s)",
        people.organisations.len(),
        people.advisors.len(),
        started.elapsed().as_secs_f64()
    );

    // Status-list indexes: random and unique in a list sized for the whole register.
    let entries = entries_for(n as u64);
    let mut taken_indexes: HashSet<u32> = HashSet::with_capacity(n);
    let mut numbers: HashSet<String> = HashSet::with_capacity(n);
    let mut made = 0usize;
    let mut statuses: HashMap<&'static str, usize> = HashMap::new();
    let mut samples: Vec<Sample> = Vec::new();
    let mut with_pdf: Vec<(Certificate, Premises)> = Vec::new();
    let mut batch = Batch::default();
    while made < n {
        let kind = if rng.gen_bool(0.15) {
            PremisesKind::Event
        } else {
            PremisesKind::Building
        };
        let checklist = match kind {
            PremisesKind::Event => &event,
            PremisesKind::Building => &building,
        };
        let org = rng.gen_range(0..people.organisations.len());
        let (prem, district, issues) = premises(&mut rng, checklist, &people, org, now);
        let issues: Vec<OffsetDateTime> = issues.into_iter().take(n - made).collect();
        let tier = tier_of(checklist, prem.capacity);
        let mut chain: Vec<Certificate> = Vec::new();
        for issued_at in &issues {
            let cert_no = made + chain.len();
            let wants_pdf = stride_hit(cert_no, pdfs, n);
            let (app, cert, conditions, scores) = certificate(
                &mut rng,
                checklist,
                &prem,
                tier,
                &people,
                &people.operators[org],
                *issued_at,
                wants_pdf,
                (&mut numbers, &mut taken_indexes, entries),
            )?;
            batch.applications.push(app);
            batch.scores.extend(scores);
            batch.conditions.extend(conditions);
            chain.push(cert);
        }
        // Renewals supersede; the newest stays active (expiring by date), or now and
        // then was suspended or revoked while current.
        for i in 0..chain.len() {
            if i + 1 < chain.len() {
                let (next_number, next_at) = (chain[i + 1].number.clone(), chain[i + 1].issued_at);
                let c = &mut chain[i];
                c.status = StoredStatus::Superseded;
                c.superseded_by = Some(next_number);
                c.updated_at = next_at;
            } else if from_utc(now) < chain[i].expires_at {
                let status = synthetic::latest_status(&mut rng);
                let c = &mut chain[i];
                c.status = status;
                c.status_reason = match status {
                    StoredStatus::Suspended => {
                        Some("Suspended pending reassessment after an incident".to_string())
                    }
                    StoredStatus::Revoked => {
                        Some("Revoked: measures found not in place on inspection".to_string())
                    }
                    _ => None,
                };
            }
        }
        for c in chain {
            let cert_no = made;
            made += 1;
            let seen = verified_status(c.status, crate::db::to_utc(c.expires_at), now);
            *statuses.entry(seen.as_str()).or_default() += 1;
            if stride_hit(cert_no, SAMPLES.min(n), n) {
                samples.push(Sample {
                    cert: c.clone(),
                    district: district.clone(),
                });
            }
            if stride_hit(cert_no, pdfs, n) {
                with_pdf.push((c.clone(), prem.clone()));
            }
            batch.certificates.push(c);
        }
        batch.premises.push(prem);
        if batch.certificates.len() >= CHUNK || made >= n {
            report.conditions += batch.conditions.len();
            batch.write(&mut conn)?;
            println!(
                "{made}/{n} certificates written ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
        report.premises += 1;
    }
    report.certificates = made;

    // Real signed PDFs, made and stored as issuance makes them.
    let t = Instant::now();
    for (i, chunk) in with_pdf.chunks(100).enumerate() {
        conn.transaction(|tx| -> anyhow::Result<()> {
            for (cert, prem) in chunk {
                let version = if cert.kind == PremisesKind::Event {
                    event.checklist.version
                } else {
                    building.checklist.version
                };
                state.documents.issue(tx, cert, prem, version)?;
            }
            Ok(())
        })?;
        report.pdfs += chunk.len();
        if (i + 1) % 5 == 0 || report.pdfs == with_pdf.len() {
            println!(
                "{}/{} signed PDFs made ({:.1} s)",
                report.pdfs,
                with_pdf.len(),
                t.elapsed().as_secs_f64()
            );
        }
    }

    diesel::RunQueryDsl::execute(diesel::sql_query("ANALYZE"), &mut *conn)?;
    write_samples(
        &mut conn,
        &options.sample_dir,
        &samples,
        &with_pdf,
        state.settings.public_url(),
    )?;
    let mut by_status: Vec<(String, usize)> = statuses
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    by_status.sort();
    report.by_status = by_status;
    report.seconds = started.elapsed().as_secs_f64();
    conn.transaction(|tx| -> anyhow::Result<()> {
        audit(
            tx,
            None,
            Change::new("register.seeded", "register", "bench").after(serde_json::json!({
                "organisations": report.organisations,
                "premises": report.premises,
                "certificates": report.certificates,
                "pdfs": report.pdfs,
            })),
        )?;
        Ok(())
    })?;
    Ok(report)
}

/// Whether item `i` of `total` is one of `wanted` spread evenly over them.
fn stride_hit(i: usize, wanted: usize, total: usize) -> bool {
    let (i, wanted, total) = (i as u128, wanted as u128, total.max(1) as u128);
    (i + 1) * wanted / total != i * wanted / total
}

fn tier_of(checklist: &StoredChecklist, capacity: i32) -> Tier {
    if i64::from(capacity) >= i64::from(checklist.checklist.tiers.enhanced_min) {
        Tier::Enhanced
    } else {
        Tier::Standard
    }
}

fn uuid_from<R: Rng>(rng: &mut R) -> String {
    uuid::Builder::from_random_bytes(rng.r#gen())
        .into_uuid()
        .to_string()
}

struct People {
    organisations: Vec<Organisation>,
    /// One operator per organisation, in the same order.
    operators: Vec<String>,
    users: Vec<User>,
    advisors: Vec<AdvisorRow>,
    /// (user id, name, accreditation number, whether events are in scope).
    advisor_names: Vec<(String, String, String, bool)>,
    /// Those of them with events in scope.
    event_advisors: Vec<(String, String, String, bool)>,
}

impl People {
    fn make<R: Rng>(rng: &mut R, n: usize, hash: &str, now: OffsetDateTime) -> People {
        let created = from_utc(now - Duration::days(i64::from(YEARS) * 365 + 30));
        let user =
            |id: String, org: Option<String>, role: Role, name: String, email: String| User {
                id,
                organisation_id: org,
                role,
                name,
                email,
                password_hash: hash.to_string(),
                created_at: created,
                session_version: 0,
                active: true,
            };
        let mut users = vec![
            user(
                uuid_from(rng),
                None,
                Role::Admin,
                "Bench Admin".into(),
                ADMIN_EMAIL.into(),
            ),
            user(
                uuid_from(rng),
                None,
                Role::Police,
                "PC Bench Officer".into(),
                POLICE_EMAIL.into(),
            ),
        ];
        let orgs = (n / 20).max(1);
        let mut organisations = Vec::with_capacity(orgs);
        let mut operators = Vec::with_capacity(orgs);
        for i in 1..=orgs {
            let (_, _, town) = synthetic::postcode(rng);
            let org = Organisation {
                id: uuid_from(rng),
                name: synthetic::organisation_name(rng, town),
                created_at: created,
            };
            let id = uuid_from(rng);
            users.push(user(
                id.clone(),
                Some(org.id.clone()),
                Role::Operator,
                synthetic::person_name(rng),
                format!("operator{i}@org{i}.bench.test"),
            ));
            operators.push(id);
            organisations.push(org);
        }
        let count = (n / 2500).clamp(3, 400);
        let mut advisors = Vec::with_capacity(count);
        let mut advisor_names = Vec::with_capacity(count);
        for i in 1..=count {
            let id = uuid_from(rng);
            let name = synthetic::person_name(rng);
            let number = format!("PSA-{i:05}");
            // Most advisors assess both kinds; some buildings only (never the first,
            // so every kind has an advisor).
            let events = i <= 2 || rng.gen_bool(0.8);
            users.push(user(
                id.clone(),
                None,
                Role::Advisor,
                name.clone(),
                format!("advisor{i}@advisors.bench.test"),
            ));
            advisors.push(AdvisorRow {
                user_id: id.clone(),
                accreditation_number: number.clone(),
                accredited_until: (now + Duration::days(rng.gen_range(200..1100))).date(),
                scopes: if events { "building,event" } else { "building" }.to_string(),
                created_at: created,
            });
            advisor_names.push((id, name, number, events));
        }
        let event_advisors = advisor_names.iter().filter(|a| a.3).cloned().collect();
        People {
            event_advisors,
            organisations,
            operators,
            users,
            advisors,
            advisor_names,
        }
    }
}

/// A premises of organisation `org`, its outward district and when its
/// certificates were issued.
fn premises<R: Rng>(
    rng: &mut R,
    checklist: &StoredChecklist,
    people: &People,
    org: usize,
    now: OffsetDateTime,
) -> (Premises, String, Vec<OffsetDateTime>) {
    let kind = checklist.checklist.kind;
    let tiers = &checklist.checklist.tiers;
    let tier = if rng.gen_bool(0.25) {
        Tier::Enhanced
    } else {
        Tier::Standard
    };
    let capacity = synthetic::capacity_for(rng, tier, tiers.standard_min, tiers.enhanced_min);
    let (postcode, district, town) = synthetic::postcode(rng);
    let (name, place_of_worship) = synthetic::premises_name(rng, kind, town);
    let (event_start, event_end, issues) = match kind {
        PremisesKind::Event => {
            let (start, end, issued) = synthetic::event_dates(rng, now, YEARS);
            (Some(from_utc(start)), Some(from_utc(end)), vec![issued])
        }
        PremisesKind::Building => (None, None, synthetic::building_history(rng, now, YEARS)),
    };
    let created = from_utc(issues[0] - Duration::days(rng.gen_range(40..120)));
    let dsi = tier == Tier::Enhanced || rng.gen_bool(0.2);
    let prem = Premises {
        id: uuid_from(rng),
        organisation_id: people.organisations[org].id.clone(),
        kind,
        name,
        address: synthetic::address(rng),
        town: town.to_string(),
        postcode,
        capacity,
        place_of_worship,
        event_start,
        event_end,
        dsi_name: dsi.then(|| synthetic::person_name(rng)),
        dsi_email: dsi.then(|| {
            format!(
                "dsi{}@org{}.bench.test",
                rng.gen_range(1..1_000_000),
                org + 1
            )
        }),
        created_at: created,
        updated_at: created,
        // Issue 13 part 7 (scope): not stated, as for premises registered before.
        responsible_person: crate::domain::qualifying::ResponsiblePerson::Organisation,
        schedule1_use: None,
        schedule2_exclusion: crate::domain::qualifying::Schedule2Exclusion::None,
    };
    (prem, district, issues)
}

/// One completed application and the certificate it issued (status set by the
/// caller), its conditions, and (`with_scores`) its per-item scores.
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn certificate<R: Rng + rand::CryptoRng>(
    rng: &mut R,
    checklist: &StoredChecklist,
    prem: &Premises,
    tier: Tier,
    people: &People,
    operator: &str,
    issued_at: OffsetDateTime,
    with_scores: bool,
    (numbers, indexes, entries): (&mut HashSet<String>, &mut HashSet<u32>, u32),
) -> anyhow::Result<(Application, Certificate, Vec<ConditionRow>, Vec<Score>)> {
    let kind = prem.kind;
    let eligible = match kind {
        PremisesKind::Building => &people.advisor_names,
        PremisesKind::Event => &people.event_advisors,
    };
    let (advisor_id, advisor_name, accreditation, _) = &eligible[rng.gen_range(0..eligible.len())];
    let conditional = rng.gen_bool(0.2);
    let scores = synthetic::certifying_scores(rng, &checklist.checklist, tier, conditional);
    // Generated registers have evidence on every item.
    let case = scoring::Case::fully_evidenced(&checklist.checklist, tier);
    let assessment = scoring::assess_until(
        &checklist.checklist,
        &case,
        &scores,
        issued_at,
        crate::service::applications::assessment::event_window(prem),
    )
    .map_err(|e| anyhow::anyhow!("generated scores do not assess: {e}"))?;
    anyhow::ensure!(
        assessment.outcome != Outcome::Refused,
        "generated scores were refused"
    );
    let conditions = if assessment.outcome == Outcome::CertifiedWithConditions {
        assessment.conditions.clone()
    } else {
        Vec::new()
    };
    let stored = serde_json::to_string(&StoredAssessment {
        result: assessment.result,
        conditions: conditions.clone(),
    })?;
    let created = issued_at - Duration::days(rng.gen_range(25..60));
    let submitted = created + Duration::days(rng.gen_range(3..15));
    let assigned = submitted + Duration::days(rng.gen_range(1..5));
    let app = Application {
        id: uuid_from(rng),
        premises_id: prem.id.clone(),
        organisation_id: prem.organisation_id.clone(),
        checklist_id: checklist.id.clone(),
        tier,
        status: ApplicationStatus::Completed,
        advisor_id: Some(advisor_id.clone()),
        outcome: Some(assessment.outcome),
        result: Some(stored),
        created_by: operator.to_string(),
        created_at: from_utc(created),
        submitted_at: Some(from_utc(submitted)),
        assigned_at: Some(from_utc(assigned)),
        completed_at: Some(from_utc(issued_at)),
        updated_at: from_utc(issued_at),
    };
    let number = loop {
        let candidate = CertificateNumber::random(issued_at.year(), rng).to_string();
        if numbers.insert(candidate.clone()) {
            break candidate;
        }
    };
    let status_index = loop {
        let candidate = crate::domain::status_list::random_index(entries, rng);
        if indexes.insert(candidate) {
            break candidate;
        }
    };
    let expires_at = certificate_expiry(
        issued_at,
        checklist.checklist.scoring.validity_months,
        prem.event_end.map(crate::db::to_utc),
    );
    let issued = from_utc(issued_at);
    let cert = Certificate {
        id: uuid_from(rng),
        number,
        application_id: app.id.clone(),
        premises_id: prem.id.clone(),
        organisation_id: prem.organisation_id.clone(),
        kind,
        tier,
        premises_name: prem.name.clone(),
        address: prem.address.clone(),
        town: prem.town.clone(),
        postcode: prem.postcode.clone(),
        advisor_id: advisor_id.clone(),
        advisor_name: advisor_name.clone(),
        accreditation_number: accreditation.clone(),
        checklist_id: checklist.id.clone(),
        outcome: assessment.outcome,
        conditions: serde_json::to_string(&conditions)?,
        issued_at: issued,
        expires_at: from_utc(expires_at),
        status: StoredStatus::Active,
        status_reason: None,
        superseded_by: None,
        updated_at: issued,
        status_index: Some(i32::try_from(status_index)?),
        accreditation_status_at_issue: Some("active".to_string()),
        postcode_key: crate::domain::search_keys::postcode_key(&prem.postcode),
        district: crate::domain::search_keys::district(&prem.postcode),
    };
    let condition_rows = conditions
        .iter()
        .map(|c| ConditionRow {
            id: uuid_from(rng),
            certificate_id: cert.id.clone(),
            item_id: c.item_id.clone(),
            text: c.text.clone(),
            due_at: from_utc(c.due_at),
            raised_by: advisor_id.clone(),
            created_at: issued,
            event_id: uuid_from(rng),
        })
        .collect();
    let score_rows = if with_scores {
        let mut rows: Vec<Score> = scores
            .iter()
            .map(|(item, score)| Score {
                application_id: app.id.clone(),
                item_id: item.clone(),
                score: score.map(i32::from),
                note: String::new(),
                updated_at: issued,
            })
            .collect();
        rows.sort_by(|a, b| a.item_id.cmp(&b.item_id));
        rows
    } else {
        Vec::new()
    };
    Ok((app, cert, condition_rows, score_rows))
}

#[derive(Default)]
struct Batch {
    premises: Vec<Premises>,
    applications: Vec<Application>,
    scores: Vec<Score>,
    certificates: Vec<Certificate>,
    conditions: Vec<ConditionRow>,
}

impl Batch {
    fn write(&mut self, conn: &mut DbConnection) -> anyhow::Result<()> {
        conn.transaction(|tx| -> anyhow::Result<()> {
            bulk::insert_premises(tx, &self.premises)?;
            bulk::insert_applications(tx, &self.applications)?;
            bulk::insert_scores(tx, &self.scores)?;
            bulk::insert_certificates(tx, &self.certificates)?;
            bulk::insert_conditions(tx, &self.conditions)?;
            Ok(())
        })?;
        *self = Batch::default();
        Ok(())
    }
}

fn write_lines(dir: &Path, name: &str, lines: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let path = dir.join(name);
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(&path)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
    );
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

/// The sample files: `numbers.txt`, `expected.tsv` (number, status now),
/// `tokens.txt` (QR tokens signed as issuance signs them), `postcodes.txt`,
/// `districts.txt`, `names.txt` (words of premises names), `name-pairs.txt` (two
/// words, of one name or of two), `pdf-numbers.txt`.
fn write_samples(
    conn: &mut DbConnection,
    dir: &Path,
    samples: &[Sample],
    with_pdf: &[(Certificate, Premises)],
    public_url: &str,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot make {}: {e}", dir.display()))?;
    let now = OffsetDateTime::now_utc();
    write_lines(
        dir,
        "numbers.txt",
        samples.iter().map(|s| s.cert.number.clone()),
    )?;
    write_lines(
        dir,
        "expected.tsv",
        samples.iter().map(|s| {
            let status = verified_status(s.cert.status, crate::db::to_utc(s.cert.expires_at), now);
            format!("{}\t{}", s.cert.number, status.as_str())
        }),
    )?;
    let mut tokens = Vec::with_capacity(samples.len());
    for s in samples {
        tokens.push(token::sign(
            conn,
            TokenType::Certificate,
            &claims_of(&s.cert, public_url),
        )?);
    }
    write_lines(dir, "tokens.txt", tokens.into_iter())?;
    write_lines(
        dir,
        "postcodes.txt",
        samples.iter().map(|s| s.cert.postcode.clone()),
    )?;
    write_lines(
        dir,
        "districts.txt",
        samples.iter().map(|s| s.district.clone()),
    )?;
    let words_of = |s: &Sample| -> Vec<String> {
        s.cert
            .premises_name
            .split(' ')
            .filter(|w| w.len() >= 4 && w.chars().all(|c| c.is_ascii_alphabetic()))
            .map(str::to_string)
            .collect()
    };
    let longest = |s: &Sample| words_of(s).into_iter().max_by_key(|w| w.len());
    write_lines(dir, "names.txt", samples.iter().filter_map(longest))?;
    // Two words: by turns two of one name (found together) and the longest words
    // of two names (seldom together: the search must still end quickly).
    write_lines(
        dir,
        "name-pairs.txt",
        samples.iter().enumerate().filter_map(|(i, s)| {
            let own = words_of(s);
            if i % 2 == 0 && own.len() >= 2 {
                return Some(format!("{} {}", own[0], own[own.len() - 1]));
            }
            let next = &samples[(i + 1) % samples.len()];
            Some(format!("{} {}", longest(s)?, longest(next)?))
        }),
    )?;
    write_lines(
        dir,
        "pdf-numbers.txt",
        with_pdf.iter().map(|(c, _)| c.number.clone()),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::stride_hit;

    #[test]
    fn a_stride_picks_exactly_the_number_wanted() {
        for (wanted, total) in [(0, 10), (3, 10), (10, 10), (2000, 1_000_003), (7, 7)] {
            let hits = (0..total).filter(|&i| stride_hit(i, wanted, total)).count();
            assert_eq!(hits, wanted, "{wanted} of {total}");
        }
    }
}
