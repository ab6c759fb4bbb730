import Foundation

/// The `/bin/bash -c` command lines and the posix_spawn calls with which the tests start scripts,
/// servers and browsers. Not Foundation's `Process`: on Linux it can hang in `waitUntilExit()`
/// (see `IntegrationEnvironment.infra`).
public enum Shell {
    /// `word` as one single-quoted shell word.
    public static func quote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Each word quoted, joined by spaces.
    public static func quote(_ words: [String]) -> String { words.map(quote).joined(separator: " ") }

    /// `'NAME=value'` words for `env -i`, sorted by name.
    public static func assignments(_ environment: [String: String]) -> String {
        quote(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
    }

    /// A command prefix that closes every descriptor above stderr the shell inherited from the test
    /// process, so that nothing it starts (a daemonised server too) keeps one of them open.
    public static let closingInheritedDescriptors =
        "for fd in /proc/$$/fd/*; do fd=${fd##*/}; "
        + "[ \"$fd\" -gt 2 ] 2>/dev/null && eval \"exec $fd>&-\" 2>/dev/null; done; "

    /// Starts `arguments[0]` (a path) with `arguments` and the test process's environment; returns
    /// its pid. `attributes`: posix_spawn's (e.g. a signal mask), none by default.
    public static func spawn(
        _ arguments: [String], attributes: UnsafePointer<posix_spawnattr_t>? = nil
    ) throws -> pid_t {
        var pid = pid_t()
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let spawned = posix_spawn(&pid, arguments[0], nil, attributes, argv, environ)
        guard spawned == 0 else { throw SpawnFailed(program: arguments[0], code: spawned) }
        return pid
    }

    public struct SpawnFailed: Error, CustomStringConvertible {
        public let program: String
        public let code: Int32
        public var description: String { "\(program) could not be started: posix_spawn returned \(code)" }
    }

    /// Waits for `pid` to end (waitpid); its exit status, or 128 + the signal that ended it.
    public static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return -1 }
        }
        // WIFEXITED / WEXITSTATUS by hand (the macros do not import).
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
