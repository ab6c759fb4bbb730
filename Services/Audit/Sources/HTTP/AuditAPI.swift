import HromadaAPI

// The audit API's JSON is HromadaAPI's `AuditJSON` (one definition for the service and its clients,
// hromadactl included); these names are what the service's code calls them.

/// `GET /v1/verify` (and `POST /v1/verify` with extra checkpoints): the chain recomputed.
/// `firstBadSequence` is null when `ok`.
public typealias AuditVerification = AuditJSON.Verification
/// Body of `POST /v1/verify`.
public typealias AuditVerifyRequest = AuditJSON.VerifyRequest
/// A checkpoint as `GET /v1/checkpoints` lists it.
public typealias AuditCheckpointRecord = AuditJSON.CheckpointRecord
/// `GET /v1/trail/{registrationNumber}`.
public typealias AuditTrail = AuditJSON.Trail
public typealias AuditTrailEntry = AuditJSON.TrailEntry
/// One line of `GET /v1/export` (JSON Lines).
public typealias AuditExportLine = AuditJSON.ExportLine
/// `POST /v1/erase/{registrationNumber}`.
public typealias AuditErasure = AuditJSON.Erasure
