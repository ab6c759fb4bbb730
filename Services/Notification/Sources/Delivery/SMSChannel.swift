import Foundation
import HromadaContracts
import HromadaWeb
import Logging

/// The SMS channel, assembled when `HROMADA_SMS_URL` is set (else nil: residents with a phone and
/// no email get the centre's notices, as before): its sender (a `DeliverySender` of the `sms`
/// deliveries), the report links it signs and the texts the planner renders.
public struct SMSChannel: Sendable {
    public let sender: DeliverySender
    public let links: SMSReportLinks
    public let templates: NotificationTemplates
    public let endpoint: SMSGatewayEndpoint

    /// libcurl's limits for one `sendsms` request.
    public static let connectTimeoutSeconds = 5
    public static let timeoutSeconds = 20

    /// The texts under `Resources/sms/`.
    public static func bundledTemplates() throws -> NotificationTemplates {
        try NotificationTemplates(directory: NotificationTemplates.resourceFolder("sms"))
    }

    public static func make(
        store: NotificationStore, settings: NotificationSettings, httpPort: Int, logger: Logger
    ) throws -> SMSChannel? {
        guard let url = settings.smsURL else { return nil }
        let endpoint = try SMSGatewayEndpoint(url: url)
        let web = settings.web ?? WebSettings.local(service: "notification", port: httpPort)
        let base = settings.smsReportURL ?? web.publicURL.link(path: SMSReportLinks.path)
        let links = SMSReportLinks(gatewayURL: url, base: base)
        let transport = KannelSMSTransport(
            endpoint: endpoint, reports: links, connectTimeoutSeconds: connectTimeoutSeconds,
            timeoutSeconds: timeoutSeconds)
        let sender = DeliverySender(
            store: store, channel: .sms, transport: transport,
            sendLimitSeconds: Double(connectTimeoutSeconds + timeoutSeconds), settings: settings, logger: logger)
        logger.info("sms channel on", metadata: ["sms.gateway": "\(endpoint)", "sms.reports": "\(base)"])
        return SMSChannel(sender: sender, links: links, templates: try bundledTemplates(), endpoint: endpoint)
    }
}
