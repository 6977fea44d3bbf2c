//! Treatments and quantities recognised from a request's wording.
//!
//! `treatment_for` maps a request ("MRI of the right shoulder", "Norco 10/325mg #60",
//! "Chiropractic care to the low back two times a week for four weeks") to a treatment id
//! of notes/IDS.md by an ordered list of patterns: procedures and tests first, then
//! named medications by class, then supplies, then anything that reads like a
//! prescription. The order settles overlaps ("Capsaicin patch" with acupuncture is
//! acupuncture; "Diazepam ... before exam" is a benzodiazepine, not an office visit).
//!
//! `parse_quantity` reads the visits, sessions or units requested and a weekly frequency.

use regex::Regex;
use std::sync::LazyLock;

/// Treatment ids that are medications: their "#60" counts pills, not visits.
const MEDICATIONS: &[&str] = &[
    "opioids",
    "nsaids",
    "muscle-relaxants",
    "topical-analgesics",
    "compound-drugs",
    "anticonvulsants",
    "antidepressants",
    "benzodiazepines",
    "proton-pump-inhibitors",
    "sleep-aids",
    "other-medication",
];

static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let table: &[(&str, &'static str)] = &[
        // Around surgery.
        (
            r"(?:post[- ]?op(?:erative)?|post[- ]?surgical|associated surgical service\s*:).{0,40}?(?:physical|occupational|hand)\s+therap|post[- ]?op(?:erative)?\s+(?:PT|OT)\b",
            "postsurgical-physical-therapy",
        ),
        (
            r"assistant\s+surgeon|surgical\s+assist|\bPA[- ]assist|assistant\s+PA\b|co-?surgeon|\bRNFA\b",
            "surgical-assistant",
        ),
        (
            r"(?:medical|pre-?\s?op(?:erative)?|surgical|cardiac|cardiology)\s+clearance|pre-?\s?op(?:erative)?\s+(?:medical\s+)?(?:evaluation|H&P|history and physical)|\bEKG\b|\bECG\b|electrocardiogra",
            "preoperative-clearance",
        ),
        (
            r"urine\s+(?:drug|tox|test|screen)|\bUDS\b|\bUDT\b|drug\s+(?:screen|test)|toxicology",
            "urine-drug-testing",
        ),
        // Programmes and evaluations.
        (
            r"functional\s+restoration|\bFRP\b|\bHELP\s+program|multidisciplinary\s+pain|interdisciplinary\s+pain",
            "functional-restoration-program",
        ),
        (
            r"functional\s+capacity|\bFCE\b",
            "functional-capacity-evaluation",
        ),
        (r"work\s+(?:conditioning|hardening)", "work-conditioning"),
        (
            r"weight\s+(?:loss|reduction|management)|weight\s+watchers|nutrisystem|lindora",
            "weight-loss-program",
        ),
        (r"transport", "transportation"),
        (
            r"^\s*(?:retrospective\s+)?(?:initial\s+|new\s+patient\s+|follow[- ]?up\s+|re-?)?(?:exam|examination|office\s+visit|visit)\b|^\s*physical\s+exam|office\s+visits?\b|follow[- ]?up\s+(?:visit|exam|appointment)s?|evaluation\s+and\s+management",
            "office-visit",
        ),
        (
            r"psycholog\w*\s+(?:test|eval|consult|assess|screen)|psych(?:iatric)?\s+eval|neuropsych|psychometric",
            "psychological-evaluation",
        ),
        (
            r"psychotherap|cognitive\s+behavio|\bCBT\b|counsel|psycholog\w*\s+(?:treatment|session|therapy|visit)|psychiatric\s+(?:treatment|session|visit)",
            "psychotherapy",
        ),
        (r"biofeedback", "biofeedback"),
        // Injections.
        (r"platelet[- ]?rich|\bPRP\b", "prp-injection"),
        (
            r"epidural|\bESIs?\b|transforaminal|interlaminar|caudal\s+(?:block|injection)",
            "epidural-steroid-injection",
        ),
        (
            r"facet|medial\s+branch|radiofrequency|rhizotomy|neurotomy|\bRFA\b",
            "facet-injection",
        ),
        (
            r"trigger\s+points?\s+inj|\bTPIs?\b",
            "trigger-point-injection",
        ),
        (
            r"nerve\s+block|stellate|neurolytic|sympathetic\s+block|occipital\s+(?:nerve|block)|\bblocks?\b",
            "nerve-block",
        ),
        (
            r"viscosupplement|synvisc|orthovisc|euflexxa|supartz|hyaluron|gel-?one|(?:intra-?articular|cortisone|steroid|corticosteroid|joint)\s+inject|inject\w*\b.{0,100}?\b(?:knee|shoulder|hip|joint|elbow|wrist|ankle|sacroiliac|bursa)",
            "joint-injection",
        ),
        // Consultations come before surgery: "Spine surgery evaluation" is a referral.
        (
            r"\bconsult\w*|\breferr?al\b|\brefer\b|\bTOC\b|transfer\s+of\s+care|(?:surgeon|surgery|surgical|specialist|orthop(?:a)?edi\w*|neurolog\w*|neurosurg\w*|podiatr\w*|pain\s+management|psychiatr\w*|physiatr\w*|internist|internal\s+medicine|cardiolog\w*|urolog\w*|\bENT\b|dentist|dental|ophthalmolog\w*|rheumatolog\w*|gastroenterolog\w*)\s+(?:eval\w*|consult\w*|referral|visit|follow[- ]?up)",
            "consultation-referral",
        ),
        (
            r"massage|myofascial|soft\s+tissue\s+mobili",
            "massage-therapy",
        ),
        (
            r"traction|spinolator|decompression\s+therapy|vax-?d",
            "traction",
        ),
        (
            r"arthroscop|surgery|surgical\s+(?:procedure|intervention)|\brepair\b|arthroplasty|replacement|fusion|discectomy|diskectomy|laminectomy|laminotomy|foraminotomy|decompression|(?:carpal|cubital|tarsal)\s+tunnel\s+release|trigger\s+finger\s+release|\w+ectomy\b|\w+otomy\b|\w+oplasty\b|\bORIF\b|tenodesis|tenotomy|neuroplasty|debridement|reconstruction|excision|hardware\s+removal|\bimplant|manipulation\s+under\s+anesthesia|\bMUA\b",
            "surgery",
        ),
        // Imaging and diagnostic tests.
        (
            r"\bMRI'?s?\b|\bMR\b|magnetic\s+resonance|\bMRA\b|arthrogra",
            "mri",
        ),
        (r"\bCT\b|computed\s+tomograph|\bCAT\s+scan", "ct-scan"),
        (r"bone\s+scan|scintigra|three\s+phase", "bone-scan"),
        (r"x-?\s?rays?\b|radiograph|\bfilms?\b", "x-ray"),
        (
            r"\bEMG\b|\bNCV\b|\bNCS\b|electromyogra|nerve\s+conduction|electrodiagnos|\bSSEP\b|evoked\s+potential",
            "emg-ncs",
        ),
        (r"\bEEG\b|electroencephalogra", "eeg"),
        (
            r"(?:diagnostic|doppler|duplex)\s+ultrasound|ultrasound\s+(?:of|scan|imaging|study|guided|guidance)|sonogra|echocardiogra",
            "ultrasound-imaging",
        ),
        (
            r"\blabs?\b|laborator|\bCBC\b|\bBMP\b|\bCMP\b|urinalysis|blood\s+(?:test|work|draw)|\bPT/PTT\b|\bPTT\b|\bINR\b|\bpanel\b|hemoglobin|\bA1c\b|metabolic",
            "laboratory-tests",
        ),
        // Physical modalities and therapies.
        (r"acupunct", "acupuncture"),
        (
            r"chiropract|manipulat|chirophysio|\bCMT\b|\bOMT\b|manual\s+therap|mobilization",
            "chiropractic",
        ),
        (
            r"aqua|pool\s+therap|water\s+therap|hydrotherap",
            "aquatic-therapy",
        ),
        (
            r"\bTENS\b|\bEMS\b|e-?\s?stim|electrical\s+(?:muscle\s+)?stim|electric\s+stim|interferential|\bIF\s+unit|\bIFC\b|h-?wave|neurostimulat|\bNMES\b|galvanic|microcurrent",
            "electrical-stimulation",
        ),
        (
            r"infrared|\bheat\b|\bcold\b|\bice\b|hot/cold|cryo|thermo(?:therapy|phore)|paraffin|diathermy|heating\s+pad|game\s+ready|polar\s+care|vasopneumatic",
            "heat-cold-therapy",
        ),
        (r"ultrasound", "therapeutic-ultrasound"),
        (
            r"physical\s+therap|physiotherap|\bPT\b|therapeutic\s+(?:exercise|activit)|hand\s+therap|kinesio|\bPT/OT\b",
            "physical-therapy",
        ),
        (r"occupational\s+therap|\bOT\b", "occupational-therapy"),
        // Medications by class. Topicals first, since compounded creams name oral drugs;
        // then the compounded oral suspensions, which the letters review as compound drugs.
        (
            r"\b(?:cream|gel|ointment|patch(?:es)?|topical|transdermal|lotion|spray|roll-?on|salonpas|lidoderm|flector|terocin|lidopro|anecream|menthoderm|capsaicin|biofreeze|pennsaid)\b|\d\s*%",
            "topical-analgesics",
        ),
        (
            r"compound|deprizine|fanatrex|synapryn|tabradol|ketophene|dicopanol",
            "compound-drugs",
        ),
        (
            r"norco|hydrocodone|vicodin|lortab|oxycodone|oxycontin|percocet|endocet|roxicodone|tramadol|ultram|ultracet|codeine|tylenol\s*(?:#|no\.?\s*)\s*[34]|morphine|ms\s*contin|kadian|fentanyl|duragesic|hydromorphone|dilaudid|methadone|tapentadol|nucynta|buprenorphine|suboxone|butrans|belbuca|oxymorphone|opana|trezix|synapryn|opioid|narcotic|hysingla|zohydro|xtampza|demerol|meperidine|levorphanol",
            "opioids",
        ),
        (
            r"naproxen|anaprox|naprosyn|ibuprofen|motrin|advil|diclofenac|voltaren|arthrotec|etodolac|lodine|meloxicam|mobic|celecoxib|celebrex|nabumetone|relafen|ketorolac|toradol|indomethacin|indocin|ketoprofen|ketophene|piroxicam|feldene|oxaprozin|daypro|sulindac|diflunisal|fenoprofen|nalfon|flurbiprofen|\bNSAIDs?\b|anti-?inflammator",
            "nsaids",
        ),
        (
            r"cyclobenzaprine|flexeril|fexmid|amrix|baclofen|tizanidine|zanaflex|methocarbamol|robaxin|carisoprodol|\bsoma\b|orphenadrine|norflex|metaxalone|skelaxin|chlorzoxazone|lorzone|parafon|dantrolene|tabradol|muscle\s+relax",
            "muscle-relaxants",
        ),
        (
            r"gabapentin|neurontin|gralise|fanatrex|pregabalin|lyrica|topiramate|topamax|carbamazepine|tegretol|oxcarbazepine|lamotrigine|lamictal|levetiracetam|keppra|divalproex|depakote|anticonvulsant|anti-?epilep",
            "anticonvulsants",
        ),
        (
            r"amitriptyline|elavil|nortriptyline|pamelor|desipramine|imipramine|doxepin|duloxetine|cymbalta|venlafaxine|effexor|bupropion|wellbutrin|trazodone|desyrel|sertraline|zoloft|fluoxetine|prozac|citalopram|celexa|escitalopram|lexapro|paroxetine|paxil|mirtazapine|remeron|milnacipran|savella|antidepress",
            "antidepressants",
        ),
        (
            r"diazepam|valium|alprazolam|xanax|lorazepam|ativan|clonazepam|klonopin|temazepam|restoril|chlordiazepoxide|librium|benzodiazep",
            "benzodiazepines",
        ),
        (
            r"omeprazole|prilosec|pantoprazole|protonix|esomeprazole|nexium|lansoprazole|prevacid|rabeprazole|aciphex|dexlansoprazole|dexilant|famotidine|pepcid|ranitidine|zantac|deprizine|\bPPIs?\b|proton\s+pump",
            "proton-pump-inhibitors",
        ),
        (
            r"zolpidem|ambien|eszopiclone|lunesta|zaleplon|sonata|ramelteon|rozerem|suvorexant|belsomra|melatonin|dicopanol|diphenhydramine|\bsleep\s+aid",
            "sleep-aids",
        ),
        (
            r"viagra|sildenafil|cialis|tadalafil|zofran|ondansetron|colace|docusate|senna|senokot|miralax|fioricet|butalbital|medrol|prednisone|methylprednisolone|dexamethasone|acetaminophen|tylenol|aspirin|imitrex|sumatriptan|theramine|sentra|gabadone|trepadone|vitamin|supplement|ketamine|lidocaine|bupivacaine|antibiotic|keflex|cephalexin|amoxicillin|insulin|metformin|lisinopril",
            "other-medication",
        ),
        // Care at home and supplies.
        (
            r"home\s+(?:health|care|aide|assist|nurs)|nursing\s+(?:care|visit)|\bnurse\b|caregiver|attendant\s+care|\bRN\b|\bLVN\b|\bCNA\b|skilled\s+nursing|wound\s+care",
            "home-health-services",
        ),
        (
            r"brace|orthotic|orthosis|orthoses|splint|\bslings?\b|\bsupport\b|collar|insoles?|\bshoes?\b|\bboots?\b|\bwrap\b|compression\s+(?:stocking|garment|sleeve|hose)|immobilizer|\bcast\b|abduction\s+pillow|lumbar\s+roll|\bLSO\b|\bTLSO\b|\bAFO\b",
            "orthotics-braces",
        ),
        (
            r"wheelchair|commode|shower\s+chair|bath|hospital\s+bed|walker|\bcanes?\b|crutch|scooter|pillow|mattress|workstation|sit-?\s?stand|\bDME\b|durable\s+medical|gloves|wipes|hearing\s+aids?|\bbed\b|\bchair\b|\blift\b|\bramp\b|grab\s+bars?|raised\s+toilet|reacher|cushion|\bdesk\b|keyboard|\bmouse\b|headset|supplies|\bkit\b|glasses",
            "durable-medical-equipment",
        ),
        // Anything else that reads like a prescription.
        (
            r"\b\d+(?:\.\d+)?\s*(?:mg|mcg|µg|g|gm|grams?|ml|cc)\b|\btabs?\b|tablets?|capsules?|\brefills?\b|\bsupply\b|medication|\bRx\b|\bbid\b|\btid\b|\bqid\b|\bprn\b|\bby\s+mouth\b|\borally\b",
            "other-medication",
        ),
    ];
    table
        .iter()
        .map(|(p, id)| (Regex::new(&format!("(?i){p}")).unwrap(), *id))
        .collect()
});

