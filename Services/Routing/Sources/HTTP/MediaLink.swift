import Foundation

/// The check before an Open311 client's `media_url` becomes a link on an official's page (issue
/// 15). Intake refuses anything else already; routing checks again because the page is where a
/// `javascript:` or `data:` link would do harm. The page only links to it (`rel="noopener
/// noreferrer nofollow"`, a new tab): no server fetches it and no `<img>` embeds it, so the third
/// party never sees an official's page load.
enum MediaLink {
    /// The longest link shown (intake accepts no longer ones).
    static let maximumLength = 2000

    /// `value` when it is an absolute http or https link with a host and no user name or
    /// password, else nil (then the page shows no link).
    static func safeURL(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.count <= maximumLength,
            !value.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F })
        else { return nil }
        let lower = value.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"),
            let url = URL(string: value), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty,
            url.user == nil, url.password == nil
        else { return nil }
        return value
    }
}
