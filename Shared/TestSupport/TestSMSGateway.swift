import Foundation
import XCTest

/// A private Kannel for one test: bearerbox with a fake SMSC, Kannel's `fakesmsc` connected to it,
/// and smsbox with a sendsms user, on free loopback ports, state and logs in a temporary folder —
/// started by the same script as the local set-up (deploy/local/kannel/kannel.sh). `messages()`
/// reads what fakesmsc received, concatenated parts joined and UCS-2 decoded.
public final class TestSMSGateway: @unchecked Sendable {
    public let directory: URL
    public let adminPort: Int
    public let smsboxPort: Int
    public let smscPort: Int
    public let sendsmsPort: Int
    public let username = "hromada"
    public let password: String

    /// `HROMADA_SMS_URL` for this gateway (the password as user info).
    public var url: String { "http://\(username):\(password)@127.0.0.1:\(sendsmsPort)/cgi-bin/sendsms" }

    public struct Unavailable: Error, CustomStringConvertible { public let description: String }

    /// True when Debian's kannel and kannel-extras are installed.
    public static var isInstalled: Bool {
        ["/usr/sbin/bearerbox", "/usr/sbin/smsbox", "/usr/lib/kannel/test/fakesmsc"]
            .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts a gateway; skips the test when Kannel is not installed (fails it when the servers
    /// are required, as under deploy/local/test.sh).
    public static func start(file: StaticString = #filePath, line: UInt = #line) throws -> TestSMSGateway {
        guard isInstalled else {
            let why = "Kannel is not installed (deploy/local/infra.sh install: kannel, kannel-extras)"
            if IntegrationEnvironment.infrastructureRequired { XCTFail(why, file: file, line: line) }
            throw XCTSkip(why)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hromada-kannel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let gateway = try TestSMSGateway(directory: directory)
        try gateway.startKannel()
        return gateway
    }

    /// A gateway in `directory` on four free loopback ports, with a random sendsms password.
    private init(directory: URL) throws {
        self.directory = directory
        adminPort = try IntegrationEnvironment.freeLoopbackPort()
        smsboxPort = try IntegrationEnvironment.freeLoopbackPort()
        smscPort = try IntegrationEnvironment.freeLoopbackPort()
        sendsmsPort = try IntegrationEnvironment.freeLoopbackPort()
        password = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    /// Starts bearerbox, fakesmsc and smsbox (whichever is not running); returns once sendsms answers.
    public func startKannel() throws { try script("start") }

    /// Stops all three (the gateway is "down": sendsms refuses connections).
    public func stopKannel() throws { try script("stop") }

    /// Stops the gateway and removes its folder.
    public func stop() {
        try? stopKannel()
        try? FileManager.default.removeItem(at: directory)
    }

    private func script(_ command: String) throws {
        let path = IntegrationEnvironment.repositoryRoot.appendingPathComponent("deploy/local/kannel/kannel.sh").path
        let environment = [
            "KANNEL_STATE_DIR": directory.path, "KANNEL_ADMIN_PORT": "\(adminPort)",
            "KANNEL_SMSBOX_PORT": "\(smsboxPort)",
            "KANNEL_SMSC_PORT": "\(smscPort)", "KANNEL_SENDSMS_PORT": "\(sendsmsPort)", "KANNEL_SENDSMS_USER": username,
            "KANNEL_SENDSMS_PASSWORD": password, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        ]
        let log = directory.appendingPathComponent("kannel-script.log").path
        let status = try Self.spawnWithDefaultSignals([
            "/bin/bash", "-c",
            Shell.closingInheritedDescriptors
                + "exec /usr/bin/env -i \(Shell.assignments(environment)) /bin/bash \(Shell.quote(path)) \(command)"
                + " >>\(Shell.quote(log)) 2>&1 </dev/null",
        ])
        guard status == 0 else {
            throw Unavailable(description: "kannel.sh \(command) exited with \(status); logs in \(directory.path)")
        }
    }

    /// posix_spawn + waitpid, like `IntegrationEnvironment.spawnAndWait`, but with an empty signal
    /// mask and default dispositions: the test process's threads block signals, and a daemon that
    /// inherits that mask would ignore the SIGTERM that `kannel.sh stop` sends it.
    static func spawnWithDefaultSignals(_ arguments: [String]) throws -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        return Shell.waitForExit(try Shell.spawn(arguments, attributes: &attributes))
    }

    /// One SMS as the phone would show it.
    public struct Message: Sendable, Equatable {
        public var from: String
        public var to: String
        public var text: String
        /// Segments it arrived in (1 or more).
        public var parts: Int
    }

    /// Every SMS fakesmsc received so far, in order.
    public func messages() throws -> [Message] {
        let log = directory.appendingPathComponent("fakesmsc.log")
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return Self.parse(fakesmscLog: text)
    }

    /// Parses fakesmsc's "Got message N: <from to type [udh] payload>" lines. A concatenated SMS
    /// arrives as `udh <05 00 03 ref total seq> data <UCS-2 bytes>` parts, joined here by ref.
    public static func parse(fakesmscLog text: String) -> [Message] {
        var result: [Message] = []
        var pending: [String: (first: Int, total: Int, parts: [Int: [UInt8]], from: String, to: String)] = [:]
        for line in text.split(separator: "\n") {
            guard let start = line.range(of: "Got message "), let open = line[start.upperBound...].firstIndex(of: "<"),
                line.hasSuffix(">")
            else { continue }
            let body = line[line.index(after: open)..<line.index(before: line.endIndex)]
            let fields = body.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 4 else { continue }
            let from = fields[0]
            let to = fields[1]
            let type = fields[2]
            switch type {
            case "ucs-2", "ucs2":
                result.append(
                    Message(
                        from: from, to: to, text: decodeUCS2(percentDecoded(fields[3...].joined(separator: " "))),
                        parts: 1))
            case "text":
                let bytes = percentDecoded(fields[3...].joined(separator: " "))
                result.append(Message(from: from, to: to, text: String(decoding: bytes, as: UTF8.self), parts: 1))
            case "udh" where fields.count >= 6:
                let udh = percentDecoded(fields[3])
                let payload = percentDecoded(fields[5...].joined(separator: " "))
                // IEI 0x00: concatenation with an 8-bit reference: 05 00 03 ref total seq.
                guard udh.count >= 6, udh[1] == 0x00 else { continue }
                let key = "\(from)|\(to)|\(udh[3])"
                var entry = pending[key] ?? (result.count, Int(udh[4]), [:], from, to)
                entry.parts[Int(udh[5])] = payload
                pending[key] = entry
                if entry.parts.count == entry.total {
                    let bytes = (1...entry.total).flatMap { entry.parts[$0] ?? [] }
                    result.append(Message(from: from, to: to, text: decodeUCS2(bytes), parts: entry.total))
                    pending[key] = nil
                }
            default:
                continue
            }
        }
        return result
    }

    /// fakesmsc prints payloads URL-encoded (`+` for a space).
    static func percentDecoded(_ text: String) -> [UInt8] {
        HexEscapes.decode(text.replacingOccurrences(of: "+", with: " "), escape: "%")
    }

    static func decodeUCS2(_ bytes: [UInt8]) -> String {
        var units: [UInt16] = []
        var i = 0
        while i + 1 < bytes.count {
            units.append(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]))
            i += 2
        }
        return String(decoding: units, as: UTF16.self)
    }
}
