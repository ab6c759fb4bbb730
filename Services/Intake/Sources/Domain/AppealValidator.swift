import Foundation
import HromadaContracts
import HromadaRuntime

/// An appeal as a client sends it (ARCHITECTURE.md "Appeal submission"). Every field is optional
/// here so that validation can name every missing or wrong field at once instead of failing on
/// the first one during decoding.
public struct AppealSubmission: Codable, Sendable, Equatable {
    public struct Author: Codable, Sendable, Equatable {
        public var fullName: String?
        public var address: String?
        public var email: String?
        public var phone: String?
        public var preferredLanguage: String?
        public var benefitCategory: String?
        public init(fullName: String? = nil, address: String? = nil, email: String? = nil, phone: String? = nil,
                    preferredLanguage: String? = nil, benefitCategory: String? = nil) {
            self.fullName = fullName; self.address = address; self.email = email; self.phone = phone
            self.preferredLanguage = preferredLanguage; self.benefitCategory = benefitCategory
        }
    }
    public struct Location: Codable, Sendable, Equatable {
        public var lat: Double?
        public var lon: Double?
        public var address: String?
        public init(lat: Double? = nil, lon: Double? = nil, address: String? = nil) { self.lat = lat; self.lon = lon; self.address = address }
    }

    public var kind: String?
    public var category: String?
    public var author: Author?
    public var subject: String?
    public var text: String?
    public var district: String?
    public var location: Location?
    public var centreId: String?
    public var assistedBy: String?
    public var consent: Bool?
    public var confidential: Bool?
    public var against: String?
    /// True when a resident files by themselves through a partner application (see the validator).
    public var electronic: Bool?

    public init(kind: String? = nil, category: String? = nil, author: Author? = nil, subject: String? = nil, text: String? = nil,
                district: String? = nil, location: Location? = nil, centreId: String? = nil, assistedBy: String? = nil,
                consent: Bool? = nil, confidential: Bool? = nil, against: String? = nil, electronic: Bool? = nil) {
        self.kind = kind; self.category = category; self.author = author; self.subject = subject; self.text = text
        self.district = district; self.location = location; self.centreId = centreId; self.assistedBy = assistedBy
        self.consent = consent; self.confidential = confidential; self.against = against; self.electronic = electronic
    }
}

/// An appeal that passed Art. 5 / Art. 8 checks, normalised (trimmed, empty strings → nil).
public struct ValidAppeal: Sendable, Equatable, Codable {
    public var kind: AppealKind
    public var category: String
    public var author: AppealRegistered.Author
    public var subject: String
    public var text: String
    public var district: String?
    public var location: AppealRegistered.Location?
    public var centreId: String?
    public var assistedBy: String?
    public var confidential: Bool
    public var against: String?
}

/// The rules of Art. 5 and Art. 8 of the Law «Про звернення громадян», as field-level errors in
/// English and Ukrainian. Pure: no database, so every rule is unit-tested in memory.
public enum AppealValidator {
    public static let fullNameLength = 2...200
    public static let addressLength = 5...300
    public static let textLength = 10...10_000
    public static let subjectLength = 3...200
    public static let assistedByLength = 0...200

