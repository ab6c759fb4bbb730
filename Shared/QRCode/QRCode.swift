// HromadaQRCode — QR codes through libqrencode (the one file that calls it), drawn as inline SVG:
// no image file, no external fetch, nothing the pages' Content-Security-Policy forbids.
import CQREncode

/// One QR code symbol: `size` × `size` modules, dark where `isDark(x, y)`.
public struct QRCode: Sendable, Equatable {
    public let size: Int
    public let version: Int
    /// Row-major, `size * size` entries.
    public let modules: [Bool]

    /// Error correction: M (15 %) suits a printed receipt that may be folded or smudged.
    public enum Correction: Sendable {
        case low, medium, quartile, high
        var level: QRecLevel {
            switch self {
            case .low: QR_ECLEVEL_L
            case .medium: QR_ECLEVEL_M
            case .quartile: QR_ECLEVEL_Q
            case .high: QR_ECLEVEL_H
            }
        }
    }

    public struct EncodingError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Encodes `text` (8-bit mode: a URL's bytes as they are, case kept), the smallest version
    /// that holds it. Throws when libqrencode refuses (too long, out of memory).
    public init(_ text: String, correction: Correction = .medium) throws {
        guard !text.isEmpty, text.utf8.count <= 2000 else {
            throw EncodingError(description: "QR code: the text is empty or too long")
        }
        guard let symbol = QRcode_encodeString8bit(text, 0, correction.level) else {
            throw EncodingError(description: "QR code: libqrencode could not encode the text")
        }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        // Bit 0 of each byte is the module's colour (1 = dark); the other bits say what it is for.
        let data = UnsafeBufferPointer(start: symbol.pointee.data, count: width * width)
        self.size = width
        self.version = Int(symbol.pointee.version)
        self.modules = data.map { $0 & 1 == 1 }
    }

    public func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }

    /// An `<svg>` element: one path of the dark modules on a white square with the quiet zone of
    /// four modules the standard asks for; `width`/`height` as given (CSS units, e.g. `36mm`).
    /// `title` is escaped and read out by screen readers.
    public func svg(size displaySize: String = "36mm", title: String = "") -> String {
        let quiet = 4
        let total = size + 2 * quiet
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else {
                    x += 1
                    continue
                }
                var run = 1
                while x + run < size, isDark(x: x + run, y: y) { run += 1 }
                path += "M\(x + quiet) \(y + quiet)h\(run)v1h-\(run)z"
                x += run
            }
        }
        let label = Self.escape(title)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(total) \(total)\" width=\"\(displaySize)\" "
            + "height=\"\(displaySize)\" role=\"img\" aria-label=\"\(label)\" shape-rendering=\"crispEdges\" "
            + "class=\"qr\" data-modules=\"\(size)\"><title>\(label)</title>"
            + "<rect width=\"\(total)\" height=\"\(total)\" fill=\"#fff\"/>"
            + "<path d=\"\(path)\" fill=\"#000\"/></svg>"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
