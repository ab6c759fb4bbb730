import Foundation
import HromadaContracts

/// The SMS channel's part of planning (issue 15).
///
/// Who gets an SMS, when the channel is on (`HROMADA_SMS_URL` set):
/// - a resident with a phone and no (plausible) email: an SMS instead of the centre's notice;
/// - a resident who asked for SMS (`author.notifyBy = "sms"`) and has a phone: an SMS; when they
///   also gave an email they get BOTH — the email stays the primary notice (recipient key
///   `resident`) because only it carries the full text (the answer, the tracking code), and the
///   SMS (`resident:sms`) tells them to look.
/// Everyone else is told as before: by email, else through the centre, else nobody (`unreachable`).
/// With the channel off, residents with a phone and no email get the centre's notices as before.
extension NotificationPlanner {
    /// Where the resident's notices go, the primary target first; one or two targets.
    public static func targets(for resident: ResidentContact, smsEnabled: Bool) -> [NoticeTarget] {
        let primary = target(for: resident)
        guard smsEnabled, let phone = SMSNumber.normalised(resident.phone) else { return [primary] }
        if case .email = primary {
            return resident.notifyBy == "sms" ? [primary, .sms(phone)] : [primary]
        }
        return [.sms(phone)]
    }

    /// The SMS text of a resident event: `Resources/sms/<event>.<lang>.mustache`, with the
    /// registration number and the tracking link (never the tracking code), sanitized for UCS-2.
    func smsNotice(
        _ envelope: Envelope, resident: ResidentContact, target: NoticeTarget, language: String, key: String
    ) throws -> PlannedNotice {
        guard let sms else { throw NotificationTemplates.TemplateError(code: "sms_off", template: envelope.type) }
        var context = try residentContext(envelope, resident: resident, language: language)
        context["trackingToken"] = nil
        let rendered = try sms.render(envelope.type, language: language, context: context)
        var text = SMSText.sanitized(rendered.body)
        if !SMSText.fits(text) {
            // Only an unusually long configured tracking address gets here (the templates are tested
            // to fit): two segments and an ellipsis rather than a third segment.
            text = String(decoding: Array(text.utf16.prefix(SMSText.limit - 1)), as: UTF16.self) + "…"
        }
        return PlannedNotice(
            recipientKey: key, recipientKind: .resident, target: target, language: language,
            template: "\(envelope.type).sms", subject: rendered.subject, body: text)
    }
}
