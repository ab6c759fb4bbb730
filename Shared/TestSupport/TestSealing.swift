import HromadaCrypto
import HromadaRuntime

/// The keys in-process services and spawned executables seal personal fields with in tests.
/// Fixed, so a test can open what it reads off the broker and the golden sealed fixtures open with
/// them; never used outside tests (deploy/local generates real keys into `.hromada/secrets/`).
public enum TestSealing {
    /// The ring the test services share (one key, id `test-1`).
    public static let keyring: SealingKeyring = ring("test-1", byte: 0x5e)
    /// A different key with the same id: what a service with the wrong key holds.
    public static let wrongKeyring: SealingKeyring = ring("test-1", byte: 0xa7)
    /// `HROMADA_SEALING_KEYS` for a spawned executable.
    public static var environmentValue: String { keyring.textForm }

    static func ring(_ id: String, byte: UInt8) -> SealingKeyring {
        do {
            return try SealingKeyring(current: (id, [UInt8](repeating: byte, count: AES256GCM.keyByteCount)))
        } catch {
            fatalError("TestSealing: \(error)")
        }
    }
}