/// The treatment id (notes/IDS.md) for a request as worded, or `None` when the wording
/// names nothing recognised (the importer then writes `other` with a warning).
pub fn treatment_for(request: &str) -> Option<&'static str> {
    RULES
        .iter()
        .find(|(re, _)| re.is_match(request))
        .map(|&(_, id)| id)
}

/// Whether a treatment id is a medication class.
pub(crate) fn is_medication(id: &str) -> bool {
    MEDICATIONS.contains(&id)
}

const NUMBER_WORDS: &[(&str, &str)] = &[
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
    ("thirteen", "13"),
    ("fourteen", "14"),
    ("fifteen", "15"),
    ("sixteen", "16"),
    ("seventeen", "17"),
    ("eighteen", "18"),
    ("nineteen", "19"),
    ("twenty", "20"),
    ("twenty-four", "24"),
    ("thirty", "30"),
    ("once", "1 times"),
    ("twice", "2 times"),
    ("thrice", "3 times"),
];

static RE_WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z]+(?:-four)?").unwrap());

/// Lowercases and spells number words as digits ("Eight (8)" -> "8 (8)").
fn digits(s: &str) -> String {
    RE_WORD
        .replace_all(&s.to_lowercase(), |c: &regex::Captures| {
            let w = &c[0];
            NUMBER_WORDS
                .iter()
                .find(|(k, _)| *k == w)
                .map_or_else(|| w.to_string(), |(_, v)| (*v).to_string())
        })
        .into_owned()
}

