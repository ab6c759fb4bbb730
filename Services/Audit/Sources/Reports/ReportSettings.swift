import Foundation
import HromadaRuntime

/// Settings of audit's reports and open data (`HROMADA_OPEN_DATA_THRESHOLD`).
public struct ReportSettings: Sendable {
    /// An open-data cell (district × category × day) with fewer appeals than this is suppressed.
    public var openDataThreshold: Int

    public init(openDataThreshold: Int = OpenDataExporter.defaultThreshold) {
        self.openDataThreshold = openDataThreshold
    }

    public static func fromEnvironment(_ environment: [String: String]) throws -> ReportSettings {
        var settings = ReportSettings()
        if let text = environment["HROMADA_OPEN_DATA_THRESHOLD"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let n = Int(text), n >= 1, n <= 1000 else {
                throw ConfigurationError(variable: "HROMADA_OPEN_DATA_THRESHOLD", reason: "must be a whole number 1…1000")
            }
            settings.openDataThreshold = n
        }
        return settings
    }
}
