import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// The intake schema's only door: every SQL statement of the service lives in this folder
/// (`IntakeStore` split by concern: reference data, centres, appeals, tracking). Handlers decode,
/// ask the domain, and call the store; they never see a connection.
public struct IntakeStore: Sendable {
    public let database: PostgresClient
    /// Every write with events goes through it: the change and its outbox events in one
    /// transaction, the relay woken after the commit.
    let unitOfWork: UnitOfWork

    public init(unitOfWork: UnitOfWork) {
        self.database = unitOfWork.database
        self.unitOfWork = unitOfWork
    }

    public init(runtime: ServiceRuntime) {
        self.init(unitOfWork: runtime.unitOfWork)
    }
}