/// "2", "2-3", "2 to 3": the number, or the top of the range (the most requested).
const NUM: &str = r"(\d{1,3})(?:\s*(?:-|to)\s*(\d{1,3}))?";

static RE_FREQ_WEEKS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b{NUM}\s*(?:x|times?|visits?|sessions?|treatments?)?\s*(?:'?s)?\s*(?:a|per|/|each|every|x)?\s*(?:week|wk)(?:s|ly)?\b\s*(?:,\s*)?(?:for|x|times|over|during|\*)\s*(?:a\s+)?(?:period\s+of\s+)?(?:the\s+next\s+)?{NUM}\s*(?:weeks?|wks?)\b"
    ))
    .unwrap()
});
static RE_FREQ_X: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|[^\d./#])\b{NUM}\s*(?:x|times)\s*(?:'?s)?\s*{NUM}\b(?:\s*(?:weeks?|wks?)\b)?"
    ))
    .unwrap()
});
static RE_Q_PAREN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\(\s*(\d{1,3})\s*(?:sessions?|visits?|treatments?)?\s*\)").unwrap()
});
static RE_Q_BEFORE_NOUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|[^\d./#%-])\b{NUM}\s+(?:[a-z/()\-]+\s+){{0,4}}?(?:sessions?|visits?|treatments?)\b(\s*(?:a|per|/|each)\s*(?:week|wk)|\s*weekly)?"
    ))
    .unwrap()
});
static RE_Q_AFTER_NOUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:sessions?|visits?|treatments?)\s*[,:]?\s*#?\s*(\d{1,3})\b(\s*(?:x\b|times\b|a\s+week|per\b|/\s*w))?").unwrap()
});
static RE_Q_MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d\s])\s*(?:\bx|\btimes|#|\bqty\s*:?|\bquantity\s*:?)\s*(\d{1,3})\b(\s*(?:weeks?|wks?|days?|months?))?").unwrap()
});
static RE_Q_LEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(\d{1,3})\s+(?:x\b|times\b|months?\b|weeks?\b|days?\b|hours?\b|years?\b|mg\b|%|phases?\b|levels?\b|views?\b|in\b)?").unwrap()
});

