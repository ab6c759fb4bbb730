import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// What the receipt page needs of the appeal besides the receipt itself.
struct FormReceiptAppeal: Sendable, Equatable {
    var kind: String
    var category: String
    var against: String?
}

extension IntakeStore {
    /// The receipt registered under one form's key (its sealed copy, kept for replays) and the
    /// appeal's kind, category and the body a complaint is against; nil when the key registered
    /// nothing (yet) or belongs to another centre.
    func formReceipt(_ key: IdempotentRequest) async throws -> (RegistrationReceipt, FormReceiptAppeal)? {
        try await database.withConnection { connection in
            guard
                let row = try connection.query(
                    """
                    SELECT response FROM idempotency_keys
                    WHERE centre_id = \(key.centre) AND key = \(key.storedKey) AND response IS NOT NULL
                    """
                ).first,
                let receipt = try? key.open(try row.decode(0, as: String.self)),
                let appeal = try connection.query(
                    """
                    SELECT kind, category, against FROM appeals
                    WHERE registration_number = \(receipt.registrationNumber)
                    """
                ).first
            else { return nil }
            return (
                receipt,
                FormReceiptAppeal(
                    kind: try appeal.decode(0, as: String.self), category: try appeal.decode(1, as: String.self),
                    against: try appeal.decode(2, as: String?.self))
            )
        }
    }
}
