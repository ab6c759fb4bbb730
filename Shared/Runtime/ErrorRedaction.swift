import HromadaAMQP
import HromadaCore

// Which errors of the shared libraries may show their text in logs and dead-letter headers
// (`error.redactedDescription`, see `PrivacySafeError` in HromadaCore). PostgresError,
// ContractError and CryptoError conform in their own modules.

/// The broker's reply text and the client's fixed messages name exchanges, queues and reply
/// codes, never message contents.
extension AMQPError: PrivacySafeError {}

/// Its reason is fixed text naming the variable, never the value.
extension ConfigurationError: PrivacySafeError {}

/// Its reason is written by the handler and must name codes and fields only (see its doc).
extension PermanentEventError: PrivacySafeError {}
