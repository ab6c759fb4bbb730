// HromadaWeb — the one web kit every Hromada service and the operators' console stands on.
// This file: who is asking (`Principal`), the request context that carries it
// (`WebRequestContext`), and the policy helpers a route calls (`requirePrincipal`, `require(_:)`).
// How a service adopts the kit: Shared/Web/README.md.
import Foundation
public import Hummingbird
public import NIOCore

/// The authenticated party behind a request, as the authenticator middlewares found it.
public enum Principal: Sendable, Equatable, CustomStringConvertible {
    /// A citizen service centre's system, with its centre key (`Authorization: Bearer`).
    case centre(id: String)
    /// A librarian signed in to a centre's pages (a session opened with the centre's key).
    case librarian(centre: String)
    /// An official of an authority (API token or a session opened with it).
    case official(Official)
    /// The bootstrap administrator (`HROMADA_ADMIN_TOKEN`).
    case administrator
    /// An operator of the console (the operator token).
    case `operator`

    /// An official as the kit needs to know them; the service keeps the rest.
    public struct Official: Sendable, Equatable {
        public var id: String
        public var name: String
        public var authority: String
        public var role: Role

        public init(id: String, name: String, authority: String, role: Role) {
            self.id = id
            self.name = name
            self.authority = authority
            self.role = role
        }
    }

    /// The roles of ARCHITECTURE.md's credentials file, plus administrators named in the directory.
    public enum Role: String, Sendable, Codable, CaseIterable {
        case official, head, reception, administrator
    }

    /// The centre this principal acts for (a centre's system or its librarian), if any.
    public var centre: String? {
        switch self {
        case .centre(let id), .librarian(let id): id
        default: nil
        }
    }

    /// A short description for logs: the kind and an id, never a name.
    public var description: String {
        switch self {
        case .centre(let id): "centre:\(id)"
        case .librarian(let centre): "librarian:\(centre)"
        case .official(let official): "official:\(official.id)"
        case .administrator: "administrator"
        case .operator: "operator"
        }
    }
}

/// A request context that carries a principal and a web session; the kit's middlewares work with
/// any context that conforms (the kit's own is `WebRequestContext`).
public protocol PrincipalRequestContext: RequestContext {
    /// Filled by an authenticator middleware; nil when nobody is signed in.
    var principal: Principal? { get set }
    /// The browser session, filled by `SessionAuthenticator` when the request carries a live one.
    var session: WebSession? { get set }
}

/// The request context of every Hromada service: Hummingbird's core context plus who is asking.
public struct WebRequestContext: PrincipalRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public var session: WebSession?
    /// The connecting address (the rate limiter's client, unless it is a trusted proxy).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.session = nil
        self.remoteAddress = source.channel.remoteAddress
    }
}

/// Why a principal may or may not do something: a named check over the principal.
public struct Policy: Sendable {
    public let name: String
    let allows: @Sendable (Principal) -> Bool

    public init(_ name: String, allows: @escaping @Sendable (Principal) -> Bool) {
        self.name = name
        self.allows = allows
    }

    public func allows(_ principal: Principal) -> Bool { allows(principal) }

    public static let anyone = Policy("signed in") { _ in true }
    public static let administrator = Policy("administrator") { $0 == .administrator }
    public static let `operator` = Policy("operator") { $0 == .operator }
    /// A centre's system or its librarian.
    public static let centre = Policy("centre") { $0.centre != nil }
    /// Any official (the bootstrap administrator too).
    public static let official = Policy("official") { principal in
        if case .official = principal { return true }
        return principal == .administrator
    }

    /// Either policy.
    public func or(_ other: Policy) -> Policy {
        Policy("\(name) or \(other.name)") { self.allows($0) || other.allows($0) }
    }
}

extension PrincipalRequestContext {
    /// The principal, or 401 (`WebError.unauthorized`) when nobody is signed in.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw WebError.unauthorized() }
        return principal
    }

    /// The principal when `policy` allows it; 401 when nobody is signed in, 403 otherwise.
    @discardableResult
    public func require(_ policy: Policy) throws -> Principal {
        let principal = try requirePrincipal()
        guard policy.allows(principal) else { throw WebError.forbidden() }
        return principal
    }

    /// The session, or 401 when the request has none.
    public func requireSession() throws -> WebSession {
        guard let session else { throw WebError.unauthorized("sign in first") }
        return session
    }
}
