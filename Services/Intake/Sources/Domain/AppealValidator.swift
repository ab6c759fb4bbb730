import Foundation
import HromadaContracts

/// One rule an input broke: the field (a JSON path such as `author.fullName`), a stable code
/// clients can act on, and the string-catalogue key of the message with the values it needs.
/// The words live in the catalogues (`Resources/strings/<lang>.json`), never in the rules.
public struct FieldProblem: Sendable, Equatable {
    public var field: String?
    public var code: String
    public var messageKey: String
    public var arguments: [String: String]

    public init(field: String?, code: String, messageKey: String, arguments: [String: String] = [:]) {
        self.field = field
        self.code = code
        self.messageKey = messageKey
        self.arguments = arguments
    }
}

/// Every problem of one input at once (the HTTP layer turns it into a 422 or the form's errors).
public struct ValidationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [FieldProblem]
    public init(_ errors: [FieldProblem]) { self.errors = errors }
    /// Fields and codes only: never a value.
    public var description: String {
        "ValidationFailure(" + errors.map { "\($0.field ?? "-"):\($0.code)" }.joined(separator: ",") + ")"
    }
}

/// The rules of Art. 5 and Art. 8 of the Law «Про звернення громадян» as field problems. Pure: no
/// database, no HTTP, so every rule is unit-tested in memory.
public enum AppealValidator {
    public static let fullNameLength = 2...200
    public static let addressLength = 5...300
    public static let textLength = 10...10_000
    public static let subjectLength = 3...200
    public static let assistedByLength = 0...200
    public static let locationAddressLength = 0...300

    /// The channels an appeal arrives through; stored with the appeal and carried in its event.
    public enum Channel {
        /// The librarian's form at a Citizen Service Centre.
        public static let centre = "centre"
        /// The JSON API (a centre's system or a partner application).
        public static let api = "api"
        /// Open311 GeoReport v2.
        public static let open311 = "open311"
        /// A head's personal reception (Art. 22), entered by the reception staff.
        public static let reception = "reception"
    }

    /// Validates `submission` arriving through `channel` ("centre" | "api" | "open311") from the
    /// authenticated centre `authenticatedCentre` (nil when none). Returns every problem at once.
    /// `today` (Kyiv) bounds the dates a submission gives (arrival, reception, document of powers);
    /// `districts` names the district a point lies in when none was chosen (the outlines intake
    /// ships, read once outside this code).
    public static func validate(
        _ submission: AppealSubmission, channel: String, authenticatedCentre: String?,
        today: LocalDate = LocalDate.today(), districts: DistrictOutlines? = .mykolaiv
    ) -> Result<ValidAppeal, ValidationFailure> {
        var problems = Problems()
        let kind = problems.kind(submission.kind)
        let category = problems.category(submission.category)
        let district = clean(submission.district)
        if let district, Reference.district(code: district) == nil {
            problems.add("district", "unknown_district", "errDistrictUnknown")
        }
        let author = problems.author(submission.author, channel: channel, electronic: submission.electronic == true)

        // The essence of the issue.
        let subject = problems.length(submission.subject, "subject", subjectLength, required: true)
        let text = problems.length(submission.text, "text", textLength, required: true)

        // Consent is never a condition of registration: handling an appeal is the body's legal
        // duty (Art. 7 of the law on appeals), and the personal-data law lets a body process data
        // to fulfil a duty set by law without consent. Consent is recorded only for what the law
        // does not require: publishing the text.
        let publish = submission.publish == true
        if publish, submission.consent != true {
            problems.add("publish", "consent_required_for_publication", "errPublishNeedsConsent")
        }
        let coSigners = problems.coSigners(submission.coSigners)
        let representative = problems.representative(submission.representative, today: today)
        let reception = problems.reception(submission.reception, today: today)
        let lateEntry = problems.lateEntry(submission.receivedOn, enteredBy: submission.enteredBy, today: today)

        let location = problems.location(submission.location)

        // The centre: a given centreId must be the authenticated one.
        if let given = clean(submission.centreId), given != authenticatedCentre {
            problems.add("centreId", "centre_mismatch", "errCentreMismatch")
        }
        let assistedBy = problems.length(submission.assistedBy, "assistedBy", assistedByLength, required: false)
        let against = problems.against(submission.against, kind: kind)
        let complaintDates = problems.complaintDates(
            decidedOn: submission.decidedOn, learnedOn: submission.learnedOn, kind: kind, today: today)

        guard problems.list.isEmpty, let kind, let category, let author, let subject, let text else {
            return .failure(ValidationFailure(problems.list))
        }
        var valid = ValidAppeal(
            kind: kind, category: category, author: author, subject: subject, text: text,
            // A district chosen by hand wins; else the one the point lies in (approximate outlines).
            district: district ?? location.flatMap { districts?.district(containing: $0.point) },
            location: location, centreId: authenticatedCentre, assistedBy: assistedBy,
            confidential: submission.confidential ?? false, against: against, coSigners: coSigners,
            representative: representative, reception: reception, lateEntry: lateEntry,
            publicationConsent: publish && submission.consent == true, paper: lateEntry != nil)
        valid.complaintDecidedOn = complaintDates.decidedOn
        valid.complaintLearnedOn = complaintDates.learnedOn
        return .success(valid)
    }