    /// Validates `submission` arriving through `channel` ("centre" | "api" | "open311") from the
    /// authenticated centre `centreId` (nil when none). Returns every problem at once.
    public static func validate(_ submission: AppealSubmission, channel: String, authenticatedCentre: String?) -> Result<ValidAppeal, APIError> {
        var errors: [FieldError] = []
        func fail(_ field: String, _ code: String, _ en: String, _ uk: String) {
            errors.append(FieldError(field: field, code: code, message: en, messageUk: uk))
        }
        func clean(_ s: String?) -> String? {
            guard let t = s?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
            return t
        }
        func length(_ value: String?, _ field: String, _ range: ClosedRange<Int>, required: Bool, nameUk: String) -> String? {
            guard let v = clean(value) else {
                if required { fail(field, "required", "\(field) is required", "Поле «\(nameUk)» обов'язкове") }
                return nil
            }
            if v.count < range.lowerBound {
                fail(field, "too_short", "\(field) must have at least \(range.lowerBound) characters", "«\(nameUk)»: щонайменше \(range.lowerBound) символів")
            } else if v.count > range.upperBound {
                fail(field, "too_long", "\(field) must have at most \(range.upperBound) characters", "«\(nameUk)»: не більше \(range.upperBound) символів")
            }
            return v
        }

        // Kind and category.
        var kind: AppealKind?
        if let k = clean(submission.kind) {
            kind = AppealKind(rawValue: k)
            if kind == nil { fail("kind", "invalid_value", "kind must be proposal, application or complaint", "Вид звернення: пропозиція, заява або скарга") }
        } else {
            fail("kind", "required", "kind is required", "Оберіть вид звернення")
        }
        let category = clean(submission.category)
        if let category {
            if Reference.category(code: category) == nil { fail("category", "unknown_category", "unknown category", "Невідома категорія") }
        } else {
            fail("category", "required", "category is required", "Оберіть категорію")
        }
        let district = clean(submission.district)
        if let district, Reference.district(code: district) == nil { fail("district", "unknown_district", "unknown district", "Невідомий район") }

        // The author (Art. 5: full name and place of residence; Art. 8: no anonymous appeals).
        let author = submission.author
        if author == nil { fail("author", "anonymous", "an appeal needs an identifiable author (Art. 5, Art. 8)", "Анонімні звернення не розглядаються: вкажіть автора (ст. 5, 8)") }
        let fullName = length(author?.fullName, "author.fullName", fullNameLength, required: author != nil, nameUk: "Прізвище, ім'я, по батькові")
        if let fullName, fullName.count >= fullNameLength.lowerBound, fullName.count <= fullNameLength.upperBound {
            let words = fullName.split(whereSeparator: { $0.isWhitespace }).filter { $0.contains(where: \.isLetter) }
            if words.count < 2 {
                fail("author.fullName", "anonymous", "the full name must identify a person: at least a surname and a first name (Art. 5, Art. 8)",
                     "Вкажіть прізвище та ім'я — анонімні звернення не розглядаються (ст. 5, 8)")
            }
        }
        let address = length(author?.address, "author.address", addressLength, required: author != nil, nameUk: "Місце проживання")
        if author != nil, address == nil, errors.last?.field == "author.address" {
            // Replace the plain "required" with the legal reason.
            errors.removeLast()
            fail("author.address", "anonymous", "the place of residence is required (Art. 5, Art. 8)", "Вкажіть місце проживання — без нього звернення не розглядається (ст. 5, 8)")
        }
        let email = clean(author?.email)
        if let email, !isEmail(email) { fail("author.email", "invalid_email", "not a valid email address", "Некоректна адреса електронної пошти") }
        let phone = clean(author?.phone)
        if let phone, !isPhone(phone) { fail("author.phone", "invalid_phone", "phone must look like +380XXXXXXXXX", "Телефон у форматі +380XXXXXXXXX") }
        var language = Language.uk
        if let l = clean(author?.preferredLanguage) {
            if let parsed = Language(rawValue: l) { language = parsed } else { fail("author.preferredLanguage", "invalid_value", "preferredLanguage must be uk or en", "Мова відповіді: uk або en") }
        }
        let benefit = clean(author?.benefitCategory)
        if let benefit, Reference.benefitCategory(code: benefit) == nil { fail("author.benefitCategory", "unknown_benefit_category", "unknown benefit category", "Невідома пільгова категорія") }

        // Art. 5: an electronic appeal also gives an email address. Appeals filed at a centre
        // (the librarian helps; the resident may have no email) and Open311 requests (also sent
        // with a centre's key) are not electronic appeals by the resident. A partner app on the
        // JSON API that lets residents file by themselves marks its appeals `"electronic": true`;
        // those need an email.
        if channel == "api", submission.electronic == true, email == nil {
            fail("author.email", "email_required", "an electronic appeal needs an email address (Art. 5)", "Електронне звернення має містити адресу електронної пошти (ст. 5)")
        }

        // The essence of the issue.
        let subject = length(submission.subject, "subject", subjectLength, required: true, nameUk: "Тема")
        let text = length(submission.text, "text", textLength, required: true, nameUk: "Текст звернення")

        // Consent to personal-data processing (Law «Про захист персональних даних»).
        if submission.consent != true {
            fail("consent", "consent_required", "consent to personal-data processing is required", "Потрібна згода на обробку персональних даних")
        }

        // Location.
        var location: AppealRegistered.Location?
        if let l = submission.location {
            if let lat = l.lat, let lon = l.lon {
                if !(lat >= -90 && lat <= 90) { fail("location.lat", "out_of_range", "lat must be between -90 and 90", "Широта від -90 до 90") }
                if !(lon >= -180 && lon <= 180) { fail("location.lon", "out_of_range", "lon must be between -180 and 180", "Довгота від -180 до 180") }
                let locationAddress = length(l.address, "location.address", 0...300, required: false, nameUk: "Адреса місця")
                location = AppealRegistered.Location(lat: lat, lon: lon, address: locationAddress)
            } else if l.lat != nil || l.lon != nil || clean(l.address) != nil {
                fail("location", "incomplete", "location needs both lat and lon", "Місце: потрібні широта і довгота")
            }
        }

        // The centre: a given centreId must be the authenticated one.
        var centreId = authenticatedCentre
        if let given = clean(submission.centreId) {
            if given != authenticatedCentre {
                fail("centreId", "centre_mismatch", "centreId must be the centre whose key authenticated the request", "Ідентифікатор центру не відповідає ключу")
            }
            centreId = authenticatedCentre
        }
        let assistedBy = length(submission.assistedBy, "assistedBy", assistedByLength, required: false, nameUk: "Бібліотекар")

        // Complaints (Art. 7): name the authority complained about; only complaints may.
        let against = clean(submission.against)
        if kind == .complaint {
            if let against {
                if Reference.authority(code: against) == nil { fail("against", "unknown_authority", "unknown authority", "Невідомий орган") }
            } else {
                fail("against", "required", "a complaint names the authority it is against", "Скарга має вказувати орган, на який скаржаться")
            }
        } else if against != nil, kind != nil {
            fail("against", "not_allowed", "only a complaint names an authority it is against", "Орган оскарження вказується лише для скарги")
        }

        guard errors.isEmpty, let kind, let category, let fullName, let address, let subject, let text else {
            return .failure(APIError.validation(errors))
        }
        return .success(ValidAppeal(
            kind: kind, category: category,
            author: AppealRegistered.Author(fullName: collapse(fullName), address: collapse(address), email: email, phone: phone.map(normalisePhone),
                                            preferredLanguage: language, benefitCategory: benefit),
            subject: subject, text: text, district: district, location: location, centreId: centreId, assistedBy: assistedBy,
            confidential: submission.confidential ?? false, against: against))
    }

