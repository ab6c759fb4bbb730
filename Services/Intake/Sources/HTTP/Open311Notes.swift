import Foundation

/// What Open311 says about a request beyond its fields: the status note for each state (as
/// GeoReport v2's `status_notes` and the `service_request_updates` extension carry it), in the
/// request's language, and the rules for the `media_url` a client may send.
enum Open311Notes {
    /// The language of the notes: `locale` (`uk`, `en`, `en_GB`, `uk-UA`, …) when a client asks,
    /// else the jurisdiction's, Ukrainian.
    enum Language: String, Sendable {
        case uk, en
        init(locale: String?) {
            let tag = (locale ?? "").lowercased()
            self = tag.hasPrefix("en") ? .en : .uk
        }
    }

    /// A sentence a resident understands for each public status; never a reason or answer text.
    static func statusNote(_ status: PublicStatus?, language: Language) -> String {
        guard let status else {
            return language == .uk ? "Стан уточнюється." : "The status is being updated."
        }
        switch (status, language) {
        case (.registered, .uk):
            return "Звернення зареєстровано; "
                + "його передають до органу, що має розглянути."
        case (.registered, .en): return "The appeal is registered; it is being passed to the authority to consider it."
        case (.assigned, .uk): return "Звернення передано до органу для розгляду."
        case (.assigned, .en): return "The appeal has been passed to the authority for consideration."
        case (.accepted, .uk): return "Орган прийняв звернення до розгляду."
        case (.accepted, .en): return "The authority has accepted the appeal for consideration."
        case (.forwarded, .uk):
            return "Звернення надіслано за належністю до органу, "
                + "до повноважень якого належить питання."
        case (.forwarded, .en): return "The appeal has been forwarded to the authority whose remit covers it."
        case (.extended, .uk):
            return "Строк розгляду продовжено; автора повідомлено."
        case (.extended, .en): return "The time for consideration has been extended; the author has been told."
        case (.answered, .uk): return "Надано відповідь автору звернення."
        case (.answered, .en): return "An answer has been given to the author."
        case (.reopened, .uk): return "Розгляд звернення відновлено."
        case (.reopened, .en): return "Consideration of the appeal has been reopened."
        case (.closed, .uk):
            return "Розгляд звернення завершено, "
                + "звернення знято з контролю."
        case (.closed, .en): return "Consideration of the appeal is complete."
        case (.returned, .uk):
            return "Звернення повернуто автору з поясненням "
                + "(ст. 5 Закону про звернення)."
        case (.returned, .en): return "The appeal was returned to the author with an explanation (Art. 5 of the law)."
        case (.notConsidered, .uk):
            return "Звернення не підлягає розгляду "
                + "(ст. 8 Закону про звернення)."
        case (.notConsidered, .en): return "The appeal was left without consideration (Art. 8 of the law)."
        }
    }

    /// A status in the vocabulary of the `service_request_updates` extension (FixMyStreet's):
    /// `open`, `in_progress`, `internal_referral`, `closed`, `no_further_action`.
    static func updateStatus(_ status: PublicStatus?) -> String {
        switch status {
        case nil, .registered, .assigned: return "open"
        case .accepted, .extended, .reopened: return "in_progress"
        case .forwarded: return "internal_referral"
        case .answered, .closed: return "closed"
        case .returned, .notConsidered: return "no_further_action"
        }
    }

    /// The longest `media_url` kept.
    static let maxMediaURLLength = 2000

    /// Checks a client's `media_url`: an absolute http or https link with a host, at most
    /// `maxMediaURLLength` characters. Returns the reason it is refused, or nil when it is fine.
    static func mediaURLProblem(_ value: String) -> String? {
        guard value.count <= maxMediaURLLength else {
            return "media_url: at most \(maxMediaURLLength) characters"
        }
        guard !value.contains(where: { $0.isWhitespace }), let url = URL(string: value),
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, value.lowercased().hasPrefix(scheme + "://")
        else {
            return "media_url: must be an http or https link"
        }
        // A link is shown to anyone once published: one carrying a user name or password is refused.
        guard url.user == nil, url.password == nil else {
            return "media_url: must not carry a user name or password"
        }
        return nil
    }
}
