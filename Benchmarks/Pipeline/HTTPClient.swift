import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A response of `BlockingHTTPConnection`.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// A minimal HTTP/1.1 keep-alive client over one blocking IPv4 TCP socket. Owned by one thread
/// (the benchmark's worker threads; never Swift's cooperative pool). Enough for a load generator
/// against 127.0.0.1: Content-Length and chunked bodies, reconnect when the server closed the
/// connection.
final class BlockingHTTPConnection {
    let host: String
    let port: UInt16
    private var socket: BlockingSocket?
    private var requestsOnConnection = 0
    private let timeoutSeconds: Int

    init(host: String, port: UInt16, timeoutSeconds: Int = 30) {
        self.host = host == "localhost" ? "127.0.0.1" : host
        self.port = port
        self.timeoutSeconds = timeoutSeconds
    }

    /// Sends one request and reads its response. A request on a reused keep-alive connection that
    /// the server had already closed is sent once more on a fresh connection (the benchmark's POSTs
    /// carry an Idempotency-Key, so a resend never registers twice).
    func request(method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws
        -> HTTPResponse
    {
        var attempt = 0
        while true {
            attempt += 1
            if socket == nil {
                socket = try BlockingSocket(host: host, port: port, timeoutSeconds: timeoutSeconds)
                requestsOnConnection = 0
            }
            let reused = requestsOnConnection > 0
            do {
                try send(method: method, path: path, headers: headers, body: body)
                let response = try readResponse()
                requestsOnConnection += 1
                if response.header("Connection")?.lowercased() == "close" { closeSocket() }
                return response
            } catch let error as HTTPClientError
                where reused && attempt == 1 && (error.code == "closed" || error.code == "send")
            {
                closeSocket()
                continue
            } catch {
                closeSocket()
                throw error
            }
        }
    }

    func close() { closeSocket() }

    private func closeSocket() {
        socket = nil
        requestsOnConnection = 0
    }

    private func send(method: String, path: String, headers: [(String, String)], body: [UInt8]) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: keep-alive\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        bytes.append(contentsOf: body)
        try connected().send(bytes)
    }

    private func connected() throws -> BlockingSocket {
        guard let socket else { throw HTTPClientError(code: "closed", description: "not connected") }
        return socket
    }

    private func line() throws -> String { try connected().line() }
    private func take(_ count: Int) throws -> [UInt8] { try connected().take(count) }

    private func readResponse() throws -> HTTPResponse {
        let statusLine = try line()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw HTTPClientError(code: "protocol", description: "bad status line")
        }
        var headers: [(name: String, value: String)] = []
        while true {
            let header = try line()
            if header.isEmpty { break }
            guard let colon = header.firstIndex(of: ":") else { continue }
            headers.append(
                (String(header[..<colon]), header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let response = HTTPResponse(status: status, headers: headers, body: [])
        var body: [UInt8] = []
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try line()
                let sizeText = sizeLine.split(separator: ";").first.map(String.init) ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw HTTPClientError(code: "protocol", description: "bad chunk size")
                }
                if size == 0 {
                    while try !line().isEmpty {}  // trailers
                    break
                }
                body.append(contentsOf: try take(size))
                _ = try line()
            }
        } else if let length = response.header("Content-Length").flatMap({ Int($0) }) {
            body = try take(length)
        } else if status != 204 && status != 304 {
            throw HTTPClientError(code: "protocol", description: "response without a length")
        }
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}

/// Splits `http://host:port` into host and port.
func parseHTTPBase(_ url: String) throws -> (host: String, port: UInt16) {
    try parseEndpoint(url, scheme: "http", defaultPort: 80)
}
