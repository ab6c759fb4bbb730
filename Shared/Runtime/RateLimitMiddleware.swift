import Foundation
import Hummingbird
import Synchronization

/// A token bucket per client key (by default the bearer token's hash prefix or the forwarded
/// address): public endpoints answer 429 with `Retry-After` instead of letting one client starve
/// the others. In memory and per replica, which bounds a single abusive client well enough; a
/// shared limit across replicas would belong in front of the services.
public struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter
    let key: @Sendable (Request, Context) -> String

    public init(
        requestsPerSecond: Double,
        burst: Int,
        key: @escaping @Sendable (Request, Context) -> String = RateLimitMiddleware.defaultKey
    ) {
        self.limiter = RateLimiter(rate: requestsPerSecond, burst: Double(burst))
        self.key = key
    }

    public static func defaultKey(_ request: Request, _ context: Context) -> String {
        if let token = BearerToken.from(request) { return "t:" + String(token.prefix(12)) }
        if let forwarded = request.headers[.init("X-Forwarded-For")!]?.split(separator: ",").first {
            return "a:" + forwarded.trimmingCharacters(in: .whitespaces)
        }
        return "anonymous"
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let wait = limiter.take(key(request, context))
        guard wait == 0 else {
            throw APIError(.tooManyRequests, errors: [FieldError(code: "rate_limited", message: "too many requests; retry later", messageUk: "Забагато запитів, спробуйте пізніше")],
                           headers: [.retryAfter: String(Int(wait.rounded(.up)))])
        }
        return try await next(request, context)
    }
}

/// Token buckets keyed by client. Returns 0 when a request may pass, else seconds to wait.
public final class RateLimiter: Sendable {
    private struct Bucket { var tokens: Double; var updated: ContinuousClock.Instant }
    private let buckets = Mutex<[String: Bucket]>([:])
    private let rate: Double
    private let burst: Double

    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    public func take(_ key: String, now: ContinuousClock.Instant = .now) -> Double {
        buckets.withLock { buckets in
            if buckets.count > 100_000 { buckets.removeAll(keepingCapacity: true) }  // bound memory under a flood of keys
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * rate)
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
}
