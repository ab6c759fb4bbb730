import Foundation

/// The librarian's form asks whether the resident wants SMS notices (issue 15): the checkbox
/// "Повідомляти SMS" (`{{> form-sms}}`), posted as `notifyBy=sms` and sent on as
/// `author.notifyBy`. Without it a phone and no email still gets SMS while notification's SMS
/// channel is on; with it the resident gets SMS even when they also gave an email.
extension WebPages {
    /// The partial this file renders.
    static let smsTemplates = ["form-sms"]

    /// `"sms"` when the box is ticked, else nil (the default rules apply).
    static func notifyBy(_ values: FormValues) -> String? { values.notifySMS ? "sms" : nil }
}
