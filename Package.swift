// swift-tools-version: 6.2
// Hromada: residents' appeals from Mykolaiv's Citizen Service Centres to the city's authorities.
// Layout (README's "Layout", docs/CONVENTIONS.md): Shared/ holds the C bridges and the libraries every
// service stands on; Services/<Name>/Sources is a service's library and Services/<Name>/Main its
// thin @main; Tests/ holds unit and integration tests; Benchmarks/ the load generator.
import PackageDescription

/// One settings array for every target (STYLE habit 1).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let unixSignals: Target.Dependency = .product(name: "UnixSignals", package: "swift-service-lifecycle")
let mustache: Target.Dependency = .product(name: "Mustache", package: "swift-mustache")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

/// A test target: its sources in `Tests/<name>`, the one settings array.
func tests(_ name: String, _ dependencies: [Target.Dependency], resources: [Resource]? = nil) -> Target {
    .testTarget(
        name: name, dependencies: dependencies, path: "Tests/\(name)", resources: resources,
        swiftSettings: swiftSettings)
}

/// A service's library and its thin executable, laid out the same way for every service.
func service(_ name: String, executable: String, extra: [Target.Dependency] = [], resources: [Resource]? = nil)
    -> [Target]
{
    [
        .target(
            name: name,
            dependencies: [
                "HromadaCore", "HromadaRuntime", "HromadaContracts", "HromadaPostgres", "HromadaAMQP", "HromadaCrypto",
                "HromadaWeb", "HromadaAPI", hummingbird, logging, metrics, lifecycle,
            ] + extra,
            path: "Services/\(name)/Sources",
            resources: resources,
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: executable,
            dependencies: [.target(name: name), "HromadaRuntime", logging, lifecycle],
            path: "Services/\(name)/Main",
            swiftSettings: swiftSettings
        ),
    ]
}

