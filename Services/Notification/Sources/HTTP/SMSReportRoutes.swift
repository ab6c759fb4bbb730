import Foundation
import HromadaRuntime
import HromadaWeb
import Hummingbird
import Logging

/// `GET /v1/sms/delivery-report?d=<delivery id>&s=<Kannel report type>&sig=<signature>`: the SMS
/// gateway's delivery reports (the `dlr-url` each SMS was sent with). Only a report signed for its
/// delivery (`SMSReportLinks`) is taken: anything else is 403 and changes nothing. A repeated or
/// late report is answered 200 and changes nothing either (`recordSMSReport`).
public struct SMSReportRoutes: Sendable {
    let store: NotificationStore
    let links: SMSReportLinks
    let clock: @Sendable () -> Date
    let logger: Logger

    public init(store: NotificationStore, links: SMSReportLinks, clock: @escaping @Sendable () -> Date, logger: Logger)
    {
        self.store = store
        self.links = links
        self.clock = clock
        self.logger = logger
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.get(RouterPath(stringLiteral: SMSReportLinks.path)) { request, _ -> String in
            let query = request.uri.queryParameters
            guard let d = query.get("d"), let id = UUID(uuidString: d), let signature = query.get("sig"),
                links.isValid(signature, for: id)
            else {
                logger.notice("sms delivery report refused: not signed for its delivery")
                throw WebError.forbidden("the report is not signed for this delivery")
            }
            guard let s = query.get("s"), let type = Int(s), let report = SMSReport(kannelType: type) else {
                throw WebError.validation([
                    FieldError(field: "s", code: "invalid_value", message: "s must be a report type: 1, 2, 4, 8 or 16")
                ])
            }
            let outcome = try await store.recordSMSReport(deliveryId: id, report: report, kannelType: type, at: clock())
            guard outcome != .unknown else { throw WebError.notFound("delivery") }
            logger.info(
                "sms delivery report",
                metadata: [
                    "notification.id": "\(id.uuidString.lowercased())", "sms.report": "\(report.rawValue)",
                    "changed": "\(outcome == .recorded)",
                ])
            return "ok"
        }
    }
}
