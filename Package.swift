// swift-tools-version: 6.1
import PackageDescription

// logwatch runs on Linux: LogFollowing watches files with inotify, the code calls Glibc, and
// the tests and CI run on Debian. No other platform is declared or built.

// Exclusivity is checked at run time everywhere but in the per-line modules (LogwatchCore,
// LogIngest, AnomalyEngine) of release builds, where the checks are a large share of a scan.
// Debug builds keep every check, and CI runs the tests in both configurations. File
// following, the state store, configuration and delivery are modules of their own and keep
// the checks in every build. The engine's snapshot decoding is part of the engine, so it is
// compiled without them in release; the snapshot fuzz target runs it with them.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "logwatch",
    products: [
        .executable(name: "logwatch", targets: ["logwatch"]),
        // The event model, addresses, time, alerts and hashing that the libraries below share.
        .library(name: "LogwatchCore", targets: ["LogwatchCore"]),
        // Reading logs into events: decoding, framing, formats, following files, the merged
        // pipeline. For tools that want logwatch's parsers without its detectors.
        .library(name: "LogIngest", targets: ["LogIngest"]),
        // The detectors as a synchronous state machine over events, for embedding and tests.
        .library(name: "AnomalyEngine", targets: ["AnomalyEngine"]),
        // The YAML configuration file, for tools that generate or check configurations.
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
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // What every part shares: the event model, addresses, event time, the alert and its
        // phase, hashing, text escaping, number formatting, buffered output.
        .target(name: "LogwatchCore", swiftSettings: hotPath),
        // Decoding, framing, format detection and parsing, and the pipeline that merges inputs
        // into batches of events. The only module that touches C.
        .target(name: "LogIngest", dependencies: ["LogwatchCore", "CZstd", "CZlib"], swiftSettings: hotPath),
        // statx(2)'s birth time, which Glibc's Swift module does not declare.
        .target(name: "CFileBirth"),
        // Following live files through rotation (globs, identity, fingerprints, inotify), for
        // tail. Kept out of the per-line modules so that it keeps every run-time check.
        .target(name: "LogFollowing", dependencies: ["LogwatchCore", "LogIngest", "CFileBirth"]),
        // The engine: a synchronous state machine over events. No C, no I/O, no clocks.
        .target(name: "AnomalyEngine", dependencies: ["LogwatchCore"], swiftSettings: hotPath),
        // The YAML configuration file, read into the engine's and the sinks' settings.
        .target(name: "LogwatchConfig", dependencies: ["LogwatchCore", "AnomalyEngine", .product(name: "Yams", package: "Yams")]),
        // What outlives a process: the state directory, file checkpoints, the engine's learned
        // state, alert history and the outbox. One SQLite database through GRDB.
        .target(name: "LogwatchState", dependencies: ["LogwatchCore", .product(name: "GRDB", package: "GRDB.swift")]),
        // Where alerts go: routing, local sinks, and the remote sinks (webhook, Slack,
        // Alertmanager) delivered from the outbox with AsyncHTTPClient, signed with swift-crypto.
        .target(name: "Alerting", dependencies: [
            "LogwatchCore", "LogwatchConfig", "LogwatchState",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The HTML report: traffic in time buckets, heaviest keys, percentiles (HdrHistogram),
        // drawn as inline SVG.
        .target(name: "TrafficReport", dependencies: ["LogwatchCore", .product(name: "Histogram", package: "hdrhistogram-swift")]),
        // tail's own health for operators: Prometheus metrics (swift-prometheus) and /healthz,
        // served over HTTP/1.1 with SwiftNIO.
        .target(name: "LogwatchMetrics", dependencies: [
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // One run of scan, report or tail: configuration, limits, window, state, engine,
        // sinks, the summary, and which failure ends with which exit status.
        // Pulling ServiceNow's log tables through the Table API (tail --servicenow).
        .target(name: "ServiceNowPull", dependencies: [
            "LogwatchCore", "LogIngest",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .target(name: "LogwatchRuntime", dependencies: [
            "LogwatchCore", "LogIngest", "LogFollowing", "AnomalyEngine", "LogwatchConfig", "LogwatchState", "Alerting", "TrafficReport",
            "LogwatchMetrics", "ServiceNowPull",
        ]),
        // The command line: one file per subcommand, over the runtime.
        .executableTarget(name: "logwatch", dependencies: [
            "LogwatchCore", "LogIngest", "AnomalyEngine", "LogwatchConfig", "LogwatchState", "Alerting", "LogwatchRuntime", "LogwatchMetrics",
            "ServiceNowPull",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "LogwatchCoreTests", dependencies: ["LogwatchCore", "TestSupport"]),
        .testTarget(name: "LogIngestTests", dependencies: ["LogIngest", "LogwatchCore", "CZstd", "CZlib", "TestSupport"]),
        .testTarget(name: "LogFollowingTests", dependencies: ["LogFollowing", "LogIngest", "LogwatchCore", "TestSupport"]),
        .testTarget(name: "AnomalyEngineTests", dependencies: ["AnomalyEngine", "LogwatchCore", "TestSupport"]),
        .testTarget(name: "LogwatchConfigTests", dependencies: ["LogwatchConfig", "AnomalyEngine", "LogwatchCore", "TestSupport"]),
        .testTarget(name: "LogwatchStateTests", dependencies: ["LogwatchState", "TestSupport"]),
        .testTarget(name: "AlertingTests", dependencies: ["Alerting", "LogwatchCore", "LogwatchConfig", "LogwatchState", "TestSupport"]),
        .testTarget(name: "TrafficReportTests", dependencies: ["TrafficReport", "AnomalyEngine", "LogwatchCore", "TestSupport"]),
        .testTarget(name: "LogwatchMetricsTests", dependencies: ["LogwatchMetrics", "TestSupport"]),
        .testTarget(name: "LogwatchRuntimeTests", dependencies: ["LogwatchRuntime", "LogIngest", "LogwatchCore", "LogwatchState", "TestSupport"]),
        .testTarget(name: "logwatchTests", dependencies: ["logwatch", "TestSupport"], exclude: ["receiver.py", "pngcolors.py", "fake_servicenow.py"]),
    ],
    swiftLanguageModes: [.v6]
)
