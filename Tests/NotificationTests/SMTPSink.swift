import Foundation
import HromadaRuntime
import HromadaTestSupport

/// A private SMTP sink (deploy/local/smtp-sink.py) on free ports, for one test.
final class SMTPSink: @unchecked Sendable {
    let process: Process
    let smtpPort: Int
    let httpPort: Int
    let directory: URL

    struct Unavailable: Error, CustomStringConvertible { let description: String }

    static func start() throws -> SMTPSink {
        let script = IntegrationEnvironment.repositoryRoot.appendingPathComponent("deploy/local/smtp-sink.py")
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw Unavailable(description: "deploy/local/smtp-sink.py is missing")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hromada-sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--smtp-port", "0", "--http-port", "0", "--dir", directory.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first stdout line is {"smtpPort": …, "httpPort": …}.
        var line = Data()
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line += byte
        }
        guard let json = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
            let smtp = json["smtpPort"] as? Int, let http = json["httpPort"] as? Int
        else {
            process.terminate()
            throw Unavailable(description: "the SMTP sink did not report its ports")
        }
        return SMTPSink(process: process, smtpPort: smtp, httpPort: http, directory: directory)
    }

    private init(process: Process, smtpPort: Int, httpPort: Int, directory: URL) {
        self.process = process
        self.smtpPort = smtpPort
        self.httpPort = httpPort
        self.directory = directory
    }

    var url: String { "smtp://127.0.0.1:\(smtpPort)" }
    var control: String { "http://127.0.0.1:\(httpPort)" }

    struct Message {
        let mailFrom: String
        let rcptTo: [String]
        let raw: String
        var subject: String? { MIMETestDecoder.header("Subject", in: raw) }
        var body: String? { MIMETestDecoder.body(of: raw) }
        func header(_ name: String) -> String? { MIMETestDecoder.header(name, in: raw) }
    }

    func messages() async throws -> [Message] {
        let response = try await ServiceHarness.request("GET", control + "/messages")
        guard let list = try response.json() as? [[String: Any]] else { return [] }
        return list.map {
            Message(
                mailFrom: $0["mailFrom"] as? String ?? "", rcptTo: $0["rcptTo"] as? [String] ?? [],
                raw: $0["raw"] as? String ?? "")
        }
    }

    func fault(_ mode: String, count: Int) async throws {
        let body = try JSONSerialization.data(withJSONObject: ["mode": mode, "count": count])
        let response = try await ServiceHarness.request(
            "POST", control + "/fault", body: body, headers: ["Content-Type": "application/json"])
        guard response.status == 200 else { throw Unavailable(description: "fault API answered \(response.status)") }
    }

    func stop() {
        // No waitUntilExit: Foundation's Process can hang in it on Linux. SIGTERM, a short
        // poll, then SIGKILL, by this process's own pid.
        let pid = process.processIdentifier
        if pid > 0 && process.isRunning {
            kill(pid, SIGTERM)
            for _ in 0..<30 where process.isRunning { usleep(100_000) }
            if process.isRunning { kill(pid, SIGKILL) }
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
