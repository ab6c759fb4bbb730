import Foundation
import HromadaRuntime
import HromadaWeb

/// Everything the notification service needs beyond `ServiceConfiguration`. Every field has a
/// default, so tests build one in a line; reading the environment is `fromEnvironment`.
public struct NotificationSettings: Sendable {
    /// `smtp://host:port`, `smtps://host:port`, `smtp://user:pass@host:587?starttls=required`.
    public var smtpURL: String
    /// The `From` header (display name and address).
    public var from: String
    /// Delay before each new try after a temporary failure; the last one repeats.
    public var retryDelays: [Duration]
    /// Tries of one email in all (the first one included) before it is `failed`.
    public var maxAttempts: Int
    /// How long a claimed row is reserved for one sender; longer than one SMTP transaction may take.
    public var lease: Duration
    /// The sender looks for due rows at least this often even when nobody wakes it.
    public var pollInterval: Duration
    /// Rows one sender claims at once.
    public var batchSize: Int
    /// Threads that run the blocking SMTP transactions (libcurl), each over its own kept connection.
    /// 4: an MTA answers each message after forcing it to disk, so a sender waits on the MTA far more
    /// than it computes; with 2, the resident's email was the hop that fell behind first at 150
    /// appeals/s on the issue 16 benchmark (postfix on loopback).
    public var senderThreads: Int
    /// Per-transaction limits given to libcurl.
    public var smtpConnectTimeoutSeconds: Int
    public var smtpTimeoutSeconds: Int
    /// Where residents follow their appeal (shown in the registration notice).
    public var trackingURL: String
    /// Language of officials' notices (the directory carries none).
    public var officialLanguage: String
    /// The centre pages' web settings (`HROMADA_PUBLIC_URL`, `HROMADA_SESSION_SECRET` in hex,
    /// shared by replicas). Nil: the local default for the service's port with a random secret.
    public var web: WebSettings?
    /// Where the librarian's form (intake) is reached (`HROMADA_INTAKE_URL`): the centre pages link
    /// back to it. Never built from the request's `Host`.
    public var intakeURL: PublicURL = .local(port: 8080)
    /// The SMS gateway's `sendsms` URL with its user and password (`HROMADA_SMS_URL`); nil: the SMS
    /// channel is off. Never logged (`SMSGatewayEndpoint.description` leaves the password out).
    public var smsURL: String? = nil
    /// Where the gateway sends delivery reports (absolute, `…/v1/sms/delivery-report`); nil: this
    /// service's public URL (`HROMADA_PUBLIC_URL`) with that path.
    public var smsReportURL: String? = nil
    /// "Now", injectable for tests.
    public var clock: @Sendable () -> Date

    public init(
        smtpURL: String = "smtp://127.0.0.1:2525",
        from: String = "Hromada <no-reply@hromada.mkrada.gov.ua>",
        retryDelays: [Duration] = [.seconds(2), .seconds(10), .seconds(60), .seconds(300), .seconds(1800)],
        maxAttempts: Int = 6,
        lease: Duration = .seconds(180),
        pollInterval: Duration = .seconds(2),
        batchSize: Int = 20,
        senderThreads: Int = 4,
        smtpConnectTimeoutSeconds: Int = 10,
        smtpTimeoutSeconds: Int = 60,
        trackingURL: String = "http://127.0.0.1:8080/",
        officialLanguage: String = "uk",
        web: WebSettings? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.smtpURL = smtpURL
        self.from = from
        self.retryDelays = retryDelays
        self.maxAttempts = maxAttempts
        self.lease = lease
        self.pollInterval = pollInterval
        self.batchSize = batchSize
        self.senderThreads = senderThreads
        self.smtpConnectTimeoutSeconds = smtpConnectTimeoutSeconds
        self.smtpTimeoutSeconds = smtpTimeoutSeconds
        self.trackingURL = trackingURL
        self.officialLanguage = officialLanguage
        self.web = web
        self.clock = clock
    }

    /// Retries and lease of the email deliveries (`Delivery`'s state machine).
    public var deliveryPolicy: DeliveryPolicy {
        DeliveryPolicy(retryDelays: retryDelays, maxAttempts: maxAttempts, lease: lease)
    }

    /// The delay before try number `attempts + 1`, after `attempts` failed tries.
    public func delay(afterAttempts attempts: Int) -> Duration { deliveryPolicy.delay(afterAttempts: attempts) }

    /// Reads `HROMADA_SMTP_URL`, `HROMADA_SMTP_FROM`, `HROMADA_SMTP_RETRY_DELAYS` (comma-separated
    /// seconds), `HROMADA_SMTP_MAX_ATTEMPTS`, `HROMADA_SMTP_LEASE_SECONDS`, `HROMADA_TRACKING_URL`, and
    /// the web kit's `HROMADA_PUBLIC_URL` and `HROMADA_SESSION_SECRET` over the defaults. `port` is the HTTP
    /// port (the public URL's default).
    public static func fromEnvironment(_ environment: [String: String], port: Int = 8082) throws -> NotificationSettings
    {
        let reader = EnvironmentReader(environment)
        var settings = NotificationSettings()
        if let url = reader.string(.smtpURL) {
            do { _ = try SMTPEndpoint(url: url) } catch {
                throw ConfigurationError(
                    variable: EnvironmentVariable.smtpURL.name,
                    reason: "must be smtp://host[:port] or smtps://host[:port]")
            }
            settings.smtpURL = url
        }
        if let from = reader.string(.smtpFrom) {
            guard MIMEMessage.address(in: from) != nil else {
                throw ConfigurationError(
                    variable: EnvironmentVariable.smtpFrom.name, reason: "must be an address or \"Name <address>\"")
            }
            settings.from = from
        }
        if let delays = reader.string(.smtpRetryDelays) {
            let parsed = delays.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? -1) >= 0 }) else {
                throw ConfigurationError(
                    variable: EnvironmentVariable.smtpRetryDelays.name, reason: "must be comma-separated seconds")
            }
            settings.retryDelays = parsed.map { .milliseconds(Int64($0! * 1000)) }
        }
        if let attempts = reader.string(.smtpMaxAttempts) {
            guard let n = Int(attempts), (1...100).contains(n) else {
                throw ConfigurationError(variable: EnvironmentVariable.smtpMaxAttempts.name, reason: "must be 1–100")
            }
            settings.maxAttempts = n
        }
        // A live sender renews its claim every quarter lease and starts a send only with enough of it
        // confirmed (`DeliverySender.sendAllowance`); the lease is how long the rows of a sender killed
        // mid-round wait before another sender takes them over.
        if let lease = try reader.duration(.smtpLeaseSeconds, unit: .seconds(1), in: 10...3600) {
            settings.lease = lease
        }
        if let url = reader.string(.trackingURL) { settings.trackingURL = url }
        if let url = reader.string(.smsURL) {
            do { _ = try SMSGatewayEndpoint(url: url) } catch let error as SMSGatewayEndpoint.InvalidURL {
                throw ConfigurationError(variable: EnvironmentVariable.smsURL.name, reason: error.reason)
            }
            settings.smsURL = url
        }
        settings.web = try WebSettings.fromEnvironment(service: "notification", port: port, environment: environment)
        if let url = reader.string(.intakeURL) {
            settings.intakeURL = try PublicURL(url, variable: EnvironmentVariable.intakeURL.name)
        }
        return settings
    }
}
