import Foundation
import HromadaContracts
import HromadaTestSupport
import HromadaWeb
import XCTest

/// One vocabulary (issue 14, docs/VOCABULARY.md): the states' words live once, in the kit's catalogue;
/// Ukrainian texts use the apostrophe ʼ and none of the calques the review removed; dates and times
/// are written one way for people, in Kyiv.
final class VocabularyTests: XCTestCase {
    static let root = IntegrationEnvironment.repositoryRoot

    /// Every file a Ukrainian reader sees: the catalogues, the page templates (their fixed text is
    /// Ukrainian or comes from a catalogue), the emails and the SMS texts.
    static func ukrainianTexts() throws -> [URL] {
        let fm = FileManager.default
        var files: [URL] = []
        let folders =
            ["Shared/Web/Resources"]
            + ((try? fm.contentsOfDirectory(atPath: root.path + "/Services")) ?? [])
            .map { "Services/\($0)/Sources/Resources" }
        for folder in folders {
            guard let walker = fm.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            else { continue }
            for case let url as URL in walker {
                let name = url.lastPathComponent
                let ukrainian =
                    name == "uk.json" || name.hasSuffix(".uk.mustache") || name.hasSuffix(".uk.txt")
                    || (url.pathExtension == "mustache" && !name.hasSuffix(".en.mustache"))
                if ukrainian { files.append(url) }
            }
        }
        return files
    }

    func testUkrainianTextsUseTheApostropheʼNotTheTypewriterOne() throws {
        let files = try Self.ukrainianTexts()
        XCTAssertGreaterThan(files.count, 20, "the catalogues, templates and emails were found")
        let typewriter = try NSRegularExpression(pattern: #"\p{Script=Cyrillic}['’]\p{Script=Cyrillic}"#)
        var found: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in typewriter.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let letters = (text as NSString).substring(with: match.range)
                found.append("\(file.path.dropFirst(Self.root.path.count)): \(letters)")
            }
        }
        XCTAssertEqual(found, [], "write ʼ (U+02BC) between Ukrainian letters:\n" + found.joined(separator: "\n"))
    }

    /// Words the review replaced (docs/VOCABULARY.md gives the right ones).
    static let calques = [
        "токен", "живий", "мертві листи", "мертвих листів", "ескалац",
        "ескальов", "на протязі", "в якості",
        "приймати участь", "слідуюч", "являється", "співпада", "закрито",
        "передано виконавцю",
    ]

    func testNoUkrainianTextUsesAForbiddenCalque() throws {
        var found: [String] = []
        for file in try Self.ukrainianTexts() {
            let text = try String(contentsOf: file, encoding: .utf8).lowercased()
            for word in Self.calques where text.contains(word) {
                found.append("\(file.path.dropFirst(Self.root.path.count)): «\(word)»")
            }
        }
        XCTAssertEqual(found, [], found.joined(separator: "\n"))
    }

    /// The states' names and the subject's label are the kit's: no service keeps its own copy.
    func testTheStatesAreNamedOnceInTheKit() throws {
        let kit = try Self.catalogue("Shared/Web/Resources/strings/uk.json")
        let kitEn = try Self.catalogue("Shared/Web/Resources/strings/en.json")
        let law: [String: String] = [
            "registered": "Зареєстровано", "assigned": "Передано на розгляд",
            "accepted": "Прийнято до розгляду",
            "forwarded": "Надіслано за належністю", "extended": "Строк продовжено",
            "answered": "Надано відповідь",
            "reopened": "Розгляд відновлено", "closed": "Знято з контролю",
            "returned": "Повернуто автору",
            "not_considered": "Не підлягає розгляду",
        ]
        for (state, word) in law {
            XCTAssertEqual(kit["status_\(state)"], word, state)
            XCTAssertFalse((kitEn["status_\(state)"] ?? "").isEmpty, "English for \(state)")
        }
        let services = try FileManager.default.contentsOfDirectory(atPath: Self.root.path + "/Services")
        for service in services {
            for lang in ["uk", "en"] {
                let path = "Services/\(service)/Sources/Resources/strings/\(lang).json"
                guard FileManager.default.fileExists(atPath: Self.root.path + "/" + path) else { continue }
                let keys = try Self.catalogue(path).keys
                let copies = keys.filter { $0.hasPrefix("status_") || $0 == "subject" || $0.hasPrefix("outcome_") }
                XCTAssertEqual(copies.sorted(), [], "\(path) repeats the kit's words")
            }
        }
    }

    static func catalogue(_ path: String) throws -> [String: String] {
        let data = try Data(contentsOf: root.appendingPathComponent(path))
        return try JSONDecoder().decode([String: String].self, from: data)
    }

    // MARK: Dates and times

    func testDaysAreWrittenTheUkrainianAndTheEnglishWay() {
        let day = LocalDate(year: 2026, month: 11, day: 30)!
        XCTAssertEqual(PeopleDates.day(day, .uk), "30.11.2026")
        XCTAssertEqual(PeopleDates.day(day, .en), "30 Nov 2026")
        XCTAssertEqual(PeopleDates.day(LocalDate(year: 2027, month: 1, day: 5)!, .uk), "05.01.2027")
        XCTAssertEqual(PeopleDates.day(LocalDate(year: 2027, month: 1, day: 5)!, .en), "5 Jan 2027")
        XCTAssertEqual(PeopleDates.day("2026-12-15", .uk), "15.12.2026", "ISO text from an API")
        XCTAssertEqual(PeopleDates.day("—", .uk), "—", "anything else is left as it is")
        XCTAssertEqual(PeopleDates.day(day, languageCode: "en"), "30 Nov 2026")
        XCTAssertEqual(PeopleDates.day(day, languageCode: "xx"), "30.11.2026")
    }

    func testTimesAreKyivTimeNeverUTC() {
        // Winter (UTC+2) and summer (UTC+3); an instant just before midnight UTC is the next day in Kyiv.
        let winter = ISO8601.parse("2026-11-30T22:05:09Z")!
        XCTAssertEqual(PeopleDates.minute(winter, .uk), "01.12.2026 00:05")
        XCTAssertEqual(PeopleDates.minute(winter, .en), "1 Dec 2026, 00:05")
        XCTAssertEqual(PeopleDates.second(winter, .uk), "01.12.2026 00:05:09")
        let summer = ISO8601.parse("2026-07-01T09:30:00Z")!
        XCTAssertEqual(PeopleDates.minute(summer, .uk), "01.07.2026 12:30")
        XCTAssertEqual(PeopleDates.day(summer, .en), "1 Jul 2026")
        XCTAssertEqual(PeopleDates.minute("2026-07-01T09:30:00.000+00:00", .uk), "01.07.2026 12:30")
    }

    /// A page's template never prints an ISO date to a person: none of the texts has one written in.
    func testNoTemplateWritesAnISODate() throws {
        let iso = try NSRegularExpression(pattern: #"(?<![\w-])20\d\d-\d\d-\d\d(?![\w-])"#)
        var found: [String] = []
        for file in try Self.ukrainianTexts() where file.pathExtension == "mustache" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in iso.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let line = (text as NSString).substring(with: (text as NSString).lineRange(for: match.range))
                if line.contains("placeholder=") || line.contains("type=\"date\"") { continue }
                found.append("\(file.lastPathComponent): \(line.prefix(120))")
            }
        }
        XCTAssertEqual(found, [], found.joined(separator: "\n"))
    }
}
