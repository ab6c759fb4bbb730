import Foundation

/// The inbox's CSV export, written for Excel as Ukrainian offices use it: UTF-8 with a byte order
/// mark (so Excel does not read the Cyrillic as cp1251), `;` between fields (the list separator of
/// the Ukrainian locale, where `,` is the decimal mark), CRLF line ends, and RFC 4180 quoting (a
/// field with `;`, `"`, CR or LF is quoted, `"` doubled). A cell that a spreadsheet would read as a
/// formula (starting with `=`, `+`, `-`, `@`, a tab or CR) gets a leading `'` first, so a
/// resident's text never runs as a formula on an official's PC.
public enum InboxCSV {
    public static let byteOrderMark = "\u{FEFF}"
    public static let separator: Character = ";"
    public static let lineEnd = "\r\n"

    /// One cell as written.
    public static func cell(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            text = "'" + text
        }
        let needsQuotes = text.contains { $0 == separator || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One line (without its line end).
    public static func line(_ values: [String]) -> String { values.map(cell).joined(separator: String(separator)) }

    /// The whole file: the mark, the header line and the rows, each line ended by CRLF.
    public static func document(header: [String], rows: [[String]]) -> String {
        var out = byteOrderMark + line(header) + lineEnd
        for row in rows { out += line(row) + lineEnd }
        return out
    }
}
