import Foundation
import HromadaQRCode
import HromadaTestSupport
import XCTest

@testable import Intake

/// Reads a receipt's QR code back: the SVG's path into modules, and the modules into text through
/// `zbarimg` (Debian's zbar-tools) when it is installed; without it, the modules are compared with
/// libqrencode's own symbol for the expected text.
enum QRCheck {
    /// The modules an SVG drawn by `QRCode.svg` shows (quiet zone removed).
    static func modules(fromSVG svg: String) -> (size: Int, modules: [Bool])? {
        guard let sizeRange = svg.range(of: #"data-modules="(\d+)""#, options: .regularExpression),
            let size = Int(svg[sizeRange].filter(\.isNumber)),
            let pathStart = svg.range(of: "<path d=\"")?.upperBound,
            let pathEnd = svg[pathStart...].firstIndex(of: "\"")
        else { return nil }
        var modules = [Bool](repeating: false, count: size * size)
        let quiet = 4
        for command in svg[pathStart..<pathEnd].split(separator: "z") {
            // M<x> <y>h<run>v1h-<run>
            let numbers = command.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            guard numbers.count == 5 else { return nil }
            let (x, y, run) = (numbers[0] - quiet, numbers[1] - quiet, numbers[2])
            for i in 0..<run where (0..<size).contains(x + i) && (0..<size).contains(y) {
                modules[y * size + x + i] = true
            }
        }
        return (size, modules)
    }

    static var zbarimg: String? {
        ["/usr/bin/zbarimg", "/usr/local/bin/zbarimg"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The text `zbarimg` reads from the modules drawn as a PGM (8 pixels a module, quiet zone
    /// included), or nil when it reads nothing.
    static func decode(size: Int, modules: [Bool]) throws -> String? {
        guard let zbarimg else { return nil }
        let scale = 8
        let quiet = 4
        let side = (size + 2 * quiet) * scale
        var pixels = [UInt8](repeating: 255, count: side * side)
        for y in 0..<size {
            for x in 0..<size where modules[y * size + x] {
                for dy in 0..<scale {
                    for dx in 0..<scale {
                        pixels[((y + quiet) * scale + dy) * side + (x + quiet) * scale + dx] = 0
                    }
                }
            }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hromada-qr-\(UUID()).pgm")
        defer { try? FileManager.default.removeItem(at: file) }
        try (Data("P5\n\(side) \(side)\n255\n".utf8) + Data(pixels)).write(to: file)
        let result = try IntegrationEnvironment.run(
            zbarimg, ["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", file.path],
            environment: ProcessInfo.processInfo.environment)
        let text = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// Asserts that `svg` holds exactly `expected`.
    static func assertHolds(_ svg: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let drawn = try XCTUnwrap(modules(fromSVG: svg), "the SVG's modules", file: file, line: line)
        if zbarimg != nil {
            XCTAssertEqual(try decode(size: drawn.size, modules: drawn.modules), expected, file: file, line: line)
        } else {
            // No decoder here: libqrencode's own symbol for the expected text must be the one drawn.
            let reference = try QRCode(expected)
            XCTAssertEqual(drawn.size, reference.size, file: file, line: line)
            XCTAssertEqual(drawn.modules, reference.modules, file: file, line: line)
        }
    }
}

final class QRCodeTests: XCTestCase {
    let link = "https://hromada.mk.ua/track?number=MK-2026-000123#code=K7QFM29XMH"

    func testTheSVGDrawsLibqrencodesSymbol() throws {
        let code = try QRCode(link)
        XCTAssertEqual(code.size, 17 + 4 * code.version)
        let svg = code.svg(size: "36mm", title: "Скануйте <тут> & \"там\"")
        XCTAssertTrue(svg.hasPrefix("<svg "), svg)
        XCTAssertTrue(svg.contains("width=\"36mm\""))
        XCTAssertTrue(svg.contains("&lt;тут&gt; &amp; &quot;там&quot;"), "the title is escaped")
        XCTAssertFalse(svg.contains("<script") || svg.contains("href"), "nothing active, nothing fetched")
        let drawn = try XCTUnwrap(QRCheck.modules(fromSVG: svg))
        XCTAssertEqual(drawn.size, code.size)
        XCTAssertEqual(drawn.modules, code.modules, "the SVG shows every module as libqrencode made it")
        XCTAssertNotEqual(try QRCode(link + "X").modules, code.modules, "another text, another symbol")
    }

    func testTheSymbolDecodesToTheLink() throws {
        guard QRCheck.zbarimg != nil else {
            throw XCTSkip("zbarimg is not installed (zbar-tools, deploy/local/infra.sh install)")
        }
        try QRCheck.assertHolds(try QRCode(link).svg(), link)
    }

    func testEmptyOrHugeTextIsRefused() {
        XCTAssertThrowsError(try QRCode(""))
        XCTAssertThrowsError(try QRCode(String(repeating: "x", count: 5000)))
    }
}
