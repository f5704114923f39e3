// swift-tools-version: 6.1
import PackageDescription

// The per-line path (parsers, engine) runs without the runtime's exclusivity checks in release
// builds: perf showed swift_beginAccess and AccessSet::insert at 4-6% of a scan. Debug builds,
// and so the tests, keep every check; the compile-time checks apply to both.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "logwatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "logwatch", targets: ["logwatch"]),
        .library(name: "LogIngest", targets: ["LogIngest"]),
        .library(name: "AnomalyEngine", targets: ["AnomalyEngine"]),
        .library(name: "LogwatchConfig", targets: ["LogwatchConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The engine: a synchronous state machine over events. No C, no I/O, no clocks.
        // It owns the event model, which LogIngest produces.
        .target(name: "AnomalyEngine", swiftSettings: hotPath),
        // Decoding, framing, format detection and parsing. The only module that touches C.
        .target(name: "LogIngest", dependencies: ["CZstd", "CZlib", "AnomalyEngine"], swiftSettings: hotPath),
        // The YAML configuration file, read into the engine's configuration.
        .target(name: "LogwatchConfig", dependencies: ["AnomalyEngine", .product(name: "Yams", package: "Yams")]),
        // What outlives a process: file checkpoints, the engine's learned state, alert history.
        // One SQLite database, through GRDB over the system's libsqlite3.
        .target(name: "LogwatchState", dependencies: ["AnomalyEngine", "LogIngest", .product(name: "GRDB", package: "GRDB.swift")]),
        // Sending alerts to webhooks, Slack and Alertmanager from the outbox: AsyncHTTPClient for
        // HTTP and TLS, swift-crypto for the HMAC signatures.
        .target(name: "AlertDelivery", dependencies: [
            "LogwatchState",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The HTML report: traffic in time buckets, heaviest keys, percentiles (HdrHistogram),
        // drawn as inline SVG. Also the escaping of log text for terminals and HTML.
        .target(name: "TrafficReport", dependencies: ["AnomalyEngine", .product(name: "Histogram", package: "hdrhistogram-swift")]),
        .executableTarget(
            name: "logwatch",
            dependencies: [
                "LogIngest", "AnomalyEngine", "LogwatchConfig", "LogwatchState", "AlertDelivery", "TrafficReport",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "LogIngestTests", dependencies: ["LogIngest", "AnomalyEngine", "CZstd", "CZlib", "TestSupport"]),
        .testTarget(name: "AnomalyEngineTests", dependencies: ["AnomalyEngine", "TestSupport"]),
        .testTarget(name: "AlertDeliveryTests", dependencies: ["AlertDelivery"]),
        .testTarget(name: "TrafficReportTests", dependencies: ["TrafficReport", "AnomalyEngine", "TestSupport"]),
        .testTarget(name: "logwatchTests", dependencies: ["logwatch", "TestSupport"], exclude: ["receiver.py", "pngcolors.py"]),
    ],
    swiftLanguageModes: [.v6]
)
