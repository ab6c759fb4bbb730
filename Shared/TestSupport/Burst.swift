/// What a burst of requests produced: the first answer that stopped it (nil if none did), every
/// other answer, and how many requests were sent.
public struct BurstOutcome<Answer: Sendable>: Sendable {
    public let stopping: Answer?
    public let answers: [Answer]
    public let sent: Int
}

/// Sends requests `width` at a time until an answer satisfies `stop`, `limit` requests have been
/// sent, or `timeout` has passed. `send` gets each request's index.
///
/// Rate-limit tests use it instead of a loop of one request after another: a token bucket refills
/// while the requests run, and on a loaded machine a serial loop can come no faster than the
/// refill (a bucket of 100 refilling at 50 a second is never emptied by 160 requests that take
/// 8 ms each). Sixteen at a time outran the refill even with six busy loops on two cores.
public func burst<Answer: Sendable>(
    width: Int = 16, limit: Int = 4000, timeout: Duration = .seconds(30),
    send: @escaping @Sendable (Int) async throws -> Answer,
    until stop: (Answer) -> Bool
) async throws -> BurstOutcome<Answer> {
    precondition(width > 0 && limit > 0, "a burst needs at least one request")
    let deadline = ContinuousClock.now + timeout
    var answers: [Answer] = []
    var sent = 0
    while sent < limit, ContinuousClock.now < deadline {
        let round = min(width, limit - sent)
        let first = sent
        let received = try await withThrowingTaskGroup(of: Answer.self, returning: [Answer].self) { group in
            for index in first..<(first + round) { group.addTask { try await send(index) } }
            var received: [Answer] = []
            for try await answer in group { received.append(answer) }
            return received
        }
        sent += round
        if let stopping = received.first(where: stop) {
            return BurstOutcome(stopping: stopping, answers: answers + received.filter { !stop($0) }, sent: sent)
        }
        answers += received
    }
    return BurstOutcome(stopping: nil, answers: answers, sent: sent)
}
