/// An error whose `safeDescription` is known to hold no personal data and no secret: no value
/// from a request, a message or a database row, only codes, field names and fixed text. Logs at
/// info and above, dead-letter headers and HTTP error bodies use it (through
/// `redactedDescription`).
///
/// Conform an error whose `description` is already safe with an empty extension (the default
/// uses `description`); give one whose `description` may carry data (a server message that
/// echoes a value) its own `safeDescription`.
public protocol PrivacySafeError: Error {
    /// Text for logs at any level: never a value from the input.
    var safeDescription: String { get }
}

extension PrivacySafeError where Self: CustomStringConvertible {
    public var safeDescription: String { description }
}

extension Error {
    /// The one way to put an error into a log line at warning and above, a dead-letter header or
    /// any other text that leaves the process: `safeDescription` for a `PrivacySafeError`, and
    /// only the error's type name for anything else (its description might quote a value).
    public var redactedDescription: String {
        if let safe = self as? any PrivacySafeError { return safe.safeDescription }
        return String(reflecting: type(of: self))
    }
}
