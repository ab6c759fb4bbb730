import Foundation
import Synchronization

/// The SMTP server's acceptance rate: `connections` plain-TCP clients, each on its own thread with
/// one connection (EHLO once), repeating MAIL FROM / RCPT TO / DATA / RSET with a message shaped
/// like the resident's registration notice (~2.5 KiB MIME, UTF-8, base64 body), one command at a
/// time as the notification service's libcurl does (no pipelining). A message counts when the
/// server answered 250 after its DATA.
enum SMTPCeiling {
    struct Result: Codable, Sendable {
        var url: String
        var connections: Int
        var seconds: Double
        var accepted: Int
        var failed: Int
        var perSecond: Double
        /// A new connection (and EHLO) per message instead of one kept for the whole run.
        var reconnectEachMessage: Bool
        var firstError: String?
    }

    struct ProtocolError: Error, CustomStringConvertible {
        var description: String
    }

    /// A message of the size and shape of a registration notice.
    static func message(runTag: String) -> [UInt8] {
        let text = String(
            repeating: "Ваше звернення зареєстровано. "
                + "Номер, строк розгляду та посилання для відстеження. ",
            count: 14)
        let body = Data(text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn])
        let lines = [
            "From: Hromada <no-reply@hromada.mkrada.gov.ua>", "To: <bench-\(runTag)@example.org>",
            "Subject: =?UTF-8?B?\(Data("Звернення зареєстровано".utf8).base64EncodedString())?=",
            "Date: \(Date())", "Message-ID: <\(UUID().uuidString.lowercased())@hromada.bench>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: base64", "", body, ".", "",
        ]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    static func measure(
        url: String, connections: Int, seconds: Double, reconnectEachMessage: Bool = false,
        runTag: String
    ) async throws -> Result {
        let (host, port) = try parseEndpoint(url, scheme: "smtp", defaultPort: 25)
        let data = message(runTag: runTag)
        let accepted = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        let firstError = Mutex<String?>(nil)
        let start = monotonicSeconds()
        let end = start + seconds
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let remaining = Atomic<Int>(connections)
            for worker in 0..<connections {
                let thread = Thread {
                    var session: BlockingSocket?
                    while monotonicSeconds() < end {
                        do {
                            if session == nil { session = try open(host: host, port: port) }
                            try transaction(session!, data: data, recipient: "bench-\(runTag)-\(worker)@example.org")
                            accepted.wrappingAdd(1, ordering: .relaxed)
                            if reconnectEachMessage {
                                try? command(session!, "QUIT", expect: 221)
                                session = nil
                            }
                        } catch {
                            failed.wrappingAdd(1, ordering: .relaxed)
                            firstError.withLock { if $0 == nil { $0 = "\(error)" } }
                            session = nil
                            Thread.sleep(forTimeInterval: 0.05)
                        }
                    }
                    if let session { try? command(session, "QUIT", expect: 221) }
                    if remaining.wrappingSubtract(1, ordering: .acquiringAndReleasing).oldValue == 1 {
                        continuation.resume()
                    }
                }
                thread.name = "bench-smtp-\(worker)"
                thread.start()
            }
        }
        let elapsed = monotonicSeconds() - start
        let count = accepted.load(ordering: .relaxed)
        return Result(
            url: url, connections: connections, seconds: elapsed, accepted: count,
            failed: failed.load(ordering: .relaxed), perSecond: Double(count) / elapsed,
            reconnectEachMessage: reconnectEachMessage, firstError: firstError.withLock { $0 })
    }

    private static func open(host: String, port: UInt16) throws -> BlockingSocket {
        let socket = try BlockingSocket(host: host, port: port, timeoutSeconds: 30)
        try expect(socket, 220)
        try command(socket, "EHLO hromada-bench.localdomain", expect: 250)
        return socket
    }

    private static func transaction(_ socket: BlockingSocket, data: [UInt8], recipient: String) throws {
        try command(socket, "MAIL FROM:<no-reply@hromada.mkrada.gov.ua>", expect: 250)
        try command(socket, "RCPT TO:<\(recipient)>", expect: 250)
        try command(socket, "DATA", expect: 354)
        try socket.send(data)
        try expect(socket, 250)
        try command(socket, "RSET", expect: 250)
    }

    private static func command(_ socket: BlockingSocket, _ line: String, expect code: Int) throws {
        try socket.send(Array((line + "\r\n").utf8))
        try expect(socket, code)
    }

    /// Reads one (possibly multi-line) reply and checks its code.
    private static func expect(_ socket: BlockingSocket, _ code: Int) throws {
        while true {
            let line = try socket.line()
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let got = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else {
                throw ProtocolError(description: "malformed SMTP reply")
            }
            if bytes.count > 3 && bytes[3] == UInt8(ascii: "-") { continue }
            guard got == code else { throw ProtocolError(description: "SMTP reply \(got), expected \(code)") }
            return
        }
    }
}
