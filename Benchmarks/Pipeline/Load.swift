import Foundation
import HromadaContracts
import Synchronization

/// Monotonic seconds (CLOCK_MONOTONIC), for latencies measured by the benchmark itself.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// One submission's outcome as the client saw it.
struct Submission: Sendable {
    var index: Int
    var status: Int = 0
    /// Wall-clock time the request was due (open loop) or sent (closed loop).
    var dueWall: Date = .distantPast
    /// HTTP latency in seconds, from the due time (open loop: includes waiting for a free connection).
    var latency: Double = 0
    var appealId: UUID?
    var registeredAt: Date?
    var error: String?
}

/// How the load is offered.
enum LoadShape: Sendable, CustomStringConvertible {
    /// `workers` connections each sending the next appeal as soon as the previous answered.
    case closed(workers: Int)
    /// Appeal i is due at start + i / rate; `workers` connections take whichever is due next.
    case open(rate: Double, workers: Int)

    var description: String {
        switch self {
        case .closed(let workers): "closed loop, concurrency \(workers)"
        case .open(let rate, let workers): "open loop, \(Int(rate)) appeals/s (\(workers) connections)"
        }
    }
}

/// Builds valid appeal bodies from Mykolaiv's reference data; unique authors and texts so the
/// intake's repeat detection never links two benchmark appeals.
struct AppealFactory: Sendable {
    let runTag: String

    private static let streets = [
        "вул. Соборна", "просп. Центральний", "вул. Велика Морська",
        "вул. Адміральська", "просп. Миру", "вул. Космонавтів",
        "вул. Погранична", "просп. Богоявленський",
        "вул. Потьомкінська", "вул. Садова",
    ]
    private static let surnames = [
        "Коваленко", "Бондаренко", "Шевченко", "Мельник",
        "Ткаченко", "Кравченко", "Олійник", "Поліщук",
    ]
    private static let names = [
        "Олена", "Андрій", "Ірина", "Микола", "Тетяна", "Сергій", "Наталія",
        "Василь",
    ]

    func body(_ index: Int) -> [UInt8] {
        let categories = Reference.categories
        let districts = Reference.districts
        let category = categories[index % categories.count].code
        let district = districts[(index / categories.count) % districts.count].code
        let street = Self.streets[index % Self.streets.count]
        let surname = Self.surnames[index % Self.surnames.count]
        let name = "\(surname) \(Self.names[(index / 7) % Self.names.count]) Бенч\(runTag)x\(index)"
        let object: [String: Any] = [
            "kind": index % 3 == 0 ? "application" : "proposal",
            "category": category,
            "author": [
                "fullName": name,
                "address": "м. Миколаїв, \(street), \(1 + index % 150), кв. \(1 + index % 90)",
                "email": "bench-\(runTag)-\(index)@example.org",
                "preferredLanguage": index % 5 == 0 ? "en" : "uk",
            ],
            "subject": "Навантажувальний тест \(runTag) №\(index)",
            "text":
                "Звернення №\(index) серії \(runTag): "
                + "прошу перевірити стан об'єкта "
                + "за адресою \(street), \(1 + index % 150). "
                + "Проблема триває вже \(2 + index % 20) днів; "
                + "сусіди також скаржаться. "
                + "Код перевірки \(UUID().uuidString).",
            "district": district,
            "consent": true,
            "assistedBy": "Бібліотекар-консультант \(index % 12)",
        ]
        return Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data())
    }
}

/// Sends appeals over HTTP from its own threads (blocking sockets, never the cooperative pool).
final class LoadGenerator: Sendable {
    let host: String
    let port: UInt16
    let keys: [String]
    let factory: AppealFactory
    let indexOffset: Int

    init(host: String, port: UInt16, keys: [String], factory: AppealFactory, indexOffset: Int) {
        self.host = host
        self.port = port
        self.keys = keys
        self.factory = factory
        self.indexOffset = indexOffset
    }

    /// Submits `count` appeals; returns every outcome and the wall-clock span of the submissions.
    func run(count: Int, shape: LoadShape) async -> [Submission] {
        let next = Atomic<Int>(0)
        let results = Mutex<[Submission]>([])
        let workers: Int
        let rate: Double?
        switch shape {
        case .closed(let w):
            workers = w
            rate = nil
        case .open(let r, let w):
            workers = w
            rate = r
        }
        let startMono = monotonicSeconds()
        let startWall = Date()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let remaining = Atomic<Int>(workers)
            for worker in 0..<workers {
                let thread = Thread { [self] in
                    let connection = BlockingHTTPConnection(host: host, port: port)
                    var local: [Submission] = []
                    local.reserveCapacity(count / workers + 1)
                    while true {
                        let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                        if i >= count { break }
                        var dueMono = monotonicSeconds()
                        if let rate {
                            dueMono = startMono + Double(i) / rate
                            let wait = dueMono - monotonicSeconds()
                            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                        }
                        local.append(
                            self.submit(
                                i, dueMono: dueMono, startMono: startMono, startWall: startWall, connection: connection)
                        )
                    }
                    connection.close()
                    results.withLock { $0.append(contentsOf: local) }
                    if remaining.wrappingSubtract(1, ordering: .acquiringAndReleasing).oldValue == 1 {
                        continuation.resume()
                    }
                }
                thread.name = "bench-http-\(worker)"
                thread.stackSize = 1 << 20
                thread.start()
            }
        }
        return results.withLock { $0 }.sorted { $0.index < $1.index }
    }

    private func submit(
        _ i: Int, dueMono: Double, startMono: Double, startWall: Date, connection: BlockingHTTPConnection
    ) -> Submission {
        let global = indexOffset + i
        var outcome = Submission(index: global)
        outcome.dueWall = startWall.addingTimeInterval(dueMono - startMono)
        let key = keys[global % keys.count]
        let body = factory.body(global)
        do {
            let response = try connection.request(
                method: "POST", path: "/v1/appeals",
                headers: [
                    ("Authorization", "Bearer \(key)"),
                    ("Content-Type", "application/json"),
                    ("Idempotency-Key", "bench-\(factory.runTag)-\(global)"),
                ], body: body)
            outcome.latency = monotonicSeconds() - dueMono
            outcome.status = response.status
            if response.status == 201,
                let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            {
                outcome.appealId = (json["id"] as? String).flatMap(UUID.init(uuidString:))
                outcome.registeredAt = (json["registeredAt"] as? String).flatMap(ISO8601.parse)
            } else if response.status != 201 {
                outcome.error = "HTTP \(response.status)"
            }
        } catch {
            outcome.latency = monotonicSeconds() - dueMono
            outcome.error = "\(error)"
        }
        return outcome
    }
}
