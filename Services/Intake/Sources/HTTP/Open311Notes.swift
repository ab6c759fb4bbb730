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
        let note: (uk: String, en: String) =
            switch status {
            case nil: ("Стан уточнюється.", "The status is being updated.")
            case .registered?:
                (
                    "Звернення зареєстровано; "
                        + "його передають до органу, що має розглянути.",
                    "The appeal is registered; it is being passed to the authority to consider it."
                )
            case .assigned?:
                (
                    "Звернення передано до органу для розгляду.",
                    "The appeal has been passed to the authority for consideration."
                )
            case .accepted?:
                (
                    "Орган прийняв звернення до розгляду.",
                    "The authority has accepted the appeal for consideration."
                )
            case .forwarded?:
                (
                    "Звернення надіслано за належністю до органу, "
                        + "до повноважень якого належить питання.",
                    "The appeal has been forwarded to the authority whose remit covers it."
                )
            case .extended?:
                (
                    "Строк розгляду продовжено; автора повідомлено.",
                    "The time for consideration has been extended; the author has been told."
                )
            case .answered?:
                (
                    "Надано відповідь автору звернення.",
                    "An answer has been given to the author."
                )
            case .reopened?:
                (
                    "Розгляд звернення відновлено.",
                    "Consideration of the appeal has been reopened."
                )
            case .closed?:
                (
                    "Розгляд звернення завершено, "
                        + "звернення знято з контролю.",
                    "Consideration of the appeal is complete."
                )
            case .returned?:
                (
                    "Звернення повернуто автору з поясненням "
                        + "(ст. 5 Закону про звернення).",
                    "The appeal was returned to the author with an explanation (Art. 5 of the law)."
                )
            case .notConsidered?:
                (
                    "Звернення не підлягає розгляду "
                        + "(ст. 8 Закону про звернення).",
                    "The appeal was left without consideration (Art. 8 of the law)."
                )
            }
        return language == .uk ? note.uk : note.en
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
