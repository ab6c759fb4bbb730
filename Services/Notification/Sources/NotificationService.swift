import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaWeb
import Hummingbird
import Logging
import Prometheus

/// `hromada-notification`: tells residents, officials and centres what happened to an appeal.
/// Consumes the appeal and ticket events into delivery rows (inbox transaction), sends the email
/// rows over SMTP with retries (`DeliverySender`) and, when `HROMADA_SMS_URL` is set, the SMS rows
/// through Kannel (`SMSChannel`), takes the gateway's delivery reports, and serves the centres' inbox.
///
/// Layout: `Domain/` who is told what and the delivery state machine (pure), `Persistence/` the
/// store and migrations (the only SQL), `Messaging/` the event handler, `Delivery/` the sender and
/// the SMTP machinery (libcurl, MIME), `HTTP/` the centre inbox; this file only assembles them.
public enum NotificationService {
    public static func build(
        configuration: ServiceConfiguration,
        logger: Logger,
        metricsRegistry: PrometheusCollectorRegistry?,
        settings: NotificationSettings? = nil
    ) async throws -> (runtime: ServiceRuntime, router: Router<WebRequestContext>, sender: DeliverySender) {
        let settings =
            try settings
            ?? NotificationSettings.fromEnvironment(configuration.environment, port: configuration.httpPort)
        let runtime = try ServiceRuntime(configuration: configuration, logger: logger, metricsRegistry: metricsRegistry)
        try await runtime.prepare(
            migrations: NotificationMigrations.all + NotificationErasure.migrations + AnswerLetters.migrations
                + SMSMigrations.all)

        let templates = try NotificationTemplates()
        let store = NotificationStore(work: runtime.unitOfWork)
        // Issue 15: nil unless HROMADA_SMS_URL is set.
        let sms = try SMSChannel.make(
            store: store, settings: settings, httpPort: configuration.httpPort, logger: runtime.logger)
        let planner = NotificationPlanner(
            templates: templates, trackingURL: settings.trackingURL, officialLanguage: settings.officialLanguage,
            sms: sms?.templates)
        let sender = try DeliverySender(store: store, settings: settings, logger: runtime.logger)
        let handler = NotificationHandler(
            planner: planner, producer: configuration.producer, clock: settings.clock, logger: runtime.logger)
        runtime.addConsumer(
            queue: Topology.Queue.notification.rawValue, bindings: NotificationHandler.bindings + [ErasureGate.binding],
            handler: ErasureGate(
                wrapping: handler, producer: configuration.producer, clock: settings.clock, logger: runtime.logger,
                erase: NotificationErasure.erase),
            afterCommit: {
                sender.wake()
                sms?.sender.wake()
            }
        )
        runtime.addService(sender)
        if let sms { runtime.addService(sms.sender) }

        let web = settings.web ?? WebSettings.local(service: "notification", port: configuration.httpPort)
        let site = try WebSite(
            settings: web, bundle: NotificationResources.bundle, templates: CentreRoutes.templates,
            sessionStore: PostgresSessionStore(database: runtime.database, settings: web))
        site.logStartup(runtime.logger)
        let router = runtime.makeRouter(context: WebRequestContext.self)
        CentreRoutes(
            inbox: store, site: site, clock: settings.clock, logger: runtime.logger, intakeURL: settings.intakeURL
        ).add(to: router)
        if let sms {
            SMSReportRoutes(store: store, links: sms.links, clock: settings.clock, logger: runtime.logger).add(
                to: router)
        }
        return (runtime, router, sender)
    }

    public static func run(
        configuration: ServiceConfiguration, logger: Logger, metricsRegistry: PrometheusCollectorRegistry?
    ) async throws {
        let (runtime, router, _) = try await build(
            configuration: configuration, logger: logger, metricsRegistry: metricsRegistry)
        try await runtime.run(application: runtime.makeApplication(router: router))
    }
}
