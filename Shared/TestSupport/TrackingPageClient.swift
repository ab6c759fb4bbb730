import Foundation

/// Opens a tracking page link the way a browser does since issue 14: an old link with the code
/// (`/track?number=…&token=…`, `/track/statement?…`) answers `303` to a clean address and sets the
/// tracking page's proof cookie; the clean address shows the result with that cookie. (The tests'
/// HTTP clients keep no cookies, so they would land on an empty page.)
public enum TrackingPageClient {
    public static let proofCookie = "hromada_intake_track"

    /// The page `url` leads to, with the proof its redirect set (or `url`'s own answer when it does
    /// not redirect).
    public static func get(_ url: String) async throws -> ServiceHarness.Response {
        guard let target = URL(string: url), let scheme = target.scheme, let host = target.host else {
            throw ServiceHarness.HarnessError(description: "bad URL \(url)")
        }
        let base = "\(scheme)://\(host)" + (target.port.map { ":\($0)" } ?? "")
        let browser = FormBrowser(baseURL: base)
        let path = String(url.dropFirst(base.count))
        let first = try await browser.get(path)
        guard first.status == 303, let location = first.header("Location") else { return first }
        let next = location.hasPrefix("http") ? String(location.dropFirst(base.count)) : location
        return try await browser.get(next, cookie: FormBrowser.cookie(proofCookie, in: first))
    }
}
