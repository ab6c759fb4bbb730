import HromadaContracts
import HromadaCrypto

// HromadaCrypto's keyring is the contracts' cipher for personal fields on the bus. The contracts
// own what is sealed and the wire form (`PersonalDataSealing`); the runtime seals in the outbox
// relay and opens in the event consumer, with the keyring `ServiceConfiguration.sealingKeys`
// read from `HROMADA_SEALING_KEYS`. Both modules are this package's, so the conformance lives in
// the one module that sees both (one package, so no retroactive conformance).
extension SealingKeyring: PersonalDataCipher {}
