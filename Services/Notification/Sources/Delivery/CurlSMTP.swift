import CCurl
import CHromadaShims
import Foundation

/// With `SMTPConnection`, the only files that touch libcurl: one SMTP transaction per call, blocking. Call it from a
/// thread you own (the sender's thread pool), never from Swift's cooperative pool.
public struct SMTPTransport: Sendable {
    /// 5xx → permanent, 4xx and connection trouble → temporary (`classify`).
    public typealias Outcome = SendOutcome

    public let endpoint: SMTPEndpoint
    public let connectTimeoutSeconds: Int
    public let timeoutSeconds: Int

    public init(endpoint: SMTPEndpoint, connectTimeoutSeconds: Int = 10, timeoutSeconds: Int = 60) {
        Self.initializeOnce()
        self.endpoint = endpoint
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.timeoutSeconds = timeoutSeconds
    }

    private static let globalInit: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    @discardableResult static func initializeOnce() -> Bool { globalInit }

    /// Sends `message` (already rendered, CRLF) from `mailFrom` to `recipient` on a connection of
    /// its own, closed afterwards. Blocking. A sender reuses connections instead (`SMTPConnection`).
    public func send(message: [UInt8], mailFrom: String, recipient: String) -> Outcome {
        let connection = SMTPConnection(transport: self)
        defer { connection.close() }
        return connection.send(message: message, mailFrom: mailFrom, recipient: recipient)
    }

    /// 5xx from the server → permanent; 4xx, connection and timeout trouble → temporary; a
    /// failure with no SMTP reply at all (TLS, login, protocol) → temporary, since it is usually
    /// the server's or the network's state rather than the message's.
    static func classify(curlCode: Int, smtpCode: Int, reason: String) -> Outcome {
        if (500...599).contains(smtpCode) { return .permanent(reason: reason) }
        if let first = reason.first, first == "5", reason.count >= 3, Int(reason.prefix(3)) != nil {
            return .permanent(reason: reason)
        }
        if curlCode == Int(CURLE_LOGIN_DENIED.rawValue) { return .permanent(reason: reason) }
        return .temporary(reason: reason)
    }
}

/// The message bytes libcurl reads from while it uploads DATA.
final class UploadState {
    let bytes: [UInt8]
    var offset = 0
    init(bytes: [UInt8]) { self.bytes = bytes }
}

/// The last error-class reply line (4xx/5xx) the server sent, from libcurl's debug stream.
final class ReplyLog {
    var last: String?
}

let readCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    let state = Unmanaged<UploadState>.fromOpaque(userdata).takeUnretainedValue()
    let room = size * count
    let remaining = state.bytes.count - state.offset
    let n = min(room, remaining)
    if n > 0 {
        state.bytes.withUnsafeBufferPointer { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + state.offset, byteCount: n)
        }
        state.offset += n
    }
    return n
}

/// libcurl's `CURLOPT_DEBUGFUNCTION`: handle, kind of data, data, size, user pointer.
typealias CurlDebugFunction =
    @convention(c) (
        OpaquePointer?, curl_infotype, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?
    ) -> Int32

let debugCallback: CurlDebugFunction =
    {
        _, type, data, size, userdata in
        guard type == CURLINFO_HEADER_IN, let data, let userdata else { return 0 }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if let first = line.first, first == "4" || first == "5" {
            Unmanaged<ReplyLog>.fromOpaque(userdata).takeUnretainedValue().last = String(line.prefix(300))
        }
        return 0
    }

/// One HTTP GET through the same libcurl (the SMS gateway's `sendsms`), blocking: call it from a
/// thread you own. Redirects are not followed; the body is kept up to 4 KiB.
public enum CurlHTTP {
    public struct Response: Sendable, Equatable {
        /// 0 when the transfer failed (`curlCode` says why).
        public var status: Int
        public var body: String
        public var curlCode: Int
        /// libcurl's error text (no URL, so no credentials in it) when `curlCode` is not 0.
        public var error: String
    }

    public static func get(url: String, connectTimeoutSeconds: Int, timeoutSeconds: Int) -> Response {
        SMTPTransport.initializeOnce()
        guard let handle = curl_easy_init() else {
            return Response(status: 0, body: "", curlCode: -1, error: "libcurl could not be initialised")
        }
        defer { curl_easy_cleanup(handle) }
        let sink = ResponseBody()
        let sinkPointer = Unmanaged.passRetained(sink)
        defer { sinkPointer.release() }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let result: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
            var code = CURLE_OK
            func set(_ result: CURLcode) { if code == CURLE_OK { code = result } }
            set(hromada_curl_setopt_string(handle, CURLOPT_URL, url))
            set(hromada_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
            set(hromada_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeoutSeconds))
            set(hromada_curl_setopt_long(handle, CURLOPT_TIMEOUT, timeoutSeconds))
            set(hromada_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
            set(
                hromada_curl_setopt_pointer(
                    handle, CURLOPT_WRITEFUNCTION, unsafeBitCast(writeCallback, to: UnsafeMutableRawPointer.self)))
            set(hromada_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer.toOpaque()))
            set(
                hromada_curl_setopt_pointer(
                    handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorPointer.baseAddress)))
            guard code == CURLE_OK else { return code }
            return curl_easy_perform(handle)
        }
        var status = 0
        _ = hromada_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        let message = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return Response(
            status: result == CURLE_OK ? status : 0, body: String(decoding: sink.bytes, as: UTF8.self),
            curlCode: Int(result.rawValue), error: result == CURLE_OK ? "" : message)
    }
}

/// The response body libcurl writes, kept up to a limit.
private final class ResponseBody {
    var bytes: [UInt8] = []
    static let limit = 4096
}

private let writeCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, userdata in
    guard let data, let userdata else { return 0 }
    let sink = Unmanaged<ResponseBody>.fromOpaque(userdata).takeUnretainedValue()
    let n = size * count
    let room = max(0, ResponseBody.limit - sink.bytes.count)
    if room > 0 {
        sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: min(n, room)))
    }
    return n
}
