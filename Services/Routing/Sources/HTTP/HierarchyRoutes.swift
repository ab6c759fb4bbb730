import Foundation
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// `GET /v1/authority-hierarchy` (any signed-in official) and `PUT /v1/authority-hierarchy`
/// (administrators): who stands above whom, `{"parents": {"zhkg": "executive-committee", …}}`.
/// A PUT is validated (known codes, no body above itself, no cycle) and answered with 422 naming
/// `parents.<code>` when it is not.
extension RoutingAPI {
    func registerHierarchy(on router: Router<WebRequestContext>) {
        let api = self
        router.get("/v1/authority-hierarchy") { request, context -> Response in
            try await api.mapped {
                _ = try Self.principal(context)
                return try JSON.response(
                    try await api.runtime.database.withConnection { c in try RoutingStore.hierarchy(on: c) })
            }
        }
        router.put("/v1/authority-hierarchy") { request, context -> Response in
            try await api.mapped {
                let principal = try Self.requireAdministrator(context)
                let proposed = try await Self.body(AuthorityHierarchy.self, request)
                let saved = try await api.write { tx, _ in try RoutingStore.replaceHierarchy(proposed, in: tx) }
                api.runtime.logger.info(
                    "authority hierarchy replaced",
                    metadata: ["official.id": "\(principal.id)", "bodies": "\(saved.parents.count)"])
                return try JSON.response(saved)
            }
        }
    }
}
