import Foundation
import HromadaAPI
import HromadaPhotos
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// Routing's side of the photos (issue 15): where officials' browsers reach intake
/// (`HROMADA_INTAKE_URL`, intake's public address) and the key of the signed links
/// (`HROMADA_PHOTO_LINK_KEY`, shared with intake). Without a key no link is made: the page says
/// how many photos there are and that their links are not configured.
public struct RoutingPhotoSettings: Sendable {
    public var signer: PhotoLinkSigner?
    public var intakeURL: PublicURL

    public init(signer: PhotoLinkSigner? = nil, intakeURL: PublicURL = .local(port: 8080)) {
        self.signer = signer
        self.intakeURL = intakeURL
    }

    /// Reads both variables; a bad value is an error naming the variable, never echoing it.
    public static func fromEnvironment(_ environment: [String: String]) throws -> RoutingPhotoSettings {
        let env = EnvironmentReader(environment)
        var settings = RoutingPhotoSettings()
        if let key = try env.hexSecret(.photoLinkKey, minimumBytes: PhotoLinkSigner.minimumKeyBytes) {
            settings.signer = PhotoLinkSigner(key: key)
        }
        if let url = env.string(.intakeURL) {
            settings.intakeURL = try PublicURL(url, variable: EnvironmentVariable.intakeURL.name)
        }
        return settings
    }
}

/// The ticket page's photos: thumbnails that link to the full image, both on intake through links
/// signed for this official and valid for a few minutes (`{{> ticket-photos}}`).
struct TicketPhotos: Encodable, Sendable {
    struct Item: Encodable, Sendable {
        var thumbURL: String?
        var fullURL: String?
        var number: Int
        var sha256: String
    }
    var items: [Item]
    var count: Int
    /// No link key is configured: the photos are listed without links.
    var linksUnavailable: Bool
}

extension WebInbox {
    /// The photos of the ticket's appeal for `principal` (nil: the appeal has none).
    func ticketPhotos(_ detail: TicketDetail, principal: Principal) async throws -> TicketPhotos? {
        let references = try await api.runtime.database.withConnection {
            try PhotoReferenceRecords.photos(appealId: detail.appealId, on: $0)
        }
        guard !references.isEmpty else { return nil }
        let settings = api.settings.photos
        let now = api.settings.clock()
        let viewer = PhotoLinkSigner.Viewer.official(id: principal.id)
        func link(_ id: UUID, _ size: PhotoLinkSigner.Size) -> String? {
            settings.signer.map {
                settings.intakeURL.link(
                    path: "/photos/" + id.uuidString.lowercased(),
                    query: $0.query(photo: id, size: size, viewer: viewer, now: now))
            }
        }
        return TicketPhotos(
            items: references.map {
                TicketPhotos.Item(
                    thumbURL: link($0.id, .thumb), fullURL: link($0.id, .full), number: $0.position + 1,
                    sha256: $0.sha256)
            },
            count: references.count, linksUnavailable: settings.signer == nil)
    }

    /// The page's Content-Security-Policy with intake's origin allowed for images (and nothing
    /// else), when the page shows photos.
    static func allowingPhotos(_ response: Response, photos: TicketPhotos?, intake: PublicURL) -> Response {
        guard photos != nil, let policy = response.headers[.contentSecurityPolicy] else { return response }
        var response = response
        response.headers[.contentSecurityPolicy] = policy.replacingOccurrences(
            of: "img-src 'self'", with: "img-src 'self' \(intake.origin)")
        return response
    }
}
