import Foundation
import HromadaCore
import Hummingbird
import Synchronization

/// The classes of route that get buckets of their own, so that one client hammering public
/// reference data cannot make another's tracking or sign-in answer 429.
public enum RateLimitClass: String, Sendable {
    case reference, tracking, registration, signIn
}

/// A token bucket per client and route class: the client is the connecting address (or, behind a
/// trusted proxy, the forwarded client: `ClientAddressResolver`), never a header value a client
/// may choose. A caller may key by something verified instead (a centre after its key was
/// checked) through `key`. Over the limit the answer is 429 with `Retry-After` (through the
/// errors body; the web kit's error middleware renders it as a page for browsers). In memory and
/// per replica; a shared limit across replicas would belong in front of the services.
public struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter
    let routeClass: RateLimitClass
    let key: @Sendable (Request, Context) -> String

    /// - key: the client's key; by default its address as `addresses` resolves it.
    public init(
        _ routeClass: RateLimitClass = .reference,
        requestsPerSecond: Double,
        burst: Int,
        addresses: ClientAddressResolver = .fromProcess,
        key: (@Sendable (Request, Context) -> String)? = nil
    ) {
        self.limiter = RateLimiter(rate: requestsPerSecond, burst: Double(burst))
        self.routeClass = routeClass
        self.key = key ?? { request, context in "a:" + addresses.client(request, context: context) }
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let wait = limiter.take(routeClass.rawValue + "|" + key(request, context))
        guard wait == 0 else { throw RateLimitMiddleware.tooManyRequests(retryAfter: wait) }
        return try await next(request, context)
    }

    static func tooManyRequests(retryAfter seconds: Double) -> APIError {
        APIError(
            .tooManyRequests,
            errors: [
                FieldError(
                    code: "rate_limited", message: "too many requests; retry later",
                    messageUk: "Забагато запитів, спробуйте пізніше")
            ],
            headers: [.retryAfter: String(max(1, Int(seconds.rounded(.up))))])
    }
}

/// Slows failed sign-ins per client address: after `freeFailures` failures each further attempt
/// waits twice as long as the one before (1 s, 2 s, 4 s … up to `maxDelay`), answered 429 with
/// `Retry-After` until then. A success clears the address's record. A failure is an answer (or
/// thrown error) with status 401 or 403, or one `isFailure` recognises (a form shown again).
public struct SignInThrottleMiddleware<Context: RequestContext>: RouterMiddleware {
    let throttle: FailureThrottle
    let addresses: ClientAddressResolver
    let isFailure: @Sendable (Response) -> Bool

    public init(
        freeFailures: Int = 5, maxDelay: Duration = .seconds(300), addresses: ClientAddressResolver = .fromProcess,
        isFailure: @escaping @Sendable (Response) -> Bool = { _ in false }
    ) {
        self.throttle = FailureThrottle(freeFailures: freeFailures, maxDelay: maxDelay)
        self.addresses = addresses
        self.isFailure = isFailure
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let client = addresses.client(request, context: context)
        let wait = throttle.wait(client)
        guard wait == 0 else { throw RateLimitMiddleware<Context>.tooManyRequests(retryAfter: wait) }
        // Only attempts (POST) count; showing the form is neither a failure nor a success.
        guard request.method == .post else { return try await next(request, context) }
        do {
            let response = try await next(request, context)
            if [.unauthorized, .forbidden].contains(response.status) || isFailure(response) {
                throttle.failed(client)
            } else if response.status.code < 400 {
                throttle.succeeded(client)
            }
            return response
        } catch let error as any HTTPResponseError {
            if [.unauthorized, .forbidden].contains(error.status) { throttle.failed(client) }
            throw error
        }
    }
}

/// Failures per key with an exponential delay after the free ones; idle records are evicted.
public final class FailureThrottle: Sendable {
    private struct Record {
        var failures: Int
        var last: ContinuousClock.Instant
    }
    private let records = Mutex<[String: Record]>([:])
    let freeFailures: Int
    let maxDelay: Double
    let capacity: Int

    public init(freeFailures: Int, maxDelay: Duration, capacity: Int = 50_000) {
        self.freeFailures = freeFailures
        self.maxDelay = maxDelay.seconds
        self.capacity = capacity
    }

    /// Seconds `key` must still wait before its next attempt (0 = may try now).
    public func wait(_ key: String, now: ContinuousClock.Instant = .now) -> Double {
        records.withLock { records in
            guard let record = records[key], record.failures >= freeFailures else { return 0 }
            let delay = min(maxDelay, pow(2, Double(record.failures - freeFailures)))
            return max(0, delay - (now - record.last).seconds)
        }
    }

    public func failed(_ key: String, now: ContinuousClock.Instant = .now) {
        records.withLock { records in
            if records.count >= capacity, records[key] == nil {
                // Forget records whose delay has passed, then the oldest if still full.
                records = records.filter { (now - $0.value.last).seconds < maxDelay }
                if records.count >= capacity, let oldest = records.min(by: { $0.value.last < $1.value.last }) {
                    records[oldest.key] = nil
                }
            }
            var record = records[key] ?? Record(failures: 0, last: now)
            record.failures += 1
            record.last = now
            records[key] = record
        }
    }

    public func succeeded(_ key: String) { _ = records.withLock { $0.removeValue(forKey: key) } }

    /// How many clients have a failure record.
    public var count: Int { records.withLock { $0.count } }
}

/// Token buckets keyed by client. Returns 0 when a request may pass, else seconds to wait.
/// Memory is bounded: at `capacity` keys, buckets that have refilled (idle clients, which a fresh
/// bucket would treat the same) are evicted, and if that frees nothing the fullest tenth.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }
    private let buckets = Mutex<[String: Bucket]>([:])
    private let rate: Double
    private let burst: Double
    let capacity: Int

    public init(rate: Double, burst: Double, capacity: Int = 100_000) {
        self.rate = rate
        self.burst = burst
        self.capacity = capacity
    }

    public func take(_ key: String, now: ContinuousClock.Instant = .now) -> Double {
        buckets.withLock { buckets in
            if buckets.count >= capacity, buckets[key] == nil { evict(&buckets, now: now) }
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated).seconds * rate)
            bucket.updated = now
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                buckets[key] = bucket
                return 0
            }
            buckets[key] = bucket
            return (1 - bucket.tokens) / rate
        }
    }

    private func evict(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        func tokens(_ bucket: Bucket) -> Double { bucket.tokens + (now - bucket.updated).seconds * rate }
        buckets = buckets.filter { tokens($0.value) < burst }
        guard buckets.count >= capacity else { return }
        // Still full of active clients: forget the fullest tenth (a forgotten bucket starts full,
        // so this forgives the least), never the clients that are being held back.
        let fullest = buckets.sorted { tokens($0.value) > tokens($1.value) }.prefix(max(1, capacity / 10))
        for (key, _) in fullest { buckets[key] = nil }
    }

    /// How many clients have a bucket.
    public var count: Int { buckets.withLock { $0.count } }
}
