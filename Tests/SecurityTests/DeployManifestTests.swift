import Foundation
import HromadaTestSupport
import XCTest

/// deploy/validate.sh (yamllint, kubernetes-validate, the Compose specification, structural
/// checks) passes on the manifests, and fails on a broken copy — so the check can fail.
final class DeployManifestTests: XCTestCase {
    static let deploy = IntegrationEnvironment.repositoryRoot.appendingPathComponent("deploy")

    func run(_ directory: URL) throws -> Int32 {
        try IntegrationEnvironment.spawnAndWait(["/bin/bash", directory.appendingPathComponent("validate.sh").path])
    }

    func skipIfValidatorsMissing(_ status: Int32) throws {
        if status == 3 {
            if IntegrationEnvironment.infrastructureRequired { XCTFail("validators could not be installed (pip)") }
            throw XCTSkip("yamllint / kubernetes-validate / compose-spec not installable here")
        }
    }

    func testManifestsValidate() throws {
        let status = try run(Self.deploy)
        try skipIfValidatorsMissing(status)
        XCTAssertEqual(status, 0, "deploy/validate.sh found problems (run it to see them)")
    }

    func testValidatorRejectsBrokenManifests() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hromada-deploy-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: Self.deploy, to: copy)
        addTeardownBlock { try? FileManager.default.removeItem(at: copy) }
        let services = copy.appendingPathComponent("k8s/40-services.yaml")
        var text = try String(contentsOf: services, encoding: .utf8)
        XCTAssertTrue(text.contains("replicas: 2"))
        text = text.replacingOccurrences(of: "replicas: 2", with: "replicas: \"two\"")  // a schema error
        try text.write(to: services, atomically: true, encoding: .utf8)
        let status = try run(copy)
        try skipIfValidatorsMissing(status)
        XCTAssertEqual(status, 1, "a Deployment with replicas: \"two\" passed validation")
    }
}
