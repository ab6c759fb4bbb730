import Foundation
import HromadaRuntime

/// Settings of audit's reports and open data, from `HROMADA_OPEN_DATA_THRESHOLD`.
public struct ReportSettings: Sendable {
    /// An open-data cell (district × category × day) with fewer appeals than this is suppressed.
    public var openDataThreshold: Int

    public init(openDataThreshold: Int = OpenDataExporter.defaultThreshold) {
        self.openDataThreshold = openDataThreshold
    }

    public static func fromEnvironment(_ environment: [String: String]) throws -> ReportSettings {
        var settings = ReportSettings()
        if let n = try EnvironmentReader(environment).integer(.openDataThreshold, in: 1...1000) {
            settings.openDataThreshold = n
        }
        return settings
    }
}