let package = Package(
    name: "hromada",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hromada-intake", targets: ["hromada-intake"]),
        .executable(name: "hromada-routing", targets: ["hromada-routing"]),
        .executable(name: "hromada-notification", targets: ["hromada-notification"]),
        .executable(name: "hromada-audit", targets: ["hromada-audit"]),
        .executable(name: "hromadactl", targets: ["hromadactl"]),
        .executable(name: "hromada-bench", targets: ["hromada-bench"]),
        .executable(name: "hromada-inbox-bench", targets: ["hromada-inbox-bench"]),
    ],
    dependencies: [
        // Without the default trait ConfigurationSupport: nothing here reads swift-configuration, which
        // would be compiled into every build. HummingbirdTesting is not used either (its AsyncHTTPClient
        // brings BoringSSL into the test build): Shared/TestSupport/RouterTesting.swift says why.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: C bridges (one per library; STYLE habit 3)
        .systemLibrary(
            name: "CRabbitMQ", path: "Shared/CRabbitMQ", pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL", path: "Shared/COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CCurl", path: "Shared/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // libvips for the photos of appeals (issue 15); its shim wraps the C-variadic calls.
        .systemLibrary(name: "CVips", path: "Shared/CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        // libqrencode for the receipt's QR code (issue 14); HromadaQRCode draws it as inline SVG.
        .systemLibrary(
            name: "CQREncode", path: "Shared/CQREncode", pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        // What Swift cannot call directly: the C-variadic amqp_login, curl_easy_setopt.
        .target(name: "CHromadaShims", dependencies: ["CRabbitMQ", "CCurl"], path: "Shared/CHromadaShims"),

        // MARK: Shared libraries
        // Hex, civil-date arithmetic and error redaction: the one copy the libraries below share.
        .target(name: "HromadaCore", path: "Shared/Core", swiftSettings: swiftSettings),
        .target(
            name: "HromadaContracts", dependencies: ["HromadaCore"], path: "Shared/Contracts",
            swiftSettings: swiftSettings),
        .target(
            name: "HromadaCrypto", dependencies: ["COpenSSL", "HromadaCore"], path: "Shared/Crypto",
            swiftSettings: swiftSettings),
        .target(
            name: "HromadaAMQP",
            dependencies: ["CRabbitMQ", "CHromadaShims", logging, metrics, nioPosix],
            path: "Shared/AMQP", swiftSettings: swiftSettings
        ),
        .target(
            name: "HromadaPostgres",
            dependencies: ["CLibPQ", "HromadaCore", logging, metrics, nioPosix],
            path: "Shared/Postgres", swiftSettings: swiftSettings
        ),
        .target(
            name: "HromadaRuntime",
            dependencies: [
                "HromadaCore", "HromadaContracts", "HromadaAPI", "HromadaAMQP", "HromadaPostgres", "HromadaCrypto",
                "CHromadaShims", hummingbird, logging, metrics, lifecycle, unixSignals, nioCore,
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Shared/Runtime", swiftSettings: swiftSettings
        ),
        // The web kit (context, principal, errors, sessions, CSRF, forms, templates, strings, assets)
        // and the JSON types of the services' APIs; Shared/Web/README.md says how a service adopts them.
        .target(
            name: "HromadaAPI", dependencies: ["HromadaContracts"], path: "Shared/API", swiftSettings: swiftSettings),
        .target(
            name: "HromadaWeb",
            dependencies: [
                "HromadaCore", "HromadaRuntime", "HromadaContracts", "HromadaCrypto", "HromadaPostgres", hummingbird,
                mustache, logging,
            ],
            path: "Shared/Web", exclude: ["README.md"], resources: [.copy("Resources")], swiftSettings: swiftSettings
        ),
        // Photos: libvips calls (Imaging) and the signed links intake serves them by (Photos).
        .target(name: "HromadaImaging", dependencies: ["CVips"], path: "Shared/Imaging", swiftSettings: swiftSettings),
        .target(
            name: "HromadaPhotos", dependencies: ["HromadaCore", "HromadaCrypto"], path: "Shared/Photos",
            swiftSettings: swiftSettings),
        .target(
            name: "HromadaQRCode", dependencies: ["CQREncode"], path: "Shared/QRCode", swiftSettings: swiftSettings),
        .target(
            name: "HromadaTestSupport",
            dependencies: [
                "HromadaRuntime", "HromadaAMQP", "HromadaPostgres", "HromadaContracts", "HromadaWeb", hummingbird,
                logging, lifecycle, nioCore, .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "Shared/TestSupport", swiftSettings: swiftSettings
        ),
    ]
        + service(
            "Intake", executable: "hromada-intake",
            extra: [mustache, "HromadaImaging", "HromadaPhotos", "HromadaQRCode"], resources: [.copy("Resources")])
        + service(
            "Routing", executable: "hromada-routing", extra: [mustache, "HromadaPhotos"],
            resources: [.copy("Resources")])
        + service(
            "Notification", executable: "hromada-notification", extra: [mustache, "CCurl", "CHromadaShims"],
            resources: [.copy("Resources")])
        + service("Audit", executable: "hromada-audit")
        + [
            .target(
                name: "HromadaCtl",
                dependencies: [
                    "HromadaCore", "HromadaRuntime", "HromadaContracts", "HromadaPostgres", "HromadaAMQP",
                    "HromadaCrypto", "HromadaAPI", "HromadaWeb", hummingbird, mustache, argumentParser, logging,
                    lifecycle,
                ],
                path: "Services/Ctl/Sources", resources: [.copy("Resources")], swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "hromadactl", dependencies: ["HromadaCtl", argumentParser],
                path: "Services/Ctl/Main", swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "hromada-bench",
                dependencies: [
                    "HromadaCore", "HromadaAMQP", "HromadaPostgres", "HromadaContracts", "HromadaRuntime",
                    argumentParser, logging,
                ],
                path: "Benchmarks/Pipeline", swiftSettings: swiftSettings
            ),
            // The officials' inbox at 100,000 tickets per authority (issue 14; BENCHMARKS.md).
            .executableTarget(
                name: "hromada-inbox-bench",
                dependencies: [
                    "Routing", "HromadaCore", "HromadaPostgres", "HromadaContracts", "HromadaRuntime", argumentParser,
                    logging,
                ],
                path: "Benchmarks/Inbox", swiftSettings: swiftSettings
            ),

            // MARK: Tests (unit tests in memory; integration tests against the real servers)
            tests("CoreTests", ["HromadaCore"]),
            tests("ContractsTests", ["HromadaContracts"], resources: [.copy("Fixtures")]),
            tests(
                "PhotoTests",
                [
                    "HromadaImaging", "HromadaPhotos", "HromadaRuntime", "Intake", "Routing", "Audit",
                    "HromadaTestSupport", "HromadaAMQP",
                ]),
            tests("CryptoTests", ["HromadaCrypto"]),
            tests("AMQPTests", ["HromadaAMQP", "HromadaTestSupport"]),
            tests("PostgresTests", ["HromadaCore", "HromadaPostgres", "HromadaTestSupport"]),
            tests("RuntimeTests", ["HromadaCore", "HromadaRuntime", "HromadaTestSupport"]),
            tests("IntakeTests", ["Intake", "HromadaTestSupport", "HromadaQRCode"]),
            tests("RoutingTests", ["Routing", "HromadaTestSupport"]),
            tests("NotificationTests", ["Notification", "HromadaTestSupport"]),
            tests("AuditTests", ["Audit", "HromadaTestSupport"]),
            tests(
                "WebTests", ["HromadaWeb", "HromadaTestSupport"], resources: [.copy("Resources")]),
            tests("CtlTests", ["HromadaCtl", "HromadaTestSupport", "HromadaWeb", "HromadaAPI"]),
            tests(
                "SecurityTests",
                [
                    "Intake", "Routing", "Notification", "Audit", "HromadaCtl", "HromadaTestSupport", "HromadaAMQP",
                    "HromadaPostgres", "HromadaCrypto", "HromadaCore",
                ]),
            tests("SystemTests", ["HromadaTestSupport", "HromadaContracts", "HromadaAMQP", "HromadaPostgres"]),
        ]
)
