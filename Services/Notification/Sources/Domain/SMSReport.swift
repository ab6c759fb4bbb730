import Foundation

/// A delivery report from the SMS gateway (Kannel calls our `dlr-url` with `%d`, the report type).
///
///     pending ──gateway accepted──▶ sent ──report 1──────▶ sent, delivered
///                                     └───report 2 or 16─▶ failed (notification.failed)
///
/// Reports 4 (buffered at the operator's centre) and 8 (the centre has it) are kept as progress.
/// `delivered` and `undelivered` are final: a later or repeated report changes nothing.
public enum SMSReport: String, Sendable, Equatable, CaseIterable {
    case buffered, smsc, delivered, undelivered

    /// Kannel's report types: 1 delivered to the phone, 2 not delivered to the phone, 4 queued on
    /// the SMSC, 8 delivered to the SMSC, 16 not delivered to the SMSC. Nil for anything else.
    public init?(kannelType: Int) {
        switch kannelType {
        case 1: self = .delivered
        case 2, 16: self = .undelivered
        case 4: self = .buffered
        case 8: self = .smsc
        default: return nil
        }
    }

    public var isFinal: Bool { self == .delivered || self == .undelivered }

    /// The failure reason a `notification.failed` carries for an undelivered SMS.
    public static func undeliveredReason(kannelType: Int) -> String {
        "sms_undelivered: the operator reported it was not delivered (report \(kannelType))"
    }
}
