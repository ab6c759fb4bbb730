import Foundation
import HromadaRuntime
import HromadaTestSupport

/// A private SMTP sink (deploy/local/smtp-sink.py) on free ports, for one test.
final class SMTPSink: @unchecked Sendable {
    let pid: pid_t
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
        let announced = directory.path + ".ports"
        let command = Shell.quote([
            "/usr/bin/env", "python3", script.path, "--smtp-port", "0", "--http-port", "0", "--dir", directory.path,
        ])
        // Inherited descriptors closed; stdout (where it announces its ports) to a file of its own.
        let pid = try Shell.spawn([
            "/bin/bash", "-c",
            Shell.closingInheritedDescriptors + "exec \(command) >\(Shell.quote(announced)) 2>/dev/null </dev/null",
        ])
        defer { try? FileManager.default.removeItem(atPath: announced) }
        // The first stdout line is {"smtpPort": …, "httpPort": …}.
        var line: Data?
        for _ in 0..<300 where line == nil {
            if let text = try? Data(contentsOf: URL(fileURLWithPath: announced)), let end = text.firstIndex(of: 0x0A) {
                line = text[..<end]
            } else {
                usleep(50_000)
            }
        }
        guard let line, let json = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
            let smtp = json["smtpPort"] as? Int, let http = json["httpPort"] as? Int
        else {
            end(pid)
            try? FileManager.default.removeItem(at: directory)
            throw Unavailable(description: "the SMTP sink did not report its ports")
        }
        return SMTPSink(pid: pid, smtpPort: smtp, httpPort: http, directory: directory)
    }

    private init(pid: pid_t, smtpPort: Int, httpPort: Int, directory: URL) {
        self.pid = pid
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
        Self.end(pid)
        try? FileManager.default.removeItem(at: directory)
    }

    /// SIGTERM, a short wait, then SIGKILL, by the sink's own pid; reaped (waitpid).
    private static func end(_ pid: pid_t) {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == 0 else { return }
        kill(pid, SIGTERM)
        for _ in 0..<30 where waitpid(pid, &status, WNOHANG) == 0 { usleep(100_000) }
        if waitpid(pid, &status, WNOHANG) == 0 {
            kill(pid, SIGKILL)
            _ = Shell.waitForExit(pid)
        }
    }
}
