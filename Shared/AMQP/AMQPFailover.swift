import Foundation
import Logging

/// One broker node of a cluster: where to connect. Credentials, vhost and TLS settings are the
/// configuration's and the same for every node.
public struct AMQPNode: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension AMQPConfiguration {
    /// Every node to try, in order: the configuration's own host and port, then `failoverNodes`.
    public var nodes: [AMQPNode] { [AMQPNode(host: host, port: port)] + failoverNodes }

    /// This configuration pointed at `nodes[index % nodes.count]`.
    public func forNode(_ index: Int) -> AMQPConfiguration {
        let all = nodes
        let node = all[((index % all.count) + all.count) % all.count]
        var copy = self
        copy.host = node.host
        copy.port = node.port
        return copy
    }

    /// Parses a comma-separated list of `amqp(s)://` URLs, one per cluster node (ARCHITECTURE.md:
    /// `HROMADA_AMQP_URL`). Every URL must name the same scheme, user, password and vhost: the
    /// nodes differ only in host and port. Query parameters of the first URL apply to all.
    static func cluster(urls: [Substring], connectionName: String) throws -> AMQPConfiguration {
        let parsed = try urls.enumerated().map { index, text in
            do {
                return try AMQPConfiguration(url: String(text), connectionName: connectionName)
            } catch let error as AMQPError {
                throw AMQPError(error.code, "node \(index + 1) of the AMQP URL list: \(error.description)")
            }
        }
        var first = parsed[0]
        for (index, other) in parsed.enumerated().dropFirst() {
            guard other.useTLS == first.useTLS, other.user == first.user, other.password == first.password,
                other.vhost == first.vhost
            else {
                throw AMQPError(
                    .connectionFailed,
                    "invalid AMQP URL: node \(index + 1) differs from node 1 in scheme, user, password or vhost")
            }
            first.failoverNodes.append(AMQPNode(host: other.host, port: other.port))
        }
        return first
    }

    /// The URL list split at commas (blank entries dropped); nil for a single URL.
    static func splitNodeList(_ url: String) -> [Substring]? {
        guard url.contains(",") else { return nil }
        let parts = url.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return parts.map { Substring($0) }
    }
}

extension RabbitConnection {
    /// Opens a connection to the first node that accepts one, starting at `node` (an index into
    /// `configuration.nodes`, kept across calls so a reconnect moves on from the node that failed)
    /// and trying each node once. On success `node` names the node connected to; on failure it
    /// has moved on by one, and the last node's error is thrown.
    static func openFailingOver(
        _ configuration: AMQPConfiguration, confirms: Bool, logger: Logger,
        node: inout Int
    ) throws -> RabbitConnection {
        let count = configuration.nodes.count
        var lastError: any Error = AMQPError(.connectionFailed, "no broker node configured")
        for attempt in 0..<count {
            let index = (node + attempt) % count
            let target = configuration.forNode(index)
            do {
                let connection = try RabbitConnection.open(target, confirms: confirms, logger: logger)
                if count > 1 {
                    logger.debug(
                        "AMQP connected to a cluster node", metadata: ["amqp.node": .string("\(target.nodes[0])")])
                }
                node = index
                return connection
            } catch {
                lastError = error
                if count > 1 {
                    logger.warning(
                        "AMQP node refused the connection; trying the next one",
                        metadata: ["amqp.node": .string("\(target.nodes[0])"), "amqp.error": .string("\(error)")])
                }
            }
        }
        node = (node + 1) % count
        throw lastError
    }
}