fn top(c: &regex::Captures, a: usize, b: usize) -> Option<u32> {
    let lo = c.get(a)?.as_str().parse::<u32>().ok()?;
    Some(
        c.get(b)
            .and_then(|m| m.as_str().parse::<u32>().ok())
            .map_or(lo, |hi| hi.max(lo)),
    )
}

/// Quantity (visits, sessions or units) and weekly frequency stated in a request.
///
/// "8 physical therapy visits 2 x 4" -> (Some(8), Some((2, 4))); "12 sessions" ->
/// (Some(12), None); "x7" / "times 6" -> quantity. A medication's "#60" counts pills,
/// so medications get neither.
pub fn parse_quantity(request: &str) -> (Option<u32>, Option<(u32, u32)>) {
    if treatment_for(request).is_some_and(is_medication) {
        return (None, None);
    }
    let t = digits(request);
    let mut freq = None;
    let mut freq_span = None;
    if let Some(c) = RE_FREQ_WEEKS.captures(&t) {
        if let (Some(pw), Some(w)) = (top(&c, 1, 2), top(&c, 3, 4)) {
            freq = Some((pw, w));
            freq_span = c.get(0).map(|m| m.range());
        }
    } else if let Some(c) = RE_FREQ_X.captures(&t)
        && let (Some(pw), Some(w)) = (top(&c, 1, 2), top(&c, 3, 4))
        && pw <= 7
    {
        freq = Some((pw, w));
        freq_span = c.get(0).map(|m| m.range());
    }
    let outside_freq = |r: std::ops::Range<usize>| {
        freq_span
            .as_ref()
            .is_none_or(|f| r.end <= f.start || r.start >= f.end)
    };

    let mut qty = None;
    if let Some(c) = RE_Q_PAREN
        .captures_iter(&t)
        .find(|c| c.get(0).is_some_and(|m| outside_freq(m.range())))
    {
        qty = top(&c, 1, 1);
    }
    if qty.is_none() {
        qty = RE_Q_BEFORE_NOUN
            .captures_iter(&t)
            .filter(|c| c.get(3).is_none())
            .filter(|c| c.get(1).is_some_and(|m| outside_freq(m.range())))
            .find_map(|c| top(&c, 1, 2));
    }
    if qty.is_none() {
        qty = RE_Q_AFTER_NOUN
            .captures_iter(&t)
            .filter(|c| c.get(2).is_none())
            .filter(|c| c.get(1).is_some_and(|m| outside_freq(m.range())))
            .find_map(|c| top(&c, 1, 1));
    }
    if qty.is_none() {
        qty = RE_Q_MARK
            .captures_iter(&t)
            .filter(|c| c.get(2).is_none())
            .filter(|c| c.get(1).is_some_and(|m| outside_freq(m.range())))
            .find_map(|c| top(&c, 1, 1));
    }
    if qty.is_none()
        && freq.is_none()
        && request
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
        && let Some(c) = RE_Q_LEADING.captures(&t)
        && c.get(0).is_some_and(|m| {
            let s = m.as_str().trim_end();
            s.chars().last().is_some_and(|ch| ch.is_ascii_digit())
        })
    {
        qty = top(&c, 1, 1);
    }
    (
        qty.filter(|&q| q > 0 && q <= 500),
        freq.filter(|&(p, w)| p > 0 && w > 0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn treatments() {
        let cases = [
            (
                "8 physical therapy visits 2 x 4 for the lumbar spine",
                "physical-therapy",
            ),
            ("MRI of the right shoulder without contrast", "mri"),
            ("EMG/NCV of the lower extremities", "emg-ncs"),
            ("Norco 10/325mg #60", "opioids"),
            ("Flexeril 10mg #60", "muscle-relaxants"),
            ("Lidocaine 5% patch #1", "topical-analgesics"),
            (
                "Flurbiprofen 20%, Baclofen 5%, Dexamethasone 2% in cream base",
                "topical-analgesics",
            ),
            ("Deprizine (unknown quantity)", "compound-drugs"),
            (
                "Daily RN for 4 weeks for wound care, medication management",
                "home-health-services",
            ),
            (
                "Twelve acupuncture visits with Capsaicin patch, 2 times weekly for 6 weeks",
                "acupuncture",
            ),
            (
                "Diazepam (Valium) 5mg take 1 tab orally 1 hour before exam",
                "benzodiazepines",
            ),
            (
                "Spine surgery evaluation for the lumbar",
                "consultation-referral",
            ),
            (
                "Right shoulder arthroscopy RCR (rotator cuff repair) and decompression",
                "surgery",
            ),
            (
                "Myofascial release to the low back two times a week times six weeks",
                "massage-therapy",
            ),
            (
                "Associated surgical service: Physical therapy, times 12",
                "postsurgical-physical-therapy",
            ),
            (
                "Associated surgical service: Cold therapy unit",
                "heat-cold-therapy",
            ),
            ("Associated surgical service: Arc sling", "orthotics-braces"),
            ("TENS unit", "electrical-stimulation"),
            (
                "Standard wheelchair for a 3 month rental",
                "durable-medical-equipment",
            ),
            ("Pre-operative PT/PTT", "laboratory-tests"),
            ("Pre-operative medical clearance", "preoperative-clearance"),
            (
                "Re-exam with chiropractor for the lumbar spine flare-up",
                "office-visit",
            ),
            (
                "Right L5-S1 epidural steroid injection",
                "epidural-steroid-injection",
            ),
            ("Facet joint injections L4-5, L5-S1", "facet-injection"),
            ("Urine Test", "urine-drug-testing"),
            ("Ultrasound 1 times 8", "therapeutic-ultrasound"),
            (
                "Functional capacity evaluation (FCE)",
                "functional-capacity-evaluation",
            ),
            (
                "Transportation to/from all medical appointments",
                "transportation",
            ),
            ("Omeprazole", "proton-pump-inhibitors"),
            ("Three months coverage of Viagra 50mg", "other-medication"),
        ];
        for (req, want) in cases {
            assert_eq!(treatment_for(req), Some(want), "{req}");
        }
        assert_eq!(treatment_for("Unknown shockwave treatments"), None);
    }

    #[test]
    fn quantities() {
        type Case<'a> = (&'a str, Option<u32>, Option<(u32, u32)>);
        let cases: &[Case] = &[
            (
                "8 physical therapy visits 2 x 4 for the lumbar spine",
                Some(8),
                Some((2, 4)),
            ),
            ("12 sessions", Some(12), None),
            ("Chiropractic spinal manipulation times 12", Some(12), None),
            ("Electrical stimulation x7", Some(7), None),
            ("Norco 10/325mg #60", None, None),
            (
                "Physical therapy two times a week for three weeks for lumbar",
                None,
                Some((2, 3)),
            ),
            (
                "Electro acupuncture to the low back two times a week times six weeks",
                None,
                Some((2, 6)),
            ),
            (
                "Physical therapy 2-3 times a week for 6 weeks",
                None,
                Some((3, 6)),
            ),
            (
                "Initial acupuncture, 1 to 2 times per week for 4 weeks, for the neck",
                None,
                Some((2, 4)),
            ),
            ("Spinal manipulation 1 times 8", None, Some((1, 8))),
            (
                "Additional physical therapy two times four visits (8) for the lumbar and bilateral knees",
                Some(8),
                Some((2, 4)),
            ),
            (
                "Continuation for left hand therapy 2 times a week for 6 weeks (12 sessions)",
                Some(12),
                Some((2, 6)),
            ),
            (
                "Twelve manual acupuncture visits (15 mins), 2 times weekly for 6 weeks",
                Some(12),
                Some((2, 6)),
            ),
            (
                "Physical therapy additional 3 visits per week for 2 weeks",
                None,
                Some((3, 2)),
            ),
            ("Eight (8) physical therapy sessions", Some(8), None),
            (
                "Acupuncture therapy sessions lumbar spine #6",
                Some(6),
                None,
            ),
            (
                "Associated surgical service: Physical Therapy sessions, 12",
                Some(12),
                None,
            ),
            ("Standard wheelchair for a 3 month rental", None, None),
            (
                "Twelve physical therapy sessions, three times weekly, for the right elbow",
                Some(12),
                None,
            ),
            (
                "Physical therapy 6 sessions 2 times a week for 3 weeks to the lumbar and cervical spine",
                Some(6),
                Some((2, 3)),
            ),
            (
                "PT/OT two to three times a week for six to eight weeks (24 sessions) left hand",
                Some(24),
                Some((3, 8)),
            ),
            ("physical therapy 2X's 4 weeks", None, Some((2, 4))),
            (
                "Wound care nurse, 1-2 visits to evaluate right hip incision",
                Some(2),
                None,
            ),
            (
                "Home aide 6 hours per day, 5 times a week for 4 weeks",
                None,
                Some((5, 4)),
            ),
            ("NCV bilateral lower extremities QTY: 2", Some(2), None),
            ("Cold compression therapy 30 day rental", None, None),
            ("Three phase bone scan to the left foot", None, None),
            ("1 knee scooter", Some(1), None),
        ];
        for (req, q, f) in cases {
            assert_eq!(parse_quantity(req), (*q, *f), "{req}");
        }
    }
}