    public static let maximumCoSigners = 500
    /// How far back a late paper appeal may be dated (see `Problems.lateEntry`).
    public static let lateEntryMaximumDays = 10
    public static let documentKinds = ["power-of-attorney", "legal-representative", "other"]

    /// Trimmed, or nil when empty.
    static func clean(_ s: String?) -> String? {
        guard let t = s?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
        return t
    }

    static func collapse(_ s: String) -> String {
        s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// A pragmatic syntax check: one "@", a non-empty local part, a dotted domain, no spaces.
    public static func isEmail(_ s: String) -> Bool {
        guard s.count <= 254, !s.contains(where: { $0.isWhitespace }) else { return false }
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
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

/// The problems found so far, and one method per group of rules.
private struct Problems {
    var list: [FieldProblem] = []

    mutating func add(_ field: String, _ code: String, _ key: String, _ arguments: [String: String] = [:]) {
        list.append(FieldProblem(field: field, code: code, messageKey: key, arguments: arguments))
    }

    /// The cleaned value when present; `required`, `too_short` or `too_long` otherwise.
    mutating func length(_ value: String?, _ field: String, _ range: ClosedRange<Int>, required: Bool) -> String? {
        guard let v = AppealValidator.clean(value) else {
            if required { add(field, "required", "errRequired", ["field": field]) }
            return nil
        }
        if v.count < range.lowerBound {
            add(field, "too_short", "errTooShort", ["field": field, "min": "\(range.lowerBound)"])
        } else if v.count > range.upperBound {
            add(field, "too_long", "errTooLong", ["field": field, "max": "\(range.upperBound)"])
        }
        return v
    }

    mutating func kind(_ value: String?) -> AppealKind? {
        guard let k = AppealValidator.clean(value) else {
            add("kind", "required", "errKindRequired")
            return nil
        }
        guard let kind = AppealKind(rawValue: k) else {
            add("kind", "invalid_value", "errKindInvalid")
            return nil
        }
        return kind
    }

    mutating func category(_ value: String?) -> String? {
        guard let category = AppealValidator.clean(value) else {
            add("category", "required", "errCategoryRequired")
            return nil
        }
        if Reference.category(code: category) == nil { add("category", "unknown_category", "errCategoryUnknown") }
        return category
    }

    /// Art. 5: full name and place of residence; Art. 8: no anonymous appeals; an electronic
    /// appeal also gives an email address.
    mutating func author(_ author: AppealSubmission.Author?, channel: String, electronic: Bool) -> AppealRegistered
        .Author?
    {
        guard let author else {
            add("author", "anonymous", "errAuthorAnonymous")
            return nil
        }
        let fullNameRange = AppealValidator.fullNameLength
        let fullName = length(author.fullName, "author.fullName", fullNameRange, required: true)
        if let fullName, fullNameRange.contains(fullName.count) {
            let words = fullName.split(whereSeparator: { $0.isWhitespace }).filter { $0.contains(where: \.isLetter) }
            if words.count < 2 { add("author.fullName", "anonymous", "errFullNameAnonymous") }
        }
        var address: String?
        if AppealValidator.clean(author.address) == nil {
            // Not a plain "required": without a place of residence the appeal is anonymous.
            add("author.address", "anonymous", "errAddressAnonymous")
        } else {
            address = length(author.address, "author.address", AppealValidator.addressLength, required: true)
        }
        let email = AppealValidator.clean(author.email)
        if let email, !AppealValidator.isEmail(email) { add("author.email", "invalid_email", "errEmailInvalid") }
        let phone = AppealValidator.clean(author.phone)
        if let phone, !AppealValidator.isPhone(phone) { add("author.phone", "invalid_phone", "errPhoneInvalid") }
        var language = Language.uk
        if let l = AppealValidator.clean(author.preferredLanguage) {
            if let parsed = Language(rawValue: l) {
                language = parsed
            } else {
                add("author.preferredLanguage", "invalid_value", "errLanguageInvalid")
            }
        }
        let benefit = AppealValidator.clean(author.benefitCategory)
        if let benefit, Reference.benefitCategory(code: benefit) == nil {
            add("author.benefitCategory", "unknown_benefit_category", "errBenefitUnknown")
        }
        // Issue 15: "sms" asks for SMS notices (to the phone, which it needs); "email" is the default.
        let notifyBy = AppealValidator.clean(author.notifyBy)?.lowercased()
        if let notifyBy, notifyBy != "sms", notifyBy != "email" {
            add("author.notifyBy", "invalid_value", "errNotifyByInvalid")
        } else if notifyBy == "sms", phone == nil {
            add("author.notifyBy", "phone_required", "errNotifyBySMSNeedsPhone")
        }
        // Art. 5: an electronic appeal also gives an email address. Appeals filed at a centre (the
        // librarian helps; the resident may have no email) and Open311 requests (also sent with a
        // centre's key) are not electronic appeals by the resident. A partner app on the JSON API
        // that lets residents file by themselves marks its appeals `"electronic": true`.
        if channel == AppealValidator.Channel.api, electronic, email == nil {
            add("author.email", "email_required", "errEmailElectronic")
        }
        guard let fullName, let address else { return nil }
        return AppealRegistered.Author(
            fullName: AppealValidator.collapse(fullName), address: AppealValidator.collapse(address), email: email,
            phone: phone.map(AppealValidator.normalisePhone), preferredLanguage: language, benefitCategory: benefit,
            notifyBy: notifyBy == "sms" ? "sms" : nil)
    }

    /// Art. 5: each co-signer gives a full name (two words) and a place of residence.
    mutating func coSigners(_ given: [AppealSubmission.Person]?) -> [AppealRegistered.CoSigner] {
        guard let given, !given.isEmpty else { return [] }
        if given.count > AppealValidator.maximumCoSigners {
            add(
                "coSigners", "too_many", "errTooMany",
                ["field": "coSigners", "max": "\(AppealValidator.maximumCoSigners)"])
            return []
        }
        var result: [AppealRegistered.CoSigner] = []
        for (i, person) in given.enumerated() {
            let prefix = "coSigners[\(i)]"
            let pair = nameAndAddress(person.fullName, person.address, prefix: prefix)
            if let pair { result.append(.init(fullName: pair.0, address: pair.1)) }
        }
        return result
    }

    /// A full name of at least two words and a place of residence, under `prefix`.
    mutating func nameAndAddress(_ fullName: String?, _ address: String?, prefix: String) -> (String, String)? {
        let name = length(fullName, prefix + ".fullName", AppealValidator.fullNameLength, required: true)
        if let name, AppealValidator.fullNameLength.contains(name.count),
            name.split(whereSeparator: { $0.isWhitespace }).filter({ $0.contains(where: \.isLetter) }).count < 2
        {
            add(prefix + ".fullName", "anonymous", "errFullNameAnonymous")
        }
        let place = length(address, prefix + ".address", AppealValidator.addressLength, required: true)
        guard let name, let place else { return nil }
        return (AppealValidator.collapse(name), AppealValidator.collapse(place))
    }

    /// A YYYY-MM-DD date not after `today` (and, with `earliest`, not before it).
    mutating func pastDate(_ value: String?, _ field: String, today: LocalDate, earliest: LocalDate? = nil)
        -> LocalDate?
    {
        guard let text = AppealValidator.clean(value) else {
            add(field, "required", "errRequired", ["field": field])
            return nil
        }
        guard let date = LocalDate(string: text) else {
            add(field, "invalid_date", "errDateInvalid", ["field": field])
            return nil
        }
        if date > today {
            add(field, "in_future", "errDateFuture", ["field": field])
            return nil
        }
        if let earliest, date < earliest {
            add(field, "too_early", "errDateTooEarly", ["field": field, "min": earliest.description])
            return nil
        }
        return date
    }

    /// Art. 5: a representative names themselves and the document of their powers.
    mutating func representative(_ given: AppealSubmission.Representative?, today: LocalDate)
        -> AppealRegistered.Representative?
    {
        guard let given else { return nil }
        let pair = nameAndAddress(given.fullName, given.address, prefix: "representative")
        var kind = AppealValidator.clean(given.documentKind)
        if kind == nil {
            add("representative.documentKind", "required", "errRequired", ["field": "representative.documentKind"])
        } else if !AppealValidator.documentKinds.contains(kind!) {
            add("representative.documentKind", "invalid_value", "errDocumentKindInvalid")
            kind = nil
        }
        let number = length(given.documentNumber, "representative.documentNumber", 1...100, required: true)
        let date = pastDate(given.documentDate, "representative.documentDate", today: today)
        guard let pair, let kind, let number, let date else { return nil }
        return .init(fullName: pair.0, address: pair.1, documentKind: kind, documentNumber: number, documentDate: date)
    }

    /// Art. 22: the head who held the reception and its day (not in the future; a reception's
    /// appeals are registered within the same window as late paper).
    mutating func reception(_ given: AppealSubmission.Reception?, today: LocalDate)
        -> AppealRegistered.PersonalReception?
    {
        guard let given else { return nil }
        let head = length(given.headName, "reception.headName", AppealValidator.fullNameLength, required: true)
        let day = pastDate(
            given.heldOn, "reception.heldOn", today: today,
            earliest: today.adding(days: -AppealValidator.lateEntryMaximumDays))
        guard let head, let day else { return nil }
        return .init(headName: AppealValidator.collapse(head), heldOn: day)
    }

    /// A paper appeal entered after the day it arrived: the arrival day, not in the future and at
    /// most `lateEntryMaximumDays` back, and who enters it. Today's date is not "late".
    mutating func lateEntry(_ receivedOn: String?, enteredBy: String?, today: LocalDate)
        -> AppealRegistered.LateEntry?
    {
        guard AppealValidator.clean(receivedOn) != nil else {
            if AppealValidator.clean(enteredBy) != nil {
                add("receivedOn", "required", "errRequired", ["field": "receivedOn"])
            }
            return nil
        }
        let day = pastDate(
            receivedOn, "receivedOn", today: today,
            earliest: today.adding(days: -AppealValidator.lateEntryMaximumDays))
        let who = length(enteredBy, "enteredBy", AppealValidator.fullNameLength, required: true)
        guard let day, let who, day < today else { return nil }
        return .init(receivedOn: day, enteredBy: AppealValidator.collapse(who))
    }

    mutating func location(_ given: AppealSubmission.Location?) -> AppealRegistered.Location? {
        guard let given else { return nil }
        guard let lat = given.lat, let lon = given.lon else {
            if given.lat != nil || given.lon != nil || AppealValidator.clean(given.address) != nil {
                add("location", "incomplete", "errLocationIncomplete")
            }
            return nil
        }
        // Text that is no number arrives as NaN (`MapCoordinate.parse`): "not a number", not "out of range".
        if !lat.isFinite {
            add("location.lat", "not_a_number", "errLatNotNumber")
        } else if !(lat >= -90 && lat <= 90) {
            add("location.lat", "out_of_range", "errLatRange")
        }
        if !lon.isFinite {
            add("location.lon", "not_a_number", "errLonNotNumber")
        } else if !(lon >= -180 && lon <= 180) {
            add("location.lon", "out_of_range", "errLonRange")
        }
        let point = MapPoint(lat: lat, lon: lon)
        if lat.isFinite, lon.isFinite, abs(lat) <= 90, abs(lon) <= 180, !CityBounds.contains(point) {
            add("location", "outside_city", "errLocationOutsideCity")
        }
        let address = length(given.address, "location.address", AppealValidator.locationAddressLength, required: false)
        return AppealRegistered.Location(lat: lat, lon: lon, address: address)
    }

    /// Art. 17, a complaint only: the day of the decision complained about and the day its author
    /// learned of it, both optional. Each a real date, not in the future; the learned day not
    /// before the decision. Another kind of appeal may not give them.
    mutating func complaintDates(decidedOn: String?, learnedOn: String?, kind: AppealKind?, today: LocalDate)
        -> (decidedOn: LocalDate?, learnedOn: LocalDate?)
    {
        let given = [("decidedOn", decidedOn), ("learnedOn", learnedOn)].filter { AppealValidator.clean($0.1) != nil }
        guard kind == .complaint else {
            if kind != nil {
                for (field, _) in given { add(field, "not_allowed", "errComplaintDateNotAllowed", ["field": field]) }
            }
            return (nil, nil)
        }
        let decided = AppealValidator.clean(decidedOn) == nil ? nil : pastDate(decidedOn, "decidedOn", today: today)
        let learned =
            AppealValidator.clean(learnedOn) == nil
            ? nil : pastDate(learnedOn, "learnedOn", today: today, earliest: decided)
        return (decided, learned)
    }

    /// Complaints (Art. 7): name the authority complained about; only complaints may.
    mutating func against(_ value: String?, kind: AppealKind?) -> String? {
        let against = AppealValidator.clean(value)
        if kind == .complaint {
            guard let against else {
                add("against", "required", "errAgainstRequired")
                return nil
            }
            if Reference.authority(code: against) == nil { add("against", "unknown_authority", "errAgainstUnknown") }
        } else if against != nil, kind != nil {
            add("against", "not_allowed", "errAgainstNotAllowed")
        }
        return against
    }
}