    static func collapse(_ s: String) -> String {
        s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// A pragmatic syntax check: one "@", a non-empty local part, a dotted domain, no spaces.
    public static func isEmail(_ s: String) -> Bool {
        guard s.count <= 254, !s.contains(where: { $0.isWhitespace }) else { return false }
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let domain = parts[1]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }
            && labels.last!.count >= 2
    }

    /// E.164-ish: an optional "+", then 7–15 digits; spaces, dashes and brackets are ignored.
    public static func isPhone(_ s: String) -> Bool {
        let stripped = normalisePhone(s)
        let digits = stripped.hasPrefix("+") ? stripped.dropFirst() : stripped[...]
        return (7...15).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func normalisePhone(_ s: String) -> String {
        String(s.filter { !" -()".contains($0) })
    }
}

/// Repeat detection (Resolution 858 "повторне"): same author, same category, similar text.
public enum RepeatDetector {
    public static let threshold = 0.5

    /// The author's identity for matching: lower-cased, punctuation and apostrophe variants
    /// removed, whitespace collapsed — "Шевченко Тарас" and "шевченко  тарас" match.
    public static func authorKey(fullName: String, address: String) -> String {
        normalise(fullName) + "|" + normalise(address)
    }

    static func normalise(_ s: String) -> String {
        let lowered = s.lowercased()
        var out = ""
        var lastSpace = true
        for ch in lowered {
            if ch.isLetter || ch.isNumber {
                out.append(ch); lastSpace = false
            } else if ch == "'" || ch == "’" || ch == "ʼ" || ch == "`" {
                continue
            } else if !lastSpace {
                out.append(" "); lastSpace = true
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    /// Character-trigram Jaccard similarity (like pg_trgm) of the normalised texts, 0…1.
    public static func similarity(_ a: String, _ b: String) -> Double {
        let ta = trigrams(a), tb = trigrams(b)
        if ta.isEmpty && tb.isEmpty { return 1 }
        let union = ta.union(tb).count
        return union == 0 ? 0 : Double(ta.intersection(tb).count) / Double(union)
    }

    static func trigrams(_ s: String) -> Set<String> {
        var result = Set<String>()
        for word in normalise(s).split(separator: " ") {
            let chars = Array("  " + word + " ")
            guard chars.count >= 3 else { continue }
            for i in 0...(chars.count - 3) { result.insert(String(chars[i..<(i + 3)])) }
        }
        return result
    }

    /// Of `candidates` (registration number, text), the most similar at or above the threshold.
    public static func bestMatch(text: String, candidates: [(number: String, text: String)]) -> String? {
        var best: (String, Double)?
        for c in candidates {
            let s = similarity(text, c.text)
            if s >= threshold, s > (best?.1 ?? -1) { best = (c.number, s) }
        }
        return best?.0
    }
}
