import Foundation
import HromadaCrypto
import HromadaWeb
import Hummingbird
import Synchronization

/// Queue depths over time: one sample every few seconds, the oldest dropped past `capacity`.
public final class QueueHistory: Sendable {
    public struct Sample: Codable, Sendable, Equatable {
        public var at: Date
        /// Ready + unacknowledged messages by queue name.
        public var depths: [String: Int]
        public init(at: Date, depths: [String: Int]) {
            self.at = at
            self.depths = depths
        }
    }

    public let capacity: Int
    private let samples = Mutex<[Sample]>([])

    public init(capacity: Int = 720) { self.capacity = max(2, capacity) }

    public func append(_ sample: Sample) {
        samples.withLock { list in
            list.append(sample)
            if list.count > capacity { list.removeFirst(list.count - capacity) }
        }
    }

    public var all: [Sample] { samples.withLock { $0 } }
}

/// Server-side line chart of queue depths as inline SVG (no script needed to see it; the page's
/// small script redraws it from `/api/snapshot`).
public struct DepthChart: Codable, Sendable, Equatable {
    public struct Series: Codable, Sendable, Equatable {
        public var queue: String
        public var color: String
        public var points: String
        public var last: Int
    }

    public var width: Int
    public var height: Int
    public var maxValue: Int
    public var series: [Series]
    public var spanSeconds: Int

    static let palette = ["#0b4f8a", "#c0392b", "#1e8449", "#8e44ad", "#b9770e", "#117a65", "#7b241c", "#2e4053"]

    /// One line per queue that is a main or dead-letter queue, over `samples`.
    public static func make(_ samples: [QueueHistory.Sample], width: Int = 860, height: Int = 220) -> DepthChart {
        let queues = Set(samples.flatMap { $0.depths.keys }).filter { QueueInfo.kind(of: $0) != .retry }.sorted()
        let maxValue = max(1, samples.flatMap { $0.depths.values }.max() ?? 1)
        let count = samples.count
        let series = queues.enumerated().map { index, queue -> Series in
            let points = samples.enumerated().map { i, sample -> String in
                let x = count <= 1 ? Double(width) : Double(i) * Double(width) / Double(count - 1)
                let y = Double(height) - Double(sample.depths[queue] ?? 0) * Double(height - 10) / Double(maxValue)
                return String(format: "%.1f,%.1f", x, y)
            }.joined(separator: " ")
            return Series(
                queue: queue, color: palette[index % palette.count], points: points,
                last: samples.last?.depths[queue] ?? 0)
        }
        let span = count > 1 ? Int(samples[count - 1].at.timeIntervalSince(samples[0].at)) : 0
        return DepthChart(width: width, height: height, maxValue: maxValue, series: series, spanSeconds: span)
    }
}

/// The console's sessions: the web kit's signed cookie (`SignedCookieSessionStore`, cookie
/// `hromada_console`, HttpOnly, SameSite=Strict, a short absolute expiry; `HROMADA_SESSION_SECRET`
/// when set, else a secret of this process only, so a restart signs everyone out), the CSRF token
/// bound to each session, and one-time login links.
public final class ConsoleSessions: Sendable {
    public static let cookieName = "hromada_console"
    /// Whom a console session signs in.
    public static let subject = "operator"
    /// The kit's store: the console's `WebSite` reads and ends sessions through it.
    public let store: SignedCookieSessionStore
    public let lifetime: TimeInterval
    private let onceTokens = Mutex<[String: Date]>([:])
    let clock: @Sendable () -> Date

    public init(
        lifetime: TimeInterval = 2 * 3600, secret: [UInt8] = SecureRandom.bytes(32),
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        let secret = (try? SessionSecret(hex: Hex.encode(secret))) ?? .random()
        self.store = SignedCookieSessionStore(secret: secret, cookieName: Self.cookieName, lifetime: .seconds(lifetime))
        self.lifetime = lifetime
        self.clock = clock
    }

    public init(
        settings: WebSettings, lifetime: TimeInterval = 2 * 3600, clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = SignedCookieSessionStore(
            secret: settings.sessionSecret, cookieName: Self.cookieName,
            lifetime: .seconds(lifetime))
        self.lifetime = lifetime
        self.clock = clock
    }

    /// A new operator session's cookie value.
    public func newSession() -> String { store.issue(subject: Self.subject, now: clock()).cookieValue }

    /// Whether `value` is a live session this console signed (not forged, expired or signed out).
    public func isValid(_ value: String?) -> Bool {
        guard let value else { return false }
        return store.session(from: value, now: clock())?.subject == Self.subject
    }

    /// The CSRF token bound to a session ("" for no valid session).
    public func csrfToken(for session: String) -> String { store.session(from: session, now: clock())?.csrf ?? "" }

    public func isValidCSRF(_ token: String?, session: String) -> Bool {
        guard let token, let live = store.session(from: session, now: clock()) else { return false }
        return ConstantTime.equals(token, live.csrf)
    }

    /// `Set-Cookie` value for a session (HttpOnly, SameSite=Strict, Path=/).
    public func cookie(_ session: String) -> String {
        Cookie(
            name: Self.cookieName, value: session, maxAge: Int(lifetime), path: "/", httpOnly: true, sameSite: .strict
        )
        .description
    }

    public static let clearingCookie = "\(cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"

    /// A single-use login nonce valid for `validFor` seconds, for `GET /login?once=<nonce>` (tests
    /// and local tooling in the same process; never printed or logged).
    public func makeOneTimeLogin(validFor: TimeInterval = 60) -> String {
        let nonce = SecureRandom.token(bytes: 24)
        let expiry = clock().addingTimeInterval(validFor)
        onceTokens.withLock { tokens in
            let now = clock()
            tokens = tokens.filter { $0.value > now }
            tokens[nonce] = expiry
        }
        return nonce
    }

    /// Consumes a one-time nonce; true once, if it exists and has not expired.
    public func redeemOneTimeLogin(_ nonce: String) -> Bool {
        let now = clock()
        return onceTokens.withLock { tokens in
            guard let expiry = tokens.removeValue(forKey: nonce) else { return false }
            return expiry > now
        }
    }
}
